"""EPCIS 2.0 JSON-LD export of ledger events, and GS1's EPCIS event hash.

Two jobs, both pure (no I/O, no clock; times are parameters):

1. **The EPCIS event hash** (CBV 2.0 "EPCIS Event Hash ID"): a canonical *pre-hash string*
   built from an EPCIS 2.0 event's fields in the prescribed order, with the prescribed
   normalisations, hashed with SHA-256 and written as ``ni:///sha-256;<hex>?ver=CBV2.0``.
   GS1's description of the algorithm is the README of RalphTro/epcis-event-hash-generator
   (rules 1-24 and the canonical property order); where that text is silent or ambiguous
   this module does what the reference implementation (PyPI
   ``epcis-event-hash-generator`` 1.9.3) does, so the two agree on every published vector
   and on every event this ledger exports. The few inputs where we deliberately differ from
   the reference are listed in docs/EVENTS.md section 11.3.

2. **The export**: `to_epcis_event` maps one of our event payloads (docs/EVENTS.md) to an
   EPCIS 2.0 JSON-LD event, `export_event` adds the ledger's annotations (record time,
   event hash, ledger index) and `epcis_document` wraps events in an ``EPCISDocument``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ledger.core.events import TL_NAMESPACE
from ledger.core.gs1 import check_digit

__all__ = [
    "ANNOTATION_MEMBERS",
    "CBVMDA_NAMESPACE",
    "EPCIS_CONTEXT",
    "EVENT_HASH_MEMBER",
    "EXPORT_CONTEXT",
    "EXPORT_NAMESPACES",
    "HASH_VERSION",
    "LEDGER_INDEX_MEMBER",
    "context_namespaces",
    "document_events",
    "document_frame",
    "document_hashes",
    "document_prehashes",
    "epcis_document",
    "event_hash",
    "event_prehash",
    "export_event",
    "exported_event_hash",
    "hash_of_prehash",
    "normalise_identifier",
    "normalise_time",
    "to_epcis_event",
]

# ---------------------------------------------------------------------------------------
# Names and namespaces
# ---------------------------------------------------------------------------------------

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Bound exactly as in the EPCIS 2.0 standard context: re-binding it identically keeps
# JSON-LD processors happy (the standard context protects its terms) and lets tools that
# only read a document's own context (the reference hash generator) see the prefix too.
CBVMDA_NAMESPACE = "urn:epcglobal:cbv:mda:"
EXPORT_NAMESPACES: Mapping[str, str] = {"tl": TL_NAMESPACE, "cbvmda": CBVMDA_NAMESPACE}
EXPORT_CONTEXT: tuple[str, Mapping[str, str]] = (EPCIS_CONTEXT, EXPORT_NAMESPACES)

HASH_VERSION = "CBV2.0"
# Members the ledger adds to each exported event so an auditor can map it back. They are
# annotations, not part of the event: the hash is over the event without them.
EVENT_HASH_MEMBER = "tl:eventHash"
LEDGER_INDEX_MEMBER = "tl:ledgerIndex"
ANNOTATION_MEMBERS = (EVENT_HASH_MEMBER, LEDGER_INDEX_MEMBER)

_CBV = "https://ref.gs1.org/cbv/"
_GS1_VOC = "https://gs1.org/voc/"


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (long vocabularies read better)."""
    return frozenset(text.split())


# The CBV 2.0 / GS1 vocabulary words that EPCIS 2.0 JSON writes bare, per field, as the
# standard context (epcis-context.jsonld 2.0.0) defines them. Only these are expanded: a
# bare word that is not in the list (our `transforming`) is not a CBV term.
_BIZ_STEPS = _words(
    "accepting arriving assembling collecting commissioning consigning creating_class_instance "
    "cycle_counting decommissioning departing destroying disassembling dispensing encoding "
    "entering_exiting holding inspecting installing killing loading other packing picking "
    "receiving removing repackaging repairing replacing reserving retail_selling sampling "
    "sensor_reporting shipping staging_outbound stock_taking stocking storing transporting "
    "unloading unpacking void_shipping"
)
_DISPOSITIONS = _words(
    "active available completeness_inferred completeness_verified conformant container_closed "
    "container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit "
    "inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement "
    "no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved "
    "retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable "
    "unknown"
)
_BIZ_TRANSACTION_TYPES = _words(
    "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
_SOURCE_DESTINATION_TYPES = frozenset({"owning_party", "possessing_party", "location"})
_MEASUREMENT_TYPES = _words(
    "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Altitude AmountOfSubstance "
    "AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity "
    "Area Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent "
    "DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity "
    "ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance "
    "KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity "
    "MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration "
    "MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass "
    "MolarVolume Power Pressure RadiantFlux RadiantIntensity Radioactivity RelativeHumidity "
    "Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension "
    "Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux "
    "Wavenumber"
)
_SENSOR_EXCEPTIONS = frozenset({"ALARM_CONDITION", "ERROR_CONDITION"})
_COMPONENTS = _words(
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting "
    "northing latitude longitude altitude"
)


def _vocabulary(words: Iterable[str], stem: str) -> Mapping[str, str]:
    return {word: stem + word for word in words}


_BIZ_STEP_URIS = _vocabulary(_BIZ_STEPS, _CBV + "BizStep-")
_DISPOSITION_URIS = _vocabulary(_DISPOSITIONS, _CBV + "Disp-")
_BTT_URIS = _vocabulary(_BIZ_TRANSACTION_TYPES, _CBV + "BTT-")
_SDT_URIS = _vocabulary(_SOURCE_DESTINATION_TYPES, _CBV + "SDT-")
_MEASUREMENT_URIS = _vocabulary(_MEASUREMENT_TYPES, _GS1_VOC)
_EXCEPTION_URIS = _vocabulary(_SENSOR_EXCEPTIONS, _GS1_VOC)
_COMPONENT_URIS = _vocabulary(_COMPONENTS, _CBV + "Comp-")

# CBV 1.x URNs of standard vocabulary and their CBV 2.0 Web URI stems (rule 14).
_CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", _CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", _CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", _CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", _CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", _CBV + "ER-"),
)

# ---------------------------------------------------------------------------------------
# Value normalisation: times, numbers, identifiers
# ---------------------------------------------------------------------------------------

_ISO_TIME = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[Tt ]"
    r"(?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]+))?)?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>[0-9]{2})(?::?(?P<om>[0-9]{2}))?)"
)


def normalise_time(text: str) -> str | None:
    """An ISO 8601 date-time with an offset as UTC with milliseconds (rules 8 and 9).

    ``2020-03-04T11:00:30+01:00`` becomes ``2020-03-04T10:00:30.000Z``. Digits beyond
    microseconds are dropped, then the time is rounded to the millisecond with ties to
    even, as the reference does (``.1415`` gives ``.142``, ``.1425`` gives ``.142``).
    Returns None for text that is not such a date-time (it is then hashed as written).
    """
    match = _ISO_TIME.fullmatch(text)
    if match is None:
        return None
    g = match.groupdict()
    micros = int(((g["f"] or "") + "000000")[:6])
    millis, rest = divmod(micros, 1000)
    if rest > 500 or (rest == 500 and millis % 2 == 1):
        millis += 1  # may reach 1000: the timedelta below carries it into the seconds
    try:
        offset = timedelta(0)
        if g["sign"] is not None:
            offset = timedelta(hours=int(g["oh"]), minutes=int(g["om"] or "0"))
            offset = -offset if g["sign"] == "-" else offset
        zone = timezone(offset)
        moment = datetime(
            int(g["y"]),
            int(g["mo"]),
            int(g["d"]),
            int(g["h"]),
            int(g["mi"]),
            int(g["s"] or "0"),
            tzinfo=zone,
        )
        utc = moment.astimezone(UTC) + timedelta(milliseconds=millis)
    except (ValueError, OverflowError):
        return None  # not a real date and time (month 13, offset of 24 hours, ...)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _canonical_number(text: str) -> str:
    """A decimal literal in its shortest form (rule 6: no trailing zeros, no '+').

    The reference treats every value as text (the same event may come from XML), so a
    numeric-looking string is canonicalised like a number: ``"2.50"`` hashes as ``2.5``
    and ``"007"`` as ``7``. Integral values lose their fraction; others use the shortest
    repr that reads back as the same double.
    """
    if not _DECIMAL.fullmatch(text):
        return text
    number = float(text)
    if not math.isfinite(number):
        return text
    if number == int(number):
        return str(int(number))
    return repr(number)


# -- EPC URIs (GS1 EPC Tag Data Standard) to GS1 Digital Link (rule 17) ------------------

# GS1 character set 82 (GS1 General Specifications 7.11): what EPC URI components encode.
_CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
# Characters of set 82 an EPC URI may not write raw (TDS 2.0 table "escaping").
_URN_MUST_ESCAPE = frozenset('"%&/<>?')
_CSET82_RAW = _CSET82 - _URN_MUST_ESCAPE
_CPI_CHARS = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_CPI_RAW = _CPI_CHARS - frozenset("#/")
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
    length = _urn_component_length(text, _CSET82_RAW, _CSET82)
    return length is not None and low <= length <= high


def _cpi_ok(text: str, high: int) -> bool:
    length = _urn_component_length(text, _CPI_RAW, _CPI_CHARS)
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


def _canonical_value(text: str) -> str:
    """Rules 14, 6/7 and 17/18, in the reference's order, for a stripped value."""
    for urn, uri in _CBV_URNS:
        text = text.replace(urn, uri)
    text = _canonical_number(text)
    return normalise_identifier(text) or text


# ---------------------------------------------------------------------------------------
# The pre-hash string
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Leaf:
    """A field holding a value; ``vocabulary`` expands bare CBV words, ``time`` normalises."""

    vocabulary: Mapping[str, str] | None = None
    time: bool = False


@dataclass(frozen=True)
class _Struct:
    """A field holding an object whose members come in ``order``, then the rest sorted.

    ``item`` names each element when the field is a list (``epcList`` holds ``epc``s);
    ``order`` is then the order inside one element.
    """

    order: tuple[tuple[str, _Leaf | _Struct], ...] = ()
    item: str | None = None


_VALUE = _Leaf()
_TIME = _Leaf(time=True)
_EPCS = _Struct(item="epc")
_QUANTITIES = _Struct(
    item="quantityElement", order=(("epcClass", _VALUE), ("quantity", _VALUE), ("uom", _VALUE))
)
_SENSOR_METADATA = _Struct(
    order=(("time", _TIME), ("startTime", _TIME), ("endTime", _TIME), ("deviceID", _VALUE),
           ("deviceMetadata", _VALUE), ("rawData", _VALUE), ("dataProcessingMethod", _VALUE),
           ("bizRules", _VALUE))
)  # fmt: skip
_SENSOR_REPORT = _Struct(
    order=(("type", _Leaf(_MEASUREMENT_URIS)), ("exception", _Leaf(_EXCEPTION_URIS)),
           ("deviceID", _VALUE), ("deviceMetadata", _VALUE), ("rawData", _VALUE),
           ("dataProcessingMethod", _VALUE), ("time", _TIME), ("microorganism", _VALUE),
           ("chemicalSubstance", _VALUE), ("value", _VALUE), ("component", _Leaf(_COMPONENT_URIS)),
           ("stringValue", _VALUE), ("booleanValue", _VALUE), ("hexBinaryValue", _VALUE),
           ("uriValue", _VALUE), ("minValue", _VALUE), ("maxValue", _VALUE), ("meanValue", _VALUE),
           ("sDev", _VALUE), ("percRank", _VALUE), ("percValue", _VALUE), ("uom", _VALUE),
           ("coordinateReferenceSystem", _VALUE))
)  # fmt: skip
_DISPOSITION = _Leaf(_DISPOSITION_URIS)

# The canonical property order (algorithm README, as the reference orders it).
_EVENT_ORDER: tuple[tuple[str, _Leaf | _Struct], ...] = (
    ("eventTime", _TIME),
    ("eventTimeZoneOffset", _VALUE),
    ("certificationInfo", _VALUE),
    ("parentID", _VALUE),
    ("epcList", _EPCS),
    ("inputEPCList", _EPCS),
    ("childEPCs", _EPCS),
    ("quantityList", _QUANTITIES),
    ("childQuantityList", _QUANTITIES),
    ("inputQuantityList", _QUANTITIES),
    ("outputEPCList", _EPCS),
    ("outputQuantityList", _QUANTITIES),
    ("action", _VALUE),
    ("transformationID", _VALUE),
    ("bizStep", _Leaf(_BIZ_STEP_URIS)),
    ("disposition", _DISPOSITION),
    ("persistentDisposition", _Struct(order=(("set", _DISPOSITION), ("unset", _DISPOSITION)))),
    ("readPoint", _Struct(order=(("id", _VALUE),))),
    ("bizLocation", _Struct(order=(("id", _VALUE),))),
    ("sensorElementList", _Struct(
        item="sensorElement",
        order=(("sensorMetadata", _SENSOR_METADATA), ("sensorReport", _SENSOR_REPORT)),
    )),
)  # fmt: skip
_ORDERED = frozenset(name for name, _ in _EVENT_ORDER)
# Lists of typed references: written as type, then the reference (rule 13), among the
# trailing fields (where the reference implementation puts them).
_TYPED_LISTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "bizTransactionList": ("bizTransaction", _BTT_URIS),
    "sourceList": ("source", _SDT_URIS),
    "destinationList": ("destination", _SDT_URIS),
}
# Event members outside the hash: set by the capturing system or a correction.
_NOT_HASHED = frozenset({"type", "eventID", "recordTime", "errorDeclaration"})
# Members ignored at every level (comments, and XML artefacts of JSON made from XML).
_IGNORED = frozenset({"comment", "rdfs:comment", "#text"})


def _skip(key: str) -> bool:
    return key in _IGNORED or key.startswith("@xmlns")


class _PreHash:
    """Builds the pre-hash string of one event, given the document's namespace prefixes."""

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self.namespaces = namespaces

    # -- names and values --------------------------------------------------------------

    def name(self, key: str) -> str:
        """A member name: ``prefix:local`` with a known prefix becomes ``{namespace}local``."""
        prefix, colon, local = key.partition(":")
        if colon and prefix in self.namespaces:
            return "{" + self.namespaces[prefix] + "}" + local
        return key

    def text(self, value: Any, leaf: _Leaf) -> str:
        """The canonical text of a scalar value in a field described by ``leaf``."""
        if value is None:
            raise ValueError("EPCIS values are never null")
        if isinstance(value, bool):
            raw = "True" if value else "False"  # as the reference's JSON reader writes it
        elif isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError("EPCIS numbers are finite")
            raw = str(value)
        elif isinstance(value, str):
            raw = value
            if leaf.vocabulary is not None and raw in leaf.vocabulary:
                raw = leaf.vocabulary[raw]  # rule 16: bare CBV word to its Web URI
            prefix, colon, local = raw.partition(":")
            if colon and prefix in self.namespaces:
                raw = self.namespaces[prefix] + local  # rule 15: CURIE to full URI
        else:
            raise TypeError(f"not a JSON scalar: {type(value).__name__}")
        raw = raw.strip()
        if leaf.time:
            return normalise_time(raw) or raw
        return _canonical_value(raw) if raw else raw

    # -- trailing fields: ILMD, typed lists, extensions (rules 19 and 20) ------------------

    def generic(self, name: str, value: Any) -> list[str]:
        """Strings for a member outside the canonical order, one per occurrence."""
        if name.endswith("List"):
            # The XML shape of a list: one wrapper holding an element per item.
            items = value if isinstance(value, list) else [value]
            inner = sorted(s for item in items for s in self.generic_item(name[:-4], item))
            return [name + "".join(inner)] if items else []
        if isinstance(value, list):
            return [s for item in value for s in self.generic_item(name, item)]
        return self.generic_item(name, value)

    def generic_item(self, name: str, value: Any) -> list[str]:
        """Strings for one occurrence (a list item, or the value itself)."""
        if isinstance(value, dict):
            return [name + self.members(value)]
        if isinstance(value, list):  # a list inside a list: its items have no names
            return [
                name + "".join(sorted(s for item in value for s in self.generic_item("", item)))
            ]
        text = self.text(value, _VALUE)
        return [name + ("=" + text if text else "")]

    def members(self, obj: Mapping[str, Any], exclude: Iterable[str] = ()) -> str:
        """All members of ``obj`` but ``exclude``, rendered and sorted."""
        skipped = set(exclude)
        parts = [s for key, value in obj.items() if key not in skipped and not _skip(key)
                 for s in self.generic(self.name(key), value)]  # fmt: skip
        return "".join(sorted(parts))

    def typed_list(self, name: str, value: Any) -> list[str]:
        """bizTransactionList, sourceList, destinationList: each entry type first."""
        id_key, types = _TYPED_LISTS[name]
        items = value if isinstance(value, list) else [value]
        rendered = []
        for item in items:
            if not isinstance(item, dict):
                rendered.extend(self.generic_item(id_key, item))
                continue
            head = "".join(
                key + ("=" + text if text else "")
                for key, leaf in (("type", _Leaf(types)), (id_key, _VALUE))
                if key in item
                for text in [self.text(item[key], leaf)]
            )
            rendered.append(head + self.members(item, exclude=("type", id_key)))
        return [name + "".join(sorted(rendered))] if rendered else []

    # -- fields in the canonical order (rules 1-5, 11, 12 and 21) --------------------------

    def ordered(self, name: str, value: Any, spec: _Leaf | _Struct) -> list[str]:
        """Strings for one ordered field, one per occurrence; empty ones are left out."""
        if isinstance(spec, _Struct) and spec.item is not None:
            items = value if isinstance(value, list) else [value]
            inner = sorted(
                s for item in items for s in self.ordered(spec.item, item, _Struct(spec.order))
            )
            return [name + "".join(inner)] if inner else []
        if isinstance(value, list):
            return [s for item in value for s in self.ordered(name, item, spec)]
        if isinstance(spec, _Leaf):
            if isinstance(value, dict):  # not EPCIS: hash what is there
                return self.generic_item(name, value)
            text = self.text(value, spec)
            return [f"{name}={text}"] if text else []
        if not isinstance(value, dict):
            text = self.text(value, _VALUE)
            return [f"{name}={text}"] if text else []
        body = self.in_order(value, spec.order)
        return [name + body] if body else []

    def in_order(self, obj: Mapping[str, Any], order: Sequence[tuple[str, _Leaf | _Struct]]) -> str:
        """Members of ``obj`` in ``order`` (each name's occurrences sorted), then the rest."""
        out = []
        for name, spec in order:
            if name in obj:
                out.extend(sorted(self.ordered(name, obj[name], spec)))
        return "".join(out) + self.members(obj, exclude=[name for name, _ in order])

    # -- the event --------------------------------------------------------------------------

    def event(self, event: Mapping[str, Any]) -> str:
        event_type = event.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise ValueError("an EPCIS event has a type (ObjectEvent, ...)")
        ordered = []
        for name, spec in _EVENT_ORDER:
            if name in event:
                ordered.extend(sorted(self.ordered(name, event[name], spec)))
        trailing = []
        for key, value in event.items():
            if key in _NOT_HASHED or key in _ORDERED or _skip(key):
                continue
            if key in _TYPED_LISTS:
                trailing.extend(self.typed_list(key, value))
            else:
                trailing.extend(self.generic(self.name(key), value))
        return "eventType=" + event_type + "".join(ordered) + "".join(sorted(trailing))


def context_namespaces(context: Any) -> dict[str, str]:
    """The prefixes a JSON-LD ``@context`` declares itself (not those of remote contexts).

    Like the reference, only prefixes written in the document count, so a document should
    declare the prefixes it uses (the standard context's own are not looked up).
    """
    found: dict[str, str] = {}
    for part in context if isinstance(context, list) else [context]:
        if isinstance(part, dict):
            for prefix, iri in part.items():
                if isinstance(iri, str) and not prefix.startswith("@") and not iri.startswith("@"):
                    found[prefix] = iri
    return found


def event_prehash(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    """The canonical pre-hash string of one EPCIS 2.0 event (JSON/JSON-LD, parsed).

    ``namespaces`` maps the prefixes of the event's document (see `context_namespaces`)
    to their IRIs; members and CURIE values with those prefixes are expanded.
    """
    if not isinstance(event, Mapping):
        raise TypeError("an EPCIS event is a JSON object")
    return _PreHash(namespaces or {}).event(event)


def hash_of_prehash(prehash: str) -> str:
    """The event hash ID for a pre-hash string: an RFC 6920 ``ni`` URI (rule 22)."""
    digest = hashlib.sha256(prehash.encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"


def event_hash(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    """GS1's EPCIS event hash ID, ``ni:///sha-256;<hex>?ver=CBV2.0``, of one event."""
    return hash_of_prehash(event_prehash(event, namespaces))


def document_events(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The events of an ``EPCISDocument`` (``epcisBody.eventList`` or a single ``event``)."""
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        raise TypeError("an EPCIS document has an epcisBody")
    if "eventList" in body:
        events = body["eventList"]
        if not isinstance(events, list):
            raise TypeError("epcisBody.eventList is a list")
        return events
    if "event" in body:
        return [body["event"]]
    raise ValueError("epcisBody holds neither eventList nor event")


def document_prehashes(document: Mapping[str, Any]) -> list[str]:
    """Pre-hash strings of every event of an EPCIS document, in document order."""
    namespaces = context_namespaces(document.get("@context"))
    return [event_prehash(event, namespaces) for event in document_events(document)]


def document_hashes(document: Mapping[str, Any]) -> list[str]:
    """Event hash IDs of every event of an EPCIS document, in document order."""
    return [hash_of_prehash(p) for p in document_prehashes(document)]


# ---------------------------------------------------------------------------------------
# Export: ledger payloads as EPCIS 2.0 JSON-LD
# ---------------------------------------------------------------------------------------

# Member order of exported events: the usual EPCIS 2.0 order, then extensions.
_EXPORT_ORDER = (
    "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime",
    "epcList", "parentID", "childEPCs", "childQuantityList",
    "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList",
    "transformationID", "quantityList", "action", "bizStep", "disposition",
    "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
    "sensorElementList", "certificationInfo", "ilmd",
)  # fmt: skip
_TL = "tl:"


def _export_biz_step(step: str) -> str:
    """CBV words stay bare; ours are ``tl:`` terms (CBV 2.0 has no `transforming`)."""
    if step in _BIZ_STEPS or ":" in step:
        return step
    return _TL + step


def _tl_members(value: Any) -> Any:
    """Prefix every member name inside a ``tl:`` object with ``tl:``.

    JSON-LD drops members whose names no context defines, so the members of our
    extension objects are named in the ledger's namespace too (``tl:dose`` etc.).
    """
    if isinstance(value, dict):
        return {(k if ":" in k else _TL + k): _tl_members(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tl_members(v) for v in value]
    return value


def _type_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Source, destination and business transaction entries with ``type`` first.

    The reference generator reads these members in document order while the algorithm
    wants the type first, so writing it first makes both hash the same.
    """
    return [dict(sorted(e.items(), key=lambda kv: kv[0] != "type")) for e in entries]


def to_epcis_event(payload: Mapping[str, Any]) -> dict[str, Any]:
    """One ledger event payload (validated by ``events.parse_event``) as EPCIS 2.0 JSON-LD.

    The payload is already EPCIS 2.0 JSON with bare CBV words and canonical Digital Link
    identifiers, so most members are copied. Three changes make it valid JSON-LD under
    `EXPORT_CONTEXT`: a bizStep that is not a CBV word becomes a ``tl:`` term
    (``transforming`` -> ``tl:transforming``), members inside ``tl:`` objects are
    prefixed ``tl:``, and typed list entries put ``type`` first.
    """
    if not isinstance(payload, Mapping) or "type" not in payload:
        raise ValueError("an event payload is a JSON object with a type")
    source = copy.deepcopy(dict(payload))
    event: dict[str, Any] = {}
    for key in (*_EXPORT_ORDER, *sorted(source)):
        if key not in source or key in event:
            continue
        value = source[key]
        if key == "bizStep":
            value = _export_biz_step(value)
        elif key in _TYPED_LISTS:
            value = _type_first(value)
        elif key.startswith(_TL):
            value = _tl_members(value)
        event[key] = value
    return event


def export_event(
    payload: Mapping[str, Any], *, ledger_index: int, record_time: str | None = None
) -> dict[str, Any]:
    """An exported event: `to_epcis_event`, its ``recordTime`` and the ledger annotations.

    ``tl:eventHash`` is the GS1 event hash of the event *without* the two annotation
    members (``tl:eventHash``, ``tl:ledgerIndex``), under `EXPORT_NAMESPACES`;
    ``tl:ledgerIndex`` is the index of the log entry that holds the signed payload.
    """
    if isinstance(ledger_index, bool) or not isinstance(ledger_index, int) or ledger_index < 0:
        raise ValueError("the ledger index is a non-negative integer")
    event = to_epcis_event(payload)
    if record_time is not None:
        event = _with_member_after(event, "recordTime", record_time, "eventTimeZoneOffset")
    event[EVENT_HASH_MEMBER] = event_hash(event, EXPORT_NAMESPACES)
    event[LEDGER_INDEX_MEMBER] = ledger_index
    return event


def _with_member_after(event: dict[str, Any], key: str, value: Any, after: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in event.items():
        out[k] = v
        if k == after:
            out[key] = value
    out.setdefault(key, value)
    return out


def exported_event_hash(
    event: Mapping[str, Any], namespaces: Mapping[str, str] = EXPORT_NAMESPACES
) -> str:
    """Recompute the hash of an exported event: GS1's hash without the annotation members."""
    return event_hash({k: v for k, v in event.items() if k not in ANNOTATION_MEMBERS}, namespaces)


def epcis_document(events: Sequence[Mapping[str, Any]], creation_date: str) -> dict[str, Any]:
    """An ``EPCISDocument`` holding exported events (from `export_event`), in order.

    ``creation_date`` is an RFC 3339 date-time (the caller's clock; the core reads none).
    """
    if not isinstance(creation_date, str) or normalise_time(creation_date) is None:
        raise ValueError(
            "creationDate is a date-time with an offset, like 2024-11-01T00:00:00.000Z"
        )
    for position, event in enumerate(events):
        if EVENT_HASH_MEMBER not in event or LEDGER_INDEX_MEMBER not in event:
            raise ValueError(
                f"event {position} was not made by export_event (no {EVENT_HASH_MEMBER})"
            )
    return {
        "@context": [EPCIS_CONTEXT, dict(EXPORT_NAMESPACES)],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date,
        "epcisBody": {"eventList": [dict(e) for e in events]},
    }


_EVENT_LIST_HOLE = '"eventList":[]'


def document_frame(creation_date: str) -> tuple[str, str]:
    """The text of an empty export document, split where the events go.

    A writer streams ``head``, the events as JSON separated by commas, then ``tail``; the
    result parses to exactly `epcis_document` of those events.
    """
    text = json.dumps(epcis_document([], creation_date), ensure_ascii=False, separators=(",", ":"))
    cut = text.index(_EVENT_LIST_HOLE) + len(_EVENT_LIST_HOLE) - 1
    return text[:cut], text[cut:]
