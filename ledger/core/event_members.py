"""Readers of an event's members: one per member, each from a `Node` to a model value.

Each reader checks one member of an event payload (docs/EVENTS.md) and returns it as a
value of `ledger.core.events`, or raises `ValidationError` with the member's JSON path
(the `Node` carries it). `ledger.core.event_parser` puts them together. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from ledger.core.cbv import BIZ_TRANSACTION_TYPES, SOURCE_DESTINATION_TYPES
from ledger.core.events import (
    AllowedRange,
    Analyte,
    BizTransaction,
    Dose,
    FarmInput,
    Inspection,
    LotMasterData,
    PartyRef,
    Quantity,
    SensorElement,
    SensorReading,
)
from ledger.core.gs1 import GS1Identifier, IdentifierKind, parse_identifier
from ledger.core.json_reader import Node, error
from ledger.core.timefmt import parse_date, parse_event_time, parse_offset
from ledger.core.vocabulary import INSPECTION_RESULTS, RANGES

__all__ = [
    "CLASSES",
    "LIMITS",
    "SENSOR_TYPES",
    "UNITS",
    "read_allowed_range",
    "read_biz_transactions",
    "read_certification_info",
    "read_epc_list",
    "read_event_id",
    "read_event_time",
    "read_farm_input",
    "read_identifier",
    "read_ilmd",
    "read_inspection",
    "read_offset",
    "read_party_list",
    "read_place",
    "read_quantity_list",
    "read_sensor_elements",
    "read_uri",
]

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
_TEXT = LIMITS["text"]

# Numeric bounds come from the step vocabulary, which the producer's forms are built from.
_QUANTITY, _DOSE, _PHI = RANGES["quantity"], RANGES["dose"], RANGES["preHarvestIntervalDays"]
_BAND, _ANALYTE = RANGES["temperatureBand"], RANGES["analyte"]

# Sensor report types the ledger accepts (some of cbv.MEASUREMENT_TYPES), with the
# UN/CEFACT units allowed for each.
SENSOR_TYPES: Mapping[str, frozenset[str]] = {
    "Temperature": frozenset({"CEL"}),
    "RelativeHumidity": frozenset({"P1"}),
    "AbsoluteHumidity": frozenset({"A93"}),
}

# What lists of EPCs and of quantities name: instances, and classes counted by quantity.
UNITS: tuple[IdentifierKind, ...] = ("unit", "sscc")
CLASSES: tuple[IdentifierKind, ...] = ("lot", "product")

_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
_UUID_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UOM = re.compile(r"[A-Z0-9]{2,3}")
_DOSE_UOM = re.compile(r"[A-Za-z0-9]{1,8}(/[A-Za-z0-9]{1,8})?")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COUNTRY = re.compile(r"[A-Z]{2}")

# ---------------------------------------------------------------------------------------
# Scalars: identifiers, URIs, times
# ---------------------------------------------------------------------------------------


def _gs1_identifier(node: Node, kinds: Sequence[IdentifierKind]) -> tuple[str, GS1Identifier]:
    """The text of a canonical GS1 Digital Link of one of ``kinds``, and what it names."""
    value = node.value
    if not isinstance(value, str):
        raise node.want("a GS1 Digital Link (text starting https://id.gs1.org/)")
    if len(value) > LIMITS["uri"]:
        raise node.fail("too_long", f"{node.path} is longer than {LIMITS['uri']} characters")
    return value, parse_identifier(value, field=node.path, canonical_only=True, allowed=kinds)


def _object_key(uri: str, ident: GS1Identifier) -> str:
    # A unit is one thing whether or not its lot is written: custody and the object index
    # key it by GTIN + serial. Otherwise canonical_only guarantees uri is the key already.
    return ident.object_key() if ident.kind == "unit" else uri


def read_identifier(node: Node, kinds: Sequence[IdentifierKind]) -> str:
    """A canonical GS1 Digital Link of one of ``kinds``; a unit comes back as its key."""
    return _object_key(*_gs1_identifier(node, kinds))


def read_uri(node: Node) -> str:
    """A URI that is not a GS1 identifier (a certificate, a device, a transaction)."""
    return node.text(
        LIMITS["uri"], pattern=_URI, pattern_words="a URI such as https://... or urn:..."
    )


def read_event_id(node: Node) -> str:
    """eventID: ``urn:uuid:`` and a lowercase UUID."""
    return node.text(
        45, pattern=_UUID_URN, pattern_words="urn:uuid: followed by a UUID in lowercase hex"
    )


def read_event_time(node: Node) -> datetime:
    """An RFC 3339 event time (`ledger.core.timefmt.parse_event_time`)."""
    return parse_event_time(node.value, node.path)


def read_offset(node: Node) -> str:
    """eventTimeZoneOffset, such as ``+08:00``."""
    return parse_offset(node.value, node.path)


def _read_date(node: Node) -> date:
    return parse_date(node.value, node.path)


# ---------------------------------------------------------------------------------------
# What and where: objects, quantities, places, parties, transactions, certificates
# ---------------------------------------------------------------------------------------


def read_epc_list(
    node: Node, kinds: Sequence[IdentifierKind]
) -> tuple[tuple[str, ...], dict[str, str]]:
    """epcList, childEPCs, inputEPCList, outputEPCList: distinct identifiers (units by their
    key), and the lot class of each unit written with its lot."""
    keys: list[str] = []
    unit_lots: dict[str, str] = {}
    for item in node.items(LIMITS["objects"]):
        uri, ident = _gs1_identifier(item, kinds)
        key = _object_key(uri, ident)
        if key in keys:
            raise item.fail("duplicate", f"{node.path} lists {key} twice")
        keys.append(key)
        lot = ident.lot_class()
        if ident.kind == "unit" and lot is not None:
            unit_lots[key] = lot.canonical()
    return tuple(keys), unit_lots


def read_quantity_list(node: Node) -> tuple[Quantity, ...]:
    """quantityList and its kin: distinct lots or products, each with its quantity."""
    out: list[Quantity] = []
    for item in node.items(LIMITS["objects"]):
        obj = item.members(required=("epcClass", "quantity"), optional=("uom",))
        epc_class = read_identifier(obj["epcClass"], CLASSES)
        if any(q.epc_class == epc_class for q in out):
            raise error(
                "duplicate", obj.path_of("epcClass"), f"{node.path} lists {epc_class} twice"
            )
        uom_node = obj.get("uom")
        uom = None
        if uom_node is not None:
            uom = uom_node.text(
                3,
                pattern=_UOM,
                pattern_words="a UN/CEFACT unit code such as KGM (kilogram) or TNE (tonne)",
            )
        # Without a unit the quantity counts whole items, so it must be a whole number.
        amount = obj["quantity"].number(positive=_QUANTITY.above, integer=uom is None)
        out.append(Quantity(epc_class, amount, uom))
    return tuple(out)


def read_place(node: Node) -> str:
    """readPoint or bizLocation: ``{"id": <location GLN>}``."""
    obj = node.members(required=("id",))
    return read_identifier(obj["id"], ("location",))


def read_party_list(node: Node, role: str) -> tuple[PartyRef, ...]:
    """sourceList (``role`` "source") or destinationList: at most one entry per type."""
    out: list[PartyRef] = []
    for item in node.items(LIMITS["sources"]):
        obj = item.members(required=("type", role))
        kind = obj["type"].choice(SOURCE_DESTINATION_TYPES)
        if any(p.type == kind for p in out):
            raise error(
                "duplicate", obj.path_of("type"), f"{node.path} has two entries of type {kind}"
            )
        wanted: tuple[IdentifierKind, ...] = ("location",) if kind == "location" else ("party",)
        ident = read_identifier(obj[role], wanted)
        out.append(PartyRef(kind, ident, ident.split("/")[4]))
    return tuple(out)


def read_biz_transactions(node: Node) -> tuple[BizTransaction, ...]:
    """bizTransactionList: references to orders, despatch advices, ..."""
    out = []
    for item in node.items(LIMITS["biz_transactions"]):
        obj = item.members(required=("bizTransaction",), optional=("type",))
        kind = obj["type"].choice(BIZ_TRANSACTION_TYPES) if "type" in obj else None
        out.append(BizTransaction(kind, read_uri(obj["bizTransaction"])))
    return tuple(out)


def read_certification_info(node: Node) -> tuple[str, ...]:
    """certificationInfo: EPCIS 2.0 allows one certificate URI or a list of them."""
    if isinstance(node.value, str):
        return (read_uri(node),)
    return tuple(read_uri(item) for item in node.items(LIMITS["certifications"]))


# ---------------------------------------------------------------------------------------
# Sensor readings
# ---------------------------------------------------------------------------------------


def read_sensor_elements(node: Node) -> tuple[SensorElement, ...]:
    """sensorElementList: metadata and reports, at most LIMITS["sensor_reports"] in all."""
    total = 0
    out: list[SensorElement] = []
    for item in node.items(LIMITS["sensor_elements"]):
        obj = item.members(required=("sensorReport",), optional=("sensorMetadata",))
        meta_time = start = end = None
        device = None
        meta = obj.get("sensorMetadata")
        if meta is not None:
            meta_time, start, end, device = _sensor_metadata(meta)
        reports_node = obj["sensorReport"]
        raw_reports = reports_node.items(LIMITS["sensor_reports"])
        total += len(raw_reports)
        if total > LIMITS["sensor_reports"]:
            raise reports_node.fail(
                "too_many",
                f"{node.path} holds more than {LIMITS['sensor_reports']} readings in all",
            )
        reports = tuple(_sensor_report(r, meta_time, device) for r in raw_reports)
        out.append(SensorElement(reports, meta_time, start, end, device))
    return tuple(out)


def _sensor_metadata(
    node: Node,
) -> tuple[datetime | None, datetime | None, datetime | None, str | None]:
    """(time, startTime, endTime, deviceID) of a sensorMetadata member."""
    meta = node.members(optional=("time", "startTime", "endTime", "deviceID"))
    when, start, end = (_optional_time(meta.get(name)) for name in ("time", "startTime", "endTime"))
    if start is not None and end is not None and end < start:
        raise error("bad_time", meta.path_of("endTime"), f"{meta.path}.endTime is before startTime")
    device = meta.get("deviceID")
    return when, start, end, None if device is None else read_uri(device)


def _optional_time(node: Node | None) -> datetime | None:
    return None if node is None else read_event_time(node)


def _sensor_report(node: Node, meta_time: datetime | None, device: str | None) -> SensorReading:
    obj = node.members(
        required=("type",),
        optional=("value", "minValue", "maxValue", "meanValue", "uom", "time", "deviceID"),
    )
    kind = obj["type"].choice(SENSOR_TYPES)
    found: dict[str, int | float] = {}
    for name in ("value", "minValue", "maxValue", "meanValue"):
        number = obj.get(name)
        if number is not None:
            found[name] = number.number()
    if not found:
        raise obj.missing("value")
    if "uom" not in obj:
        raise obj.missing("uom")
    uom = obj["uom"].choice(SENSOR_TYPES[kind])
    if "minValue" in found and "maxValue" in found and found["minValue"] > found["maxValue"]:
        raise error("bad_value", obj.path_of("minValue"), f"{obj.path}.minValue is above maxValue")
    own_time, own_device = obj.get("time"), obj.get("deviceID")
    return SensorReading(
        type=kind,
        uom=uom,
        value=found.get("value"),
        min_value=found.get("minValue"),
        max_value=found.get("maxValue"),
        mean_value=found.get("meanValue"),
        time=meta_time if own_time is None else read_event_time(own_time),
        device_id=device if own_device is None else read_uri(own_device),
    )


def read_allowed_range(node: Node) -> AllowedRange:
    """tl:allowedRange: the temperature band, in CEL."""
    obj = node.members(required=("min", "max", "uom"))
    low = obj["min"].number(minimum=_BAND.minimum, maximum=_BAND.maximum)
    high = obj["max"].number(minimum=_BAND.minimum, maximum=_BAND.maximum)
    uom = obj["uom"].choice(SENSOR_TYPES["Temperature"])
    if low > high:
        raise error(
            "bad_value", obj.path_of("min"), f"{obj.path}.min ({low}) is above max ({high})"
        )
    return AllowedRange(float(low), float(high), uom)


# ---------------------------------------------------------------------------------------
# The ledger's extensions: farm input, inspection, lot master data
# ---------------------------------------------------------------------------------------


def read_farm_input(node: Node, step: str) -> FarmInput:
    """tl:farmInput of a sowing, fertilising or spraying ``step``."""
    # A pesticide's active ingredient and pre-harvest interval are what residue limits and
    # the harvest check depend on, so spraying must state them.
    required = ("product", "dose") + (
        ("activeIngredient", "preHarvestIntervalDays") if step == "tl:spraying" else ()
    )
    optional = ("activeIngredient", "preHarvestIntervalDays", "method")
    obj = node.members(required, optional)
    dose_obj = obj["dose"].members(required=("value", "uom"))
    dose = Dose(
        float(dose_obj["value"].number(positive=_DOSE.above, maximum=_DOSE.maximum)),
        dose_obj["uom"].text(
            17,
            pattern=_DOSE_UOM,
            pattern_words="a unit such as KGM, LTR or KGM/HAR (kilograms per hectare)",
        ),
    )
    phi = None
    if "preHarvestIntervalDays" in obj:
        days = obj["preHarvestIntervalDays"].number(
            minimum=_PHI.minimum, maximum=_PHI.maximum, integer=_PHI.integer
        )
        phi = int(days)
    return FarmInput(
        product=obj["product"].text(_TEXT),
        dose=dose,
        active_ingredient=(
            obj["activeIngredient"].text(_TEXT) if "activeIngredient" in obj else None
        ),
        pre_harvest_interval_days=phi,
        method=obj["method"].text(100) if "method" in obj else None,
    )


def read_inspection(node: Node) -> Inspection:
    """tl:inspection: the verdict, the analytes measured and the report's SHA-256."""
    obj = node.members(required=("result", "reportSha256"), optional=("analytes",))
    result = obj["result"].choice(INSPECTION_RESULTS)
    sha = obj["reportSha256"].text(
        64,
        pattern=_SHA256,
        pattern_words="the SHA-256 of the lab report, 64 lowercase hex digits",
    )
    analytes: list[Analyte] = []
    if "analytes" in obj:
        for item in obj["analytes"].items(LIMITS["analytes"], allow_empty=True):
            a = item.members(required=("name", "value", "limit", "uom"))
            analytes.append(
                Analyte(
                    name=a["name"].text(100),
                    value=float(a["value"].number(minimum=_ANALYTE.minimum)),
                    limit=float(a["limit"].number(minimum=_ANALYTE.minimum)),
                    uom=a["uom"].text(
                        17,
                        pattern=_DOSE_UOM,
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


def read_ilmd(node: Node) -> LotMasterData:
    """ilmd: variety, plot, harvest date, region and country of a new lot."""
    obj = node.members(optional=_ILMD_MEMBERS)
    if not obj.value:
        raise node.fail("empty", f"{node.path} is empty; leave it out or fill it in")
    harvest = _read_date(obj["tl:harvestDate"]) if "tl:harvestDate" in obj else None
    if harvest is not None and "tl:plot" not in obj:
        # The pre-harvest-interval check needs to know which field was harvested.
        raise obj.missing("tl:plot", ": a harvest must name the plot (/414/ GLN) it came from")
    return LotMasterData(
        variety=obj["tl:variety"].text(_TEXT) if "tl:variety" in obj else None,
        plot=read_identifier(obj["tl:plot"], ("location",)) if "tl:plot" in obj else None,
        harvest_date=harvest,
        origin_region=obj["tl:originRegion"].text(_TEXT) if "tl:originRegion" in obj else None,
        country_of_origin=(
            obj["cbvmda:countryOfOrigin"].text(
                2,
                pattern=_COUNTRY,
                pattern_words="a two-letter ISO 3166 country code such as CN",
            )
            if "cbvmda:countryOfOrigin" in obj
            else None
        ),
    )
