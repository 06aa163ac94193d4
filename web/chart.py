"""The cold-chain temperature chart: geometry for an inline SVG drawn on the server.

Only numbers leave this module; the template ``_chart.html`` turns them into SVG, so nothing
a producer wrote reaches the markup unescaped and the page needs no script to show it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 340, 180
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 26  # margins for the axis labels


@dataclass(frozen=True)
class Reading:
    """One temperature reading (°C) taken at ``time`` during the step at log ``index``."""

    time: datetime
    value: float
    index: int


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    outside: bool
    time: datetime


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything ``_chart.html`` draws, in SVG user units."""

    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    band_top: float
    band_bottom: float
    band_min: float
    band_max: float
    points: tuple[Point, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of the line through the readings."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def outside_count(self) -> int:
        return sum(1 for p in self.points if p.outside)


def _nice_step(span: float) -> float:
    raw = span / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def temperature_chart(readings: Sequence[Reading], band: tuple[float, float]) -> Chart | None:
    """Lay out ``readings`` (any order) against the allowed ``band``; None with no readings."""
    if not readings:
        return None
    ordered = sorted(readings, key=lambda r: r.time)
    low, high = band
    values = [r.value for r in ordered]
    step = _nice_step(max(max([*values, high]) - min([*values, low]), 1.0))
    y_min = math.floor(min([*values, low]) / step) * step
    y_max = math.ceil(max([*values, high]) / step) * step
    if y_max - y_min < step:
        y_max = y_min + step
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    t0 = ordered[0].time.timestamp()
    t_span = max(ordered[-1].time.timestamp() - t0, 1.0)

    def y_of(value: float) -> float:
        return y1 - (value - y_min) / (y_max - y_min) * (y1 - y0)

    def x_of(moment: datetime) -> float:
        return x0 + (moment.timestamp() - t0) / t_span * (x1 - x0)

    points = tuple(
        Point(x_of(r.time), y_of(r.value), r.value, not low <= r.value <= high, r.time)
        for r in ordered
    )
    y_ticks = []
    tick = y_min
    while tick <= y_max + step / 1000:
        y_ticks.append(Tick(y_of(tick), f"{tick:g}"))
        tick += step
    first, last = ordered[0].time, ordered[-1].time
    x_ticks = [Tick(x0, first.strftime("%m-%d"))]
    if last.date() != first.date():
        x_ticks.append(Tick(x1, last.strftime("%m-%d")))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=x0,
        plot_right=x1,
        plot_top=y0,
        plot_bottom=y1,
        band_top=y_of(high),
        band_bottom=y_of(low),
        band_min=low,
        band_max=high,
        points=points,
        y_ticks=tuple(y_ticks),
        x_ticks=tuple(x_ticks),
    )
