"""Flags: what happened but should not have (FORMAT.md "record and flag"), never rejected.

``flags`` looks at one event (a temperature reading outside its band, a failed residue
test); ``history_flags`` needs the events before it (a harvest inside a spraying's
pre-harvest interval, goods shipped with no passing inspection in their lineage). Pure:
a flag at index i depends only on entries up to i, so flags never change as the log grows.

A flag is a code and its parameters (numbers, dates and times as ISO 8601 text,
identifiers), never words: the web layer words them in the reader's language
(``web/flag_text.py``). Parameters are stored as canonical JSON (``params_json``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

from ledger.core.canonical import canonical_bytes
from ledger.core.errors import StoreError
from ledger.core.events import Event


@dataclass(frozen=True)
class TemperatureExcursion:
    """Temperature readings of one event outside its allowed band (°C)."""

    code: ClassVar[str] = "temperature_excursion"
    severity: ClassVar[str] = "warning"
    minimum: float  # the allowed band
    maximum: float
    outside: int  # how many readings lay outside it
    worst: float  # the reading furthest outside
    worst_at: str | None  # when it was taken, ISO 8601 in its own offset; None if unknown


@dataclass(frozen=True)
class OverLimit:
    """One analyte a lab measured above its legal limit."""

    analyte: str
    value: float
    limit: float
    uom: str  # the unit code the lab wrote, such as MGKG


@dataclass(frozen=True)
class InspectionFailed:
    """A failed inspection: the lab's verdict is fail, or an analyte is over its limit."""

    code: ClassVar[str] = "inspection_failed"
    severity: ClassVar[str] = "critical"
    over: tuple[OverLimit, ...]  # empty when only the verdict says fail


@dataclass(frozen=True)
class PreHarvestInterval:
    """A harvest sooner after a spraying on the same plot than the product allows."""

    code: ClassVar[str] = "pre_harvest_interval"
    severity: ClassVar[str] = "critical"
    harvested: str  # the harvest date, ISO 8601
    sprayed: str  # the spraying's local date, ISO 8601
    days_after: int  # days from spraying to harvest
    interval_days: int  # the product's pre-harvest interval
    product: str


@dataclass(frozen=True)
class MissingInspection:
    """A shipment of goods with no passing inspection in their lineage."""

    code: ClassVar[str] = "missing_inspection"
    severity: ClassVar[str] = "warning"
    items: int  # how many of the shipped objects lack one
    example: str  # the first of them (an identifier URI)
    destination: str | None  # the owning party shipped to (a /417/ URI), if named
    to_retailer: bool  # only shipments to retailers were checked


FlagParams = TemperatureExcursion | InspectionFailed | PreHarvestInterval | MissingInspection
_FLAT: Mapping[str, type[TemperatureExcursion | PreHarvestInterval | MissingInspection]] = {
    cls.code: cls for cls in (TemperatureExcursion, PreHarvestInterval, MissingInspection)
}
CODES = (*_FLAT, InspectionFailed.code)


@dataclass(frozen=True)
class Flag:
    """Something that happened but should not have: shown to consumers, never rejected."""

    params: FlagParams
    index: int | None = None  # log index of the event the flag is attached to
    object_ids: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return self.params.code

    @property
    def severity(self) -> str:
        """``warning`` or ``critical``."""
        return self.params.severity

    def params_json(self) -> str:
        """The parameters as canonical JSON (RFC 8785), as the flags table stores them."""
        plain = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.params).items()}
        return canonical_bytes(plain).decode("utf-8")


def flag_params(code: str, data: Mapping[str, Any]) -> FlagParams:
    """The parameters of a flag of ``code`` from their JSON form (``Flag.params_json``)."""
    if code == InspectionFailed.code:
        return InspectionFailed(tuple(OverLimit(**item) for item in data["over"]))
    if code not in _FLAT:
        raise StoreError(f"the flags table holds an unknown flag code {code!r}")
    return _FLAT[code](**data)


def flags(event: Event) -> list[Flag]:
    """Anomalies visible in one event: temperature excursions and failed inspections."""
    found: list[Flag] = []
    band = event.allowed_range
    if band is not None:
        outside = [
            (reading, value)
            for reading in event.readings()
            if reading.type == "Temperature"
            for value in reading.values()
            if not band.contains(value)
        ]
        if outside:
            worst_reading, worst = max(
                outside,
                key=lambda rv: max(band.minimum - rv[1], rv[1] - band.maximum),
            )
            # Kept in the reading's own offset: it is shown where it happened.
            when = worst_reading.time.isoformat() if worst_reading.time else None
            excursion = TemperatureExcursion(band.minimum, band.maximum, len(outside), worst, when)
            found.append(Flag(excursion, object_ids=event.object_ids()))
    inspection = event.inspection
    if inspection is not None and inspection.failed:
        over = tuple(
            OverLimit(a.name, a.value, a.limit, a.uom) for a in inspection.analytes if a.over_limit
        )
        found.append(Flag(InspectionFailed(over), object_ids=event.object_ids()))
    return found


def history_flags(
    events: Sequence[tuple[int, str, Event]],
    *,
    retailer_glns: Collection[str] | None = None,
) -> list[Flag]:
    """Anomalies that need history, over (index, actor, event) in log order.

    Finds a harvest sooner than a spraying's pre-harvest interval on the same plot, and a
    shipment to a retailer of goods with no passing inspection in their lineage. A flag at
    index i depends only on entries up to i. ``retailer_glns`` are the party GLNs of
    retailers; when None every shipment is checked.
    """
    found = [*pre_harvest_flags(events), *missing_inspection_flags(events, retailer_glns)]
    found.sort(key=lambda f: f.index if f.index is not None else -1)
    return found


@dataclass(frozen=True)
class _Spray:
    plot: str
    day: date
    interval_days: int
    product: str

    def too_soon(self, plot: str, day: date) -> bool:
        """Whether a harvest on ``plot`` on ``day`` falls inside this spraying's interval."""
        return plot == self.plot and self.day <= day < self.day + timedelta(days=self.interval_days)

    def flag(self, index: int, harvested: date, ids: tuple[str, ...]) -> Flag:
        waited = (harvested - self.day).days
        params = PreHarvestInterval(
            harvested.isoformat(), self.day.isoformat(), waited, self.interval_days, self.product
        )
        return Flag(params, index=index, object_ids=ids)


def pre_harvest_flags(events: Sequence[tuple[int, str, Event]]) -> Iterator[Flag]:
    """Harvests sooner after a spraying of the same plot than its pre-harvest interval,
    attached to whichever of the two entries comes later in the log."""
    sprays: list[_Spray] = []
    harvests: list[tuple[str, date, tuple[str, ...]]] = []
    for index, _actor, event in events:
        if event.biz_step == "tl:spraying" and event.farm_input is not None and event.location:
            farm_input = event.farm_input
            interval = farm_input.pre_harvest_interval_days or 0
            spray = _Spray(event.location, event.local_date, interval, farm_input.product)
            sprays.append(spray)
            # A spraying posted after the harvest but dated before it: flagged here.
            for plot, day, ids in harvests:
                if spray.too_soon(plot, day):
                    yield spray.flag(index, day, ids)
        elif event.is_harvest and event.plot is not None and event.ilmd is not None:
            harvested = event.ilmd.harvest_date
            assert harvested is not None  # is_harvest
            ids = event.object_ids()
            harvests.append((event.plot, harvested, ids))
            for spray in sprays:
                if spray.too_soon(event.plot, harvested):
                    yield spray.flag(index, harvested, ids)


@dataclass
class _Provenance:
    """What the log so far says about where objects came from, and which passed a test."""

    unit_lot: dict[str, str] = field(default_factory=dict)
    ancestors: dict[str, set[str]] = field(default_factory=dict)
    contents: dict[str, set[str]] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)

    def inspected(self, object_id: str, seen: set[str]) -> bool:
        """Whether a passing inspection named the object, its lot, an input it was made
        from (recursively), or, for a case or pallet, every item packed in it."""
        if object_id in seen:
            return False
        seen.add(object_id)
        if object_id in self.passed:
            return True
        lot = self.unit_lot.get(object_id)
        if lot is not None and self.inspected(lot, seen):
            return True
        if any(self.inspected(a, seen) for a in self.ancestors.get(object_id, ())):
            return True
        inside = self.contents.get(object_id)
        if not inside:
            return False
        # Each item gets its own copy of "seen": items may share a lot that must pass for each.
        return all(self.inspected(c, set(seen)) for c in inside)

    def record(self, event: Event) -> None:
        """Take in what ``event`` adds: a passing test, a transformation, a packing."""
        inspection = event.inspection
        if event.biz_step == "inspecting" and inspection is not None and not inspection.failed:
            self.passed.update(event.object_ids())
        if event.event_type == "TransformationEvent":
            for output in event.outputs:
                self.ancestors.setdefault(output, set()).update(event.inputs)
        if event.event_type == "AggregationEvent" and event.parent_id is not None:
            box = self.contents.setdefault(event.parent_id, set())
            if event.action == "ADD":
                box.update(event.children)
            elif event.action == "DELETE":
                if event.children:
                    box.difference_update(event.children)
                else:
                    box.clear()


def missing_inspection_flags(
    events: Sequence[tuple[int, str, Event]], retailer_glns: Collection[str] | None = None
) -> Iterator[Flag]:
    """Shipments (to a retailer, when ``retailer_glns`` is given) of goods with no passing
    inspection in their lineage at an earlier index."""
    known = _Provenance()
    for index, _actor, event in events:
        known.unit_lot.update(event.unit_lots)
        party = event.destination_party
        to_retailer = retailer_glns is None or (party is not None and party.gln in retailer_glns)
        if event.biz_step == "shipping" and to_retailer:
            missing = [o for o in event.objects if not known.inspected(o, set())]
            if missing:
                params = MissingInspection(
                    len(missing),
                    missing[0],
                    None if party is None else party.id,
                    retailer_glns is not None,
                )
                yield Flag(params, index=index, object_ids=tuple(missing))
        known.record(event)
