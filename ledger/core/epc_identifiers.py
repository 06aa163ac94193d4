"""Identifiers as GS1's EPCIS event hash algorithm writes them (rules 17 and 18).

`normalise_identifier` turns an EPC URI (GS1 EPC Tag Data Standard: ``urn:epc:id:``,
``urn:epc:class:lgtin:``, ``urn:epc:idpat:``) into a GS1 Digital Link, and a Digital Link
into its constrained canonical form on ``https://id.gs1.org``, exactly as the reference
implementation (PyPI ``epcis-event-hash-generator`` 1.9.3) does: check digits are computed,
not checked, and a value it would not touch is left as written (None).
Used by `ledger.core.event_hash`. Pure: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ledger.core.gs1_syntax import CSET39, CSET82, check_digit

__all__ = ["normalise_identifier"]

# -- EPC URIs (GS1 EPC Tag Data Standard) to GS1 Digital Link (rule 17) ------------------

# EPC URI components encode GS1 character set 82 (serials, lots) or 39 (CPI references);
# these characters of them may not be written raw (TDS 2.0 table "escaping").
_URN_MUST_ESCAPE = frozenset('"%&/<>?')
_CSET82_RAW = CSET82 - _URN_MUST_ESCAPE
_CPI_RAW = CSET39 - frozenset("#/")
_HEX = frozenset("0123456789abcdefABCDEF")
# Characters that GS1 Digital Link writes percent-encoded but EPC URIs may write raw.
_DL_ESCAPES = {"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"}


def _urn_component_length(text: str, raw: frozenset[str], escapes: frozenset[str]) -> int | None:
    """Number of characters ``text`` encodes, or None if it is not a valid component.

    A character is either written as itself (one of ``raw``) or as a ``%XX`` escape of
    a character in ``escapes``.
    """
    count, i = 0, 0
    while i < len(text):
        if text[i] == "%":
            pair = text[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX or chr(int(pair, 16)) not in escapes:
                return None
            i += 3
        elif text[i] in raw:
            i += 1
        else:
            return None
        count += 1
    return count


def _serial_ok(text: str, low: int, high: int) -> bool:
    """A set-82 component (serial, lot, extension) of ``low`` to ``high`` characters."""
    length = _urn_component_length(text, _CSET82_RAW, CSET82)
    return length is not None and low <= length <= high


def _cpi_ok(text: str, high: int) -> bool:
    length = _urn_component_length(text, _CPI_RAW, CSET39)
    return length is not None and 1 <= length <= high


def _dl_escape(text: str) -> str:
    return "".join(_DL_ESCAPES.get(c, c) for c in text)


def _digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


def _with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def _company_prefix(text: str) -> bool:
    """A GS1 company prefix as EPC URIs split it off: 6 to 12 digits."""
    return 6 <= len(text) <= 12 and text.isascii() and text.isdigit()


def _gtin(cp: str, item: str) -> str | None:
    """GTIN-14 from an EPC company prefix and item reference (indicator digit first)."""
    if not _company_prefix(cp) or not _digits(item, 13 - len(cp)):
        return None
    return _with_check_digit(item[:1] + cp + item[1:])


def _twelve(cp: str, ref: str) -> str | None:
    """The 12 digits before the check digit of a GLN, GDTI, GRAI or GCN.

    The reference is empty when the company prefix has all 12 digits.
    """
    if not _company_prefix(cp) or not (ref == "" or _digits(ref, 12 - len(cp))):
        return None
    return cp + ref if len(cp + ref) == 12 else None


def _epc_id(scheme: str, body: str) -> str | None:
    """``urn:epc:id:<scheme>:<body>`` as a Digital Link path (no host)."""
    parts = body.split(".", 1)
    if len(parts) != 2 or not _company_prefix(parts[0]):
        return None
    cp, rest = parts
    if scheme in ("sgtin", "upui", "itip"):
        fields = rest.split(".", 3 if scheme == "itip" else 1)
        gtin = _gtin(cp, fields[0])
        if gtin is None or len(fields) < 2:
            return None
        if scheme == "sgtin":
            return f"01/{gtin}/21/{_dl_escape(fields[1])}" if _serial_ok(fields[1], 1, 20) else None
        if scheme == "upui":
            return (
                f"01/{gtin}/235/{_dl_escape(fields[1])}" if _serial_ok(fields[1], 1, 28) else None
            )
        if len(fields) != 4 or not (_digits(fields[1], 2) and _digits(fields[2], 2)):
            return None
        if not _serial_ok(fields[3], 1, 20):
            return None
        return f"8006/{gtin}{fields[1]}{fields[2]}/21/{_dl_escape(fields[3])}"
    if scheme in ("sscc", "gsrn", "gsrnp", "gsin"):
        total = {"sscc": 17, "gsrn": 17, "gsrnp": 17, "gsin": 16}[scheme]
        if not _digits(rest, total - len(cp)):
            return None
        digits = rest[:1] + cp + rest[1:] if scheme == "sscc" else cp + rest
        ai = {"sscc": "00", "gsrn": "8018", "gsrnp": "8017", "gsin": "402"}[scheme]
        return f"{ai}/{_with_check_digit(digits)}"
    if scheme == "pgln":
        body12 = _twelve(cp, rest)
        return None if body12 is None else f"417/{_with_check_digit(body12)}"
    if scheme in ("giai", "ginc"):
        if not _serial_ok(rest, 1, 30 - len(cp)):
            return None
        return f"{'8004' if scheme == 'giai' else '401'}/{cp}{_dl_escape(rest)}"
    if scheme == "cpi":
        ref, dot, serial = rest.rpartition(".")
        if not dot or not _cpi_ok(ref, 30 - len(cp)) or not (serial.isascii() and serial.isdigit()):
            return None
        return f"8010/{_dl_escape(cp + ref)}/8011/{serial}" if len(serial) <= 12 else None
    ref, dot, tail = rest.partition(".")
    body12 = _twelve(cp, ref)
    if not dot or body12 is None:
        return None
    if scheme == "sgln":
        if not _serial_ok(tail, 1, 20):
            return None
        gln = _with_check_digit(body12)
        return f"414/{gln}" if tail == "0" else f"414/{gln}/254/{_dl_escape(tail)}"
    if scheme == "grai":
        ok = _serial_ok(tail, 1, 16)
        return f"8003/{_with_check_digit('0' + body12)}{_dl_escape(tail)}" if ok else None
    if scheme == "gdti":
        ok = _serial_ok(tail, 0, 19)
        return f"253/{_with_check_digit(body12)}{_dl_escape(tail)}" if ok else None
    if scheme == "sgcn":
        ok = tail.isascii() and tail.isdigit() and 1 <= len(tail) <= 12
        return f"255/{_with_check_digit(body12)}{tail}" if ok else None
    return None


def _epc_class(body: str) -> str | None:
    """``urn:epc:class:lgtin:<cp>.<item>.<lot>`` as ``01/{gtin}/10/{lot}``."""
    fields = body.split(".", 2)
    if len(fields) != 3:
        return None
    gtin = _gtin(fields[0], fields[1])
    if gtin is None or not _serial_ok(fields[2], 1, 20):
        return None
    return f"01/{gtin}/10/{_dl_escape(fields[2])}"


def _epc_pattern(scheme: str, body: str) -> str | None:
    """``urn:epc:idpat:<scheme>:<cp>.<ref>[...].*``: the class key, without the wildcard."""
    if not body.endswith(".*"):
        return None
    fields = body[:-2].split(".")
    if scheme in ("sgtin", "upui") and len(fields) == 2:
        gtin = _gtin(fields[0], fields[1])
        return None if gtin is None else f"01/{gtin}"
    if scheme == "itip" and len(fields) == 4:
        gtin = _gtin(fields[0], fields[1])
        if gtin is None or not (_digits(fields[2], 2) and _digits(fields[3], 2)):
            return None
        return f"8006/{gtin}{fields[2]}{fields[3]}"
    if scheme == "cpi" and len(fields) == 2:
        cp, ref = fields
        return f"8010/{cp}{ref}" if _company_prefix(cp) and _cpi_ok(ref, 30 - len(cp)) else None
    if scheme in ("grai", "gdti", "sgcn") and len(fields) == 2:
        body12 = _twelve(fields[0], fields[1])
        if body12 is None:
            return None
        if scheme == "grai":
            return f"8003/{_with_check_digit('0' + body12)}"
        return f"{'253' if scheme == 'gdti' else '255'}/{_with_check_digit(body12)}"
    return None


# -- GS1 Digital Link URIs to their constrained canonical form (rule 18) ----------------

_DL_PRIMARY = frozenset({"00", "01", "253", "255", "401", "402", "414", "417",
                         "8003", "8004", "8006", "8010", "8017", "8018"})  # fmt: skip
_DL_SHORT_NAMES = {
    "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417",
    "gsrnp": "8017", "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253",
    "ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004",
    "cpv": "22", "lot": "10", "ser": "21",
}  # fmt: skip
# The characters the reference accepts in the values of a constrained Digital Link. A
# value holding anything else (a percent-escape included) leaves the URI as written.
_DL_CHARS = r"[\"'\-.0-9;<=>?A-Z_a-z]"
_DL_VALUE_FORMS: Mapping[str, re.Pattern[str]] = {
    ai: re.compile(form)
    for ai, form in {
        "00": r"[0-9]{18}", "01": r"[0-9]{14}", "253": rf"[0-9]{{13}}{_DL_CHARS}{{0,17}}",
        "255": r"[0-9]{13,25}", "401": rf"{_DL_CHARS}{{0,30}}", "402": r"[0-9]{17}",
        "414": r"[0-9]{13}", "417": r"[0-9]{13}", "8003": rf"[0-9]{{14}}{_DL_CHARS}{{0,16}}",
        "8004": rf"{_DL_CHARS}{{0,30}}", "8006": r"[0-9]{18}", "8010": r"[#\-/0-9A-Z]{0,30}",
        "8017": r"[0-9]{18}", "8018": r"[0-9]{18}",
        "10": rf"{_DL_CHARS}{{0,20}}", "21": rf"{_DL_CHARS}{{0,20}}", "22": rf"{_DL_CHARS}{{0,20}}",
        "235": rf"{_DL_CHARS}{{0,28}}", "254": rf"{_DL_CHARS}{{0,20}}", "8011": r"[0-9]{0,12}",
    }.items()
}  # fmt: skip
# Key qualifiers each primary key may keep, in path order, after the constraints.
_DL_QUALIFIERS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "01": ((), ("21",), ("10",), ("235",)),
    "8006": ((), ("21",), ("10",)),
    "414": ((), ("254",)),
    "8010": ((), ("8011",)),
}
_DL_URI = re.compile(r"https?://[^/?#]*(/[^?#]*)")
_DL_GATE = re.compile(r"[0-9]{4}.+")  # how the reference recognises a primary key value


def _constrain_digital_link(uri: str) -> str | None:
    """A GS1 Digital Link URI as a constrained canonical one on id.gs1.org, or None.

    Rule 18: the host becomes ``https://id.gs1.org`` (custom path segments before the key
    go too), the query string is dropped, DL 1.x short names become AIs, short GTINs are
    padded to 14 digits, and only the finest identification level is kept (a CPV is
    dropped, and the lot of a serialised item). Check digits are not checked.
    """
    match = _DL_URI.fullmatch(uri.split("?", 1)[0])
    if match is None:
        return None
    segments = match.group(1).split("/")[1:]
    start = next(
        (i for i in range(len(segments) - 1)
         if _DL_SHORT_NAMES.get(segments[i], segments[i]) in _DL_PRIMARY
         and _DL_GATE.fullmatch(segments[i + 1])),
        None,
    )  # fmt: skip
    if start is None or (len(segments) - start) % 2:
        return None
    pairs = [
        (_DL_SHORT_NAMES.get(segments[i], segments[i]), segments[i + 1])
        for i in range(start, len(segments), 2)
    ]
    key, value = pairs[0]
    if key == "01" and value.isascii() and value.isdigit() and len(value) in (8, 12, 13):
        pairs[0] = (key, value.zfill(14))
    # Every value is checked, those about to be dropped included: the reference leaves
    # a URI alone when any of its values holds a character outside its set.
    if any(
        ai not in _DL_VALUE_FORMS or _DL_VALUE_FORMS[ai].fullmatch(v) is None for ai, v in pairs
    ):
        return None
    qualifiers = pairs[1:]
    if key in ("01", "8006") and qualifiers and qualifiers[0][0] == "22":
        # The reference drops a CPV only while the rest of the path after "/22/" is at
        # most 20 characters; a longer one leaves the URI unconstrained.
        if len("/".join(f"{ai}/{v}" for ai, v in qualifiers)) - 3 > 20:
            return None
        qualifiers = qualifiers[1:]
    if key in ("01", "8006") and [ai for ai, _ in qualifiers] == ["10", "21"]:
        qualifiers = qualifiers[1:]  # the serial identifies the item; its lot is redundant
    if tuple(ai for ai, _ in qualifiers) not in _DL_QUALIFIERS.get(key, ((),)):
        return None
    return "https://id.gs1.org/" + "/".join(f"{ai}/{v}" for ai, v in [pairs[0], *qualifiers])


def normalise_identifier(text: str) -> str | None:
    """The constrained canonical GS1 Digital Link URI for an EPC or Digital Link URI.

    EPC URIs (``urn:epc:id:``), EPC class URIs (``urn:epc:class:lgtin:``) and EPC pattern
    URIs (``urn:epc:idpat:``) become Digital Links (rule 17); Digital Links are constrained
    (rule 18). Returns None for anything else, which is then hashed as written.
    """
    if "." not in text:  # every EPC URI and every Digital Link host has one
        return None
    path: str | None = None
    if text.startswith("urn:epc:id:"):
        scheme, _, body = text[len("urn:epc:id:") :].partition(":")
        path = _epc_id(scheme, body)
    elif text.startswith("urn:epc:class:lgtin:"):
        path = _epc_class(text[len("urn:epc:class:lgtin:") :])
    elif text.startswith("urn:epc:idpat:"):
        scheme, _, body = text[len("urn:epc:idpat:") :].partition(":")
        path = _epc_pattern(scheme, body)
    elif text.startswith(("https://", "http://")):
        return _constrain_digital_link(text)
    return None if path is None else "https://id.gs1.org/" + path
