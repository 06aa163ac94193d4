"""The product catalogue: master data about GTINs that the log does not hold.

The log names products only by GTIN; a consumer page or a label needs their names. The
catalogue is a small JSON file (``ledger/catalogue.json`` by default, or the file named by
``LEDGER_CATALOGUE``), checked when it is loaded so that a typo fails at start-up, not on a
shopper's phone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.core.errors import ValidationError
from ledger.core.gs1 import validate_gtin

DEFAULT_PATH = Path(__file__).with_name("catalogue.json")
CATALOGUE_VERSION = 1
LANGUAGES = ("zh", "en")
_PRODUCT_MEMBERS = frozenset({"gtin", "name_zh", "name_en", "net_content"})
_MAX_NAME = 200


@dataclass(frozen=True)
class Product:
    """One trade item: its GTIN-14, its names in Chinese and English, its net content."""

    gtin: str
    name_zh: str
    name_en: str
    net_content: str | None = None

    def name(self, lang: str) -> str:
        """The name in ``lang`` ("zh" or "en"); any other language gets the English name."""
        return self.name_zh if lang == "zh" else self.name_en


def _bad(message: str, field: str) -> ValidationError:
    return ValidationError(message, code="bad_catalogue", field=field)


def _text(value: object, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{field} must be a non-empty text", field)
    if len(value) > _MAX_NAME or not value.isprintable():
        raise _bad(f"{field} must be printable text of at most {_MAX_NAME} characters", field)
    return value


def _product(raw: object, field: str) -> Product:
    if not isinstance(raw, dict):
        raise _bad(f"{field} must be an object", field)
    if not {"gtin", "name_zh", "name_en"} <= raw.keys() or not raw.keys() <= _PRODUCT_MEMBERS:
        raise _bad(
            f"{field} has the members gtin, name_zh, name_en and optionally net_content", field
        )
    gtin = raw["gtin"]
    if not isinstance(gtin, str):
        raise _bad(f"{field}.gtin must be a text of digits", f"{field}.gtin")
    try:
        gtin14 = validate_gtin(gtin, field=f"{field}.gtin")
    except ValidationError as error:
        raise _bad(f"the catalogue's {error.message}", f"{field}.gtin") from error
    name_zh = _text(raw["name_zh"], f"{field}.name_zh")
    name_en = _text(raw["name_en"], f"{field}.name_en")
    assert name_zh is not None and name_en is not None  # _text raises rather than return None
    return Product(
        gtin14,
        name_zh,
        name_en,
        _text(raw.get("net_content"), f"{field}.net_content", optional=True),
    )


class Catalogue:
    """Products by GTIN-14. Build it with ``Catalogue.load`` or from ``Product`` values."""

    def __init__(self, products: Mapping[str, Product]) -> None:
        self._products = dict(products)

    @classmethod
    def parse(cls, data: bytes, *, source: str = "catalogue") -> Catalogue:
        """Parse and check catalogue JSON; ``ValidationError`` (code bad_catalogue) if bad."""
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValidationError(
                f"{source} is not UTF-8 JSON: {error}", code="bad_catalogue"
            ) from error
        if not isinstance(obj, dict) or obj.get("version") != CATALOGUE_VERSION:
            raise _bad(f'{source} must be an object with "version": {CATALOGUE_VERSION}', "version")
        items = obj.get("products")
        if not isinstance(items, list):
            raise _bad(f"{source} must have a list of products", "products")
        products: dict[str, Product] = {}
        for i, raw in enumerate(items):
            product = _product(raw, f"products[{i}]")
            if product.gtin in products:
                raise _bad(f"{source} lists GTIN {product.gtin} twice", f"products[{i}].gtin")
            products[product.gtin] = product
        return cls(products)

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        """Load a catalogue file; ``None`` loads the demo catalogue packaged with the ledger."""
        path = DEFAULT_PATH if path is None else path
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ValidationError(
                f"cannot read the catalogue {path}: {error.strerror}", code="bad_catalogue"
            ) from error
        return cls.parse(data, source=str(path))

    def get(self, gtin: str) -> Product | None:
        """The product with this GTIN (8, 12, 13 or 14 digits), or None when unknown."""
        return self._products.get(gtin.zfill(14)) if gtin.isascii() and gtin.isdigit() else None

    def display_name(self, gtin: str, lang: str) -> str:
        """The product's name in ``lang``, or "GTIN 0690…" when the catalogue does not know it."""
        product = self.get(gtin)
        return f"GTIN {gtin}" if product is None else product.name(lang)

    def __len__(self) -> int:
        return len(self._products)

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products.values())
