"""Flags: what happened but should not have (FORMAT.md "record and flag"), never rejected.

``flags`` looks at one event (a temperature reading outside its band, a failed residue
test); ``history_flags`` needs the events before it (a harvest inside a spraying's
pre-harvest interval, goods shipped with no passing inspection in their lineage). Pure:
a flag at index i depends only on entries up to i, so flags never change as the log grows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.core.events import Event


@dataclass(frozen=True)
class Flag:
    """Something that happened but should not have: shown to consumers, never rejected."""

    code: str
    severity: str  # "warning" or "critical"
    message_en: str
    message_zh: str
    index: int | None = None  # log index of the event the flag is attached to
    object_ids: tuple[str, ...] = ()


def _fmt(value: float) -> str:
    return f"{value:g}"


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
            # Written where it happened (the reading's own offset), to the minute.
            when = (
                worst_reading.time.strftime("%Y-%m-%d %H:%M UTC%z") if worst_reading.time else None
            )
            band_text = f"{_fmt(band.minimum)} to {_fmt(band.maximum)} °C"
            band_zh = f"{_fmt(band.minimum)}～{_fmt(band.maximum)} °C"
            found.append(
                Flag(
                    code="temperature_excursion",
                    severity="warning",
                    message_en=(
                        f"{len(outside)} temperature reading(s) outside the allowed "
                        f"{band_text}; the furthest was {_fmt(worst)} °C at {when or 'an unknown time'}"
                    ),
                    message_zh=(
                        f"有 {len(outside)} 个温度读数超出允许范围 {band_zh}，"
                        f"偏离最大的是 {_fmt(worst)} °C（{when or '时间不明'}）"
                    ),
                    object_ids=event.object_ids(),
                )
            )
    inspection = event.inspection
    if inspection is not None and inspection.failed:
        over = [a for a in inspection.analytes if a.over_limit]
        detail_en = "; ".join(
            f"{a.name} {_fmt(a.value)} {a.uom} over the limit {_fmt(a.limit)}" for a in over
        )
        detail_zh = "；".join(
            f"{a.name} {_fmt(a.value)} {a.uom}，超过限量 {_fmt(a.limit)}" for a in over
        )
        found.append(
            Flag(
                code="inspection_failed",
                severity="critical",
                message_en="the inspection failed" + (f": {detail_en}" if over else ""),
                message_zh="检验不合格" + (f"：{detail_zh}" if over else ""),
                object_ids=event.object_ids(),
            )
        )
    return found


@dataclass(frozen=True)
class _Spray:
    index: int
    plot: str
    day: date
    interval_days: int
    product: str


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
    found: list[Flag] = []
    sprays: list[_Spray] = []
    harvests: list[tuple[int, str, date, tuple[str, ...]]] = []
    ancestors: dict[str, set[str]] = {}
    contents: dict[str, set[str]] = {}
    passed: set[str] = set()

    def phi_flag(spray: _Spray, index: int, harvest_day: date, ids: tuple[str, ...]) -> Flag:
        waited = (harvest_day - spray.day).days
        return Flag(
            code="pre_harvest_interval",
            severity="critical",
            message_en=(
                f"harvested on {harvest_day}, only {waited} day(s) after spraying "
                f"{spray.product} on {spray.day}; the product's pre-harvest interval is "
                f"{spray.interval_days} days"
            ),
            message_zh=(
                f"{harvest_day} 收获，距 {spray.day} 喷施 {spray.product} 仅 {waited} 天，"
                f"未满安全间隔期 {spray.interval_days} 天"
            ),
            index=index,
            object_ids=ids,
        )

    def too_soon(spray: _Spray, plot: str, day: date) -> bool:
        return spray.plot == plot and spray.day <= day < spray.day + timedelta(
            days=spray.interval_days
        )

    def inspected(object_id: str, seen: set[str]) -> bool:
        if object_id in seen:
            return False
        seen.add(object_id)
        if object_id in passed:
            return True
        lot = unit_lot.get(object_id)
        if lot is not None and inspected(lot, seen):
            return True
        if any(inspected(a, seen) for a in ancestors.get(object_id, ())):
            return True
        inside = contents.get(object_id)
        if not inside:
            return False
        # Each item gets its own copy of "seen": items may share a lot that must pass for each.
        return all(inspected(c, set(seen)) for c in inside)

    unit_lot: dict[str, str] = {}
    for index, _actor, event in events:
        unit_lot.update(event.unit_lots)
        step = event.biz_step
        if step == "tl:spraying" and event.farm_input is not None and event.location:
            interval = event.farm_input.pre_harvest_interval_days or 0
            spray = _Spray(
                index, event.location, event.local_date, interval, event.farm_input.product
            )
            sprays.append(spray)
            for _harvest_index, plot, day, ids in harvests:
                # A spraying posted after the harvest but dated before it: flag it here.
                if too_soon(spray, plot, day):
                    found.append(phi_flag(spray, index, day, ids))
        elif event.is_harvest and event.plot is not None and event.ilmd is not None:
            harvest_day = event.ilmd.harvest_date
            assert harvest_day is not None  # is_harvest
            ids = event.object_ids()
            harvests.append((index, event.plot, harvest_day, ids))
            for spray in sprays:
                if too_soon(spray, event.plot, harvest_day):
                    found.append(phi_flag(spray, index, harvest_day, ids))
        elif step == "shipping":
            party = event.destination_party
            to_retailer = retailer_glns is None or (
                party is not None and party.gln in retailer_glns
            )
            missing = [o for o in event.objects if not inspected(o, set())] if to_retailer else []
            if missing:
                where_en = "to a retailer " if retailer_glns is not None else ""
                where_zh = "发往零售商" if retailer_glns is not None else "发货"
                found.append(
                    Flag(
                        code="missing_inspection",
                        severity="warning",
                        message_en=(
                            f"shipped {where_en}with no passing inspection on record for "
                            f"{len(missing)} item(s), e.g. {missing[0]}"
                        ),
                        message_zh=(
                            f"{where_zh}前没有合格检验记录（{len(missing)} 件，例如 {missing[0]}）"
                        ),
                        index=index,
                        object_ids=tuple(missing),
                    )
                )
        if step == "inspecting" and event.inspection is not None and not event.inspection.failed:
            passed.update(event.object_ids())
        if event.event_type == "TransformationEvent":
            for output in event.outputs:
                ancestors.setdefault(output, set()).update(event.inputs)
        if event.event_type == "AggregationEvent" and event.parent_id is not None:
            box = contents.setdefault(event.parent_id, set())
            if event.action == "ADD":
                box.update(event.children)
            elif event.action == "DELETE":
                if event.children:
                    box.difference_update(event.children)
                else:
                    box.clear()
    found.sort(key=lambda f: f.index if f.index is not None else -1)
    return found


def event_flags(
    events: Sequence[tuple[int, str, Event]],
    *,
    retailer_glns: Collection[str] | None = None,
) -> list[Flag]:
    """Per-event `flags` (given their index) plus `history_flags`, ordered by index."""
    per_event = [
        Flag(f.code, f.severity, f.message_en, f.message_zh, index, f.object_ids)
        for index, _actor, event in events
        for f in flags(event)
    ]
    combined = per_event + history_flags(events, retailer_glns=retailer_glns)
    combined.sort(key=lambda f: f.index if f.index is not None else -1)
    return combined
