"""Helpers for the label tests: zxing-cpp decoding, skipped cleanly where it is missing."""

from __future__ import annotations

import io
from typing import Any

import pytest


def decode_all(image: Any) -> list[str]:
    """Every QR code zxing-cpp finds in a PIL image, as text."""
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is not installed")
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def png_image(data: bytes) -> Any:
    """A PIL image of PNG bytes (skips without Pillow)."""
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    return image_module.open(io.BytesIO(data))
