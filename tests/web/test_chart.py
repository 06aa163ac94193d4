"""The server-drawn temperature chart's geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web.chart import Reading, temperature_chart

T0 = datetime(2026, 11, 9, 4, tzinfo=UTC)


def test_no_readings_no_chart() -> None:
    assert temperature_chart([], (0, 15)) is None


def test_band_points_and_excursions() -> None:
    readings = [
        Reading(T0 + timedelta(hours=h), v, 124) for h, v in ((5, 19.5), (0, 11.5), (10, 12.5))
    ]
    chart = temperature_chart(readings, (0, 15))
    assert chart is not None
    xs = [p.x for p in chart.points]
    assert (
        xs == sorted(xs) and xs[0] == chart.plot_left and xs[-1] == chart.plot_right
    )  # in time order
    assert [p.outside for p in chart.points] == [False, True, False] and chart.outside_count == 1
    # Higher is warmer; the excursion is above the band's top edge, the others inside it.
    hot = chart.points[1]
    assert hot.y < chart.band_top < chart.band_bottom
    assert all(chart.band_top <= p.y <= chart.band_bottom for p in chart.points if not p.outside)
    assert all(chart.plot_top - 0.01 <= p.y <= chart.plot_bottom + 0.01 for p in chart.points)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10", "15", "20"]
    assert len(chart.polylines) == 1 and chart.polylines[0].count(",") == 3 and not chart.gaps


def test_a_gap_in_the_readings_is_drawn_as_a_gap_and_the_hours_stay_readable() -> None:
    # A store's logger every 30 minutes for 2 hours, nothing for 20 days, then a truck's
    # logger every 30 minutes for 2 hours with an excursion in the middle.
    store = [Reading(T0 + timedelta(minutes=30 * n), 5.0, 1) for n in range(5)]
    later = T0 + timedelta(days=20)
    truck = [
        Reading(later + timedelta(minutes=30 * n), v, 2) for n, v in enumerate((6, 9, 19, 8, 6))
    ]
    chart = temperature_chart(store + truck, (0, 15))
    assert chart is not None
    assert len(chart.polylines) == 2 and len(chart.gaps) == 1  # the line is not drawn across
    assert {p.segment for p in chart.points} == {0, 1}
    truck_xs = [p.x for p in chart.points if p.segment == 1]
    # The truck's two hours take about half the width, not a sliver at the edge.
    assert truck_xs[-1] - truck_xs[0] > (chart.plot_right - chart.plot_left) / 3
    assert [t.label for t in chart.x_ticks] == ["11-09", "11-29"]


def test_one_reading_and_below_zero() -> None:
    chart = temperature_chart([Reading(T0, -3.0, 1)], (2, 8))
    assert chart is not None and chart.points[0].outside
    assert chart.points[0].y > chart.band_bottom  # colder than the band: below it
