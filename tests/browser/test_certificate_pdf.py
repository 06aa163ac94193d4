"""A lot's 承诺达标合格证 in headless chromium: printed to PDF on A6 and A4 under the site's
CSP, its QR code decodes with zxing-cpp to exactly the lot's Digital Link on the server, and
the print button (an ES module) opens the print dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from ledger import demo, samples
from ledger.service.ledger import Ledger
from web import create_app

GTIN, LOT = demo.sample_lot()


@pytest.mark.parametrize(("paper", "points"), [("a6", (297.6, 419.5)), ("a4", (595.3, 841.9))])
def test_the_printed_certificate_decodes_to_the_lots_uri(
    browser: Any,
    live_server: Callable[[Flask], str],
    console_errors: Callable[[Any], list[str]],
    demo_ledger: Ledger,
    paper: str,
    points: tuple[float, float],
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is not installed")
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is not installed")
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))

    page = browser.new_page()
    errors = console_errors(page)
    response = page.goto(f"{base}/certificates/01/{GTIN}/10/{LOT}?paper={paper}&lang=zh")
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "承诺达标合格证"
    assert page.locator("#origin").inner_text() == "黑龙江省哈尔滨市五常市"
    # The print button is wired by certificate.js (no inline script under the CSP).
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.click("#print")
    assert page.locator("body").get_attribute("data-printed") == "yes"
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.close()
    assert errors == []

    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1  # one certificate, one sheet
    width, height = document[0].get_size()
    assert abs(width - points[0]) < 2 and abs(height - points[1]) < 2
    image = document[0].render(scale=300 / 72).to_pil()
    found = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    assert found == [f"{base}/01/{GTIN}/10/{LOT}"]
    text = "".join(document[0].get_textpage().get_text_range().split())
    assert "承诺达标合格证" in text and "120件，每件5kg" in text
    assert "print" not in text.lower()  # the tools bar is not printed


def test_the_certificate_qr_opens_the_verified_scan_page_from_the_console(
    browser: Any,
    live_server: Callable[[Flask], str],
    console_errors: Callable[[Any], list[str]],
    demo_ledger: Ledger,
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = browser.new_page()
    errors = console_errors(page)
    page.goto(f"{base}/certificates/01/{samples.RICE_GTIN}/10/{LOT}?lang=en")
    assert "Certificate of commitment to compliance" in page.locator("main").inner_text()
    page.click("#inputs a")  # the input lot's own certificate
    assert page.locator("#quantity").inner_text() == "11,500 kg"
    page.close()
    assert errors == []
