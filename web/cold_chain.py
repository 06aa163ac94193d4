"""The cold chain explained: where and for how long the product was outside its band.

From the lineage's temperature readings, step by step: each run of readings outside the
band is an excursion, with the step (and so the carrier or store) it happened in, when it
began, how long it lasted (until the first reading back inside the band, or the last
reading outside it when none follows), and the extreme reached. The band is the product's
from the catalogue where it has one, else the one the events carry (``tl:allowedRange``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import ngettext

from ledger.service.lineage import Lineage, Step


@dataclass(frozen=True)
class Excursion:
    """One run of readings outside the band during one step."""

    index: int  # the step's log entry
    actor: str  # who had the product then
    started: datetime
    lasted: timedelta
    extreme: float  # the reading furthest outside the band
    readings: int  # how many readings were outside
    ongoing: bool  # no reading back inside the band followed


def band_of(
    lineage: Lineage, catalogue_band: tuple[float, float] | None
) -> tuple[float, float] | None:
    """The band the product must stay in: the catalogue's, else the events' own."""
    if catalogue_band is not None:
        return catalogue_band
    for step in lineage.steps:
        band = step.event.allowed_range
        if band is not None:
            return (band.minimum, band.maximum)
    return None


def _readings(step: Step) -> list[tuple[datetime, float]]:
    return sorted(
        (r.time, v)
        for r in step.event.readings()
        if r.type == "Temperature" and r.time is not None
        for v in r.values()
    )


def excursions(
    steps: Sequence[Step], band: tuple[float, float], actor_name: dict[str, str]
) -> list[Excursion]:
    """Every excursion of ``steps`` outside ``band``, in time order."""
    low, high = band
    found: list[Excursion] = []
    for step in steps:
        run: list[tuple[datetime, float]] = []
        readings: list[tuple[datetime | None, float | None]] = list(_readings(step))
        for moment, value in [*readings, (None, None)]:
            outside = value is not None and not low <= value <= high
            if outside:
                assert moment is not None
                run.append((moment, value))
                continue
            if run:
                ended = moment if moment is not None else run[-1][0]
                extreme = max((v for _, v in run), key=lambda v: max(v - high, low - v))
                found.append(
                    Excursion(
                        index=step.index,
                        actor=actor_name.get(step.actor.actor, step.actor.name),
                        started=run[0][0],
                        lasted=ended - run[0][0],
                        extreme=extreme,
                        readings=len(run),
                        ongoing=moment is None,
                    )
                )
                run = []
    return sorted(found, key=lambda e: e.started)


def duration(span: timedelta) -> str:
    """A length of time in words a shopper reads at a glance: minutes, hours or days."""
    minutes = round(span.total_seconds() / 60)
    if minutes < 90:
        return ngettext("%(num)s minute", "%(num)s minutes", max(minutes, 1))
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("about %(num)s hour", "about %(num)s hours", hours)
    return ngettext("about %(num)s day", "about %(num)s days", round(hours / 24))
