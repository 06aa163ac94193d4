"""The cold-chain temperature chart: geometry for an inline SVG drawn on the server.

Only numbers leave this module; the template ``_chart.html`` turns them into SVG, so nothing
a producer wrote reaches the markup unescaped and the page needs no script to show it.
"""

from __future__ import annotations

import itertools
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
    segment: int  # readings with no gap between them share a segment, drawn as one line


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
    gaps: tuple[float, ...] = ()  # x of each break in the time axis (no readings there)

    @property
    def polylines(self) -> list[str]:
        """The ``points`` attribute of each segment's line: a gap is left as a gap."""
        lines: dict[int, list[str]] = {}
        for p in self.points:
            lines.setdefault(p.segment, []).append(f"{p.x:.1f},{p.y:.1f}")
        return [" ".join(line) for line in lines.values()]

    @property
    def outside_count(self) -> int:
        return sum(1 for p in self.points if p.outside)


def _nice_step(span: float) -> float:
    raw = span / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


GAP_WIDTH = 14.0  # SVG units left between two segments of readings
MIN_GAP = 2 * 3600.0  # seconds: a longer silence between readings is a gap


def _segments(ordered: Sequence[Reading]) -> list[list[Reading]]:
    """Readings split where none were taken for a while: at least MIN_GAP, and three times
    the usual interval, so a logger's regular rhythm is never cut."""
    steps = sorted(b.time.timestamp() - a.time.timestamp() for a, b in itertools.pairwise(ordered))
    usual = steps[len(steps) // 2] if steps else 0.0
    limit = max(MIN_GAP, 3 * usual)
    out: list[list[Reading]] = [[ordered[0]]]
    for before, reading in itertools.pairwise(ordered):
        if reading.time.timestamp() - before.time.timestamp() > limit:
            out.append([])
        out[-1].append(reading)
    return out


def temperature_chart(readings: Sequence[Reading], band: tuple[float, float]) -> Chart | None:
    """Lay out ``readings`` (any order) against the allowed ``band``; None with no readings.

    Time runs left to right within each segment of readings; between segments (days in a
    store with no logger, say) the axis breaks, so weeks of silence do not squeeze the hours
    that matter into a corner. Each segment is as wide as its share of the time covered, but
    never narrower than a fair share of a quarter of the chart."""
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
    segments = _segments(ordered)
    usable = (x1 - x0) - GAP_WIDTH * (len(segments) - 1)
    spans = [max(s[-1].time.timestamp() - s[0].time.timestamp(), 1.0) for s in segments]
    floor = 0.25 / len(segments)
    shares = [max(span / sum(spans), floor) for span in spans]
    widths = [usable * share / sum(shares) for share in shares]

    def y_of(value: float) -> float:
        return y1 - (value - y_min) / (y_max - y_min) * (y1 - y0)

    points: list[Point] = []
    x_ticks: list[Tick] = []
    gaps: list[float] = []
    left = float(x0)
    for n, (segment, span, width) in enumerate(zip(segments, spans, widths, strict=True)):
        t0 = segment[0].time.timestamp()
        if n:
            gaps.append(left - GAP_WIDTH / 2)
        for r in segment:
            x = left + (r.time.timestamp() - t0) / span * width if len(segment) > 1 else left
            points.append(Point(x, y_of(r.value), r.value, not low <= r.value <= high, r.time, n))
        x_ticks.append(Tick(left, segment[0].time.strftime("%m-%d")))
        left += width + GAP_WIDTH
    if len(segments) == 1 and ordered[-1].time.date() != ordered[0].time.date():
        x_ticks.append(Tick(x1, ordered[-1].time.strftime("%m-%d")))
    y_ticks = []
    tick = y_min
    while tick <= y_max + step / 1000:
        y_ticks.append(Tick(y_of(tick), f"{tick:g}"))
        tick += step
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
        points=tuple(points),
        y_ticks=tuple(y_ticks),
        x_ticks=tuple(x_ticks),
        gaps=tuple(gaps),
    )
