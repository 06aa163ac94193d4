"""The app's product catalogue: the file, with the console's edits laid over it."""

from __future__ import annotations

from flask import current_app

from ledger.catalogue import Catalogue
from ledger.service.products import Products


def products() -> Products:
    """The catalogue's store (what the console's editor writes to)."""
    return current_app.extensions["products"]  # type: ignore[no-any-return]


def current_catalogue() -> Catalogue:
    """The catalogue pages and labels read now (re-read at most every few seconds)."""
    return products().catalogue()
