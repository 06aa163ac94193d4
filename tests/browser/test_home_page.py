"""The pages a shopper meets first, on a 360 px phone in Chromium in both languages: the home
page, the error pages and the label sheet's printing guide. Nothing is wider than the screen,
no console errors, the headline says what it should in words, axe-core finds no serious or
critical violation, and a typed code reaches its page.

Screenshots for the README: ``LEDGER_SCREENSHOTS=docs/screenshots`` (a directory).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ledger import demo, samples
from ledger.service.ledger import Ledger
from tests.browser.axe import phone, serious_violations
from web import create_app

SCREENSHOTS = os.environ.get("LEDGER_SCREENSHOTS")
UNIT = demo.sample_unit_path()

HOME = {
    "zh-CN": {
        "headline": "查一查您买的农产品从哪里来",
        "camera": "扫描包装上的二维码",
        "no_camera": "这个浏览器不能用摄像头识别二维码",
        "story": "黑龙江省五常市",
        "recent": "查看最近一个批次",
        "bad": "这不是可识别的商品码",
        "switch": "English",
    },
    "en-GB": {
        "headline": "Check where your food comes from",
        "camera": "Scan the code on the package",
        "no_camera": "This browser cannot read codes with the camera",
        "story": "Wuchang, Heilongjiang",
        "recent": "See the record of a recent lot",
        "bad": "This is not a product code we can read",
        "switch": "中文",
    },
}

ERRORS = {
    # (name, path, status): the headline in each language
    ("unknown-lot", f"/01/{samples.BAG_GTIN}/10/NO-SUCH-LOT", 404): {
        "zh-CN": "没有这个批次的记录",
        "en-GB": "We have no record of this lot",
    },
    ("unknown-product", f"/01/{samples.BAG_GTIN}/21/999999", 404): {
        "zh-CN": "没有这件商品的记录",
        "en-GB": "We have no record of this product",
    },
    ("malformed", f"/01/{samples.BAG_GTIN[:-1]}9/10/X", 400): {
        "zh-CN": "这不是可识别的商品码",
        "en-GB": "This is not a product code we can read",
    },
    ("not-found", "/no/such/page", 404): {
        "zh-CN": "这个地址没有页面",
        "en-GB": "There is no page at this address",
    },
}


def shoot(page: Any, name: str, lang: str, *, full_page: bool = True) -> None:
    """A screenshot for the README, when they are asked for."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        path = Path(SCREENSHOTS) / f"{name}-{lang[:2]}.png"
        page.screenshot(path=str(path), full_page=full_page)


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= 360)


@pytest.fixture(scope="module")
def base(demo_ledger: Ledger) -> Any:
    from tests.browser.conftest import serve_app

    with serve_app(create_app({"LEDGER": demo_ledger})) as url:
        yield url


@pytest.mark.parametrize("lang", sorted(HOME))
def test_the_home_page_on_a_phone(browser: Any, base: str, console_errors: Any, lang: str) -> None:
    words = HOME[lang]
    context = phone(browser, lang)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{base}/")
    assert page.inner_text("h1") == words["headline"]
    main = page.inner_text("main")
    assert words["story"] in main and words["recent"] in main
    assert page.inner_text("header .lang") == words["switch"]
    # The camera where the browser reads QR codes; else a note saying so.
    reads_codes = page.evaluate("'BarcodeDetector' in window")
    shown, other = ("#scan-button", "#scan-unsupported")[:: 1 if reads_codes else -1]
    page.locator(shown).wait_for(state="visible")
    assert (words["camera"] if reads_codes else words["no_camera"]) in page.inner_text(shown)
    assert not page.locator(other).is_visible()
    assert fits(page)
    assert serious_violations(page) == []
    shoot(page, "home", lang)
    assert errors == []
    context.close()


@pytest.mark.parametrize("lang", sorted(HOME))
def test_a_typed_code_reaches_its_page(browser: Any, base: str, lang: str) -> None:
    context = phone(browser, lang)
    page = context.new_page()
    page.goto(f"{base}/")
    serial = UNIT.rsplit("/", 1)[1]
    page.fill("#code", f"(01) {samples.BAG_GTIN} (21) {serial}")
    with page.expect_navigation():
        page.click("#code-form button[type=submit]")
    assert page.url.startswith(f"{base}/01/{samples.BAG_GTIN}/21/{serial}")
    assert serial in page.inner_text("main")
    context.close()


@pytest.mark.parametrize("lang", sorted(HOME))
def test_a_mistyped_code_is_explained_on_the_home_page(browser: Any, base: str, lang: str) -> None:
    words = HOME[lang]
    context = phone(browser, lang)
    page = context.new_page()
    page.goto(f"{base}/")
    page.fill("#code", "not a code")
    with page.expect_navigation():
        page.click("#code-form button[type=submit]")
    assert words["bad"] in page.inner_text("[role=alert]")
    assert page.input_value("#code") == "not a code"
    assert page.get_attribute("#code", "aria-invalid") == "true"
    assert fits(page)
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en-GB"])
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_pages_on_a_phone(
    browser: Any, base: str, lang: str, case: tuple[str, str, int]
) -> None:
    name, path, status = case
    context = phone(browser, lang)
    page = context.new_page()
    response = page.goto(base + path)
    assert response is not None and response.status == status
    assert page.inner_text("h1") == ERRORS[case][lang]
    assert page.inner_text("header .lang") == HOME[lang]["switch"]
    assert "Traceback" not in page.content()
    assert fits(page)
    assert serious_violations(page) == []
    shoot(page, f"error-{name}", lang)
    # The switch keeps the reader on the same address, in the other language.
    other = "en-GB" if lang == "zh-CN" else "zh-CN"
    with page.expect_navigation():
        page.click("header .lang")
    assert page.inner_text("h1") == ERRORS[case][other]
    context.close()


@pytest.mark.parametrize(
    ("lang", "headline"),
    [("zh-CN", "批次 WC26-M07 的标签"), ("en-GB", "Labels for lot WC26-M07")],
)
def test_the_label_sheet_guide(
    browser: Any, base: str, console_errors: Any, lang: str, headline: str
) -> None:
    context = phone(browser, lang)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{base}/labels/01/{samples.BAG_GTIN}/10/WC26-M07")
    assert page.inner_text("h1") == headline
    assert "100%" in page.inner_text(".guide")
    page.locator("#print-button").wait_for(state="visible")
    assert fits(page)  # the A4 sheets scroll inside their own box
    assert serious_violations(page) == []
    shoot(page, "labels", lang, full_page=False)
    # On paper, only the labels: the guide is not printed.
    page.emulate_media(media="print")
    assert not page.locator(".guide").is_visible()
    assert errors == []
    context.close()
