"""The product catalogue as the operator keeps it: the catalogue file, overridden and extended
by the products edited in the console (table ``catalogue_products``).

``Products.catalogue()`` is what pages and labels read: one ``Catalogue``, the file's
products with the stored ones laid over them by GTIN. It is re-read from the database at most
every ``ttl`` seconds (so another process's edit shows within that time) and at once after an
edit made through this object. Edits are checked by ``ledger.core.products`` before anything
is written; one edit is one transaction.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, insert, select, update

from ledger.catalogue import Catalogue
from ledger.core.errors import ConflictError, NotFoundError
from ledger.core.products import Product, check_product
from ledger.core.timefmt import format_time
from ledger.service.sequencer import Clock, system_clock
from ledger.store.models import CatalogueProduct


@dataclass(frozen=True)
class Listed:
    """A product of the catalogue and where it comes from: the file or the console."""

    product: Product
    edited: bool
    updated: str | None = None
    updated_by: str | None = None


def _product(row: Row[Any]) -> Product:
    return Product(
        row.gtin, row.name_zh, row.name_en, row.net_content, row.temp_min_c, row.temp_max_c
    )


class Products:
    """The catalogue of one ledger database, seeded by the catalogue file ``base``."""

    def __init__(
        self, engine: Engine, base: Catalogue, clock: Clock = system_clock, ttl: float = 2.0
    ) -> None:
        self.engine = engine
        self.base = base
        self.clock = clock
        self.ttl = ttl
        self._cached: tuple[float, Catalogue] | None = None
        self._lock = threading.Lock()

    def _rows(self) -> list[Row[Any]]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(select(CatalogueProduct).order_by(CatalogueProduct.gtin)).all()
            )

    def catalogue(self) -> Catalogue:
        """The current catalogue: the file's products, with the console's laid over them."""
        now = time.monotonic()
        with self._lock:
            cached = self._cached
        if cached is not None and now - cached[0] <= self.ttl:
            return cached[1]
        current = self.base.merged(_product(row) for row in self._rows())
        with self._lock:
            self._cached = (now, current)
        return current

    def listed(self) -> list[Listed]:
        """Every product, by GTIN, with whether the console has edited it."""
        rows = {row.gtin: row for row in self._rows()}
        merged = self.base.merged(_product(row) for row in rows.values())
        out = []
        for product in sorted(merged, key=lambda p: p.gtin):
            row = rows.get(product.gtin)
            if row is None:
                out.append(Listed(product, False))
            else:
                out.append(Listed(product, True, row.updated, row.updated_by))
        return out

    def get(self, gtin: str) -> Product | None:
        """The product of ``gtin`` as pages show it now, or None."""
        self._forget()
        return self.catalogue().get(gtin)

    def _forget(self) -> None:
        with self._lock:
            self._cached = None

    def add(self, product: Product, by: str) -> Product:
        """Add a product not yet in the catalogue (``product_exists`` if its GTIN is)."""
        product = _checked(product)
        with self.engine.begin() as conn:
            stored = conn.execute(
                select(CatalogueProduct.gtin).where(CatalogueProduct.gtin == product.gtin)
            ).first()
            if stored is not None or self.base.get(product.gtin) is not None:
                raise ConflictError.of("product_exists", field="gtin", gtin=product.gtin)
            conn.execute(insert(CatalogueProduct).values(**self._values(product, by)))
        self._forget()
        return product

    def update(self, product: Product, by: str) -> Product:
        """Change a product of the catalogue (``unknown_product`` if its GTIN is not in it).
        A product of the file is copied into the database with the change."""
        product = _checked(product)
        with self.engine.begin() as conn:
            stored = conn.execute(
                select(CatalogueProduct.gtin).where(CatalogueProduct.gtin == product.gtin)
            ).first()
            values = self._values(product, by)
            if stored is not None:
                conn.execute(
                    update(CatalogueProduct)
                    .where(CatalogueProduct.gtin == product.gtin)
                    .values(values)
                )
            elif self.base.get(product.gtin) is not None:
                conn.execute(insert(CatalogueProduct).values(**values))
            else:
                raise NotFoundError.of("unknown_product", field="gtin", gtin=product.gtin)
        self._forget()
        return product

    def _values(self, product: Product, by: str) -> dict[str, object]:
        return {
            "gtin": product.gtin,
            "name_zh": product.name_zh,
            "name_en": product.name_en,
            "net_content": product.net_content,
            "temp_min_c": product.temp_min_c,
            "temp_max_c": product.temp_max_c,
            "updated": format_time(self.clock()),
            "updated_by": by,
        }


def _checked(product: Product) -> Product:
    """``product`` after every rule, so that nothing unchecked reaches the table."""
    return check_product(
        product.gtin,
        product.name_zh,
        product.name_en,
        product.net_content,
        product.temp_min_c,
        product.temp_max_c,
    )
