"""Hostile bodies for ``POST /api/v1/statements``, each a fixed, named case (issue 7, defect 1).

Every answer is a 4xx JSON error with a stable code and a plain message, and nothing is
stored. Cases marked "regression" answered 500 before the fix named beside them.
"""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ledger.core.canonical import parse_json
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from tests.support.json_patch import paths, put
from tests.web.conftest import FARM, event, harvest
from web import create_app

URL = "/api/v1/statements"
KEY_ID = FARM.public_key.key_id
ZERO_SIG = base64.b64encode(bytes(64)).decode()
CODE = re.compile(r"[a-z][a-z0-9_]*")
# Words that would mean Python's internals leaked into a message meant for a producer.
LEAKS = ("Traceback", "Error(", "<class", "object at 0x", 'File "')


def post_raw(
    client: FlaskClient, data: bytes | str, content_type: str | None = "application/json"
) -> TestResponse:
    if content_type is None:
        return client.post(URL, data=data)
    return client.post(URL, data=data, content_type=content_type)


def assert_refused(
    response: TestResponse, ledger: Ledger, size: int, status: int | None = None
) -> dict[str, Any]:
    """A 4xx JSON error with a stable code and a plain message; nothing stored."""
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, text
    if status is not None:
        assert response.status_code == status, text
    assert response.mimetype == "application/json", text
    error = response.get_json()["error"]
    assert CODE.fullmatch(error["code"]), error
    message = error["message"]
    assert isinstance(message, str) and 0 < len(message) <= 400, message
    assert not any(leak in text for leak in LEAKS), text
    assert ledger.size() == size
    return error  # type: ignore[no-any-return]


def statement_text(payload_json: str, *, sig: str = ZERO_SIG) -> str:
    """A statement whose payload is the raw JSON text given (so any literal fits in it)."""
    return f'{{"kind":"event","payload":{payload_json},"signer":"{KEY_ID}","sig":"{sig}"}}'


# -- number literals -----------------------------------------------------------------------

# (name, literal, the parser's code; "" when the literal is a number and a later rule refuses)
NUMBERS: list[tuple[str, str, str]] = [
    ("1e400", "1e400", "bad_number"),
    ("-1e400", "-1e400", "bad_number"),
    ("1E+400", "1E+400", "bad_number"),
    ("exponent of nine digits", "1e999999999", "bad_number"),
    ("1e-400 underflows to 0", "1e-400", ""),
    ("-1e-400", "-1e-400", ""),
    ("-0", "-0", ""),
    ("-0.0", "-0.0", ""),
    ("1.0", "1.0", ""),
    ("2^53 + 1", "9007199254740993", ""),
    ("thirty digits", "123456789012345678901234567890", ""),
    ("largest double", "1.7976931348623157e308", ""),
    ("just past the largest double", "1.8e308", "bad_number"),
    ("a long fraction", "0." + "0" * 5000 + "1", ""),
    ("leading zero", "01", "bad_json"),
    ("negative leading zero", "-01", "bad_json"),
    ("plus sign", "+1", "bad_json"),
    ("bare fraction", ".5", "bad_json"),
    ("trailing point", "1.", "bad_json"),
    ("hexadecimal", "0x10", "bad_json"),
    ("NaN", "NaN", "bad_number"),
    ("-Infinity", "-Infinity", "bad_number"),
    # regression: int() refuses more than 4300 digits (ValueError, a 500): canonical._parse_int
    ("4301-digit integer", "1" + "0" * 4300, "bad_number"),
    ("5000 nines", "9" * 5000, "bad_number"),
    ("5000 negative nines", "-" + "9" * 5000, "bad_number"),
    ("100000-digit integer", "7" * 100_000, "bad_number"),
]


@pytest.mark.parametrize(("literal", "code"), [n[1:] for n in NUMBERS], ids=[n[0] for n in NUMBERS])
def test_number_literals_in_a_payload(
    client: FlaskClient, ledger: Ledger, literal: str, code: str
) -> None:
    size = ledger.size()
    for payload in (f'{{"x":{literal}}}', f'{{"a":[{{"b":[[{literal}]]}}]}}'):
        error = assert_refused(post_raw(client, statement_text(payload)), ledger, size)
        if code:
            assert error["code"] == code
        else:
            assert error["code"] not in ("bad_number", "bad_json", "internal")


@pytest.mark.parametrize(("literal", "code"), [n[1:] for n in NUMBERS], ids=[n[0] for n in NUMBERS])
def test_number_literals_in_place_of_each_member(
    client: FlaskClient, ledger: Ledger, literal: str, code: str
) -> None:
    size = ledger.size()
    good = {"kind": "event", "payload": {}, "signer": KEY_ID, "sig": ZERO_SIG}
    for name in good:
        body = json.dumps({**good, name: "@"}).replace('"@"', literal)
        assert_refused(post_raw(client, body), ledger, size)
    assert_refused(post_raw(client, literal), ledger, size)
    assert_refused(post_raw(client, f'{{"statements":{literal}}}'), ledger, size)
    assert_refused(post_raw(client, f'{{"statements":[{literal}]}}'), ledger, size)


def test_huge_integer_message_is_short(client: FlaskClient, ledger: Ledger) -> None:
    error = assert_refused(post_raw(client, "[" + "9" * 5000 + "]"), ledger, ledger.size(), 400)
    assert error["code"] == "bad_number"
    assert "out of range" in error["message"]


SAME_QUANTITY = ["12000", "12000.0", "1.2e4", "1.2E+4", "120000e-1", "12000.000000000000001"]


def test_spellings_of_one_number_are_one_statement(client: FlaskClient, ledger: Ledger) -> None:
    """The signature covers the canonical form: 12000 and 1.2e4 are the same statement."""
    payload = harvest("NUM-1")
    statement = sign_statement("event", payload, FARM).to_json()
    assert payload["quantityList"][0]["quantity"] == 12000
    text = json.dumps(statement)
    assert text.count('"quantity": 12000') == 1
    answers = []
    for spelling in SAME_QUANTITY:
        response = post_raw(client, text.replace('"quantity": 12000', f'"quantity": {spelling}'))
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        answers.append(response.get_json()["index"])
    assert len(set(answers)) == 1


# -- nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [63, 64, 65, 1000, 5000, 100_000])
@pytest.mark.parametrize("shape", ["arrays", "objects", "mixed", "unclosed"])
def test_deep_nesting_everywhere(
    client: FlaskClient, ledger: Ledger, depth: int, shape: str
) -> None:
    size = ledger.size()
    opening = {"arrays": "[", "objects": '{"a":', "mixed": '[{"a":', "unclosed": "["}[shape]
    closing = {"arrays": "]", "objects": "}", "mixed": "}]", "unclosed": ""}[shape]
    inner = "1" if shape in ("objects", "mixed") else ""
    nest = opening * depth + inner + closing * depth
    for body in (nest, statement_text(f'{{"x":{nest}}}'), f'{{"statements":[{nest}]}}'):
        assert_refused(post_raw(client, body), ledger, size)


# -- text encodings ------------------------------------------------------------------------


def valid_body() -> str:
    return json.dumps(event(harvest("ENC-1")), ensure_ascii=False)


ENCODINGS: list[tuple[str, bytes, str]] = [
    ("UTF-8 BOM", b"\xef\xbb\xbf" + valid_body().encode(), "bad_json"),
    ("UTF-16 with BOM", valid_body().encode("utf-16"), "bad_encoding"),
    ("UTF-16LE", valid_body().encode("utf-16-le"), "bad_encoding"),
    ("UTF-16BE", valid_body().encode("utf-16-be"), "bad_encoding"),
    ("UTF-32", valid_body().encode("utf-32"), "bad_encoding"),
    ("invalid UTF-8 in a string", b'{"kind":"ev\xc3\x28nt"}', "bad_encoding"),
    ("overlong UTF-8 NUL", b'{"kind":"\xc0\x80"}', "bad_encoding"),
    ("UTF-8 encoded surrogate", b'{"kind":"\xed\xa0\x80"}', "bad_encoding"),
    ("truncated UTF-8", '{"kind":"稻'.encode()[:-1], "bad_encoding"),
    ("raw NUL byte", b'{"kind":"event\x00"}', "bad_json"),
    ("NUL byte outside strings", b'{"kind"\x00:"event"}', "bad_json"),
    (
        "escaped NUL in kind",
        b'{"kind":"event\\u0000","payload":{},"signer":"x","sig":"x"}',
        "unknown_kind",
    ),
    ("Latin-1 text", '{"kind":"événement"}'.encode("latin-1"), "bad_encoding"),
]


@pytest.mark.parametrize(
    ("data", "code"), [e[1:] for e in ENCODINGS], ids=[e[0] for e in ENCODINGS]
)
def test_encodings(client: FlaskClient, ledger: Ledger, data: bytes, code: str) -> None:
    error = assert_refused(post_raw(client, data), ledger, ledger.size(), 400)
    assert error["code"] == code


SURROGATES = ["\\ud800", "\\udfff", "\\uDBFF", "\\udc00\\ud800", "a\\ud800b", "\\ud800\\u0041"]


@pytest.mark.parametrize("escape", SURROGATES)
@pytest.mark.parametrize(
    "where",
    [
        "payload value",
        "payload key",  # regression: rfc8785's UnicodeEncodeError escaped canonical_bytes
        "nested payload key",  # regression: the same
        "statement key",  # regression: the error echoed the key; its JSON could not be encoded
        "batch key",  # regression: the same, for a batch's top level
        "kind",
        "signer",
        "sig",
    ],
)
def test_lone_surrogates(client: FlaskClient, ledger: Ledger, escape: str, where: str) -> None:
    """A lone surrogate is no Unicode character: the document has no canonical form."""
    size = ledger.size()
    good = json.dumps(event(harvest("SUR-1")))
    s = f'"{escape}"'
    body = {
        "payload value": statement_text(f'{{"x":{s}}}'),
        "payload key": statement_text(f"{{{s}:1}}"),
        "nested payload key": statement_text(f'{{"a":[{{{s}:{{"b":1}}}}]}}'),
        "statement key": good[:-1] + f",{s}:1}}",
        "batch key": f'{{"statements":[{good}],{s}:1}}',
        "kind": f'{{"kind":{s},"payload":{{}},"signer":"{KEY_ID}","sig":"{ZERO_SIG}"}}',
        "signer": f'{{"kind":"event","payload":{{}},"signer":{s},"sig":"{ZERO_SIG}"}}',
        "sig": f'{{"kind":"event","payload":{{}},"signer":"{KEY_ID}","sig":{s}}}',
    }[where]
    error = assert_refused(post_raw(client, body), ledger, size, 400)
    if where in (
        "payload value",
        "payload key",
        "nested payload key",
        "statement key",
        "batch key",
    ):
        assert error["code"] == "not_canonicalizable"
    # The answer itself is valid UTF-8 JSON (no surrogate echoed back raw).
    json.loads(post_raw(client, body).get_data().decode("utf-8"))


def test_paired_surrogate_escape_is_a_character(client: FlaskClient, ledger: Ledger) -> None:
    payload = harvest("SUR-2")
    payload["ilmd"]["tl:variety"] = "\U0001f33e"
    text = json.dumps(event(payload))  # ensure_ascii: written as the pair \ud83c\udf3e
    assert "\\ud83c\\udf3e" in text
    assert post_raw(client, text).status_code == 201


# -- content types -------------------------------------------------------------------------

CONTENT_TYPES: list[tuple[str | None, int]] = [
    (None, 415),
    ("text/plain", 415),
    ("text/plain; charset=utf-8", 415),
    ("application/x-www-form-urlencoded", 415),
    ("multipart/form-data", 415),
    ("multipart/form-data; boundary=xyz", 415),
    ("application/json; charset=latin-1", 415),
    ("application/json; charset=utf-16", 415),
    ("application/json; charset=utf-32", 415),
    ("application/jsonx", 415),
    ("application/ld+json", 415),
    ("*/*", 415),
    ("application/json; charset=UTF-8", 201),
    ('application/json; charset="utf-8"', 201),
    ("APPLICATION/JSON", 201),
    ("application/json;;;", 201),
    ("application/json; charset", 201),
]


@pytest.mark.parametrize(("content_type", "status"), CONTENT_TYPES)
def test_content_types(
    client: FlaskClient, ledger: Ledger, content_type: str | None, status: int
) -> None:
    size = ledger.size()
    response = post_raw(client, valid_body(), content_type)
    if status == 415:
        assert assert_refused(response, ledger, size, 415)["code"] == "unsupported_media_type"
    else:
        assert response.status_code == status, response.get_data(as_text=True)


def test_form_and_multipart_bodies(client: FlaskClient, ledger: Ledger) -> None:
    size = ledger.size()
    assert_refused(client.post(URL, data={"kind": "event"}), ledger, size, 415)
    upload = {"file": (io.BytesIO(valid_body().encode()), "statement.json", "application/json")}
    assert_refused(client.post(URL, data=upload), ledger, size, 415)


# -- shapes --------------------------------------------------------------------------------

SHAPES: list[tuple[str, str, str]] = [
    ("empty body", "", "bad_json"),
    ("white space", " \n\t ", "bad_json"),
    ("null", "null", "wrong_type"),
    ("true", "true", "wrong_type"),
    ("a string", '"event"', "wrong_type"),
    ("a number", "1", "wrong_type"),
    ("an array", "[]", "wrong_type"),
    ("an array of a statement", f"[{statement_text('{}')}]", "wrong_type"),
    ("empty object", "{}", "missing_field"),
    ("two documents", "{}{}", "bad_json"),
    ("trailing comma", '{"kind":"event",}', "bad_json"),
    ("comment", '{"kind":"event"/*x*/}', "bad_json"),
    ("single quotes", "{'kind':'event'}", "bad_json"),
    ("duplicate kind", statement_text("{}")[:-1] + ',"kind":"event"}', "duplicate_member"),
    ("duplicate in payload", statement_text('{"a":1,"a":1}'), "duplicate_member"),
    ("duplicate deep", statement_text('{"a":[{"b":{"c":1,"c":2}}]}'), "duplicate_member"),
    ("duplicate statements", '{"statements":[],"statements":[]}', "duplicate_member"),
    ("empty batch", '{"statements":[]}', "bad_batch_size"),
    ("batch of null", '{"statements":null}', "wrong_type"),
    ("batch of an object", '{"statements":{}}', "wrong_type"),
    (
        "batch of 1001 empty objects",
        '{"statements":[' + ",".join(["{}"] * 1001) + "]}",
        "bad_batch_size",
    ),
    (
        "batch of 100000 numbers",
        '{"statements":[' + ",".join(["0"] * 100_000) + "]}",
        "bad_batch_size",
    ),
    ("an array of 200000 zeros", "[" + ",".join(["0"] * 200_000) + "]", "wrong_type"),
    (
        "a payload array of 100000 zeros",
        statement_text('{"x":[' + ",".join(["0"] * 100_000) + "]}"),
        "too_large",
    ),
    ("batch with an extra member", '{"statements":[{}],"x":1}', "unknown_field"),
    ("statement with an extra member", statement_text("{}")[:-1] + ',"x":1}', "unknown_field"),
]


@pytest.mark.parametrize(("body", "code"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_shapes(client: FlaskClient, ledger: Ledger, body: str, code: str) -> None:
    error = assert_refused(post_raw(client, body), ledger, ledger.size())
    assert error["code"] == code


# -- sizes and transfer --------------------------------------------------------------------


def test_oversized_and_chunked_bodies(ledger: Ledger) -> None:
    client = create_app({"TESTING": True, "LEDGER": ledger, "LEDGER_MAX_BODY": 2048}).test_client()
    size = ledger.size()
    big = statement_text('{"x":"' + "x" * 4000 + '"}')
    assert_refused(post_raw(client, big), ledger, size, 413)
    for data in (big.encode(), b"[" * 5000):
        response = client.post(
            URL,
            input_stream=io.BytesIO(data),
            content_type="application/json",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert_refused(response, ledger, size, 413)
    short = client.post(
        URL,
        input_stream=io.BytesIO(b"{}"),
        content_type="application/json",
        headers={"Content-Length": "1000"},
    )
    assert_refused(short, ledger, size, 400)


# -- a valid statement, mutated field by field ---------------------------------------------

HOSTILE_VALUES = [
    "null",
    "true",
    "0",
    "-0",
    "1e400",
    "1" + "0" * 5000,
    '""',
    '"\\u0000"',
    '"\\ud800"',
    "[]",
    "{}",
    '{"a":1,"a":2}',
    "[" * 70 + "]" * 70,
    '"' + "x" * 70_000 + '"',
]


def test_a_valid_statement_mutated_field_by_field(client: FlaskClient, ledger: Ledger) -> None:
    """Every member at every depth, replaced by each hostile value, with the old signature."""
    statement = event(harvest("MUT-1"))
    size = ledger.size()
    for path in paths(statement)[1:]:
        for hostile in HOSTILE_VALUES:
            body = json.dumps(put(statement, path, "@MARK@")).replace('"@MARK@"', hostile)
            response = post_raw(client, body)
            assert_refused(response, ledger, size)
    assert parse_json(json.dumps(statement)) == statement


# -- the other routes' query parameters and paths ------------------------------------------

HOSTILE_PARAMS = [
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "-1",
    "+1",
    " 1",
    "1 ",
    "01",
    "0x10",
    "1_0",
    "1.0",
    "%D9%A3",
    "%00",
    "%FF",
    "%ED%A0%80",
    "%C0%80",
    "9" * 5000,
    str(2**63),
    str(2**64),
    str(2**63 - 1),
    "",
    "%",
    "%%",
    "Infinity",
    "NaN",
]
QUERY_ROUTES = [
    ("/log/entries", ["start", "end"]),
    ("/log/proof/inclusion", ["index", "tree_size"]),
    ("/log/proof/consistency", ["first", "second"]),
    ("/history", ["object"]),
    ("/epcis", ["object"]),
]


@pytest.mark.parametrize(("route", "names"), QUERY_ROUTES, ids=[r[0] for r in QUERY_ROUTES])
def test_hostile_query_parameters(client: FlaskClient, route: str, names: list[str]) -> None:
    for value in HOSTILE_PARAMS:
        for name in names:
            other = [f"{n}=1" for n in names if n != name]
            for query in ("&".join([f"{name}={value}", *other]), f"{name}={value}&{name}=1"):
                response = client.get(f"/api/v1{route}?{query}")
                assert response.status_code < 500, (query, response.get_data(as_text=True))
                if name != "object" and not value.isdigit():
                    assert response.status_code == 400, query  # not a whole number
                if response.status_code >= 400:
                    error = response.get_json()["error"]
                    assert CODE.fullmatch(error["code"]) and error["message"], error


@pytest.mark.parametrize(
    "path",
    [
        "/lots/" + "9" * 5000 + "/LOT",
        "/lots/06901234000108/%00",
        "/lots/06901234000108/%ED%A0%80",
        "/units/06901234000108/" + "x" * 100_000,
        "/units/1e400/1",
        "/lots/-0/x",
    ],
)
def test_hostile_object_paths(client: FlaskClient, path: str) -> None:
    response = client.get(f"/api/v1{path}")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert CODE.fullmatch(response.get_json()["error"]["code"])
