"""The web layer answers each registered code with the registry's status, and the OpenAPI
document lists every code it may answer under that status."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ledger.core.bundle import verify_bundle
from ledger.core.codes import CODES
from ledger.core.errors import (
    AuthorisationError,
    LedgerError,
    NotFoundError,
    RootMismatchError,
    SignatureError,
    ValidationError,
)
from ledger.core.hashing import leaf_hash
from ledger.core.merkle import root_from_inclusion_proof
from tests.web.test_api import API, REJECTIONS
from tests.web.test_resolver import UNIT
from web.api import OPENAPI_PATH
from web.errors import status_for

OPENAPI = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
ANSWERED = [c for c in CODES.values() if c.status is not None]
# Codes with a status that no /api/v1 route answers: the static files' byte ranges, the
# console's forms (when the server holds no operator key; the catalogue editor's and the
# business contact's rules), the certificate page of a lot nothing creates, and the
# resolver's link types.
NOT_API = {
    "requested_range_not_satisfiable",
    "no_operator_key",
    "bad_product_name",
    "bad_net_content",
    "bad_temperature",
    "bad_temperature_band",
    "product_exists",
    "unknown_product",
    "bad_contact",
    "no_certificate",
    "no_link",  # the resolver's ?linkType= (FORMAT.md 13), not under /api/v1
    # Answered by the EPCIS query interface at /epcis (docs/EVENTS.md 13), not /api/v1.
    "query_unknown_parameter",
    "query_bad_parameter",
    "query_bad_time_range",
    "bad_page_token",
    "no_such_event",
}


@pytest.mark.parametrize("entry", ANSWERED, ids=[c.code for c in ANSWERED])
def test_status_for_is_the_registrys(entry: Any) -> None:
    # The class does not matter: the code does (a SignatureError and a plain LedgerError alike).
    for cls in (LedgerError, ValidationError, AuthorisationError, SignatureError):
        assert status_for(cls("words", code=entry.code)) == entry.status


def test_a_lookup_that_found_nothing_is_404_and_a_local_code_500() -> None:
    assert status_for(NotFoundError("nothing about it", code="unknown_object")) == 404
    assert status_for(AuthorisationError("not yours", code="unknown_object")) == 403
    assert status_for(NotFoundError("no such product", code="bad_identifier")) == 404
    assert status_for(ValidationError("bad", code="bad_identifier")) == 400
    assert status_for(LedgerError("a CLI problem", code="wrong_passphrase")) == 500


def _codes_of(status: int) -> set[str]:
    """The codes the OpenAPI document's response component for ``status`` allows."""
    for path in OPENAPI["paths"].values():
        for operation in path.values():
            ref = operation["responses"].get(str(status), {}).get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[1]
                schema = OPENAPI["components"]["responses"][name]["content"]["application/json"]
                return set(schema["schema"]["properties"]["error"]["properties"]["code"]["enum"])
    return set()


def test_openapi_lists_every_answered_code_under_its_status() -> None:
    for entry in ANSWERED:
        if entry.code not in NOT_API:
            assert entry.code in _codes_of(entry.status), entry.code  # type: ignore[arg-type]
    assert "unknown_object" in _codes_of(404)  # the lookup of an object the log lacks
    listed = set().union(*(_codes_of(s) for s in (400, 403, 404, 405, 409, 413, 415, 500, 503)))
    assert listed <= CODES.keys()


def test_every_operation_documents_405_and_500() -> None:
    for route, path in OPENAPI["paths"].items():
        for method, operation in path.items():
            assert {"405", "500"} <= operation["responses"].keys(), (method, route)


def _validate(response: TestResponse, route: str, method: str) -> None:
    """The error body matches the OpenAPI document's response for its route and status."""
    jsonschema = pytest.importorskip("jsonschema")
    responses = OPENAPI["paths"][route][method]["responses"]
    assert str(response.status_code) in responses, (route, method, response.status_code)
    name = responses[str(response.status_code)]["$ref"].rsplit("/", 1)[1]
    schema = OPENAPI["components"]["responses"][name]["content"]["application/json"]["schema"]
    jsonschema.validate(response.get_json(), {**schema, "components": OPENAPI["components"]})


@pytest.mark.parametrize(
    ("body", "code"), [(r[1], r[3]) for r in REJECTIONS], ids=[r[0] for r in REJECTIONS]
)
def test_statement_rejections_answer_the_registrys_status(
    client: FlaskClient, body: Any, code: str
) -> None:
    response = client.post(f"{API}/statements", json=body)
    assert response.get_json()["error"]["code"] == code
    assert response.status_code == CODES[code].status
    _validate(response, f"{API}/statements", "post")


READS = [
    ("get", "/log/entries", "/log/entries?start=5&end=2", "bad_parameter"),
    ("get", "/log/proof/inclusion", "/log/proof/inclusion?index=0&tree_size=999", "no_such_tree"),
    ("get", "/log/proof/consistency", "/log/proof/consistency?first=1&second=999", "no_such_tree"),
    ("get", "/history", "/history?object=not-a-uri", "bad_identifier"),
    ("get", "/statements", "/statements", "method_not_allowed"),
    ("post", "/checkpoint", "/checkpoint", "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "route", "url", "code"), READS, ids=[r[2] for r in READS])
def test_reads_answer_the_registrys_status(
    client: FlaskClient, method: str, route: str, url: str, code: str
) -> None:
    response = client.open(f"{API}{url}", method=method.upper())
    assert response.get_json()["error"]["code"] == code, response.get_json()
    assert response.status_code == CODES[code].status
    if code != "method_not_allowed":  # the document describes the methods a route takes
        _validate(response, f"{API}{route}", method)


def test_history_of_an_unknown_object_is_a_404_unknown_object(client: FlaskClient) -> None:
    url = "/history?object=https://id.gs1.org/01/06901234000108/10/NEVER"
    response = client.get(f"{API}{url}")
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "unknown_object")
    _validate(response, f"{API}/history", "get")


def test_a_tampered_bundle_node_reports_the_real_roots_and_index(
    demo_client: FlaskClient, demo_ledger_copy: Any
) -> None:
    """A verifier's report keeps the evidence: the checkpoint's root, the root the tampered
    proof leads to, and the entry, for every entry whose proof uses the node."""
    doc = json.loads(demo_client.get(UNIT + "?format=bundle").data)
    nodes = [base64.b64decode(n) for n in doc["nodes"]]
    shared = max(range(len(nodes)), key=lambda k: sum(k in e["proof"] for e in doc["entries"]))
    doc["nodes"][shared] = base64.b64encode(
        bytes([nodes[shared][0] ^ 1]) + nodes[shared][1:]
    ).decode()
    report = verify_bundle(json.dumps(doc).encode(), demo_ledger_copy.operator)
    assert report.checkpoint is not None
    users = [e for e in doc["entries"] if shared in e["proof"]]
    assert len(users) > 1  # a shared node: every entry using it is blamed, each with its roots
    failures = [f for f in report.failures if f.check == "inclusion"]
    assert [f.index for f in failures] == [e["index"] for e in users]
    for failure, item in zip(failures, users, strict=True):
        proof = [base64.b64decode(doc["nodes"][p]) for p in item["proof"]]
        leaf = leaf_hash(base64.b64decode(item["leaf"]))
        size = report.checkpoint.size
        assert failure.expected == report.checkpoint.root
        assert failure.computed == root_from_inclusion_proof(item["index"], size, leaf, proof)
        assert failure.computed != failure.expected
        assert isinstance(failure.cause, RootMismatchError) and failure.cause.index == item["index"]
