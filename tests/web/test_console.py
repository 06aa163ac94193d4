"""The operator console through Flask's test client: sessions, CSRF, throttling, cookie
flags, and registry statements signed with the operator key."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.core.entries import parse_entry
from ledger.service.ledger import Ledger
from tests.web.conftest import FARM, REVOKED
from web import create_app

PASSWORD = "correct horse battery staple"
GLN = "6901234000986"  # a valid check digit, no actor holds it
ACTOR = {
    "actor": "harbin-rice-mill",
    "name_zh": "哈尔滨稻米加工有限公司",
    "name_en": "Harbin Rice Processing Co.",
    "roles": ["processor", "packer"],
    "region": "黑龙江省哈尔滨市",
    "gln": GLN,
}


@pytest.fixture
def operator_app(ledger: Ledger) -> Flask:
    ledger.accounts().add("operator-1", PASSWORD)
    return create_app({"TESTING": True, "LEDGER": ledger, "SECRET_KEY": "test secret"})


@pytest.fixture
def console(operator_app: Flask) -> FlaskClient:
    return operator_app.test_client()


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert found, "no CSRF token on " + path
    return found.group(1)


def log_in(client: FlaskClient, name: str = "operator-1", password: str = PASSWORD) -> Any:
    token = csrf_token(client, "/console/login")
    return client.post(
        "/console/login", data={"csrf_token": token, "name": name, "password": password}
    )


def post_form(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def console_rules(app: Flask) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console")]


def test_every_console_route_but_login_needs_a_session(operator_app: Flask) -> None:
    client = operator_app.test_client()
    rules = console_rules(operator_app)
    assert {r.endpoint for r in rules} >= {
        "console.home",
        "console.actors",
        "console.register_actor",
        "console.revoke_key",
        "console.lots",
        "console.lot_units",
        "console.logout",
    }
    for rule in rules:
        if rule.endpoint == "console.login":
            continue
        path = rule.rule.replace("<gtin>", "06901234000122").replace("<path:lot>", "WC26-M07")
        if "GET" in rule.methods:
            answer = client.get(path)
            assert answer.status_code == 302, path
            assert answer.headers["Location"].startswith("/console/login"), path
        if "POST" in rule.methods:
            # Without a session there is no CSRF token either; with a token from the login
            # page, the route still sends the visitor to log in.
            token = csrf_token(client, "/console/login")
            answer = client.post(path, data={"csrf_token": token, **ACTOR})
            assert answer.status_code == 302, path
            assert answer.headers["Location"].startswith("/console/login"), path


def test_a_post_without_a_csrf_token_is_refused(console: FlaskClient, ledger: Ledger) -> None:
    answer = console.post("/console/login", data={"name": "operator-1", "password": PASSWORD})
    assert answer.status_code == 400
    assert "CSRF" in answer.text
    assert console.get("/console/").status_code == 302  # not logged in

    assert log_in(console).status_code == 302
    size = ledger.size()
    answer = console.post("/console/actors/new", data=ACTOR)
    assert answer.status_code == 400
    answer = console.post("/console/actors/new", data={"csrf_token": "forged." + "x" * 40, **ACTOR})
    assert answer.status_code == 400
    assert ledger.size() == size


def test_login_and_logout(console: FlaskClient) -> None:
    assert log_in(console, password=PASSWORD + "?").status_code == 401
    answer = log_in(console)
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/"
    home = console.get("/console/")
    assert home.status_code == 200
    assert "operator-1" in home.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert token
    assert console.post("/console/logout", data={"csrf_token": token.group(1)}).status_code == 302
    assert console.get("/console/").status_code == 302


def test_home_shows_the_latest_checkpoint_and_size(console: FlaskClient, ledger: Ledger) -> None:
    log_in(console)
    page = console.get("/console/?lang=en").text
    checkpoint = ledger.latest_checkpoint()
    assert checkpoint is not None
    assert f'<dd id="log-size">{ledger.size()}</dd>' in page
    assert f"tree size {checkpoint.tree_size}" in page
    assert checkpoint.note.splitlines()[0] in page


def test_failed_logins_are_throttled_per_account(operator_app: Flask) -> None:
    operator_app.config["LEDGER_CONSOLE_ACCOUNT_LIMIT"] = "3 per hour"
    client = operator_app.test_client()
    for _ in range(3):
        assert log_in(client, password="wrong password!").status_code == 401
    # The fourth try is refused before the password is looked at, even the right one.
    throttled = log_in(client)
    assert throttled.status_code == 429
    assert client.get("/console/").status_code == 302
    # Another account is not held back by this one's failures.
    operator_app.extensions["ledger"].accounts().add("operator-2", PASSWORD)
    assert log_in(client, name="operator-2").status_code == 302


def test_failed_logins_are_throttled_per_client(operator_app: Flask) -> None:
    operator_app.config["LEDGER_CONSOLE_CLIENT_LIMIT"] = "4 per hour"
    client = operator_app.test_client()
    for n in range(4):
        assert log_in(client, name=f"guess-{n}", password="wrong password!").status_code == 401
    assert log_in(client).status_code == 429
    # Successful logins do not count towards the limit; and another app (another server
    # process) keeps its own counts.
    other_app = create_app(
        {
            "TESTING": True,
            "LEDGER": operator_app.extensions["ledger"],
            "SECRET_KEY": "s",
            "LEDGER_CONSOLE_CLIENT_LIMIT": "4 per hour",
        }
    )
    other = other_app.test_client()
    for _ in range(6):
        assert log_in(other).status_code == 302
    assert log_in(client).status_code == 429  # the first app still holds this client back


def test_session_cookie_flags(ledger: Ledger) -> None:
    ledger.accounts().add("operator-1", PASSWORD)
    for config, secure in (
        ({"TESTING": True}, False),
        ({"TESTING": True, "LEDGER_COOKIE_SECURE": True}, True),
        ({"TESTING": False}, True),
    ):
        app = create_app({"LEDGER": ledger, "SECRET_KEY": "s", **config})
        client = app.test_client()
        answer = log_in(client)
        assert answer.status_code == 302
        cookie = answer.headers["Set-Cookie"]
        assert cookie.startswith("ledger_console=")
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Path=/console" in cookie
        assert "Expires=" in cookie  # a permanent session: it ends after its lifetime
        assert ("Secure" in cookie) is secure


def test_a_session_older_than_its_lifetime_is_refused_by_the_server(operator_app: Flask) -> None:
    client = operator_app.test_client()
    assert log_in(client).status_code == 302
    assert client.get("/console/").status_code == 200
    # The browser still holds the cookie; the server checks the signed time in it. (A
    # negative lifetime makes any cookie too old without waiting.)
    operator_app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    assert client.get("/console/").status_code == 302


def test_registering_an_actor_appends_a_verified_registry_entry(
    console: FlaskClient, ledger: Ledger
) -> None:
    log_in(console)
    size = ledger.size()
    answer = post_form(console, "/console/actors/new", ACTOR)
    assert answer.status_code == 200, answer.text
    assert f"log entry {size}" in answer.text or f"第 {size} 条" in answer.text
    assert ledger.size() == size + 1
    entry = parse_entry(ledger.entries(size, size + 1)[0].leaf)
    assert entry.statement.kind == "actor"
    assert entry.statement.signer == ledger.operator.public_key.key_id
    assert entry.statement.payload == {
        "actor": "harbin-rice-mill",
        "name": "哈尔滨稻米加工有限公司",
        "name_en": "Harbin Rice Processing Co.",
        "roles": ["processor", "packer"],
        "region": "黑龙江省哈尔滨市",
        "gln": GLN,
    }
    assert ledger.verify().ok
    listed = console.get("/console/actors").text
    assert "harbin-rice-mill" in listed and GLN in listed


def test_a_bad_english_name_is_shown_on_its_field(console: FlaskClient, ledger: Ledger) -> None:
    log_in(console)
    size = ledger.size()
    answer = post_form(console, "/console/actors/new", {**ACTOR, "name_en": "Harbin\x07Mill"})
    assert answer.status_code == 422
    assert "name_en must be text of 1 to 200 characters" in answer.text
    assert ledger.size() == size


def test_a_blank_english_name_is_left_off_the_log(console: FlaskClient, ledger: Ledger) -> None:
    log_in(console)
    size = ledger.size()
    answer = post_form(console, "/console/actors/new", {**ACTOR, "name_en": "  "})
    assert answer.status_code == 200, answer.text
    payload = parse_entry(ledger.entries(size, size + 1)[0].leaf).statement.payload
    assert "name_en" not in payload and payload["name"] == ACTOR["name_zh"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "has a wrong check digit"),
        ("zh", "GLN 的最后一位（校验位）不对"),
    ],
)
def test_a_bad_gln_shows_the_rule_and_stores_nothing(
    console: FlaskClient, ledger: Ledger, lang: str, words: str
) -> None:
    log_in(console)
    console.get(f"/console/actors/new?lang={lang}")
    size = ledger.size()
    answer = post_form(console, "/console/actors/new", {**ACTOR, "gln": "6901234000987"})
    assert answer.status_code == 422
    assert words in answer.text
    assert "[bad_check_digit]" in answer.text
    assert 'value="harbin-rice-mill"' in answer.text  # the form keeps what was typed
    assert ledger.size() == size
    assert "harbin-rice-mill" not in console.get("/console/actors").text


def test_a_taken_gln_and_an_empty_form_are_rejected_by_the_ledger(
    console: FlaskClient, ledger: Ledger
) -> None:
    log_in(console)
    size = ledger.size()
    taken = ledger.actors()[0].gln
    answer = post_form(console, "/console/actors/new?lang=en", {**ACTOR, "gln": taken})
    assert answer.status_code == 422 and "[gln_taken]" in answer.text
    answer = post_form(console, "/console/actors/new", {})
    assert answer.status_code == 422 and "<code>[" in answer.text
    assert ledger.size() == size


def test_revoking_a_key_with_an_effective_time(console: FlaskClient, ledger: Ledger) -> None:
    log_in(console)
    key_id = FARM.public_key.key_id
    form = console.get(f"/console/revoke?actor=wuchang-coop&key_id={key_id}").text
    assert f'value="{key_id}"' in form
    size = ledger.size()
    bad = post_form(
        console,
        "/console/revoke",
        {"actor": "wuchang-coop", "key_id": key_id, "effective": "2026-12-01 08:00", "reason": "x"},
    )
    assert bad.status_code == 422 and "[bad_time]" in bad.text
    again = post_form(
        console,
        "/console/revoke",
        {
            "actor": "wuchang-coop",
            "key_id": REVOKED.public_key.key_id,
            "effective": "2026-12-01T08:00:00+08:00",
            "reason": "phone lost",
        },
    )
    assert again.status_code == 422 and "[key_already_revoked]" in again.text
    assert ledger.size() == size
    done = post_form(
        console,
        "/console/revoke",
        {
            "actor": "wuchang-coop",
            "key_id": key_id,
            "effective": "2026-12-01T08:00:00+08:00",
            "reason": "phone lost",
        },
    )
    assert done.status_code == 200
    payload = parse_entry(ledger.entries(size, size + 1)[0].leaf).statement.payload
    assert payload == {
        "actor": "wuchang-coop",
        "key_id": key_id,
        "effective": "2026-12-01T00:00:00.000Z",
        "reason": "phone lost",
    }
    assert "2026-12-01T00:00:00.000Z" in console.get("/console/actors").text


def test_without_the_operator_key_nothing_is_signed(ledger: Ledger) -> None:
    reader = Ledger(ledger.engine)  # opened without the operator's key
    reader.accounts().add("operator-1", PASSWORD)
    client = create_app({"TESTING": True, "LEDGER": reader, "SECRET_KEY": "s"}).test_client()
    log_in(client)
    size = reader.size()
    answer = post_form(client, "/console/actors/new", ACTOR)
    assert answer.status_code == 422 and "[no_operator_key]" in answer.text
    assert reader.size() == size


def test_lots_and_units_link_to_scan_pages_and_label_sheets(demo_ledger_copy: Ledger) -> None:
    demo_ledger_copy.accounts().add("operator-1", PASSWORD)
    client = create_app(
        {"TESTING": True, "LEDGER": demo_ledger_copy, "SECRET_KEY": "s"}
    ).test_client()
    log_in(client)
    page = client.get("/console/lots").text
    assert 'href="/01/06901234000122/10/WC26-M07"' in page
    assert 'href="/labels/01/06901234000122/10/WC26-M07"' in page
    units = client.get("/console/lots/06901234000122/WC26-M07")
    assert units.status_code == 200
    assert 'href="/01/06901234000122/10/WC26-M07/21/100071"' in units.text
    for linked in (
        "/01/06901234000122/10/WC26-M07/21/100071",
        "/labels/01/06901234000122/10/WC26-M07",
    ):
        assert client.get(linked).status_code == 200, linked


def test_the_api_takes_statements_without_a_csrf_token(client: FlaskClient) -> None:
    # CSRF protects the console's forms; the API's authority is the statement's signature.
    answer = client.post("/api/v1/statements", json={"statements": []})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_batch_size"


def test_the_demo_console_account_is_made_once_and_logs_in(demo_ledger_copy: Ledger) -> None:
    from ledger import demo

    assert demo.ensure_console_account(demo_ledger_copy)
    assert not demo.ensure_console_account(demo_ledger_copy)
    client = create_app(
        {"TESTING": True, "LEDGER": demo_ledger_copy, "SECRET_KEY": "s"}
    ).test_client()
    assert log_in(client, demo.CONSOLE_ACCOUNT, demo.CONSOLE_PASSWORD).status_code == 302


def test_the_public_pages_do_not_touch_the_console_session(console: FlaskClient) -> None:
    log_in(console)  # the browser holds a console cookie, which is scoped to /console
    for path in ("/", "/api/v1/checkpoint", "/01/06901234000122/10/NO-SUCH-LOT"):
        answer = console.get(path)
        assert "Set-Cookie" not in answer.headers, path
        assert "Cookie" not in answer.headers.get("Vary", ""), path


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/console/actors/new", {"actor": "x" * 300, "roles": ["farm", "farm"], "gln": "１２３"}),
        ("/console/actors/new", {**ACTOR, "roles": ["sheriff"]}),
        ("/console/actors/new", {**ACTOR, "name_zh": "a\x07b"}),
        ("/console/revoke", {"actor": "", "key_id": "", "effective": "", "reason": ""}),
        ("/console/revoke", {"actor": "nobody", "key_id": "0" * 32, "effective": "now"}),
        ("/console/revoke", {"actor": "wuchang-coop", "key_id": "0" * 32, "effective": "9999"}),
    ],
)
def test_garbage_in_a_form_is_a_rule_error_never_a_500(
    console: FlaskClient, ledger: Ledger, path: str, data: dict[str, Any]
) -> None:
    log_in(console)
    size = ledger.size()
    answer = post_form(console, path, data)
    assert answer.status_code == 422, answer.text
    assert re.search(r'<p class="error" role="alert">.+<code>\[[a-z_]+\]</code></p>', answer.text)
    assert ledger.size() == size


def test_a_bad_or_unknown_lot_is_answered_with_its_code(console: FlaskClient) -> None:
    log_in(console)
    assert console.get("/console/lots").status_code == 200
    bad = console.get("/console/lots/12345/LOT", headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "bad_identifier" in bad.text
    unknown = console.get("/console/lots/06901234000122/NO-SUCH", headers={"Accept": "text/html"})
    assert unknown.status_code == 404 and "unknown_lot" in unknown.text
