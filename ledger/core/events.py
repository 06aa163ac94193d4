"""The event model: EPCIS 2.0 / CBV 2.0 shaped events as frozen dataclasses.

An `Event` and its parts are what `ledger.core.event_parser.parse_event` returns for a
valid payload (docs/EVENTS.md is the reference for every member and rule). What happened
but should not have is found by `ledger.core.flags`, not rejected. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ledger.core.timefmt import offset_timezone

__all__ = [
    "EVENT_TYPES",
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
]

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent")

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

    def object_count(self) -> int:
        """How many identifiers objects, children, inputs and outputs hold together."""
        lists = (
            self.epc_list,
            self.quantity_list,
            self.child_epcs,
            self.child_quantity_list,
            self.input_epc_list,
            self.input_quantity_list,
            self.output_epc_list,
            self.output_quantity_list,
        )
        return sum(map(len, lists))

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
        return self.event_time.astimezone(offset_timezone(self.event_time_zone_offset)).date()

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
