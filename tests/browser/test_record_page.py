"""A producer's record on a 360 px phone in Chromium, in both languages: its headline in
words, nothing wider than the screen, no console errors, and no serious or critical
accessibility violation by axe-core (colour contrast included); the scan page links a
step's business to its record."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ledger import demo
from ledger.service.ledger import Ledger
from tests.browser.axe import phone, serious_violations
from web import create_app

SCREENSHOTS = os.environ.get("LEDGER_SCREENSHOTS")
CASES = {
    # (the carrier: its truck overheated once; the lab: nothing wrong)
    "zh-CN": {"problems": "有 1 项不良记录", "clean": "没有不良记录", "cold": "冷链"},
    "en-GB": {
        "problems": "1 problem on record",
        "clean": "No problems on record",
        "cold": "Cold chain",
    },
}


@pytest.mark.parametrize("lang", sorted(CASES))
def test_a_producers_record_on_a_phone(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger, lang: str
) -> None:
    words = CASES[lang]
    base = live_server(create_app({"LEDGER": demo_ledger}))
    context = phone(browser, lang)
    page = context.new_page()
    errors = console_errors(page)
    for actor, state in (("coldchain-express", "problems"), ("hlj-lab", "clean")):
        page.goto(f"{base}/actors/{actor}")
        assert page.inner_text("#record-headline") == words[state]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert serious_violations(page) == []
        if SCREENSHOTS and state == "problems":
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            path = Path(SCREENSHOTS) / f"record-{lang[:2]}.png"
            page.screenshot(path=str(path), full_page=True)
    # The carrier's excursion links to the one entry behind it.
    page.goto(f"{base}/actors/coldchain-express")
    figure = page.locator('[data-figure="cold_chain_excursions"]')
    assert words["cold"] in figure.inner_text()
    link = figure.locator("a").get_attribute("href")
    assert link is not None and link.startswith("/api/v1/log/entries?start=")
    # A figure of many entries lists them on a page of its own.
    page.click('[data-figure="lots_handled"] a')
    page.wait_for_selector(".record-entries li")  # the click navigates: wait for the list
    assert page.locator(".record-entries li").count() == 36
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    assert errors == []
    context.close()


def test_the_scan_page_links_each_business_to_its_record(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"LEDGER": demo_ledger}))
    context = phone(browser, "en-GB")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(base + demo.sample_unit_path() + "?lang=en")
    links = page.locator("a.who-record")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert "/actors/coldchain-express?lang=en" in hrefs
    page.locator('a.who-record[href^="/actors/coldchain-express"]').first.click()
    assert page.inner_text("#record-headline") == "1 problem on record"
    assert errors == []
    context.close()
