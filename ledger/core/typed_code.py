"""Codes a shopper types on the home page instead of scanning them.

What a shopper copies off a package or a message comes in several shapes, all read here into
the lot or unit they name:

* a full GS1 Digital Link URI on any host (``https://example.org/01/0690…/10/WC26-M07``),
* its path (``/01/0690…/10/WC26-M07/21/100071``, the leading slash optional),
* a compressed Digital Link (``https://host/AQnYUc1g…`` or the segment alone),
* the human-readable line printed under a label's code
  (``(01) 06901234000122 (10) WC26-M07 (21) 100071``),
* or the GTIN (in the one box, or its own) with the lot and serial typed into their boxes.

Phone keyboards set in Chinese type full-width digits, brackets and slashes; they are read as
their ASCII forms (NFKC). Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.dl_compression import decompress_digital_link, looks_compressed
from ledger.core.gs1 import GS1Identifier, gtin_uri, parse_identifier
from ledger.core.gs1_syntax import bad_identifier

MAX_TYPED = 300  # longer than any GTIN + lot + serial link on a reasonable host

# One "(AI) value" pair of a human-readable interpretation.
_HRI_PAIR = re.compile(r"\((\d{2,4})\)\s*([^()\s]+)\s*")
_HRI_AIS = {"01", "10", "21"}


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _from_hri(text: str, field: str) -> GS1Identifier:
    values: dict[str, str] = {}
    position = 0
    for match in _HRI_PAIR.finditer(text):
        if match.start() != position:
            break
        ai, value = match.groups()
        if ai not in _HRI_AIS or ai in values:
            raise bad_identifier(
                f"({ai}) is not read here: a package's line has (01), (10) and (21) once each",
                field,
            )
        values[ai] = value
        position = match.end()
    if position != len(text) or "01" not in values:
        raise bad_identifier(
            "a label's line reads like (01) 06901234000122 (10) LOT (21) SERIAL", field
        )
    uri = gtin_uri(values["01"], lot=values.get("10"), serial=values.get("21"), field=field)
    return parse_identifier(uri, field=field)


def _from_link(uri: str, field: str) -> GS1Identifier:
    # The query (attributes like an expiry date) and a fragment do not change which object
    # a link names; a trailing slash is tolerated, as the Digital Link standard asks.
    base = uri.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    last = base.rsplit("/", 1)[-1]
    if "/01/" not in base + "/" and looks_compressed(last):
        base = decompress_digital_link(base, field=field).split("?", 1)[0]
    return parse_identifier(base, field=field)


def read_typed_code(
    text: str, *, gtin: str = "", lot: str = "", serial: str = "", field: str = "code"
) -> GS1Identifier:
    """The object a typed code names: ``text`` in any of the module's shapes, or, when it is
    blank, ``gtin`` with ``lot`` and ``serial``. ``ValidationError`` (bad_identifier or
    bad_check_digit) names the rule a mistyped code breaks."""
    text, gtin, lot, serial = (_normalised(t) for t in (text, gtin, lot, serial))
    if text.isascii() and text.isdigit():
        text, gtin = "", text  # digits alone are a GTIN, the lot and serial in their boxes
    if not text:
        if not gtin:
            raise bad_identifier("type the code, or the GTIN and the lot number", field)
        uri = gtin_uri(
            gtin, lot=lot or None, serial=serial or None, field="gtin" if not lot else field
        )
        return parse_identifier(uri, field=field)
    if len(text) > MAX_TYPED:
        raise bad_identifier("this is far longer than any product code", field)
    if text.startswith("("):
        return _from_hri(text, field)
    if "://" in text:
        return _from_link(text, field)
    path = text if text.startswith("/") else "/" + text
    return _from_link(CANONICAL_STEM + path, field)
