"""How the UN/CEFACT unit codes that events carry are written for readers: in the reader's
language inside a request (公顷, ha), in English outside one (``ledger.core.terms``)."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale

from ledger.core.terms import unit_name


def unit(uom: str | None) -> str:
    """The name of ``uom`` for the current reader, or the code itself when it has none."""
    lang = "en"
    if has_request_context():
        locale = get_locale()
        lang = "zh" if locale is not None and locale.language == "zh" else "en"
    return unit_name(uom, lang)
