"""A recalled bag on a 360 px phone in Chromium, in both languages: the recall comes before
everything else, in the words the regulator signed; the phone verifies the whole bundle,
the recall's entries with it; a tampered recall entry fails the phone's check; the recall
page names the store holding the lot. No console errors, nothing wider than the screen."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ledger import demo
from ledger.service.ledger import Ledger
from tests.browser.test_scan_page_e2e import open_page, wait_for_verdict
from web import create_app

RECALLED = demo.recalled_unit_path()


@pytest.mark.parametrize(
    ("lang", "headline", "action"),
    [
        ("zh-CN", "已被召回：请勿食用", "请停止食用"),
        ("en-GB", "Recalled: do not eat this product", "Stop eating it"),
    ],
)
def test_a_recalled_bag_says_so_first_and_the_phone_verifies_the_recall(
    browser: Any,
    live_server: Any,
    console_errors: Any,
    demo_ledger: Ledger,
    lang: str,
    headline: str,
    action: str,
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = open_page(browser, base, lang=lang)
    errors = console_errors(page)
    page.goto(base + RECALLED)
    first = page.locator("main#scan > section").first
    assert headline in first.inner_text() and action in first.inner_text()
    assert first.get_attribute("role") == "alert"
    assert wait_for_verdict(page) == "verified"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("section.recall a[href^='/recalls/']")
    page.wait_for_selector("main.recall-page")
    assert ("上海鲜超连锁" if lang == "zh-CN" else "Fresh Mart Shanghai") in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
    page.context.close()


def test_a_tampered_recall_entry_fails_the_phones_check(
    browser: Any, live_server: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))

    def soften(bundle: dict[str, Any]) -> None:
        # The operator quietly lowers the recall's level in the bundle it serves.
        for item in bundle["entries"]:
            entry = json.loads(base64.b64decode(item["leaf"]))
            if entry["statement"]["kind"] == "recall":
                entry["statement"]["payload"]["level"] = 3
                raw = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
                item["leaf"] = base64.b64encode(raw.encode()).decode()

    page = open_page(browser, base, tamper=soften)
    page.goto(base + RECALLED)
    assert wait_for_verdict(page) == "failed"
    page.context.close()
