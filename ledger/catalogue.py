"""The product catalogue: master data about GTINs that the log does not hold.

The log names products only by GTIN; a consumer page or a label needs their names. The
catalogue is a small JSON file (``ledger/catalogue.json`` by default, or the file named by
``LEDGER_CATALOGUE``), checked when it is loaded so that a typo fails at start-up, not on a
shopper's phone.

The file is the seed: the operator keeps the catalogue in the console, whose entries are
stored in the database (``ledger.service.products``) and override the file's by GTIN. Either
way pages and labels read one ``Catalogue``. A product may carry the temperature band (°C)
it must be kept in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from ledger.core.errors import ValidationError
from ledger.core.products import (
    MAX_STORY,
    STORY_FIELDS,
    Product,
    Story,
    check_product,
    printable,
)

__all__ = ["DEFAULT_PATH", "Catalogue", "Product", "Story"]

DEFAULT_PATH = Path(__file__).with_name("catalogue.json")
CATALOGUE_VERSION = 1
LANGUAGES = ("zh", "en")
_REQUIRED = frozenset({"gtin", "name_zh", "name_en"})
_PRODUCT_MEMBERS = _REQUIRED | {"net_content", "temp_min_c", "temp_max_c", "story"}


def _bad(message: str, field: str) -> ValidationError:
    return ValidationError(message, code="bad_catalogue", field=field)


def _product(raw: object, field: str) -> Product:
    if not isinstance(raw, dict):
        raise _bad(f"{field} must be an object", field)
    if not raw.keys() >= _REQUIRED or not raw.keys() <= _PRODUCT_MEMBERS:
        raise _bad(
            f"{field} has the members gtin, name_zh, name_en and optionally net_content, "
            "temp_min_c, temp_max_c and story",
            field,
        )
    for name in ("gtin", "name_zh", "name_en"):
        if not isinstance(raw[name], str):
            raise _bad(f"{field}.{name} must be a text", f"{field}.{name}")
    net_content = raw.get("net_content")
    if net_content is not None and not isinstance(net_content, str):
        raise _bad(f"{field}.net_content must be a text or null", f"{field}.net_content")
    try:
        # The same rules as the console's editor, worded by their codes; the file's own
        # code (bad_catalogue) says where the mistake is.
        return check_product(
            raw["gtin"],
            raw["name_zh"],
            raw["name_en"],
            net_content,
            raw.get("temp_min_c"),
            raw.get("temp_max_c"),
        )
    except ValidationError as error:
        where = f"{field}.{error.field}" if error.field else field
        raise _bad(f"the catalogue's {where}: {error.message}", where) from error


def _story(raw: object, field: str) -> Story:
    """A product's story: an object of the six texts of ``STORY_FIELDS``."""
    if not isinstance(raw, dict) or set(raw) != set(STORY_FIELDS):
        raise _bad(f"{field} is an object with the members {', '.join(STORY_FIELDS)}", field)
    for name in STORY_FIELDS:
        value = raw[name]
        if not isinstance(value, str) or not printable(value, MAX_STORY):
            raise _bad(
                f"{field}.{name} is a text of 1 to {MAX_STORY} characters, without control "
                "characters or spaces at either end",
                f"{field}.{name}",
            )
    return Story(**{name: raw[name] for name in STORY_FIELDS})


class Catalogue:
    """Products by GTIN-14, and the stories shoppers read about them. Build it with
    ``Catalogue.load`` or from ``Product`` values."""

    def __init__(
        self, products: Mapping[str, Product], stories: Mapping[str, Story] | None = None
    ) -> None:
        self._products = dict(products)
        # Stories are kept beside the products: the console edits names and bands, and a
        # product it overrides keeps the story the file tells.
        self._stories = dict(stories or {})

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
        stories: dict[str, Story] = {}
        for i, raw in enumerate(items):
            product = _product(raw, f"products[{i}]")
            if product.gtin in products:
                raise _bad(f"{source} lists GTIN {product.gtin} twice", f"products[{i}].gtin")
            products[product.gtin] = product
            if raw.get("story") is not None:
                stories[product.gtin] = _story(raw["story"], f"products[{i}].story")
        return cls(products, stories)

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

    def merged(self, overrides: Iterable[Product]) -> Catalogue:
        """This catalogue with ``overrides`` added, or replacing the products of their GTIN."""
        products = dict(self._products)
        products.update((p.gtin, p) for p in overrides)
        return Catalogue(products, self._stories)

    @property
    def fingerprint(self) -> int:
        """Equal for equal catalogues (keys a cache of pages that show product names)."""
        return hash((tuple(sorted(self._products.items())), tuple(sorted(self._stories.items()))))

    def get(self, gtin: str) -> Product | None:
        """The product with this GTIN (8, 12, 13 or 14 digits), or None when unknown."""
        return self._products.get(gtin.zfill(14)) if gtin.isascii() and gtin.isdigit() else None

    def story(self, gtin: str) -> Story | None:
        """The story the catalogue tells about the product, or None."""
        product = self.get(gtin)
        return None if product is None else self._stories.get(product.gtin)

    def display_name(self, gtin: str, lang: str) -> str:
        """The product's name in ``lang``, or "GTIN 0690…" when the catalogue does not know it."""
        product = self.get(gtin)
        return f"GTIN {gtin}" if product is None else product.name(lang)

    def __len__(self) -> int:
        return len(self._products)

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products.values())
