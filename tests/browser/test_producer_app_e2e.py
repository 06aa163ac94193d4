"""The producer app and the console in a real browser (Debian's Chromium), two contexts: the
producer's phone and the operator's console. The phone makes its key, the operator approves
its code, the phone records a harvest offline, is closed, reopens online, and exactly one
entry lands, checked on the phone against a signed checkpoint; the lot's scan page verifies
the new step. A revoked phone's record is refused with the reason on screen."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger import samples
from ledger.core.entries import parse_entry
from ledger.core.timefmt import format_time
from ledger.service.ledger import Ledger
from tests.browser.conftest import PASSWORD
from tests.support.fixed import fixed_key
from web import create_app

LOT = "E2E-2026-01"
LOT_URI = f"https://id.gs1.org/01/{samples.PADDY_GTIN}/10/{LOT}"
WAIT_MS = 30_000
# Where the producer guide's screenshots go, when set (docs/PRODUCER_GUIDE.md): run
# LEDGER_SCREENSHOTS=docs/screenshots ./scripts/test.sh tests/browser/test_producer_app_e2e.py
SCREENSHOTS = os.environ.get("LEDGER_SCREENSHOTS")
WORDS = {
    "zh-CN": {"checked": "检查点", "revoked": "吊销"},
    "en-GB": {"checked": "checkpoint", "revoked": "revoked"},
}


def shoot(page: Any, name: str, lang: str) -> None:
    """A screenshot for the producer guide, when they are asked for."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"app-{name}.{lang[:2]}.png"), full_page=True)


def events(ledger: Ledger) -> list[dict[str, Any]]:
    found = []
    for entry in ledger.entries(0, ledger.size()):
        statement = parse_entry(entry.leaf).statement
        if statement.kind == "event":
            found.append(statement.payload)
    return found


def phone_context(browser: Any, lang: str = "zh-CN") -> Any:
    return browser.new_context(
        viewport={"width": 360, "height": 740},
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )


def approve(browser: Any, base: str, code: str, lang: str = "zh-CN") -> None:
    """The operator, in a browser of their own, types the phone's code and approves it."""
    context = phone_context(browser, lang)
    page = context.new_page()
    page.goto(base + "/console/login")
    page.fill("#name", "operator-1")
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#log-size")
    page.goto(base + "/console/devices")
    page.fill("#code", code.lower().replace("-", ""))
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("button[name=approve]")
    assert code in page.inner_text(".code-big")
    shoot(page, "3-console-approve", lang)
    page.click("button[name=approve]")
    page.wait_for_selector("#decision")
    context.close()


def record_harvest(page: Any, lot_uri: str, lang: str = "") -> None:
    page.click("button[data-form=harvest]")
    page.wait_for_selector("#view-form:not([hidden])")
    page.fill("#f-lot", lot_uri)
    page.fill("#f-quantity", "1000")
    page.fill("#f-plot", samples.PLOT)
    if lang:
        shoot(page, "5-harvest-form", lang)
    page.click("#event-form button[type=submit]")
    page.wait_for_selector("#view-preview:not([hidden])")
    if lang:
        shoot(page, "6-check-before-signing", lang)
    assert "1000" in page.inner_text("#preview-list")
    assert '"bizStep":"commissioning"' in (page.text_content("#preview-json") or "")
    page.click("#sign")
    page.wait_for_selector("#view-home:not([hidden])")


@pytest.mark.parametrize("lang", ["zh-CN", "en-GB"])
def test_enrol_approve_record_offline_and_sync_once(
    browser: Any, live_server: Any, console_errors: Any, app_ledger: Ledger, lang: str
) -> None:
    app = create_app(
        {"LEDGER": app_ledger, "SECRET_KEY": "browser test", "LEDGER_COOKIE_SECURE": False}
    )
    base = live_server(app)
    phone = phone_context(browser, lang)
    page = phone.new_page()
    errors = console_errors(page)

    page.goto(base + "/app/")
    page.wait_for_selector("#view-enrol:not([hidden])")
    page.fill("#enrol-actor", "wuchang-coop")
    page.fill("#enrol-device", "合作社的手机")
    shoot(page, "1-set-up", lang)
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector("#enrol-code:not(:empty)")
    code = page.inner_text("#enrol-code")
    loaded = "img => img.complete && img.naturalWidth > 0"
    for _ in range(50):
        if page.eval_on_selector("#enrol-qr", loaded):
            break
        page.wait_for_timeout(100)
    assert page.eval_on_selector("#enrol-qr", loaded)
    shoot(page, "2-enrolment-code", lang)

    approve(browser, base, code, lang)
    page.wait_for_selector("#view-home:not([hidden])", timeout=WAIT_MS)
    shoot(page, "4-home", lang)
    assert page.inner_text("#home-actor") == samples.ACTORS["wuchang-coop"]["name"]
    offered = page.eval_on_selector_all("#form-list button", "bs => bs.map(b => b.dataset.form)")
    assert "harvest" in offered and "inspecting" not in offered  # a farm's forms only
    # The key cannot be read out of the phone: WebCrypto refuses to export it.
    assert page.evaluate(
        """async () => {
          const db = await new Promise(r => { const q = indexedDB.open('traceledger-app');
                                               q.onsuccess = () => r(q.result); });
          const device = await new Promise(r => { const q = db.transaction('device')
              .objectStore('device').get('self'); q.onsuccess = () => r(q.result); });
          try { await crypto.subtle.exportKey('pkcs8', device.keyPair.privateKey); return false; }
          catch (e) { return device.keyPair.privateKey.extractable === false; }
        }"""
    )
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    size_before = app_ledger.size()

    # Offline: the app starts from its cached shell and keeps the signed harvest.
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("#view-home:not([hidden])")
    record_harvest(page, LOT_URI, lang)
    assert page.get_attribute("#outbox-list li", "data-state") == "waiting"
    shoot(page, "7-waiting-offline", lang)
    assert app_ledger.size() == size_before
    page.close()

    phone.set_offline(False)
    page = phone.new_page()
    errors += console_errors(page)
    page.goto(base + "/app/")
    page.wait_for_selector("#outbox-list li[data-state=confirmed]", timeout=WAIT_MS)
    assert WORDS[lang]["checked"] in page.inner_text("#outbox-list li")
    shoot(page, "8-checked-on-the-phone", lang)
    harvests = [e for e in events(app_ledger) if e["bizStep"] == "commissioning"]
    assert len(harvests) == 1 and harvests[0]["quantityList"][0]["epcClass"] == LOT_URI
    assert app_ledger.size() == size_before + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The harvest's lot has its commitment certificate, one tap away.
    certificate = page.get_attribute("#outbox-list li a.certificate", "href")
    assert certificate == f"/certificates/01/{samples.PADDY_GTIN}/10/{LOT}"

    # The lot's scan page verifies the new step in the browser.
    scan = phone.new_page()
    scan.goto(base + f"/01/{samples.PADDY_GTIN}/10/{LOT}")
    scan.wait_for_selector("main#scan[data-verify-state=done]", state="attached")
    assert scan.eval_on_selector("#verify-status", "e => e.dataset.state") == "verified"

    # Revoked from the console: the phone's next record is refused, the reason on screen.
    key_id = page.evaluate(
        """async () => {
          const db = await new Promise(r => { const q = indexedDB.open('traceledger-app');
                                               q.onsuccess = () => r(q.result); });
          return new Promise(r => { const q = db.transaction('device').objectStore('device')
              .get('self'); q.onsuccess = () => r(q.result.keyId); });
        }"""
    )
    app_ledger.append_operator_statement(
        "revoke",
        {
            "actor": "wuchang-coop",
            "key_id": key_id,
            "effective": format_time(app_ledger.clock() - timedelta(minutes=5)),
            "reason": "phone lost",
        },
    )
    size = app_ledger.size()
    record_harvest(page, LOT_URI.replace(LOT, LOT + "-B"))
    page.wait_for_selector("#outbox-list li[data-state=rejected]", timeout=WAIT_MS)
    rejected = page.inner_text("#outbox-list li[data-state=rejected]")
    assert "key_revoked" in rejected and WORDS[lang]["revoked"] in rejected
    shoot(page, "9-rejected-revoked", lang)
    assert app_ledger.size() == size
    assert errors == []


def enrol(page: Any, base: str, ledger: Ledger, actor: str = "wuchang-coop") -> None:
    """Set up the phone on ``page`` for ``actor`` and approve it (the console's step done
    through the ledger, as the first test does it in a browser)."""
    page.goto(base + "/app/")
    page.fill("#enrol-actor", actor)
    page.fill("#enrol-device", "office")
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector("#enrol-code:not(:empty)")
    ledger.approve_enrolment(page.inner_text("#enrol-code"), "operator-1")
    page.wait_for_selector("#view-home:not([hidden])", timeout=WAIT_MS)


def persistent_phone(browser: Any, profile: Path) -> Any:
    """A phone whose storage outlives its browser: a Chromium profile on disk."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    return browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 360, "height": 740},
        locale="en-GB",
    )


def test_fifty_records_signed_offline_survive_a_browser_killed_mid_sync(
    browser: Any, live_server: Any, app_ledger: Ledger, tmp_path: Path
) -> None:
    base = live_server(create_app({"LEDGER": app_ledger, "SECRET_KEY": "browser test"}))
    phone = persistent_phone(browser, tmp_path / "profile")
    page = phone.new_page()
    enrol(page, base, app_ledger)
    before = len(events(app_ledger))

    phone.set_offline(True)
    for number in range(50):
        record_harvest(page, f"{LOT_URI}-{number:02d}")
    assert page.locator("#outbox-list li[data-state=waiting]").count() == 50
    assert len(events(app_ledger)) == before

    # Online again: the server takes the batch, and the browser dies before it hears back.
    delivered: list[int] = []

    def deliver_then_die(route: Any) -> None:
        answer = route.fetch()
        delivered.append(answer.status)
        phone.close()

    from playwright.sync_api import Error as BrowserGone

    page.route("**/api/v1/statements", deliver_then_die)
    phone.set_offline(False)  # the app sends by itself when the network returns
    for _ in range(100):
        try:
            page.wait_for_timeout(100)
        except BrowserGone:
            break
    assert delivered == [201]
    assert len(events(app_ledger)) == before + 50

    # The phone starts again: the outbox still holds all 50, sends them again, and the
    # server answers the entries it already has.
    phone = persistent_phone(browser, tmp_path / "profile")
    page = phone.new_page()
    page.goto(base + "/app/?lang=en")
    confirmed = page.locator("#outbox-list li[data-state=confirmed]")
    for _ in range(WAIT_MS // 100):  # polled here: the page's CSP forbids evaluated waits
        if confirmed.count() == 50:
            break
        page.wait_for_timeout(100)
    assert confirmed.count() == 50
    assert len(events(app_ledger)) == before + 50
    lots = {e["quantityList"][0]["epcClass"] for e in events(app_ledger)}
    assert lots == {f"{LOT_URI}-{n:02d}" for n in range(50)}
    phone.close()


def test_a_spreadsheet_is_read_checked_and_signed_on_the_phone(
    browser: Any, live_server: Any, console_errors: Any, app_ledger: Ledger, tmp_path: Path
) -> None:
    from ledger.core.batch import event_id, template_rows
    from ledger.core.form_fields import FORMS

    base = live_server(create_app({"LEDGER": app_ledger, "SECRET_KEY": "browser test"}))
    page = phone_context(browser, "en-GB").new_page()
    enrol(page, base, app_ledger)
    errors = console_errors(page)
    header, labels = (row[:4] for row in template_rows(FORMS["harvest"]))
    assert header == ["time", "lot", "quantity", "uom"]
    rows = [
        ["2026-09-25 18:00", f"{LOT_URI}-B1", "500", "KGM"],
        ["2026-09-25 18:30", f"{LOT_URI}-B2", "five hundred", "KGM"],
        ["2026-09-25 19:00", f"{LOT_URI}-B3", "700", ""],
    ]
    text = "\ufeff" + "\r\n".join(",".join(r) for r in [[*header, "plot"], [*labels, "地块*"]])
    text += "\r\n" + "\r\n".join(
        ",".join([*r, samples.PLOT if i == 0 else ""]) for i, r in enumerate(rows)
    )
    sheet = tmp_path / "harvests.csv"
    sheet.write_text(text + "\r\n", encoding="utf-8")

    page.click("#batch summary")
    page.select_option("#batch-form", "harvest")
    page.set_input_files("#batch-file", str(sheet))
    page.wait_for_selector("#batch-rows li")
    assert page.locator("#batch-rows li.accepted").count() == 2
    bad = page.inner_text("#batch-rows li[data-line='4']")
    assert "Quantity" in bad and "form_bad_value" in bad
    shoot(page, "10-spreadsheet", "en-GB")
    page.click("#batch-sign")
    page.wait_for_selector("#outbox-list li")
    confirmed = page.locator("#outbox-list li[data-state=confirmed]")
    for _ in range(WAIT_MS // 100):
        if confirmed.count() == 2:
            break
        page.wait_for_timeout(100)
    assert confirmed.count() == 2

    # The same event IDs as `ledger import` gives the same rows: one way of reading a sheet.
    key_id = next(
        k.key_id for a in app_ledger.actors() for k in a.keys if a.actor == "wuchang-coop"
    )
    harvests = [e for e in events(app_ledger) if e["bizStep"] == "commissioning"]
    expected = []
    for i in (0, 2):
        values = dict(
            zip([*header, "plot"], [*rows[i], samples.PLOT if i == 0 else ""], strict=True)
        )
        expected.append(event_id(key_id, "harvest", {k: v for k, v in values.items() if v}))
    assert [e["eventID"] for e in harvests] == expected
    assert harvests[1]["ilmd"]["tl:plot"].endswith("/254/" + samples.PLOT)  # from the row above

    # The same file signed again adds nothing to the log.
    size = app_ledger.size()
    page.set_input_files("#batch-file", str(sheet))
    page.wait_for_selector("#batch-sign:not([hidden])")
    page.click("#batch-sign")
    page.click("#sync-now")
    page.wait_for_timeout(1000)
    assert app_ledger.size() == size
    assert errors == []


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ("Object.defineProperty(window, 'isSecureContext', { value: false });", "https"),
        (
            "const real = crypto.subtle.generateKey.bind(crypto.subtle);"
            "crypto.subtle.generateKey = (algorithm, ...rest) => algorithm.name === 'Ed25519'"
            " ? Promise.reject(new DOMException('no', 'NotSupportedError'))"
            " : real(algorithm, ...rest);",
            "Ed25519",
        ),
    ],
    ids=["insecure-context", "no-ed25519"],
)
def test_a_browser_that_cannot_keep_a_key_is_told_so_and_nothing_is_sent(
    browser: Any, live_server: Any, app_ledger: Ledger, missing: str, words: str
) -> None:
    base = live_server(create_app({"LEDGER": app_ledger, "SECRET_KEY": "browser test"}))
    context = phone_context(browser, "en-GB")
    context.add_init_script(missing)  # what such a browser lacks, taken away before the app
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base + "/app/")
    page.wait_for_selector("#view-unsupported:not([hidden])")
    assert words in page.inner_text("#unsupported-why")
    assert page.is_hidden("#view-enrol")
    assert not [u for u in requests if "/api/v1/enrolments" in u]
    assert app_ledger.enrolments().waiting() == []


def test_a_lab_attaches_its_report_on_the_phone_and_the_store_serves_it_by_hash(
    browser: Any, live_server: Any, console_errors: Any, app_ledger: Ledger, tmp_path: Path
) -> None:
    import hashlib

    from ledger.core.statements import sign_statement
    from tests.service.test_documents import PDF

    lab = next(a for a in samples.actor_payloads() if a["actor"] == "hlj-lab")
    app_ledger.append_operator_statement("actor", lab)
    farm = fixed_key("farm-phone")
    app_ledger.append_operator_statement(
        "key", {"actor": "wuchang-coop", "public_key": farm.public_key.b64}
    )
    harvest = samples.harvest(lot=LOT, eid=samples.event_id("harvest-" + LOT))
    app_ledger.append([sign_statement("event", harvest, farm)])
    lot_uri = harvest["quantityList"][0]["epcClass"]
    report = tmp_path / "report.pdf"
    report.write_bytes(PDF)
    digest = hashlib.sha256(PDF).hexdigest()

    app = create_app(
        {"LEDGER": app_ledger, "SECRET_KEY": "t", "LEDGER_DOCUMENTS_DIR": str(tmp_path / "docs")}
    )
    base = live_server(app)
    page = phone_context(browser, "en-GB").new_page()
    errors = console_errors(page)
    enrol(page, base, app_ledger, "hlj-lab")

    page.click("button[data-form=inspecting]")
    page.fill("#f-lot", lot_uri)
    page.select_option("#f-result", "pass")
    page.set_input_files("[data-field=report_sha256] input[type=file]", str(report))
    for _ in range(50):  # the phone hashes the file
        if page.input_value("#f-report_sha256"):
            break
        page.wait_for_timeout(100)
    assert page.input_value("#f-report_sha256") == digest
    # Online, the server's event rules judge the record before it is signed.
    page.click("#event-form button[type=submit]")
    page.wait_for_selector("[data-field=quantity].invalid")
    assert "missing_field" in page.inner_text("[data-field=quantity] .error")
    assert page.is_hidden("#view-preview")

    page.context.set_offline(True)  # the report waits on the phone with its record
    page.fill("#f-quantity", "2")
    page.click("#event-form button[type=submit]")
    page.wait_for_selector("#view-preview:not([hidden])")
    page.click("#sign")
    page.wait_for_selector("#outbox-list li[data-state=waiting]")
    page.context.set_offline(False)
    page.click("#sync-now")
    page.wait_for_selector("#outbox-list li:not([data-state=waiting])", timeout=WAIT_MS)
    page.wait_for_selector("#outbox-list li:not([data-state=accepted])", timeout=WAIT_MS)
    answer = page.inner_text("#outbox-list li")
    assert page.get_attribute("#outbox-list li", "data-state") == "confirmed", answer

    inspections = [e for e in events(app_ledger) if e["bizStep"] == "inspecting"]
    assert [e["tl:inspection"]["reportSha256"] for e in inspections] == [digest]
    served = app.test_client().get(f"/documents/{digest}")
    assert served.status_code == 200 and served.data == PDF
    # The one refusal was the check asked on purpose, before signing.
    assert errors == [f"load failed: 400 {base}/api/v1/vocabulary/check"]
