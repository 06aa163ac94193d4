"""The HTTP API: every route, every rejection, and what a third-party verifier relies on."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ledger import samples as ex
from ledger.core import merkle
from ledger.core.checkpoint import parse_checkpoint
from ledger.core.errors import StoreError
from ledger.core.gs1 import gtin_uri
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteVerifier, open_note
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from tests.support.epcis_schema import assert_schema_valid
from tests.web.conftest import (
    CARRIER,
    FARM,
    MILL,
    NOW,
    OPERATOR,
    ORIGIN,
    REVOKED,
    STRANGER,
    event,
    harvest,
)
from web import create_app

API = "/api/v1"
IMMUTABLE = "public, max-age=31536000, immutable"
LOT = gtin_uri(ex.PADDY_GTIN, lot="LOT-1")  # the lot harvest() commissions by default


def post(client: FlaskClient, body: Any) -> TestResponse:
    return client.post(f"{API}/statements", json=body)


def post_raw(
    client: FlaskClient, data: bytes | str, content_type: str = "application/json"
) -> TestResponse:
    return client.post(f"{API}/statements", data=data, content_type=content_type)


def assert_error(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    """The response is a JSON error with this status and code; return its error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "index", "field"}
    assert "Traceback" not in response.get_data(as_text=True)
    return error  # type: ignore[no-any-return]


def leaf_hashes(ledger: Ledger) -> list[bytes]:
    return [leaf_hash(e.leaf) for e in ledger.entries(0, ledger.size())]


# -- POST /statements: acceptance and idempotence ---------------------------------------------


def test_post_event_appends_and_a_resubmission_answers_the_same_entry(
    client: FlaskClient, ledger: Ledger
) -> None:
    size = ledger.size()
    statement = event(harvest())
    first = post(client, statement)
    assert first.status_code == 201
    assert first.get_json() == {
        "index": size,
        "entry_hash": first.get_json()["entry_hash"],
        "created": True,
    }
    assert first.headers["Location"] == f"{API}/log/entries?start={size}&end={size + 1}"
    stored = ledger.entries(size, size + 1)[0]
    assert first.get_json()["entry_hash"] == stored.entry_hash.hex()
    assert json.loads(stored.leaf)["statement"] == statement

    again = post(client, statement)
    assert again.status_code == 200
    assert again.get_json() == {**first.get_json(), "created": False}
    assert ledger.size() == size + 1


def test_post_accepts_a_charset_parameter(client: FlaskClient) -> None:
    data = json.dumps(event(harvest()))
    assert post_raw(client, data, "application/json; charset=UTF-8").status_code == 201


def test_batch_is_appended_in_order(client: FlaskClient, ledger: Ledger) -> None:
    size = ledger.size()
    statements = [event(harvest(f"LOT-{i}")) for i in range(3)]
    response = post(client, {"statements": statements})
    assert response.status_code == 201
    entries = response.get_json()["entries"]
    assert [e["index"] for e in entries] == [size, size + 1, size + 2]
    assert all(e["created"] for e in entries)
    assert [json.loads(e.leaf)["statement"] for e in ledger.entries(size, size + 3)] == statements

    # Resubmitting the same batch changes nothing; adding one new statement creates one entry.
    again = post(client, {"statements": statements})
    assert again.status_code == 200
    assert [e["created"] for e in again.get_json()["entries"]] == [False] * 3
    mixed = post(client, {"statements": [statements[0], event(harvest("LOT-9"))]})
    assert mixed.status_code == 201
    assert [(e["index"], e["created"]) for e in mixed.get_json()["entries"]] == [
        (size, False),
        (size + 3, True),
    ]
    assert ledger.size() == size + 4


def test_batch_is_all_or_nothing_and_names_the_bad_statement(
    client: FlaskClient, ledger: Ledger
) -> None:
    size = ledger.size()
    future = harvest("LOT-F", time="2030-01-01T00:00:00+08:00")
    body = {"statements": [event(harvest("LOT-A")), event(harvest("LOT-B")), event(future)]}
    error = assert_error(post(client, body), 400, "event_in_future")
    assert error["index"] == 2
    assert ledger.size() == size


def test_batch_shape_errors_name_the_position(client: FlaskClient, ledger: Ledger) -> None:
    size = ledger.size()
    good = event(harvest())
    bad = {**event(harvest("LOT-2")), "extra": 1}
    error = assert_error(post(client, {"statements": [good, bad]}), 400, "unknown_field")
    assert error["index"] == 1
    assert error["field"] == "extra"
    assert_error(post(client, {"statements": []}), 400, "bad_batch_size")
    assert_error(post(client, {"statements": [good] * 1001}), 400, "bad_batch_size")
    assert_error(post(client, {"statements": good}), 400, "wrong_type")
    assert_error(post(client, {"statements": [good], "more": []}), 400, "unknown_field")
    assert ledger.size() == size


def test_a_single_statement_error_has_no_batch_index(client: FlaskClient) -> None:
    error = assert_error(post(client, event(harvest(), key=STRANGER)), 403, "unknown_key")
    assert "index" not in error
    assert error["field"] == "signer"


# -- POST /statements: rejections ------------------------------------------------------------


def _tampered() -> dict[str, Any]:
    statement = event(harvest())
    statement["payload"]["quantityList"][0]["quantity"] = 99999  # changed after signing
    return statement


def _bad_sig(sig: str) -> dict[str, Any]:
    return {**event(harvest()), "sig": sig}


REJECTIONS: list[tuple[str, Any, int, str]] = [
    ("top level is an array", [1, 2], 400, "wrong_type"),
    ("top level is a string", "statement", 400, "wrong_type"),
    (
        "missing sig",
        {k: v for k, v in event(harvest()).items() if k != "sig"},
        400,
        "missing_field",
    ),
    ("unknown member", {**event(harvest()), "note": "hi"}, 400, "unknown_field"),
    ("payload not an object", {**event(harvest()), "payload": "x"}, 400, "wrong_type"),
    ("unknown kind", {**event(harvest()), "kind": "gossip"}, 400, "unknown_kind"),
    ("kind not a string", {**event(harvest()), "kind": 5}, 400, "unknown_kind"),
    ("signer not a key id", {**event(harvest()), "signer": "ABC"}, 400, "bad_key_id"),
    ("sig not a string", _bad_sig(7), 400, "wrong_type"),  # type: ignore[arg-type]
    ("sig not base64", _bad_sig("not base64!"), 400, "bad_base64"),
    (
        "sig base64url",
        _bad_sig(event(harvest())["sig"].replace("+", "-").replace("/", "_") + "-"),
        400,
        "bad_base64",
    ),
    ("sig too short", _bad_sig(base64.b64encode(b"x" * 63).decode()), 400, "bad_length"),
    ("signature of other content", _tampered(), 403, "bad_signature"),
    (
        "signature by another key",
        {**event(harvest()), "sig": event(harvest(), key=MILL)["sig"]},
        403,
        "bad_signature",
    ),
    ("unknown key", event(harvest(), key=STRANGER), 403, "unknown_key"),
    ("revoked key", event(harvest(), key=REVOKED), 403, "key_revoked"),
    ("role may not post the step", event(harvest(), key=CARRIER), 403, "role_not_permitted"),
    (
        "event far in the future",
        event(harvest(time="2024-11-01T08:30:00+08:00")),
        400,
        "event_in_future",
    ),
    (
        "event missing eventID",
        event({k: v for k, v in harvest().items() if k != "eventID"}),
        400,
        "missing_field",
    ),
    ("event with wrong type", event({**harvest(), "eventTime": 20240925}), 400, "wrong_type"),
    (
        "producer signs an actor",
        sign_statement("actor", ex.actor_payloads()[0], FARM).to_json(),
        403,
        "not_operator",
    ),
    (
        "actor registered twice",
        sign_statement("actor", {**ex.actor_payloads()[0], "name": "again"}, OPERATOR).to_json(),
        409,
        "actor_exists",
    ),
    (
        "second genesis",
        sign_statement(
            "genesis",
            {
                "origin": ORIGIN,
                "operator_key": OPERATOR.public_key.b64,
                "created": "2024-11-01T00:00:01.000Z",
            },
            OPERATOR,
        ).to_json(),
        400,
        "misplaced_genesis",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "code"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS]
)
def test_rejections_store_nothing(
    client: FlaskClient, ledger: Ledger, body: Any, status: int, code: str
) -> None:
    size = ledger.size()
    assert_error(post(client, body), status, code)
    assert ledger.size() == size


def test_custody_is_enforced_and_a_handover_shows_in_the_history(
    client: FlaskClient, ledger: Ledger
) -> None:
    assert post(client, event(harvest())).status_code == 201
    lot = [(LOT, 12000, "KGM")]
    size = ledger.size()
    # The mill may ship, but it does not hold the farm's lot.
    stolen = ex.shipping(quantities=lot, source_gln=ex.MILL_GLN, destination_gln=ex.FARM_GLN)
    assert_error(post(client, event(stolen, key=MILL)), 403, "not_in_custody")
    assert ledger.size() == size
    handover = [event(ex.shipping(quantities=lot)), event(ex.receiving(quantities=lot), key=MILL)]
    assert post(client, {"statements": handover}).status_code == 201
    history = client.get(f"{API}/lots/{ex.PADDY_GTIN}/LOT-1").get_json()["entries"]
    assert [e["statement"]["payload"]["bizStep"] for e in history] == [
        "commissioning",
        "shipping",
        "receiving",
    ]


def test_event_time_within_the_allowance_is_accepted(client: FlaskClient) -> None:
    # NOW + 9 minutes, written in the producer's +08:00 offset.
    assert post(client, event(harvest(time="2024-11-01T08:09:00+08:00"))).status_code == 201


RAW_REJECTIONS: list[tuple[str, bytes, int, str]] = [
    ("not JSON", b"{kind: event}", 400, "bad_json"),
    ("empty body", b"", 400, "bad_json"),
    ("truncated", json.dumps(event(harvest())).encode()[:-5], 400, "bad_json"),
    (
        "duplicate member",
        b'{"kind":"event","kind":"event","payload":{},"signer":"00","sig":""}',
        400,
        "duplicate_member",
    ),
    ("NaN", b'{"kind":"event","payload":{"x":NaN},"signer":"00","sig":""}', 400, "bad_number"),
    ("Infinity", b"[Infinity]", 400, "bad_number"),
    ("huge exponent", b"[1e999]", 400, "bad_number"),
    ("not UTF-8", b'{"kind":"\xff"}', 400, "bad_encoding"),
    ("deeply nested", b"[" * 100_000 + b"]" * 100_000, 400, "too_deep"),
    ("nested past the limit", b"[" * 65 + b"]" * 65, 400, "too_deep"),
    (
        "lone surrogate",
        json.dumps({**event(harvest()), "payload": {"x": "\ud800"}}).encode(),
        400,
        "not_canonicalizable",
    ),
]


@pytest.mark.parametrize(
    ("data", "status", "code"), [r[1:] for r in RAW_REJECTIONS], ids=[r[0] for r in RAW_REJECTIONS]
)
def test_malformed_bodies(
    client: FlaskClient, ledger: Ledger, data: bytes, status: int, code: str
) -> None:
    size = ledger.size()
    assert_error(post_raw(client, data), status, code)
    assert ledger.size() == size


def test_deeply_nested_payload_that_parses_is_still_rejected_cleanly(
    client: FlaskClient, ledger: Ledger
) -> None:
    # Around the parser's own depth limit: a document it accepts can still be too deep for
    # the recursive canonicaliser after it (seen at depths 981-983 in a Flask request).
    for depth in range(940, 1010):
        payload = "[" * depth + "]" * depth
        sig = base64.b64encode(bytes(64)).decode()
        data = '{"kind":"event","payload":{"x":' + payload + '},"signer":"' + FARM.public_key.key_id
        data += '","sig":"' + sig + '"}'
        response = post_raw(client, data)
        assert 400 <= response.status_code < 500
    assert ledger.size() == 9


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "application/jsonx",
        "",
    ],
)
def test_wrong_content_type_is_415(client: FlaskClient, ledger: Ledger, content_type: str) -> None:
    size = ledger.size()
    assert_error(
        post_raw(client, json.dumps(event(harvest())), content_type), 415, "unsupported_media_type"
    )
    assert ledger.size() == size


def test_oversized_body_is_413(ledger: Ledger) -> None:
    client = create_app({"TESTING": True, "LEDGER": ledger, "LEDGER_MAX_BODY": 4096}).test_client()
    body = json.dumps({"statements": [event(harvest(f"LOT-{i}")) for i in range(5)]})
    assert len(body) > 4096
    assert_error(post_raw(client, body), 413, "too_large")
    assert post(client, event(harvest())).status_code == 201  # one statement still fits
    assert ledger.size() == 10


def test_oversized_statement_is_413(client: FlaskClient, ledger: Ledger) -> None:
    payload = harvest()
    payload["ilmd"]["tl:variety"] = "x" * 70_000  # the body fits in 1 MiB; the statement does not
    assert_error(post(client, event(payload)), 413, "too_large")
    assert ledger.size() == 9


def test_a_chunked_oversized_body_is_413(ledger: Ledger) -> None:
    client = create_app({"TESTING": True, "LEDGER": ledger, "LEDGER_MAX_BODY": 1000}).test_client()
    # No Content-Length: the limit must hold while reading the stream too. A server that
    # decodes chunked bodies says so with wsgi.input_terminated, as gunicorn does.
    response = client.post(
        f"{API}/statements",
        input_stream=io.BytesIO(b"[" + b"1," * 2000 + b"1]"),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_error(response, 413, "too_large")


# -- checkpoint and operator ------------------------------------------------------------------


def test_checkpoint_verifies_against_the_operator_key(client: FlaskClient, ledger: Ledger) -> None:
    post(client, event(harvest()))
    operator = client.get(f"{API}/operator")
    assert operator.status_code == 200
    assert operator.headers["Access-Control-Allow-Origin"] == "*"
    info = operator.get_json()
    assert info["origin"] == ORIGIN
    assert info["public_key"] == OPERATOR.public_key.b64
    verifier = NoteVerifier.parse(info["verifier_key"])
    assert verifier.public_key == OPERATOR.public_key

    response = client.get(f"{API}/checkpoint")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    opened = open_note(response.get_data(), [verifier])
    checkpoint = parse_checkpoint(opened.text)
    assert checkpoint.origin == ORIGIN
    assert checkpoint.size == ledger.size() == 10  # the server signed the grown log
    assert checkpoint.root == merkle.root_of(leaf_hashes(ledger))
    assert response.get_data(as_text=True) == ledger.latest_checkpoint().note  # type: ignore[union-attr]


def test_a_read_only_server_serves_the_last_signed_checkpoint(ledger: Ledger) -> None:
    reader = Ledger(ledger.engine, clock=ledger.clock)  # no signer: no passphrase was given
    client = create_app({"TESTING": True, "LEDGER": reader}).test_client()
    assert post(client, event(harvest())).status_code == 201  # appends still work
    text = client.get(f"{API}/checkpoint").get_data(as_text=True)
    assert parse_checkpoint(open_note(text, [reader.operator]).text).size == 9


def test_no_checkpoint_yet_is_404(
    client: FlaskClient, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger, "latest_checkpoint", lambda: None)
    assert_error(client.get(f"{API}/checkpoint"), 404, "no_checkpoint")


# -- entries and proofs -----------------------------------------------------------------------


def test_entries_pages(client: FlaskClient, ledger: Ledger) -> None:
    size = ledger.size()
    response = client.get(f"{API}/log/entries?start=0&end={size}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    entries = response.get_json()["entries"]
    assert [e["index"] for e in entries] == list(range(size))
    for item, stored in zip(entries, ledger.entries(0, size), strict=False):
        leaf = base64.b64decode(item["leaf"], validate=True)
        assert leaf == stored.leaf
        assert item["hash"] == leaf_hash(leaf).hex()
        assert json.loads(leaf)["index"] == item["index"]

    # A page reaching past the end is short and may still grow: not cacheable forever.
    tail = client.get(f"{API}/log/entries?start={size - 2}&end={size + 5}")
    assert [e["index"] for e in tail.get_json()["entries"]] == [size - 2, size - 1]
    assert tail.headers.get("Cache-Control") != IMMUTABLE
    assert client.get(f"{API}/log/entries?start={size + 10}").get_json() == {"entries": []}
    assert len(client.get(f"{API}/log/entries?start=3").get_json()["entries"]) == size - 3
    assert client.get(f"{API}/log/entries?start=4&end=4").get_json() == {"entries": []}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "start=",
        "start=-1",
        "start=x",
        "start=1.5",
        "start=1_0",
        "start=%20 1",
        "start=%D9%A3",
        "start=+1",
        "start=99999999999999999999",
        "start=9223372036854775808",
        "start=5&end=4",
        "start=0&end=1001",
        "start=1&start=2",
        "start=0&end=abc",
    ],
)
def test_entries_bad_parameters(client: FlaskClient, query: str) -> None:
    assert_error(client.get(f"{API}/log/entries?{query}"), 400, "bad_parameter")


def test_inclusion_proofs_verify(client: FlaskClient, ledger: Ledger) -> None:
    hashes = leaf_hashes(ledger)
    for tree_size in range(1, len(hashes) + 1):
        root = merkle.root_of(hashes[:tree_size])
        for index in range(tree_size):
            response = client.get(f"{API}/log/proof/inclusion?index={index}&tree_size={tree_size}")
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == IMMUTABLE
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            body = response.get_json()
            assert (body["index"], body["tree_size"]) == (index, tree_size)
            assert body["leaf_hash"] == hashes[index].hex()
            merkle.verify_inclusion(
                index, tree_size, hashes[index], [bytes.fromhex(p) for p in body["proof"]], root
            )


def test_inclusion_proof_against_the_served_checkpoint(client: FlaskClient) -> None:
    verifier = NoteVerifier.parse(client.get(f"{API}/operator").get_json()["verifier_key"])
    checkpoint = parse_checkpoint(
        open_note(client.get(f"{API}/checkpoint").get_data(), [verifier]).text
    )
    entry = client.get(f"{API}/log/entries?start=3&end=4").get_json()["entries"][0]
    proof = client.get(f"{API}/log/proof/inclusion?index=3&tree_size={checkpoint.size}").get_json()[
        "proof"
    ]
    merkle.verify_inclusion(
        3,
        checkpoint.size,
        bytes.fromhex(entry["hash"]),
        [bytes.fromhex(p) for p in proof],
        checkpoint.root,
    )


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("index=0", 400, "bad_parameter"),
        ("tree_size=3", 400, "bad_parameter"),
        ("index=3&tree_size=3", 400, "bad_parameter"),
        ("index=0&tree_size=0", 400, "bad_parameter"),
        ("index=-1&tree_size=3", 400, "bad_parameter"),
        ("index=0&tree_size=100", 404, "no_such_tree"),
        ("index=0&tree_size=9223372036854775807", 404, "no_such_tree"),
    ],
)
def test_inclusion_proof_errors(client: FlaskClient, query: str, status: int, code: str) -> None:
    assert_error(client.get(f"{API}/log/proof/inclusion?{query}"), status, code)


def test_consistency_proofs_verify(client: FlaskClient, ledger: Ledger) -> None:
    hashes = leaf_hashes(ledger)
    for second in range(1, len(hashes) + 1):
        for first in range(1, second + 1):
            response = client.get(f"{API}/log/proof/consistency?first={first}&second={second}")
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == IMMUTABLE
            body = response.get_json()
            assert (body["first"], body["second"]) == (first, second)
            merkle.verify_consistency(
                first,
                second,
                [bytes.fromhex(p) for p in body["proof"]],
                merkle.root_of(hashes[:first]),
                merkle.root_of(hashes[:second]),
            )


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("first=0&second=3", 400, "bad_parameter"),
        ("first=4&second=3", 400, "bad_parameter"),
        ("first=1", 400, "bad_parameter"),
        ("first=a&second=3", 400, "bad_parameter"),
        ("first=1&second=100", 404, "no_such_tree"),
    ],
)
def test_consistency_proof_errors(client: FlaskClient, query: str, status: int, code: str) -> None:
    assert_error(client.get(f"{API}/log/proof/consistency?{query}"), status, code)


# -- histories --------------------------------------------------------------------------------


def test_history_of_a_lot(client: FlaskClient, ledger: Ledger) -> None:
    statement = event(harvest())
    index = post(client, statement).get_json()["index"]
    post(client, event(harvest("LOT-2")))  # another lot: not in this history
    for url in (
        f"{API}/history?object={LOT}",
        f"{API}/lots/{ex.PADDY_GTIN}/LOT-1",
        f"{API}/lots/{ex.PADDY_GTIN[1:]}/LOT-1",  # a GTIN-13 is padded to 14 digits
        f"{API}/history?object=https://example.com/01/{ex.PADDY_GTIN}/10/LOT-1?x=1",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.get_json()
        assert body["object"] == LOT
        [item] = body["entries"]
        assert item["index"] == index
        assert item["statement"] == statement
        stored = ledger.entries(index, index + 1)[0]
        assert base64.b64decode(item["leaf"]) == stored.leaf
        assert item["hash"] == stored.entry_hash.hex()


def test_history_of_a_unit(client: FlaskClient) -> None:
    unit = gtin_uri(ex.BAG_GTIN, serial="SN/7")  # a serial with a slash is escaped in the path
    payload = harvest()
    del payload["quantityList"], payload["ilmd"]
    payload["epcList"] = [unit]
    index = post(client, event(payload)).get_json()["index"]
    response = client.get(f"{API}/units/{ex.BAG_GTIN}/SN%2F7")
    assert response.status_code == 200, response.get_json()
    assert [e["index"] for e in response.get_json()["entries"]] == [index]
    assert response.get_json()["object"] == unit


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        (f"{API}/history", 400, "bad_parameter"),
        (f"{API}/history?object=", 400, "bad_parameter"),
        (f"{API}/history?object=a&object=b", 400, "bad_parameter"),
        (f"{API}/history?object=not-a-uri", 400, "bad_identifier"),
        (
            f"{API}/history?object=https://id.gs1.org/01/06901234000109/10/LOT-1",
            400,
            "bad_check_digit",
        ),
        (f"{API}/history?object={LOT}", 404, "unknown_object"),
        (f"{API}/lots/06901234000109/LOT-1", 400, "bad_check_digit"),
        (f"{API}/lots/abc/LOT-1", 400, "bad_identifier"),
        (f"{API}/lots/{ex.PADDY_GTIN}/{'L' * 21}", 400, "bad_identifier"),
        (f"{API}/lots/{ex.PADDY_GTIN}/LOT%20ONE", 400, "bad_identifier"),
        (f"{API}/lots/{ex.PADDY_GTIN}/LOT-1", 404, "unknown_object"),
        (f"{API}/units/{ex.BAG_GTIN}/000001", 404, "unknown_object"),
    ],
)
def test_history_errors(client: FlaskClient, url: str, status: int, code: str) -> None:
    assert_error(client.get(url), status, code)


# -- the OpenAPI document ---------------------------------------------------------------------


def _openapi_path(rule: str) -> str:
    """A werkzeug rule in OpenAPI's template syntax: ``<path:lot>`` -> ``{lot}``."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_document_matches_the_routes(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    served = {
        (_openapi_path(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in rule.methods - {"HEAD", "OPTIONS"}  # type: ignore[operator]
    }
    assert documented == served


def test_openapi_document_is_valid() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    from web.api import OPENAPI_PATH

    validator.validate(json.loads(OPENAPI_PATH.read_text(encoding="utf-8")))


# -- headers, errors and the index page -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/"),
        ("GET", f"{API}/operator"),
        ("GET", f"{API}/checkpoint"),
        ("GET", f"{API}/nowhere"),
        ("POST", f"{API}/statements"),
        ("GET", f"{API}/log/entries?start=x"),
        ("DELETE", f"{API}/operator"),
    ],
)
def test_security_headers_on_every_response(client: FlaskClient, method: str, url: str) -> None:
    response = client.open(url, method=method)
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_cors_is_for_reads_only(client: FlaskClient) -> None:
    assert (
        client.get(f"{API}/log/entries?start=0&end=1").headers["Access-Control-Allow-Origin"] == "*"
    )
    assert client.get(f"{API}/log/entries?start=x").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in post(client, event(harvest())).headers


def test_http_errors_are_json(client: FlaskClient) -> None:
    assert_error(client.get(f"{API}/nowhere"), 404, "not_found")
    error = client.delete(f"{API}/operator")
    assert_error(error, 405, "method_not_allowed")
    assert "GET" in error.headers["Allow"]
    assert_error(client.get(f"{API}/statements"), 405, "method_not_allowed")


def test_store_errors_are_503(
    client: FlaskClient, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> int:
        raise StoreError("the database is locked", code="store_error")

    monkeypatch.setattr(ledger, "size", broken)
    assert_error(client.get(f"{API}/log/entries?start=0"), 503, "store_error")


def test_unexpected_errors_are_logged_and_answered_without_details(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> int:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(ledger, "size", boom)
    client = create_app({"TESTING": True, "LEDGER": ledger}).test_client()
    response = client.get(f"{API}/log/entries?start=0")
    error = assert_error(response, 500, "internal")
    assert "secret" not in error["message"]
    assert "RuntimeError" not in response.get_data(as_text=True)
    assert any("secret internal detail" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_developers_page(client: FlaskClient, ledger: Ledger) -> None:
    response = client.get("/api")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert ledger.operator.vkey in page and "/api/v1/statements" in page
    assert "<script" not in page


def test_app_from_environment(
    ledger: Ledger, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a ready ledger, the app opens the configured database and operator key."""
    from ledger.keystore import Keystore

    Keystore(tmp_path / "keys").create("operator", "pw", OPERATOR)
    url = str(ledger.engine.url)
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_KEYSTORE", str(tmp_path / "keys"))
    monkeypatch.setenv("LEDGER_PASSPHRASE", "pw")
    monkeypatch.setenv("LEDGER_MAX_BODY", "2048")
    app = create_app({"TESTING": True})
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert "LEDGER_PASSPHRASE" not in app.config
    signing = app.extensions["ledger"]
    assert signing.signer is not None
    app.extensions["ledger"].engine.dispose()

    monkeypatch.delenv("LEDGER_PASSPHRASE")
    assert create_app({"TESTING": True}).extensions["ledger"].signer is None
    monkeypatch.setenv("LEDGER_MAX_BODY", "lots")
    with pytest.raises(Exception, match="LEDGER_MAX_BODY"):
        create_app({"TESTING": True})


def test_times_are_the_fixed_clock(ledger: Ledger) -> None:
    assert json.loads(ledger.entries(0, 1)[0].leaf)["time"] == NOW.strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


def test_epcis_document_for_one_object(client: FlaskClient) -> None:
    paddy = "https://id.gs1.org/01/" + ex.PADDY_GTIN + "/10/LOT-9"
    assert client.post("/api/v1/statements", json=event(harvest("LOT-9"))).status_code == 201
    response = client.get("/api/v1/epcis", query_string={"object": paddy})
    assert response.status_code == 200
    assert response.content_type.startswith("application/ld+json")
    document = response.get_json(force=True)
    events = document["epcisBody"]["eventList"]
    notes = document["epcisHeader"]["tl:ledgerEntries"]
    assert len(events) == 1 and notes[0]["eventID"] == events[0]["eventID"]
    assert notes[0]["tl:eventHash"].startswith("ni:///sha-256;")
    assert_schema_valid(document)
    assert client.get("/api/v1/epcis").status_code == 400
    unknown = client.get("/api/v1/epcis", query_string={"object": paddy.replace("LOT-9", "LOT-8")})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "unknown_object"
