"""Products of the catalogue: what a GTIN is called, its net content and its allowed
temperature band, and the checks an operator's edit must pass.

Pure: the catalogue file (``ledger.catalogue``) and the console's editor
(``ledger.service.products``) both check products here, so one rule has one wording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ledger.core.errors import ValidationError
from ledger.core.gs1 import validate_gtin

MAX_NAME = 200
MAX_STORY = 600  # a story sentence or two: what a phone screen shows without scrolling far
MAX_NET_CONTENT = 50
# Far outside any cold chain or dry store, so that a typo (150 for 15) is caught.
MIN_CELSIUS, MAX_CELSIUS = -80.0, 80.0


@dataclass(frozen=True)
class Product:
    """One trade item: its GTIN-14, its names in Chinese and English, its net content and the
    temperatures (°C) it may be kept at (either bound may be open)."""

    gtin: str
    name_zh: str
    name_en: str
    net_content: str | None = None
    temp_min_c: float | None = None
    temp_max_c: float | None = None

    def name(self, lang: str) -> str:
        """The name in ``lang`` ("zh" or "en"); any other language gets the English name."""
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def band(self) -> str | None:
        """The allowed band in words, e.g. "0 – 15 °C", "≤ 4 °C"; None when unset."""
        low, high = self.temp_min_c, self.temp_max_c
        if low is None and high is None:
            return None
        if low is None:
            return f"≤ {high:g} °C"
        if high is None:
            return f"≥ {low:g} °C"
        return f"{low:g} – {high:g} °C"


@dataclass(frozen=True)
class Story:
    """What a shopper reads about a product (讲好品牌故事): where it comes from, its variety and
    how it is grown, each in Chinese and English."""

    origin_zh: str
    origin_en: str
    variety_zh: str
    variety_en: str
    growing_zh: str
    growing_en: str

    def origin(self, lang: str) -> str:
        """Where it comes from, in ``lang`` ("zh" or "en")."""
        return self.origin_zh if lang == "zh" else self.origin_en

    def variety(self, lang: str) -> str:
        """Its variety, in ``lang``."""
        return self.variety_zh if lang == "zh" else self.variety_en

    def growing(self, lang: str) -> str:
        """How it is grown, in ``lang``."""
        return self.growing_zh if lang == "zh" else self.growing_en


STORY_FIELDS = ("origin_zh", "origin_en", "variety_zh", "variety_en", "growing_zh", "growing_en")


def printable(value: str, limit: int) -> bool:
    """1 to ``limit`` printable characters, no spaces at either end."""
    return 0 < len(value) <= limit and value.isprintable() and value.strip() == value


def check_name(value: str, field: str) -> str:
    """A product name: 1 to ``MAX_NAME`` printable characters, no outer spaces."""
    if not printable(value, MAX_NAME):
        raise ValidationError.of("bad_product_name", field=field, limit=MAX_NAME)
    return value


def check_net_content(value: str | None, field: str = "net_content") -> str | None:
    """A net content such as "5 kg", or None (blank) when the product is sold by weight."""
    if value is None or value == "":
        return None
    if not printable(value, MAX_NET_CONTENT):
        raise ValidationError.of("bad_net_content", field=field, limit=MAX_NET_CONTENT)
    return value


def check_celsius(value: float | None, field: str) -> float | None:
    """A temperature bound in °C within ``MIN_CELSIUS``..``MAX_CELSIUS``, or None (open)."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not MIN_CELSIUS <= value <= MAX_CELSIUS
    ):
        raise ValidationError.of(
            "bad_temperature", field=field, low=f"{MIN_CELSIUS:g}", high=f"{MAX_CELSIUS:g}"
        )
    return float(value)


def parse_celsius(text: str, field: str) -> float | None:
    """A bound typed in a form ("4", "-18", "2.5", blank for none) as a number."""
    text = text.strip().replace("＋", "+").replace("－", "-").replace("−", "-")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan  # words or garbage: the same answer as an impossible number
    return check_celsius(value, field)


def check_product(
    gtin: str,
    name_zh: str,
    name_en: str,
    net_content: str | None = None,
    temp_min_c: float | None = None,
    temp_max_c: float | None = None,
) -> Product:
    """The product these values describe, every rule checked (GTIN check digit, names,
    net content, a band whose lower bound is not above its upper one)."""
    gtin14 = validate_gtin(gtin, field="gtin")
    low = check_celsius(temp_min_c, "temp_min_c")
    high = check_celsius(temp_max_c, "temp_max_c")
    if low is not None and high is not None and low > high:
        raise ValidationError.of(
            "bad_temperature_band", field="temp_max_c", low=f"{low:g}", high=f"{high:g}"
        )
    return Product(
        gtin14,
        check_name(name_zh, "name_zh"),
        check_name(name_en, "name_en"),
        check_net_content(net_content),
        low,
        high,
    )
