"""A lot code in a real phone-sized browser: the milled-rice lot and the bags' lot (a lot of
serialised units) open their lot pages, verified by the phone itself; no console errors at
360 px."""

from __future__ import annotations

from typing import Any

from ledger import demo, samples
from ledger.service.ledger import Ledger
from tests.browser.test_scan_page_e2e import open_page, wait_for_verdict
from web import create_app

BAG_GTIN, LOT = demo.sample_lot()


def test_a_lot_code_opens_a_verified_lot_page_at_360_px(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = open_page(browser, base, lang="en-US")
    errors = console_errors(page)
    page.goto(f"{base}/01/{samples.RICE_GTIN}/10/{LOT}")
    assert wait_for_verdict(page) == "verified"
    assert page.inner_text("p.scope") == f"The whole lot {LOT}: every step recorded for it"
    assert "Lot journey" in page.title()
    assert "Harvest" in page.inner_text("section.journey")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []


def test_the_bags_lot_code_opens_its_verified_lot_page(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = open_page(browser, base, lang="en-US")
    errors = console_errors(page)
    response = page.goto(f"{base}/01/{BAG_GTIN}/10/{LOT}")
    assert response is not None and response.status == 200
    assert page.url == f"{base}/01/{BAG_GTIN}/10/{LOT}"  # no redirect
    assert wait_for_verdict(page) == "verified"
    assert page.inner_text("p.scope") == f"The whole lot {LOT}: every step recorded for it"
    assert "Lot journey" in page.title()
    journey = page.inner_text("section.journey")
    assert "Harvest" in journey and "Sold in store" not in journey
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
