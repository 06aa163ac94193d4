"""The ledger's GS1 identifiers: what an object, a place or a party is named by.

A GTIN (optionally with lot and/or serial), an SSCC, or a GLN for a location (414,
optional 254 extension) or a party (417), checked (`validate_gtin`, ...), parsed from a
Digital Link (`parse_identifier`), built (`gtin_uri`, ...) and always written canonically
on ``https://id.gs1.org``; a unit's object key is its GTIN and serial. Built on the GS1
Digital Link engine, `ledger.core.digital_link`.

Pure: standard library only, no I/O. Every rejection is a `ValidationError` with code
``bad_check_digit`` or ``bad_identifier`` and a message in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ledger.core.digital_link import CANONICAL_STEM, parse_digital_link, render_uri
from ledger.core.gs1_syntax import (
    CSET82,
    DIGITS,
    AIElement,
    bad_identifier,
    check_digit,
    has_valid_check_digit,
)

__all__ = [
    "GS1Identifier",
    "IdentifierKind",
    "gtin_uri",
    "location_uri",
    "parse_identifier",
    "party_uri",
    "sscc_uri",
    "validate_gln",
    "validate_gtin",
    "validate_sscc",
]

# ---------------------------------------------------------------------------------------
# GS1 keys
# ---------------------------------------------------------------------------------------


def _check_key(value: str, name: str, lengths: Iterable[int], field: str | None) -> None:
    lengths = tuple(lengths)
    if not isinstance(value, str):
        raise bad_identifier(f"the {name} must be written as text of digits", field)
    if not value:
        raise bad_identifier(
            f"the {name} is empty; it must have {_lengths_words(lengths)} digits", field
        )
    if not set(value) <= DIGITS:
        raise bad_identifier(f"the {name} {value!r} must contain digits only", field)
    if len(value) not in lengths:
        raise bad_identifier(
            f"the {name} {value} has {len(value)} digits; it must have {_lengths_words(lengths)}",
            field,
        )
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise bad_identifier(
            f"the {name} {value} has a wrong check digit: the last digit should be {expected}",
            field,
            code="bad_check_digit",
        )


def _lengths_words(lengths: tuple[int, ...]) -> str:
    if len(lengths) == 1:
        return str(lengths[0])
    return ", ".join(str(n) for n in lengths[:-1]) + f" or {lengths[-1]}"


def validate_gtin(gtin: str, *, field: str | None = None) -> str:
    """Check a GTIN-8/12/13/14 and return it as a GTIN-14 (left-padded with zeros)."""
    _check_key(gtin, "GTIN", (8, 12, 13, 14), field)
    return gtin.zfill(14)


def validate_gln(gln: str, *, field: str | None = None) -> str:
    """Check a 13-digit GLN (digits and check digit) and return it."""
    _check_key(gln, "GLN", (13,), field)
    return gln


def validate_sscc(sscc: str, *, field: str | None = None) -> str:
    """Check an 18-digit SSCC (digits and check digit) and return it."""
    _check_key(sscc, "SSCC", (18,), field)
    return sscc


# ---------------------------------------------------------------------------------------
# The ledger's identifiers
# ---------------------------------------------------------------------------------------

IdentifierKind = Literal["product", "lot", "unit", "sscc", "location", "party"]


@dataclass(frozen=True)
class GS1Identifier:
    """A GTIN (with optional lot/serial), an SSCC, or a location/party GLN."""

    ai: str  # "01", "00", "414" or "417"
    key: str  # GTIN-14, SSCC-18 or GLN-13
    lot: str | None = None  # AI 10, with a GTIN only
    serial: str | None = None  # AI 21, with a GTIN only
    extension: str | None = None  # AI 254 GLN extension, with a location only

    @property
    def kind(self) -> IdentifierKind:
        """product, lot, unit (serialised), sscc, location or party."""
        if self.ai == "01":
            if self.serial is not None:
                return "unit"
            return "lot" if self.lot is not None else "product"
        return {"00": "sscc", "414": "location", "417": "party"}[self.ai]  # type: ignore[return-value]

    def elements(self) -> tuple[AIElement, ...]:
        """The AI elements in Digital Link path order."""
        out = [AIElement(self.ai, self.key)]
        if self.lot is not None:
            out.append(AIElement("10", self.lot))
        if self.serial is not None:
            out.append(AIElement("21", self.serial))
        if self.extension is not None:
            out.append(AIElement("254", self.extension))
        return tuple(out)

    def uri(self, stem: str = CANONICAL_STEM) -> str:
        """The Digital Link URI on ``stem`` (for example the operator's resolver)."""
        return render_uri(stem, self.elements())

    def canonical(self) -> str:
        """The canonical URI on ``https://id.gs1.org``: the ledger's object key."""
        return self.uri(CANONICAL_STEM)

    def object_key(self) -> str:
        """The ledger's key for the thing named: canonical, and for a unit GTIN + serial only
        (a unit is one object whether or not its lot is written)."""
        if self.kind == "unit" and self.lot is not None:
            return GS1Identifier("01", self.key, serial=self.serial).canonical()
        return self.canonical()

    def lot_class(self) -> GS1Identifier | None:
        """For a unit or lot: the lot it belongs to (GTIN + lot), when the lot is known."""
        if self.ai == "01" and self.lot is not None:
            return GS1Identifier("01", self.key, lot=self.lot)
        return None


def _check_lot_or_serial(value: str, what: str, field: str | None) -> None:
    if not isinstance(value, str) or not value:
        raise bad_identifier(f"the {what} is empty", field)
    if len(value) > 20:
        raise bad_identifier(f"the {what} {value!r} is longer than 20 characters", field)
    if not set(value) <= CSET82:
        bad = next(c for c in value if c not in CSET82)
        raise bad_identifier(
            f"the {what} {value!r} contains {bad!r}; use letters, digits and "
            "!\"%&'()*+,-./:;<=>?_ only",
            field,
        )


def gtin_uri(
    gtin: str,
    lot: str | None = None,
    serial: str | None = None,
    *,
    stem: str = CANONICAL_STEM,
    field: str | None = None,
) -> str:
    """Build ``/01/{gtin14}[/10/{lot}][/21/{serial}]``, padding a GTIN-8/12/13 to 14."""
    gtin14 = validate_gtin(gtin, field=field)
    if lot is not None:
        _check_lot_or_serial(lot, "lot number", field)
    if serial is not None:
        _check_lot_or_serial(serial, "serial number", field)
    return GS1Identifier("01", gtin14, lot=lot, serial=serial).uri(stem)


def sscc_uri(sscc: str, *, stem: str = CANONICAL_STEM, field: str | None = None) -> str:
    """Build ``/00/{sscc}`` for a pallet or case."""
    return GS1Identifier("00", validate_sscc(sscc, field=field)).uri(stem)


def location_uri(
    gln: str,
    extension: str | None = None,
    *,
    stem: str = CANONICAL_STEM,
    field: str | None = None,
) -> str:
    """Build ``/414/{gln}[/254/{extension}]`` for a place (a site, a plot, a cold room)."""
    validate_gln(gln, field=field)
    if extension is not None:
        _check_lot_or_serial(extension, "GLN extension", field)
    return GS1Identifier("414", gln, extension=extension).uri(stem)


def party_uri(gln: str, *, stem: str = CANONICAL_STEM, field: str | None = None) -> str:
    """Build ``/417/{gln}`` for a party (a registered actor)."""
    return GS1Identifier("417", validate_gln(gln, field=field)).uri(stem)


def parse_identifier(
    uri: str,
    *,
    field: str | None = None,
    canonical_only: bool = False,
    allowed: Iterable[IdentifierKind] | None = None,
) -> GS1Identifier:
    """Parse a Digital Link naming a GTIN (+lot/serial), SSCC or GLN into a `GS1Identifier`.

    Lenient by default (any host, zero-suppressed GTINs, DL 1.x short names, query
    attributes ignored). With ``canonical_only`` the URI must be exactly the canonical form;
    ``allowed`` limits the kinds accepted.
    """
    if not isinstance(uri, str):
        raise bad_identifier("an identifier must be a text string (a GS1 Digital Link URI)", field)
    ident = _parse_plain_canonical(uri)
    if ident is None:
        ident = _parse_general(uri, field=field, canonical_only=canonical_only)
    if allowed is not None:
        kinds = tuple(allowed)
        if ident.kind not in kinds:
            raise bad_identifier(
                f"{uri!r} names a {_KIND_WORDS[ident.kind]}, but here it must name "
                + " or ".join(_KIND_WORDS[k] for k in kinds),
                field,
            )
    return ident


# The canonical form of the identifiers the ledger uses, when lot, serial and extension
# need no percent-encoding (letters, digits, '.', '_', '-': all in GS1's character set 82).
# Nearly every identifier in an event looks like this, and the general Digital Link engine
# is costly on the append path; anything else takes the general route.
_PLAIN_CANONICAL = re.compile(
    r"https://id\.gs1\.org/(?:"
    r"01/(?P<gtin>\d{14})(?:/10/(?P<lot>[A-Za-z0-9._-]{1,20}))?"
    r"(?:/21/(?P<serial>[A-Za-z0-9._-]{1,20}))?"
    r"|00/(?P<sscc>\d{18})"
    r"|(?P<gln_ai>41[47])/(?P<gln>\d{13})(?:/254/(?P<ext>[A-Za-z0-9._-]{1,20}))?"
    r")"
)


def _parse_plain_canonical(uri: str) -> GS1Identifier | None:
    match = _PLAIN_CANONICAL.fullmatch(uri)
    if match is None:
        return None
    gtin, lot, serial, sscc, gln_ai, gln, extension = match.groups()
    if gtin is not None:
        ai, key = "01", gtin
    elif sscc is not None:
        ai, key = "00", sscc
    else:
        ai, key = gln_ai, gln
    if extension is not None and ai != "414":
        return None  # a party GLN takes no extension: let the general parser explain
    if not has_valid_check_digit(key):
        return None  # the general parser words the check-digit error
    return GS1Identifier(ai, key, lot=lot, serial=serial, extension=extension)


def _parse_general(uri: str, *, field: str | None, canonical_only: bool) -> GS1Identifier:
    # Parse leniently even in canonical_only mode, so that the error can spell out the
    # canonical form of a valid but differently written link.
    link = parse_digital_link(uri, zero_suppressed_gtin=True, convenience_alphas=True, field=field)
    values = {e.ai: e.value for e in link.path}
    key_ai = link.path[0].ai
    supported = {"01": {"10", "21"}, "00": set(), "414": {"254"}, "417": set()}
    extra = set(values) - {key_ai} - supported.get(key_ai, set())
    if key_ai not in supported or extra:
        used = ", ".join(f"({e.ai})" for e in link.path)
        raise bad_identifier(
            f"{uri!r} is a valid Digital Link with AIs {used}, but the ledger only uses "
            "GTINs (01) with lot (10) and serial (21), SSCCs (00) and GLNs (414, 417)",
            field,
        )
    ident = GS1Identifier(
        key_ai,
        values[key_ai],
        lot=values.get("10"),
        serial=values.get("21"),
        extension=values.get("254"),
    )
    if canonical_only and uri != ident.canonical():
        raise bad_identifier(
            f"write the identifier exactly as {ident.canonical()} (canonical form on "
            f"id.gs1.org, no query or fragment), not {uri!r}",
            field,
        )
    return ident


_KIND_WORDS = {
    "product": "product (a GTIN without lot or serial)",
    "lot": "lot (a GTIN with a lot number, /01/../10/..)",
    "unit": "serialised unit (/01/../21/..)",
    "sscc": "case or pallet (an SSCC, /00/..)",
    "location": "place (a GLN, /414/..)",
    "party": "party (a GLN, /417/..)",
}
