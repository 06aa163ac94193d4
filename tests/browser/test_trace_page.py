"""The trace page on a 360 px phone in Chromium, in both languages: nothing wider than the
screen, no console errors, and the field the bag's rice grew on is named."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from ledger import demo
from ledger.service.ledger import Ledger
from web import create_app

BAG = "https://id.gs1.org" + demo.sample_unit_path()


@pytest.mark.parametrize(
    ("lang", "words"), [("zh-CN", "它的全部来源"), ("en-GB", "Everything it came from")]
)
def test_a_bag_traced_back_on_a_phone(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger, lang: str, words: str
) -> None:
    base = live_server(create_app({"LEDGER": demo_ledger}))
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{base}/trace?object={quote(BAG, safe='')}")
    assert page.inner_text("h1") == words
    assert "plot-07" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("details.card summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
    context.close()
