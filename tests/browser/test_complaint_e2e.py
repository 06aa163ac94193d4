"""A shopper's complaint on a 360 px phone in Chromium, in both languages: sent from the
scan page's link, answered by the operator in the console, and the answer shown on the
shopper's private page with its log entry. axe-core finds no serious or critical problem
on the complaint pages; no console errors; nothing wider than the screen.

Screenshots go to $LEDGER_SCREENSHOTS (e.g. docs/screenshots) when it is set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ledger import demo
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.browser.axe import serious_violations
from web import create_app

SCREENSHOTS = os.environ.get("LEDGER_SCREENSHOTS")
PASSWORD = "correct horse battery staple"


def shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


@pytest.fixture
def site(demo_template: tuple[Path, Path], tmp_path: Path) -> Any:
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template[0], path)
    engine = make_engine(f"sqlite:///{path}")
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger(engine).with_operator_key(keys.operator)
    ledger.accounts().add("operator-1", PASSWORD)
    yield create_app({"TESTING": True, "LEDGER": ledger, "SECRET_KEY": "e2e secret"})
    engine.dispose()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", {"report": "反映问题", "sent": "您的投诉已提交", "refunded": "已退款",
                "answer": "答复"}),
        ("en", {"report": "Report a problem", "sent": "Your complaint was sent",
                "refunded": "Refunded", "answer": "The answer"}),
    ],
)  # fmt: skip
def test_a_complaint_sent_from_the_scan_page_and_answered(
    browser: Any, live_server: Any, console_errors: Any, site: Any, lang: str, words: Any
) -> None:
    base = live_server(site)
    locale = "zh-CN" if lang == "zh" else "en-GB"
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
        bypass_csp=True,  # only so that axe-core can be injected
    )
    page = context.new_page()
    errors = console_errors(page)
    page.goto(base + demo.sample_unit_path())
    page.click("#report-problem")
    page.wait_for_selector("form textarea#text")
    assert page.inner_text("h1") == words["report"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    page.check("input[value='foreign_matter']")
    page.fill("#text", "米里有好几粒小石子 / several small stones in the rice")
    page.fill("#contact", "微信 shopper_e2e")
    shot(page, f"complaint-form-{lang}.png")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "complaint-error" not in page.content(), page.inner_text("main")
    page.wait_for_selector("#complaint-number")
    assert page.inner_text("h1") == words["sent"]
    number = page.inner_text("#complaint-number")
    private = page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []

    console = context.new_page()
    console.goto(base + "/console/login")
    console.fill("input[name=name]", "operator-1")
    console.fill("input[name=password]", PASSWORD)
    console.click("form button[type=submit]")
    console.goto(base + "/console/complaints")
    console.click(f"text={number}")
    console.check("input[value='refunded']")
    console.fill(
        "textarea[name=reply]", "已全额退款，筛米机已检修 (refunded; the sieve was repaired)"
    )
    console.click(
        "text=" + ("签名并公开处理结果" if lang == "zh" else "Sign and publish the outcome")
    )
    console.wait_for_selector("#complaint-outcome")
    console.close()

    page.goto(private)
    page.wait_for_selector("#outcome-reply")
    assert page.inner_text("#complaint-status") == words["refunded"]
    assert page.inner_text("#outcome-title") == words["answer"]
    assert "sieve was repaired" in page.inner_text("#outcome-reply")
    assert page.get_attribute("#outcome-entry", "href").startswith("/api/v1/log/entries?start=")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    shot(page, f"complaint-answered-{lang}.png")
    page.click("#erase-contact")
    page.wait_for_selector("#no-contact")
    assert errors == []
    context.close()


def test_the_producer_answers_a_complaint_from_the_app(
    browser: Any, live_server: Any, console_errors: Any, site: Any
) -> None:
    """The mill's phone fetches the complaints concerning the mill (a request signed on the
    phone), signs a refund as its answer, and the log holds it; the shopper's private page
    shows it."""
    from tests.browser.test_producer_app_e2e import enrol, phone_context

    ledger = site.extensions["ledger"]
    complaints = site.extensions["complaints"]
    receipt = complaints.file(
        "https://id.gs1.org" + demo.sample_unit_path(),
        "quality",
        "米有霉味 / the rice smells musty",
    )
    base = live_server(site)
    context = phone_context(browser, "zh-CN")
    page = context.new_page()
    errors = console_errors(page)
    enrol(page, base, ledger, actor="wuchang-mill")
    page.click("#complaints summary")
    page.click("#complaints-load")
    item = page.locator(f'li[data-complaint="{receipt.number}"]')
    item.wait_for()
    assert "米有霉味" in item.inner_text()
    item.locator("input[value=refunded]").check()
    item.locator("textarea").fill("已全额退款，并检查了仓库湿度")
    item.locator("button[type=submit]").click()
    for _ in range(60):
        record = complaints.with_token(receipt.number, receipt.token)
        if record.outcome is not None:
            break
        page.wait_for_timeout(500)
    assert record.outcome is not None and record.outcome.outcome == "refunded"
    assert record.outcome.actor == "wuchang-mill"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
    context.close()
