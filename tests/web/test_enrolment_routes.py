"""Enrolment over HTTP and in the console: a phone's signed request, the operator's
approval behind a session and a CSRF token, the state the phone polls, and the app shell."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.core.enrolment import sign_enrolment
from ledger.service.ledger import Ledger
from tests.support.fixed import fixed_key
from tests.web.conftest import NOW
from tests.web.test_console import console, csrf_token, log_in, operator_app  # noqa: F401

PHONE = fixed_key("phone")


def request_body(actor: str = "wuchang-coop", key: Any = PHONE) -> dict[str, Any]:
    return sign_enrolment(key, actor, "李的手机", NOW).to_json()


def test_a_phone_asks_the_operator_approves_and_the_phone_sees_it(
    console: FlaskClient,  # noqa: F811
    ledger: Ledger,
) -> None:
    asked = console.post("/api/v1/enrolments", json=request_body())
    assert asked.status_code == 201, asked.json
    code, key_id = asked.json["code"], asked.json["key_id"]
    assert asked.headers["Location"].endswith(f"/api/v1/enrolments/{key_id}")
    again = console.post("/api/v1/enrolments", json=request_body())
    assert again.status_code == 200 and again.json["code"] == code
    assert console.get(f"/api/v1/enrolments/{key_id}").json["status"] == "pending"

    # Not without a session, and not without a CSRF token.
    assert console.get(f"/console/devices/{code}").status_code == 302
    log_in(console)
    listed = console.get("/console/devices")
    assert code in listed.text and "李的手机" in listed.text
    found = console.post(
        "/console/devices",
        data={"csrf_token": csrf_token(console, "/console/devices"), "code": code.lower()},
    )
    assert found.status_code == 302 and found.headers["Location"].endswith(code)
    no_token = console.post(f"/console/devices/{code}", data={"approve": "1"})
    assert no_token.status_code == 400
    size = ledger.size()
    token = csrf_token(console, f"/console/devices/{code}")
    decided = console.post(f"/console/devices/{code}", data={"csrf_token": token, "approve": "1"})
    assert decided.status_code == 200 and 'id="decision"' in decided.text
    assert ledger.size() == size + 1

    assert "李的手机" in console.get("/console/actors").text  # the key is named by its phone
    state = console.get(f"/api/v1/enrolments/{key_id}").json
    assert state["status"] == "approved" and state["key_index"] == size
    owner = console.get(f"/api/v1/keys/{key_id}").json
    assert owner["actor"] == "wuchang-coop"
    # Approving the same code again changes nothing and says why.
    token = csrf_token(console, "/console/devices")
    twice = console.post(f"/console/devices/{code}", data={"csrf_token": token, "approve": "1"})
    assert twice.status_code == 409 and "enrolment_decided" in twice.text
    assert ledger.size() == size + 1


def test_the_console_names_a_mistyped_code(console: FlaskClient) -> None:  # noqa: F811
    log_in(console)
    token = csrf_token(console, "/console/devices")
    wrong = console.post("/console/devices", data={"csrf_token": token, "code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 422 and "unknown_enrolment" in wrong.text
    token = csrf_token(console, "/console/devices")
    short = console.post("/console/devices", data={"csrf_token": token, "code": "12"})
    assert short.status_code == 422 and "bad_code" in short.text
    assert console.get("/console/devices/nonsense").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (lambda: request_body(actor="nobody-here"), 403, "unknown_actor"),
        (
            lambda: {**request_body(), "sig": request_body(key=fixed_key("y"))["sig"]},
            403,
            "bad_enrolment_signature",
        ),
        (lambda: {"request": {}}, 400, "bad_enrolment"),
        (list, 400, "bad_enrolment"),
    ],
)
def test_bad_requests_are_refused_and_nothing_waits(
    client: FlaskClient, ledger: Ledger, body: Any, status: int, code: str
) -> None:
    answer = client.post("/api/v1/enrolments", json=body())
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert ledger.enrolments().waiting() == []


def test_the_state_of_an_unknown_or_malformed_key(client: FlaskClient) -> None:
    assert client.get("/api/v1/enrolments/" + "0" * 32).status_code == 404
    assert client.get("/api/v1/enrolments/xyz").json["error"]["code"] == "bad_parameter"


def test_new_requests_are_limited_per_client(ledger: Ledger) -> None:
    from web import create_app

    app = create_app({"TESTING": True, "LEDGER": ledger, "LEDGER_ENROLMENT_LIMIT": "2 per hour"})
    client = app.test_client()
    answers = [
        client.post("/api/v1/enrolments", json=request_body(key=fixed_key(f"p{i}"))).status_code
        for i in range(3)
    ]
    assert answers == [201, 201, 429]


def test_the_app_shell_manifest_worker_and_enrolment_qr(client: FlaskClient) -> None:
    shell = client.get("/app/", headers={"Accept-Language": "en"})
    assert shell.status_code == 200 and "Set up this phone" in shell.text
    assert "<script>" not in shell.text  # no inline script: data blocks and modules only
    assert client.get("/app/?lang=zh").text.count("设置这部手机") == 1
    worker = client.get("/app/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["scope"] == "/app/" and manifest.json["display"] == "standalone"
    qr = client.get("/app/qr/7kq2m9xd.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert client.get("/app/qr/nope.svg").status_code == 400
    for asset in re.findall(r'"(/static/[^"]+)"', shell.text):
        assert client.get(asset).status_code == 200, asset


def test_holdings_list_what_an_actor_holds(client: FlaskClient) -> None:
    answer = client.get("/api/v1/actors/wuchang-coop/holdings")
    assert answer.status_code == 200
    assert set(answer.json) == {"lots", "units", "incoming", "places"}
    assert client.get("/api/v1/actors/nobody/holdings").status_code == 404
