"""GS1's EPCIS event hash: the pre-hash string of an EPCIS 2.0 event and its hash ID.

The CBV 2.0 "EPCIS Event Hash ID": a canonical *pre-hash string* built from an event's
fields in the prescribed order, with the prescribed normalisations of times, numbers,
vocabulary and identifiers, hashed with SHA-256 and written as
``ni:///sha-256;<hex>?ver=CBV2.0``. GS1's description of the algorithm is the README of
RalphTro/epcis-event-hash-generator (rules 1-24 and the canonical property order); where
that text is silent or ambiguous this module does what the reference implementation (PyPI
``epcis-event-hash-generator`` 1.9.3) does, so the two agree on every published vector and
on every event this ledger exports. The few inputs where we deliberately differ from the
reference are listed in docs/EVENTS.md section 11.3.

Pure: no I/O, no clock. The export that uses it is `ledger.core.epcis`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ledger.core.cbv import (
    BIZ_STEP_URIS,
    BTT_URIS,
    CBV_URNS,
    COMPONENT_URIS,
    DISPOSITION_URIS,
    EXCEPTION_URIS,
    MEASUREMENT_URIS,
    SDT_URIS,
)
from ledger.core.epc_identifiers import normalise_identifier

__all__ = [
    "HASH_VERSION",
    "TYPED_LISTS",
    "context_namespaces",
    "document_events",
    "document_hashes",
    "document_prehashes",
    "event_hash",
    "event_prehash",
    "hash_of_prehash",
    "normalise_time",
]

HASH_VERSION = "CBV2.0"

# ---------------------------------------------------------------------------------------
# Value normalisation: times, numbers, vocabulary and identifiers
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


def _canonical_value(text: str) -> str:
    """Rules 14, 6/7 and 17/18, in the reference's order, for a stripped value."""
    for urn, uri in CBV_URNS:
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
    order=(("type", _Leaf(MEASUREMENT_URIS)), ("exception", _Leaf(EXCEPTION_URIS)),
           ("deviceID", _VALUE), ("deviceMetadata", _VALUE), ("rawData", _VALUE),
           ("dataProcessingMethod", _VALUE), ("time", _TIME), ("microorganism", _VALUE),
           ("chemicalSubstance", _VALUE), ("value", _VALUE), ("component", _Leaf(COMPONENT_URIS)),
           ("stringValue", _VALUE), ("booleanValue", _VALUE), ("hexBinaryValue", _VALUE),
           ("uriValue", _VALUE), ("minValue", _VALUE), ("maxValue", _VALUE), ("meanValue", _VALUE),
           ("sDev", _VALUE), ("percRank", _VALUE), ("percValue", _VALUE), ("uom", _VALUE),
           ("coordinateReferenceSystem", _VALUE))
)  # fmt: skip
_DISPOSITION = _Leaf(DISPOSITION_URIS)

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
    ("bizStep", _Leaf(BIZ_STEP_URIS)),
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
TYPED_LISTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "bizTransactionList": ("bizTransaction", BTT_URIS),
    "sourceList": ("source", SDT_URIS),
    "destinationList": ("destination", SDT_URIS),
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
        id_key, types = TYPED_LISTS[name]
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
            if key in TYPED_LISTS:
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
