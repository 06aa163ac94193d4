"""The QR SVGs the site serves, rendered by a real SVG renderer (Chromium) to PNG, decode
with zxing-cpp to exactly the codes' URIs."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from ledger import demo, samples
from ledger.service.ledger import Ledger
from web import create_app


@pytest.mark.parametrize("path", [demo.sample_unit_path(), f"/01/{samples.BAG_GTIN}/10/WC26-M07"])
def test_served_svg_renders_and_decodes(
    browser: Any, live_server: Callable[[Flask], str], demo_ledger: Ledger, path: str
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is not installed")
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = browser.new_page(viewport={"width": 400, "height": 400})
    response = page.goto(f"{base}/qr{path}.svg")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    png = page.screenshot()
    page.close()
    found = zxingcpp.read_barcodes(
        image_module.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert [code.text for code in found] == [base + path]
