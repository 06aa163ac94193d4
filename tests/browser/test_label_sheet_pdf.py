"""A demo lot's label sheet printed to PDF by headless chromium: every code on every page
decodes, and the codes are exactly the lot's 120 units on the server's base URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from ledger import demo, samples
from ledger.service.ledger import Ledger
from web import create_app

LOT = "WC26-M07"


def test_printed_sheet_decodes_to_exactly_the_units(
    browser: Any,
    live_server: Callable[[Flask], str],
    console_errors: Callable[[Any], list[str]],
    demo_ledger: Ledger,
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is not installed")
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is not installed")
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    expected = {u.uri_on(base) for u in demo_ledger.units_of_lot(samples.BAG_GTIN, LOT)}
    assert len(expected) == demo.BAGS_PER_LOT == 120

    page = browser.new_page()
    errors = console_errors(page)
    response = page.goto(f"{base}/labels/01/{samples.BAG_GTIN}/10/{LOT}")
    assert response is not None and response.status == 200
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    page.close()
    assert errors == []  # the stylesheet loaded under the CSP, nothing was refused

    document = pdfium.PdfDocument(pdf)
    assert len(document) == 5  # 120 labels, 24 a page
    decoded: list[str] = []
    for number in range(len(document)):
        image = document[number].render(scale=200 / 72).to_pil()  # 200 dpi
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        found = [r.text for r in results]
        assert len(found) == 24, f"page {number + 1}: {len(found)} codes decoded, not 24"
        decoded += found
    assert len(decoded) == 120 and set(decoded) == expected
