"""The event model: EPCIS 2.0 / CBV 2.0 shaped events, validated into frozen dataclasses.

`parse_event` takes an already-parsed JSON value (dicts, lists, str, int, float, bool,
None) and either returns an `Event` or raises `ValidationError` with a stable ``code``,
the JSON path of the offending member in ``field`` and a message a farmer can act on.
What happened but should not have is found by `ledger.core.flags`, not rejected here.

docs/EVENTS.md is the reference for every member and rule. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from ledger.core import gs1
from ledger.core.cbv import BIZ_TRANSACTION_TYPES, DISPOSITIONS, SOURCE_DESTINATION_TYPES
from ledger.core.errors import ValidationError
from ledger.core.policy import BIZ_STEPS, FARM_STEPS

__all__ = [
    "EVENT_TYPES",
    "LIMITS",
    "SENSOR_TYPES",
    "AllowedRange",
    "Analyte",
    "BizTransaction",
    "Dose",
    "Event",
    "FarmInput",
    "Inspection",
    "LotMasterData",
    "PartyRef",
    "Quantity",
    "SensorElement",
    "SensorReading",
    "parse_date",
    "parse_event",
    "parse_time",
]

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent")

# Size limits (documented in docs/EVENTS.md). The statement itself is also capped at
# 65,536 canonical bytes (FORMAT.md section 3), which binds first for most events.
LIMITS: Mapping[str, int] = {
    "objects": 1000,  # identifiers in any one list, and in one event overall
    "sensor_elements": 100,
    "sensor_reports": 2000,  # readings in one event, over all sensor elements
    "sources": 10,  # entries of sourceList / destinationList
    "biz_transactions": 20,
    "certifications": 20,
    "analytes": 100,
    "text": 200,  # free-text members (names, products, regions)
    "uri": 512,  # URIs that are not GS1 identifiers (certificates, devices)
}

# Sensor report types the ledger accepts, with the UN/CEFACT units allowed for each.
SENSOR_TYPES: Mapping[str, frozenset[str]] = {
    "Temperature": frozenset({"CEL"}),
    "RelativeHumidity": frozenset({"P1"}),
    "AbsoluteHumidity": frozenset({"A93"}),
}

# Which EPCIS event type (and action) each step is posted as.
_STEP_SHAPE: dict[str, tuple[str, str | None]] = dict.fromkeys(BIZ_STEPS, ("ObjectEvent", "OBSERVE"))
_STEP_SHAPE.update(
    {
        "commissioning": ("ObjectEvent", "ADD"),
        "transforming": ("TransformationEvent", None),
        "packing": ("AggregationEvent", "ADD"),
        "unpacking": ("AggregationEvent", "DELETE"),
    }
)

_COMMON_MEMBERS = frozenset(
    {
        "type", "eventID", "eventTime", "eventTimeZoneOffset", "bizStep", "disposition",
        "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
        "sensorElementList", "certificationInfo",
        "tl:allowedRange", "tl:farmInput", "tl:inspection", "tl:carrier",
    }
)  # fmt: skip
_TYPE_MEMBERS = {
    "ObjectEvent": frozenset({"action", "epcList", "quantityList", "ilmd"}),
    "AggregationEvent": frozenset({"action", "parentID", "childEPCs", "childQuantityList"}),
    "TransformationEvent": frozenset(
        {"transformationID", "inputEPCList", "inputQuantityList", "outputEPCList",
         "outputQuantityList", "ilmd"}
    ),
}  # fmt: skip
_ALL_MEMBERS = _COMMON_MEMBERS.union(*_TYPE_MEMBERS.values())

# Hints for members people often copy from full EPCIS documents.
_MEMBER_HINTS = {
    "recordTime": "the ledger records the time itself",
    "@context": "send plain JSON, not JSON-LD; the ledger adds the context on export",
    "errorDeclaration": "corrections are new events, the log is never edited",
    "persistentDisposition": "use disposition",
}

_UNITS: tuple[gs1.IdentifierKind, ...] = ("unit", "sscc")
_CLASSES: tuple[gs1.IdentifierKind, ...] = ("lot", "product")

# ---------------------------------------------------------------------------------------
# Dataclasses
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A quantity of a lot or product class (EPCIS QuantityElement)."""

    epc_class: str  # canonical /01/{gtin}[/10/{lot}]
    quantity: int | float
    uom: str | None  # UN/CEFACT code such as KGM; None means a count of items


@dataclass(frozen=True)
class PartyRef:
    """One entry of sourceList or destinationList."""

    type: str  # owning_party, possessing_party or location
    id: str  # canonical /417/{gln} (parties) or /414/{gln} (location)
    gln: str


@dataclass(frozen=True)
class BizTransaction:
    """A business transaction reference (order, despatch advice, ...)."""

    type: str | None
    id: str


@dataclass(frozen=True)
class SensorReading:
    """One EPCIS sensorReport entry."""

    type: str
    uom: str | None
    value: float | None = None
    min_value: float | None = None
    max_value: float | None = None
    mean_value: float | None = None
    time: datetime | None = None  # the report's own time, else its element's metadata time
    device_id: str | None = None

    def values(self) -> tuple[float, ...]:
        """Every number the reading carries (value, min, max, mean)."""
        candidates = (self.value, self.min_value, self.max_value, self.mean_value)
        return tuple(v for v in candidates if v is not None)


@dataclass(frozen=True)
class SensorElement:
    """One EPCIS sensorElement: metadata and its readings."""

    reports: tuple[SensorReading, ...]
    time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    device_id: str | None = None


@dataclass(frozen=True)
class AllowedRange:
    """``tl:allowedRange``: the band temperature readings must stay within."""

    minimum: float
    maximum: float
    uom: str

    def contains(self, value: float) -> bool:
        """True when ``value`` lies within the band (ends included)."""
        return self.minimum <= value <= self.maximum


@dataclass(frozen=True)
class Dose:
    """How much of a farm input was applied."""

    value: float
    uom: str


@dataclass(frozen=True)
class FarmInput:
    """``tl:farmInput``: the fertiliser or plant-protection product applied."""

    product: str
    dose: Dose
    active_ingredient: str | None = None
    pre_harvest_interval_days: int | None = None
    method: str | None = None


@dataclass(frozen=True)
class Analyte:
    """One measured substance of an inspection."""

    name: str
    value: float
    limit: float
    uom: str

    @property
    def over_limit(self) -> bool:
        """True when the measured value exceeds its legal limit."""
        return self.value > self.limit


@dataclass(frozen=True)
class Inspection:
    """``tl:inspection``: a lab's verdict, measured analytes and the report's hash."""

    result: str  # "pass" or "fail"
    analytes: tuple[Analyte, ...]
    report_sha256: str

    @property
    def failed(self) -> bool:
        """True when the verdict is fail or any analyte is over its limit."""
        return self.result == "fail" or any(a.over_limit for a in self.analytes)


@dataclass(frozen=True)
class LotMasterData:
    """The ILMD of a commissioned or produced lot."""

    variety: str | None = None
    plot: str | None = None  # canonical /414/{gln}[/254/{ext}]
    harvest_date: date | None = None
    origin_region: str | None = None
    country_of_origin: str | None = None


@dataclass(frozen=True, kw_only=True)
class Event:
    """A validated event. Members that do not apply to its type are empty or None."""

    event_type: str
    event_id: str
    event_time: datetime  # aware, in the offset written in eventTime
    event_time_zone_offset: str
    biz_step: str
    action: str | None = None
    disposition: str | None = None
    read_point: str | None = None
    biz_location: str | None = None
    source_list: tuple[PartyRef, ...] = ()
    destination_list: tuple[PartyRef, ...] = ()
    biz_transactions: tuple[BizTransaction, ...] = ()
    sensor_elements: tuple[SensorElement, ...] = ()
    certification_info: tuple[str, ...] = ()
    ilmd: LotMasterData | None = None
    allowed_range: AllowedRange | None = None
    farm_input: FarmInput | None = None
    inspection: Inspection | None = None
    carrier: str | None = None  # canonical /417/{gln}
    # ObjectEvent
    epc_list: tuple[str, ...] = ()
    quantity_list: tuple[Quantity, ...] = ()
    # AggregationEvent
    parent_id: str | None = None
    child_epcs: tuple[str, ...] = ()
    child_quantity_list: tuple[Quantity, ...] = ()
    # TransformationEvent
    transformation_id: str | None = None
    input_epc_list: tuple[str, ...] = ()
    input_quantity_list: tuple[Quantity, ...] = ()
    output_epc_list: tuple[str, ...] = ()
    output_quantity_list: tuple[Quantity, ...] = ()
    # Units are keyed by GTIN + serial; the lot a unit was written with is kept here as
    # (unit, lot class) pairs, so lineage can still reach the lot's inspections.
    unit_lots: tuple[tuple[str, str], ...] = ()

    @property
    def objects(self) -> tuple[str, ...]:
        """ObjectEvent subjects: epcList then quantityList classes."""
        return self.epc_list + tuple(q.epc_class for q in self.quantity_list)

    @property
    def children(self) -> tuple[str, ...]:
        """AggregationEvent children: childEPCs then childQuantityList classes."""
        return self.child_epcs + tuple(q.epc_class for q in self.child_quantity_list)

    @property
    def inputs(self) -> tuple[str, ...]:
        """TransformationEvent inputs (EPCs then classes)."""
        return self.input_epc_list + tuple(q.epc_class for q in self.input_quantity_list)

    @property
    def outputs(self) -> tuple[str, ...]:
        """TransformationEvent outputs (EPCs then classes)."""
        return self.output_epc_list + tuple(q.epc_class for q in self.output_quantity_list)

    def object_ids(self) -> tuple[str, ...]:
        """Every object identifier the event mentions, canonical, first mention first."""
        ids = self.objects
        if self.parent_id is not None:
            ids += (self.parent_id,)
        ids += self.children + self.inputs + self.outputs
        return tuple(dict.fromkeys(ids))

    @property
    def location(self) -> str | None:
        """bizLocation if given, else readPoint."""
        return self.biz_location or self.read_point

    @property
    def plot(self) -> str | None:
        """The field this event is about: ILMD tl:plot, else the event's location."""
        if self.ilmd is not None and self.ilmd.plot is not None:
            return self.ilmd.plot
        return self.location

    @property
    def local_date(self) -> date:
        """The calendar date of eventTime at eventTimeZoneOffset (where it happened)."""
        return self.event_time.astimezone(_offset_tz(self.event_time_zone_offset)).date()

    @property
    def is_harvest(self) -> bool:
        """A commissioning whose ILMD carries a harvest date."""
        return (
            self.biz_step == "commissioning"
            and self.ilmd is not None
            and self.ilmd.harvest_date is not None
        )

    @property
    def destination_party(self) -> PartyRef | None:
        """The owning_party of destinationList: who goods are shipped to."""
        return next((d for d in self.destination_list if d.type == "owning_party"), None)

    @property
    def carrier_gln(self) -> str | None:
        """The GLN named by tl:carrier."""
        return None if self.carrier is None else self.carrier.rsplit("/", 1)[-1]

    def readings(self) -> tuple[SensorReading, ...]:
        """All sensor readings of all sensor elements."""
        return tuple(r for element in self.sensor_elements for r in element.reports)


# ---------------------------------------------------------------------------------------
# Primitive checks. Every helper takes the JSON path so errors name the member.
# ---------------------------------------------------------------------------------------


def _err(code: str, field: str, message: str) -> ValidationError:
    return ValidationError(message, code=code, field=field)


_JSON_TYPE_WORDS = {
    dict: "an object",
    list: "a list",
    str: "a text string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _kind(value: object) -> str:
    return _JSON_TYPE_WORDS.get(type(value), type(value).__name__)


def _want(value: object, path: str, words: str) -> ValidationError:
    return _err("wrong_type", path, f"{path} must be {words}, not {_kind(value)}")


def _safe_key(key: object) -> str:
    text = key if isinstance(key, str) else repr(key)
    if len(text) > 60 or _BAD_CHARS.search(text):
        text = repr(text[:60])
    return text


def _object(value: object, path: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _want(value, path, "an object ({...})")
    for key in value:
        if not isinstance(key, str):
            raise _err("wrong_type", path, f"{path} has a member name that is not text")
    return value


def _members(
    obj: Mapping[str, object],
    path: str,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> None:
    """Reject unknown members and report the first missing required one."""
    required = tuple(required)
    allowed = set(required) | set(optional)
    for key in obj:
        if key not in allowed:
            shown = _safe_key(key)
            names = ", ".join(sorted(allowed))
            raise _err(
                "unknown_field",
                f"{path}.{shown}",
                f"{path} has an unknown member {shown}; allowed here: {names}",
            )
    for key in required:
        if key not in obj:
            raise _err("missing_field", f"{path}.{key}", f"{path}.{key} is missing")


# C0 and C1 control characters, DEL, and lone surrogates (which UTF-8 cannot encode).
_BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _text(
    value: object,
    path: str,
    *,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    pattern_words: str = "",
) -> str:
    if not isinstance(value, str):
        raise _want(value, path, "a text string")
    if not value:
        raise _err("empty", path, f"{path} is empty")
    limit = LIMITS["text"] if max_len is None else max_len
    if len(value) > limit:
        raise _err("too_long", path, f"{path} is {len(value)} characters long; at most {limit}")
    bad = _BAD_CHARS.search(value)
    if bad is not None:
        raise _err(
            "control_character",
            path,
            f"{path} contains an invisible control character (U+{ord(bad.group()):04X}); remove it",
        )
    if value != value.strip():
        raise _err("bad_value", path, f"{path} starts or ends with spaces")
    if pattern is not None and not pattern.fullmatch(value):
        raise _err("bad_value", path, f"{path} {value!r} must be {pattern_words}")
    return value


def _choice(value: object, path: str, options: Collection[str]) -> str:
    text = _text(value, path, max_len=100)
    if text not in options:
        listed = ", ".join(sorted(options)) if len(options) <= 20 else "see docs/EVENTS.md"
        raise _err("bad_value", path, f"{path} {text!r} is not one of: {listed}")
    return text


_MAX_SAFE_INTEGER = 2**53 - 1


def _number(
    value: object,
    path: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
    integer: bool = False,
) -> int | float:
    # bool is an int subclass in Python but true/false is not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _want(value, path, "a whole number" if integer else "a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _err("bad_value", path, f"{path} must be a finite number")
    if abs(value) > _MAX_SAFE_INTEGER:
        raise _err("bad_value", path, f"{path} is too large (at most 2^53 - 1 in size)")
    if integer and not (isinstance(value, int) or value.is_integer()):
        raise _err("wrong_type", path, f"{path} must be a whole number, not {value}")
    if positive and value <= 0:
        raise _err("bad_value", path, f"{path} must be more than zero, not {value}")
    if minimum is not None and value < minimum:
        raise _err("bad_value", path, f"{path} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise _err("bad_value", path, f"{path} must be at most {maximum}, not {value}")
    return int(value) if integer else value


def _list(value: object, path: str, *, limit: int, allow_empty: bool = False) -> list[object]:
    if not isinstance(value, list):
        raise _want(value, path, "a list ([...])")
    if not value and not allow_empty:
        raise _err("empty", path, f"{path} is an empty list; leave it out or add entries")
    if len(value) > limit:
        raise _err("too_many", path, f"{path} has {len(value)} entries; at most {limit}")
    return value


_TIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})"
)
_OFFSET_RE = re.compile(r"([+-])(\d{2}):(\d{2})")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _offset_tz(offset: str) -> timezone:
    match = _OFFSET_RE.fullmatch(offset)
    if match is None:  # callers validated; Z only reaches here from parse_time
        return UTC
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def parse_time(value: object, field: str) -> datetime:
    """Parse an RFC 3339 date-time with ``Z`` or a numeric offset into an aware datetime.

    Fractions beyond microseconds are truncated; years must lie in 1970-2999.
    """
    if not isinstance(value, str):
        raise _want(value, field, "a date-time text like 2024-10-05T08:30:00+08:00")
    match = _TIME_RE.fullmatch(value)
    example = "2024-10-05T08:30:00+08:00 or 2024-10-05T00:30:00.000Z"
    if match is None:
        raise _err("bad_time", field, f"{field} {value!r} is not a date-time like {example}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction, zone = match.group(7) or "", match.group(8)
    if not 1970 <= year <= 2999:
        raise _err("bad_time", field, f"{field} {value!r} has a year outside 1970-2999")
    if zone != "Z" and (int(zone[1:3]) > 23 or int(zone[4:6]) > 59):
        raise _err("bad_time", field, f"{field} {value!r} has an impossible offset")
    try:
        return datetime(
            year,
            month,
            day,
            hour,
            minute,
            second,
            int(fraction[:6].ljust(6, "0")),
            tzinfo=UTC if zone == "Z" else _offset_tz(zone),
        )
    except ValueError:
        raise _err(
            "bad_time", field, f"{field} {value!r} is not a real date and time of day"
        ) from None


def parse_date(value: object, field: str) -> date:
    """Parse a calendar date ``YYYY-MM-DD``."""
    if not isinstance(value, str) or _DATE_RE.fullmatch(value) is None:
        raise _err("bad_time", field, f"{field} must be a date like 2024-10-05")
    year, month, day = (int(part) for part in value.split("-"))
    if not 1970 <= year <= 2999:
        raise _err("bad_time", field, f"{field} {value!r} has a year outside 1970-2999")
    try:
        return date(year, month, day)
    except ValueError:
        raise _err("bad_time", field, f"{field} {value!r} is not a real date") from None


def _offset(value: object, path: str) -> str:
    if not isinstance(value, str) or _OFFSET_RE.fullmatch(value) is None:
        raise _err("bad_time", path, f"{path} must be an offset like +08:00")
    hours, minutes = int(value[1:3]), int(value[4:6])
    if minutes > 59 or hours * 60 + minutes > 14 * 60:
        raise _err("bad_time", path, f"{path} {value!r} is not a real time-zone offset")
    return value


def _identifier(value: object, path: str, kinds: Sequence[gs1.IdentifierKind]) -> str:
    if not isinstance(value, str):
        raise _want(value, path, "a GS1 Digital Link (text starting https://id.gs1.org/)")
    if len(value) > LIMITS["uri"]:
        raise _err("too_long", path, f"{path} is longer than {LIMITS['uri']} characters")
    ident = gs1.parse_identifier(value, field=path, canonical_only=True, allowed=kinds)
    # A unit is one thing whether or not its lot is written: custody and the object index
    # key it by GTIN + serial. Otherwise canonical_only guarantees value is the key already.
    return ident.object_key() if ident.kind == "unit" else value


_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")


def _uri(value: object, path: str) -> str:
    return _text(
        value,
        path,
        max_len=LIMITS["uri"],
        pattern=_URI_RE,
        pattern_words="a URI such as https://... or urn:...",
    )


_UUID_URN_RE = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UOM_RE = re.compile(r"[A-Z0-9]{2,3}")
_DOSE_UOM_RE = re.compile(r"[A-Za-z0-9]{1,8}(/[A-Za-z0-9]{1,8})?")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_COUNTRY_RE = re.compile(r"[A-Z]{2}")

# ---------------------------------------------------------------------------------------
# Composite members
# ---------------------------------------------------------------------------------------


def _epc_list(value: object, path: str, kinds: Sequence[gs1.IdentifierKind]) -> tuple[str, ...]:
    items = _list(value, path, limit=LIMITS["objects"])
    out: list[str] = []
    for i, item in enumerate(items):
        ident = _identifier(item, f"{path}[{i}]", kinds)
        if ident in out:
            raise _err("duplicate", f"{path}[{i}]", f"{path} lists {ident} twice")
        out.append(ident)
    return tuple(out)


def _quantity_list(value: object, path: str) -> tuple[Quantity, ...]:
    items = _list(value, path, limit=LIMITS["objects"])
    out: list[Quantity] = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        obj = _object(item, here)
        _members(obj, here, required=("epcClass", "quantity"), optional=("uom",))
        epc_class = _identifier(obj["epcClass"], f"{here}.epcClass", _CLASSES)
        if any(q.epc_class == epc_class for q in out):
            raise _err("duplicate", f"{here}.epcClass", f"{path} lists {epc_class} twice")
        uom = None
        if "uom" in obj:
            uom = _text(
                obj["uom"],
                f"{here}.uom",
                max_len=3,
                pattern=_UOM_RE,
                pattern_words="a UN/CEFACT unit code such as KGM (kilogram) or TNE (tonne)",
            )
        # Without a unit the quantity counts whole items, so it must be a whole number.
        amount = _number(obj["quantity"], f"{here}.quantity", positive=True, integer=uom is None)
        out.append(Quantity(epc_class, amount, uom))
    return tuple(out)


def _place(value: object, path: str) -> str:
    obj = _object(value, path)
    _members(obj, path, required=("id",))
    return _identifier(obj["id"], f"{path}.id", ("location",))


def _party_list(value: object, path: str, role: str) -> tuple[PartyRef, ...]:
    items = _list(value, path, limit=LIMITS["sources"])
    out: list[PartyRef] = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        obj = _object(item, here)
        _members(obj, here, required=("type", role))
        kind = _choice(obj["type"], f"{here}.type", SOURCE_DESTINATION_TYPES)
        if any(p.type == kind for p in out):
            raise _err("duplicate", f"{here}.type", f"{path} has two entries of type {kind}")
        wanted: tuple[gs1.IdentifierKind, ...] = ("location",) if kind == "location" else ("party",)
        ident = _identifier(obj[role], f"{here}.{role}", wanted)
        out.append(PartyRef(kind, ident, ident.split("/")[4]))
    return tuple(out)


def _biz_transactions(value: object, path: str) -> tuple[BizTransaction, ...]:
    items = _list(value, path, limit=LIMITS["biz_transactions"])
    out = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        obj = _object(item, here)
        _members(obj, here, required=("bizTransaction",), optional=("type",))
        kind = (
            _choice(obj["type"], f"{here}.type", BIZ_TRANSACTION_TYPES) if "type" in obj else None
        )
        out.append(BizTransaction(kind, _uri(obj["bizTransaction"], f"{here}.bizTransaction")))
    return tuple(out)


def _certification_info(value: object, path: str) -> tuple[str, ...]:
    # EPCIS 2.0 allows one certificate URI or a list of them.
    if isinstance(value, str):
        return (_uri(value, path),)
    items = _list(value, path, limit=LIMITS["certifications"])
    return tuple(_uri(item, f"{path}[{i}]") for i, item in enumerate(items))


def _sensor_elements(value: object, path: str) -> tuple[SensorElement, ...]:
    items = _list(value, path, limit=LIMITS["sensor_elements"])
    total = 0
    out: list[SensorElement] = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        obj = _object(item, here)
        _members(obj, here, required=("sensorReport",), optional=("sensorMetadata",))
        meta_time = start = end = None
        device = None
        if "sensorMetadata" in obj:
            meta_path = f"{here}.sensorMetadata"
            meta = _object(obj["sensorMetadata"], meta_path)
            _members(meta, meta_path, optional=("time", "startTime", "endTime", "deviceID"))
            if "time" in meta:
                meta_time = parse_time(meta["time"], f"{meta_path}.time")
            if "startTime" in meta:
                start = parse_time(meta["startTime"], f"{meta_path}.startTime")
            if "endTime" in meta:
                end = parse_time(meta["endTime"], f"{meta_path}.endTime")
            if start is not None and end is not None and end < start:
                raise _err(
                    "bad_time", f"{meta_path}.endTime", f"{meta_path}.endTime is before startTime"
                )
            if "deviceID" in meta:
                device = _uri(meta["deviceID"], f"{meta_path}.deviceID")
        reports_path = f"{here}.sensorReport"
        raw_reports = _list(obj["sensorReport"], reports_path, limit=LIMITS["sensor_reports"])
        total += len(raw_reports)
        if total > LIMITS["sensor_reports"]:
            raise _err(
                "too_many",
                reports_path,
                f"{path} holds more than {LIMITS['sensor_reports']} readings in all",
            )
        reports = tuple(
            _sensor_report(r, f"{reports_path}[{j}]", meta_time, device)
            for j, r in enumerate(raw_reports)
        )
        out.append(SensorElement(reports, meta_time, start, end, device))
    return tuple(out)


def _sensor_report(
    value: object, path: str, meta_time: datetime | None, device: str | None
) -> SensorReading:
    obj = _object(value, path)
    numbers = ("value", "minValue", "maxValue", "meanValue")
    _members(obj, path, required=("type",), optional=(*numbers, "uom", "time", "deviceID"))
    kind = _choice(obj["type"], f"{path}.type", SENSOR_TYPES)
    found = {name: _number(obj[name], f"{path}.{name}") for name in numbers if name in obj}
    if not found:
        raise _err("missing_field", f"{path}.value", f"{path}.value is missing")
    if "uom" not in obj:
        raise _err("missing_field", f"{path}.uom", f"{path}.uom is missing")
    uom = _choice(obj["uom"], f"{path}.uom", SENSOR_TYPES[kind])
    if "minValue" in found and "maxValue" in found and found["minValue"] > found["maxValue"]:
        raise _err("bad_value", f"{path}.minValue", f"{path}.minValue is above maxValue")
    when = parse_time(obj["time"], f"{path}.time") if "time" in obj else meta_time
    own_device = _uri(obj["deviceID"], f"{path}.deviceID") if "deviceID" in obj else device
    return SensorReading(
        type=kind,
        uom=uom,
        value=found.get("value"),
        min_value=found.get("minValue"),
        max_value=found.get("maxValue"),
        mean_value=found.get("meanValue"),
        time=when,
        device_id=own_device,
    )


def _allowed_range(value: object, path: str) -> AllowedRange:
    obj = _object(value, path)
    _members(obj, path, required=("min", "max", "uom"))
    low = _number(obj["min"], f"{path}.min", minimum=-100, maximum=100)
    high = _number(obj["max"], f"{path}.max", minimum=-100, maximum=100)
    uom = _choice(obj["uom"], f"{path}.uom", SENSOR_TYPES["Temperature"])
    if low > high:
        raise _err("bad_value", f"{path}.min", f"{path}.min ({low}) is above max ({high})")
    return AllowedRange(float(low), float(high), uom)


def _farm_input(value: object, path: str, step: str) -> FarmInput:
    obj = _object(value, path)
    spraying = step == "tl:spraying"
    # A pesticide's active ingredient and pre-harvest interval are what residue limits and
    # the harvest check depend on, so spraying must state them.
    required = ("product", "dose") + (
        ("activeIngredient", "preHarvestIntervalDays") if spraying else ()
    )
    optional = ("activeIngredient", "preHarvestIntervalDays", "method")
    _members(obj, path, required=required, optional=optional)
    dose_path = f"{path}.dose"
    dose_obj = _object(obj["dose"], dose_path)
    _members(dose_obj, dose_path, required=("value", "uom"))
    dose = Dose(
        float(_number(dose_obj["value"], f"{dose_path}.value", positive=True, maximum=1e6)),
        _text(
            dose_obj["uom"],
            f"{dose_path}.uom",
            max_len=17,
            pattern=_DOSE_UOM_RE,
            pattern_words="a unit such as KGM, LTR or KGM/HAR (kilograms per hectare)",
        ),
    )
    phi = None
    if "preHarvestIntervalDays" in obj:
        phi = int(
            _number(
                obj["preHarvestIntervalDays"],
                f"{path}.preHarvestIntervalDays",
                minimum=0,
                maximum=3650,
                integer=True,
            )
        )
    return FarmInput(
        product=_text(obj["product"], f"{path}.product"),
        dose=dose,
        active_ingredient=(
            _text(obj["activeIngredient"], f"{path}.activeIngredient")
            if "activeIngredient" in obj
            else None
        ),
        pre_harvest_interval_days=phi,
        method=_text(obj["method"], f"{path}.method", max_len=100) if "method" in obj else None,
    )


def _inspection(value: object, path: str) -> Inspection:
    obj = _object(value, path)
    _members(obj, path, required=("result", "reportSha256"), optional=("analytes",))
    result = _choice(obj["result"], f"{path}.result", ("pass", "fail"))
    sha = _text(
        obj["reportSha256"],
        f"{path}.reportSha256",
        max_len=64,
        pattern=_SHA256_RE,
        pattern_words="the SHA-256 of the lab report, 64 lowercase hex digits",
    )
    analytes: list[Analyte] = []
    if "analytes" in obj:
        items = _list(
            obj["analytes"], f"{path}.analytes", limit=LIMITS["analytes"], allow_empty=True
        )
        for i, item in enumerate(items):
            here = f"{path}.analytes[{i}]"
            a = _object(item, here)
            _members(a, here, required=("name", "value", "limit", "uom"))
            analytes.append(
                Analyte(
                    name=_text(a["name"], f"{here}.name", max_len=100),
                    value=float(_number(a["value"], f"{here}.value", minimum=0)),
                    limit=float(_number(a["limit"], f"{here}.limit", minimum=0)),
                    uom=_text(
                        a["uom"],
                        f"{here}.uom",
                        max_len=17,
                        pattern=_DOSE_UOM_RE,
                        pattern_words="a unit such as MGKG (milligrams per kilogram)",
                    ),
                )
            )
    return Inspection(result, tuple(analytes), sha)


_ILMD_MEMBERS = (
    "tl:variety",
    "tl:plot",
    "tl:harvestDate",
    "tl:originRegion",
    "cbvmda:countryOfOrigin",
)


def _ilmd(value: object, path: str) -> LotMasterData:
    obj = _object(value, path)
    _members(obj, path, optional=_ILMD_MEMBERS)
    if not obj:
        raise _err("empty", path, f"{path} is empty; leave it out or fill it in")
    harvest = (
        parse_date(obj["tl:harvestDate"], f"{path}.tl:harvestDate")
        if "tl:harvestDate" in obj
        else None
    )
    if harvest is not None and "tl:plot" not in obj:
        # The pre-harvest-interval check needs to know which field was harvested.
        raise _err(
            "missing_field",
            f"{path}.tl:plot",
            f"{path}.tl:plot is missing: a harvest must name the plot (/414/ GLN) it came from",
        )
    return LotMasterData(
        variety=_text(obj["tl:variety"], f"{path}.tl:variety") if "tl:variety" in obj else None,
        plot=_identifier(obj["tl:plot"], f"{path}.tl:plot", ("location",))
        if "tl:plot" in obj
        else None,
        harvest_date=harvest,
        origin_region=(
            _text(obj["tl:originRegion"], f"{path}.tl:originRegion")
            if "tl:originRegion" in obj
            else None
        ),
        country_of_origin=(
            _text(
                obj["cbvmda:countryOfOrigin"],
                f"{path}.cbvmda:countryOfOrigin",
                max_len=2,
                pattern=_COUNTRY_RE,
                pattern_words="a two-letter ISO 3166 country code such as CN",
            )
            if "cbvmda:countryOfOrigin" in obj
            else None
        ),
    )


# ---------------------------------------------------------------------------------------
# parse_event
# ---------------------------------------------------------------------------------------


def _unexpected(path: str, name: str, why: str) -> ValidationError:
    return _err("unexpected_field", f"{path}.{name}", f"{path}.{name} is not used here: {why}")


def parse_event(payload: object, *, field: str = "payload") -> Event:
    """Validate an event payload (parsed JSON) and return it as an `Event`.

    Raises `ValidationError` naming the member by JSON path (prefixed with ``field``).
    """
    p = field
    obj = _object(payload, p)
    if "type" not in obj:
        raise _err("missing_field", f"{p}.type", f"{p}.type is missing (ObjectEvent, ...)")
    event_type = _choice(obj["type"], f"{p}.type", EVENT_TYPES)
    allowed = _COMMON_MEMBERS | _TYPE_MEMBERS[event_type]
    for key in obj:
        if key in allowed:
            continue
        shown = _safe_key(key)
        if key in _ALL_MEMBERS:
            raise _unexpected(p, shown, f"it belongs to another event type than {event_type}")
        hint = _MEMBER_HINTS.get(key)
        extra = f" ({hint})" if hint else " (see docs/EVENTS.md for the members allowed)"
        raise _err("unknown_field", f"{p}.{shown}", f"{p} has an unknown member {shown}{extra}")
    for key in ("eventID", "eventTime", "eventTimeZoneOffset", "bizStep"):
        if key not in obj:
            raise _err("missing_field", f"{p}.{key}", f"{p}.{key} is missing")

    event_id = _text(
        obj["eventID"],
        f"{p}.eventID",
        max_len=45,
        pattern=_UUID_URN_RE,
        pattern_words="urn:uuid: followed by a UUID in lowercase hex",
    )
    event_time = parse_time(obj["eventTime"], f"{p}.eventTime")
    offset = _offset(obj["eventTimeZoneOffset"], f"{p}.eventTimeZoneOffset")
    step = _choice(obj["bizStep"], f"{p}.bizStep", BIZ_STEPS)

    want_type, want_action = _STEP_SHAPE[step]
    if event_type != want_type:
        raise _err(
            "step_mismatch",
            f"{p}.type",
            f"the step {step} is posted as a {want_type}, not a {event_type}",
        )
    action = None
    if want_action is not None:
        if "action" not in obj:
            raise _err("missing_field", f"{p}.action", f"{p}.action is missing ({want_action})")
        action = _choice(obj["action"], f"{p}.action", ("ADD", "OBSERVE", "DELETE"))
        if action != want_action:
            raise _err(
                "step_mismatch",
                f"{p}.action",
                f"the step {step} needs action {want_action}, not {action}",
            )

    values: dict[str, object] = {}
    if "disposition" in obj:
        values["disposition"] = _choice(obj["disposition"], f"{p}.disposition", DISPOSITIONS)
    if "readPoint" in obj:
        values["read_point"] = _place(obj["readPoint"], f"{p}.readPoint")
    if "bizLocation" in obj:
        values["biz_location"] = _place(obj["bizLocation"], f"{p}.bizLocation")
    if "sourceList" in obj:
        values["source_list"] = _party_list(obj["sourceList"], f"{p}.sourceList", "source")
    if "destinationList" in obj:
        values["destination_list"] = _party_list(
            obj["destinationList"], f"{p}.destinationList", "destination"
        )
    if "bizTransactionList" in obj:
        values["biz_transactions"] = _biz_transactions(
            obj["bizTransactionList"], f"{p}.bizTransactionList"
        )
    if "certificationInfo" in obj:
        values["certification_info"] = _certification_info(
            obj["certificationInfo"], f"{p}.certificationInfo"
        )
    if "sensorElementList" in obj:
        values["sensor_elements"] = _sensor_elements(
            obj["sensorElementList"], f"{p}.sensorElementList"
        )
    if "tl:allowedRange" in obj:
        if "sensorElementList" not in obj:
            raise _err(
                "missing_field",
                f"{p}.sensorElementList",
                f"{p}.tl:allowedRange is given but there are no readings "
                "(sensorElementList) to check against it",
            )
        values["allowed_range"] = _allowed_range(obj["tl:allowedRange"], f"{p}.tl:allowedRange")

    if "tl:farmInput" in obj:
        if step not in ("tl:sowing", "tl:fertilising", "tl:spraying"):
            raise _unexpected(
                p, "tl:farmInput", "only tl:sowing, tl:fertilising and tl:spraying carry it"
            )
        values["farm_input"] = _farm_input(obj["tl:farmInput"], f"{p}.tl:farmInput", step)
    elif step in ("tl:fertilising", "tl:spraying"):
        raise _err(
            "missing_field",
            f"{p}.tl:farmInput",
            f"{p}.tl:farmInput is missing: say which product was applied and how much",
        )
    if "tl:inspection" in obj:
        if step != "inspecting":
            raise _unexpected(p, "tl:inspection", "only an inspecting event carries a result")
        values["inspection"] = _inspection(obj["tl:inspection"], f"{p}.tl:inspection")
    elif step == "inspecting":
        raise _err(
            "missing_field",
            f"{p}.tl:inspection",
            f"{p}.tl:inspection is missing: an inspection must give its result",
        )
    if "tl:carrier" in obj:
        if step != "shipping":
            raise _unexpected(p, "tl:carrier", "only a shipping event names the carrier")
        values["carrier"] = _identifier(obj["tl:carrier"], f"{p}.tl:carrier", ("party",))
    if "ilmd" in obj:
        if step not in ("commissioning", "transforming"):
            raise _unexpected(p, "ilmd", "lot master data is given when a lot is created")
        values["ilmd"] = _ilmd(obj["ilmd"], f"{p}.ilmd")
    if "transformationID" in obj:
        values["transformation_id"] = _uri(obj["transformationID"], f"{p}.transformationID")

    if event_type == "ObjectEvent":
        if "epcList" in obj:
            values["epc_list"] = _epc_list(obj["epcList"], f"{p}.epcList", _UNITS)
        if "quantityList" in obj:
            values["quantity_list"] = _quantity_list(obj["quantityList"], f"{p}.quantityList")
    elif event_type == "AggregationEvent":
        if "parentID" not in obj:
            raise _err("missing_field", f"{p}.parentID", f"{p}.parentID is missing (the case)")
        parent = _identifier(obj["parentID"], f"{p}.parentID", _UNITS)
        values["parent_id"] = parent
        if "childEPCs" in obj:
            values["child_epcs"] = _epc_list(obj["childEPCs"], f"{p}.childEPCs", _UNITS)
        if "childQuantityList" in obj:
            values["child_quantity_list"] = _quantity_list(
                obj["childQuantityList"], f"{p}.childQuantityList"
            )
        if parent in values.get("child_epcs", ()):  # type: ignore[operator]
            raise _err("bad_value", f"{p}.childEPCs", f"{parent} cannot be packed into itself")
    else:
        for key, name, reader in (
            ("inputEPCList", "input_epc_list", "epc"),
            ("inputQuantityList", "input_quantity_list", "qty"),
            ("outputEPCList", "output_epc_list", "epc"),
            ("outputQuantityList", "output_quantity_list", "qty"),
        ):
            if key in obj:
                values[name] = (
                    _epc_list(obj[key], f"{p}.{key}", _UNITS)
                    if reader == "epc"
                    else _quantity_list(obj[key], f"{p}.{key}")
                )

    values["unit_lots"] = _unit_lots(obj)
    event = Event(
        event_type=event_type,
        event_id=event_id,
        event_time=event_time,
        event_time_zone_offset=offset,
        biz_step=step,
        action=action,
        **values,  # type: ignore[arg-type]
    )
    _check_step_content(event, p)
    return event


def _unit_lots(obj: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """(unit key, lot class) for every unit written with its lot (already validated)."""
    pairs: dict[str, str] = {}
    for member in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        for uri in obj.get(member, ()):  # type: ignore[attr-defined]
            ident = gs1.parse_identifier(uri)
            lot = ident.lot_class()
            if ident.kind == "unit" and lot is not None:
                pairs[ident.object_key()] = lot.canonical()
    return tuple(pairs.items())


def _check_step_content(event: Event, p: str) -> None:
    """Rules that look at several members together."""
    ids = event.object_ids()
    total = len(event.objects) + len(event.children) + len(event.inputs) + len(event.outputs)
    if total > LIMITS["objects"]:
        raise _err("too_many", p, f"the event names {total} objects; at most {LIMITS['objects']}")
    step = event.biz_step
    if event.event_type == "TransformationEvent":
        if not event.inputs:
            raise _err("missing_field", f"{p}.inputQuantityList", "a transformation needs inputs")
        if not event.outputs:
            raise _err("missing_field", f"{p}.outputQuantityList", "a transformation needs outputs")
        inputs = set(event.inputs)
        for i, oid in enumerate(event.output_epc_list):
            if oid in inputs:
                raise _err(
                    "duplicate",
                    f"{p}.outputEPCList[{i}]",
                    f"{oid} is both an input and an output of the transformation",
                )
        for i, q in enumerate(event.output_quantity_list):
            if q.epc_class in inputs:
                raise _err(
                    "duplicate",
                    f"{p}.outputQuantityList[{i}].epcClass",
                    f"{q.epc_class} is both an input and an output of the transformation",
                )
    elif event.event_type == "AggregationEvent":
        if step == "packing" and not event.children:
            raise _err(
                "missing_field", f"{p}.childEPCs", "packing needs the items packed (childEPCs)"
            )
    elif step in FARM_STEPS:
        if event.location is None:
            raise _err(
                "missing_field",
                f"{p}.bizLocation",
                f"{p}.bizLocation is missing: farm work must name the plot (/414/ GLN)",
            )
    elif step == "sensor_reporting":
        if not event.sensor_elements:
            raise _err(
                "missing_field", f"{p}.sensorElementList", f"{p}.sensorElementList is missing"
            )
        if not ids and event.location is None:
            raise _err(
                "missing_field",
                f"{p}.epcList",
                "sensor readings must be about objects (epcList) or a place (bizLocation)",
            )
    elif not ids:
        raise _err(
            "missing_field",
            f"{p}.epcList",
            f"the step {step} must name the objects it is about (epcList or quantityList)",
        )
    if step == "shipping" and event.destination_party is None:
        raise _err(
            "missing_field",
            f"{p}.destinationList",
            "a shipment must name who it goes to: destinationList with type owning_party "
            "and the receiver's party GLN (/417/)",
        )
    if event.ilmd is not None and event.ilmd.harvest_date is not None:
        if step != "commissioning":
            raise _unexpected(p, "ilmd.tl:harvestDate", "a harvest is recorded by commissioning")
        if event.ilmd.harvest_date > event.local_date:
            raise _err(
                "bad_value",
                f"{p}.ilmd.tl:harvestDate",
                f"the harvest date {event.ilmd.harvest_date} is after the event's own date "
                f"{event.local_date}",
            )
