"""Flags as codes and parameters: what each flag records, and when it is raised.

The words are the web layer's (tests/web/test_flag_text.py); here only codes and values.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import samples as ex
from ledger.core import flags
from ledger.core.errors import StoreError
from ledger.core.event_parser import parse_event
from ledger.core.events import Event
from ledger.core.flags import (
    Flag,
    InspectionFailed,
    MissingInspection,
    OverLimit,
    PreHarvestInterval,
    TemperatureExcursion,
)
from ledger.core.gs1 import gtin_uri, party_uri, sscc_uri


def _with(payload: dict[str, Any], path: list[Any], value: object) -> dict[str, Any]:
    """A deep copy of ``payload`` with the member at ``path`` set, or deleted for None."""
    out = copy.deepcopy(payload)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


def _log(*payloads: tuple[str, dict[str, Any]]) -> list[tuple[int, str, Event]]:
    return [(i, actor, parse_event(p)) for i, (actor, p) in enumerate(payloads)]


# --- one event -------------------------------------------------------------------------------


def test_excursion_flag() -> None:
    (flag,) = flags.flags(parse_event(ex.transporting()))
    assert flag.code == "temperature_excursion" and flag.severity == "warning"
    # The band, how many readings were outside it, the furthest one and when (in the
    # reading's own offset, where it happened).
    assert flag.params == TemperatureExcursion(
        minimum=0, maximum=15, outside=1, worst=18.5, worst_at="2024-10-15T18:00:00+08:00"
    )
    assert flag.object_ids == (sscc_uri(ex.CASE_SSCC),) and flag.index is None


def test_excursion_edges() -> None:
    inside = ex.storing(
        readings=[("2024-10-13T08:00:00+08:00", 0), ("2024-10-13T09:00:00+08:00", 15)]
    )
    assert flags.flags(parse_event(inside)) == []
    cold = ex.storing(readings=[("2024-10-13T08:00:00+08:00", -0.5)])
    (flag,) = flags.flags(parse_event(cold))
    assert isinstance(flag.params, TemperatureExcursion) and flag.params.worst == -0.5
    report = ["sensorElementList", 0, "sensorReport", 0]
    ranged = _with(
        ex.storing(), report, {"type": "Temperature", "minValue": 3, "maxValue": 16, "uom": "CEL"}
    )
    (flag,) = flags.flags(parse_event(ranged))
    assert isinstance(flag.params, TemperatureExcursion)
    assert (flag.params.outside, flag.params.worst) == (1, 16)
    humid = _with(ex.storing(), report, {"type": "RelativeHumidity", "value": 99, "uom": "P1"})
    assert flags.flags(parse_event(humid)) == []  # the band is for temperature only
    untimed = _with(ex.transporting(), ["sensorElementList", 1, "sensorMetadata", "time"], None)
    (flag,) = flags.flags(parse_event(untimed))
    assert isinstance(flag.params, TemperatureExcursion) and flag.params.worst_at is None
    no_band = _with(ex.transporting(), ["tl:allowedRange"], None)
    assert flags.flags(parse_event(no_band)) == []


def test_failed_inspection_flags() -> None:
    assert flags.flags(parse_event(ex.inspection())) == []
    (fail,) = flags.flags(parse_event(ex.inspection(result="fail", analytes=())))
    assert fail.code == "inspection_failed" and fail.severity == "critical"
    assert fail.params == InspectionFailed(over=())
    over = ex.inspection(
        analytes=[("cadmium", 0.35, 0.2, "MGKG"), ("lead", 0.1, 0.2, "MGKG")]
    )  # says pass, is over: only the analyte over its limit is named
    (flag,) = flags.flags(parse_event(over))
    assert flag.params == InspectionFailed(over=(OverLimit("cadmium", 0.35, 0.2, "MGKG"),))


# --- history ---------------------------------------------------------------------------------


def test_chain_flags() -> None:
    log = _log(*ex.wuchang_chain())
    assert flags.history_flags(log, retailer_glns={ex.RETAILER_GLN}) == []
    per_event = [(f.code, index) for index, _actor, event in log for f in flags.flags(event)]
    assert per_event == [("temperature_excursion", 12)]


def test_pre_harvest_interval_flag() -> None:
    early = ex.harvest(harvest_date="2024-09-05", time="2024-09-05T18:00:00+08:00")
    log = _log(("c", ex.spraying()), ("c", early))
    (flag,) = flags.history_flags(log)
    assert (flag.code, flag.severity, flag.index) == ("pre_harvest_interval", "critical", 1)
    assert flag.params == PreHarvestInterval(
        harvested="2024-09-05",
        sprayed="2024-08-20",
        days_after=16,
        interval_days=21,
        product=ex.spraying()["tl:farmInput"]["product"],
    )
    assert flag.object_ids == (gtin_uri(ex.PADDY_GTIN, lot=ex.PADDY_LOT),)


def test_pre_harvest_interval_edges() -> None:
    on_time = ex.harvest(harvest_date="2024-09-10", time="2024-09-10T18:00:00+08:00")
    assert flags.history_flags(_log(("c", ex.spraying()), ("c", on_time))) == []  # 21 days
    day_before = ex.harvest(harvest_date="2024-09-09", time="2024-09-10T18:00:00+08:00")
    assert len(flags.history_flags(_log(("c", ex.spraying()), ("c", day_before)))) == 1
    other_plot = ex.harvest(
        plot="plot-08", harvest_date="2024-09-01", time="2024-09-01T18:00:00+08:00"
    )
    assert flags.history_flags(_log(("c", ex.spraying()), ("c", other_plot))) == []
    sprayed_after = ex.spraying(time="2024-09-26T08:00:00+08:00")
    assert flags.history_flags(_log(("c", ex.harvest()), ("c", sprayed_after))) == []
    same_day = ex.harvest(harvest_date="2024-08-20", time="2024-08-20T18:00:00+08:00")
    (flag,) = flags.history_flags(_log(("c", ex.spraying()), ("c", same_day)))
    assert isinstance(flag.params, PreHarvestInterval) and flag.params.days_after == 0


def test_late_posted_spraying_is_flagged_at_its_own_index() -> None:
    early = ex.harvest(harvest_date="2024-09-05", time="2024-09-05T18:00:00+08:00")
    (flag,) = flags.history_flags(_log(("c", early), ("c", ex.spraying())))
    assert flag.index == 1
    assert isinstance(flag.params, PreHarvestInterval) and flag.params.days_after == 16


def test_missing_inspection_flag() -> None:
    chain = ex.wuchang_chain()
    without_lab = [entry for entry in chain if entry[1]["bizStep"] != "inspecting"]
    log = _log(*without_lab)
    (flag,) = flags.history_flags(log, retailer_glns={ex.RETAILER_GLN})
    assert flag.code == "missing_inspection" and flag.severity == "warning"
    assert flag.index == 10 and flag.object_ids == (sscc_uri(ex.CASE_SSCC),)
    assert flag.params == MissingInspection(
        items=1,
        example=sscc_uri(ex.CASE_SSCC),
        destination=party_uri(ex.RETAILER_GLN),
        to_retailer=True,
    )
    # Without the retailer list every shipment is checked (the paddy one too).
    every = flags.history_flags(log)
    assert [f.index for f in every] == [4, 10]
    assert all(isinstance(f.params, MissingInspection) for f in every)
    assert not any(f.params.to_retailer for f in every if isinstance(f.params, MissingInspection))


def test_failed_inspection_does_not_count_as_passing() -> None:
    chain = ex.wuchang_chain()
    failed = [
        (a, ex.inspection(result="fail") if p["bizStep"] == "inspecting" else p) for a, p in chain
    ]
    (flag,) = flags.history_flags(_log(*failed), retailer_glns={ex.RETAILER_GLN})
    assert flag.code == "missing_inspection"


def test_inspecting_a_unit_or_its_case_counts() -> None:
    chain = [e for e in ex.wuchang_chain() if e[1]["bizStep"] != "inspecting"]
    ship_at = next(i for i, e in enumerate(chain) if e[1].get("tl:carrier"))
    for named in ([sscc_uri(ex.CASE_SSCC)], ex.bag_ids()):
        lab = _with(ex.inspection(epc_classes=()), ["quantityList"], None) | {"epcList": named}
        log = _log(*chain[:ship_at], ("hlj-lab", lab), *chain[ship_at:])
        assert flags.history_flags(log, retailer_glns={ex.RETAILER_GLN}) == []
    # One bag of four inspected is not enough for the case.
    lab = _with(ex.inspection(epc_classes=()), ["quantityList"], None) | {
        "epcList": ex.bag_ids()[:1]
    }
    log = _log(*chain[:ship_at], ("hlj-lab", lab), *chain[ship_at:])
    (flag,) = flags.history_flags(log, retailer_glns={ex.RETAILER_GLN})
    assert isinstance(flag.params, MissingInspection) and flag.params.items == 1


def test_inspection_of_the_bag_lot_counts_for_units() -> None:
    lot = gtin_uri(ex.BAG_GTIN, lot=ex.RICE_LOT)
    shipment = ex.shipping(
        epcs=ex.bag_ids()[:1], source_gln=ex.MILL_GLN, destination_gln=ex.RETAILER_GLN
    )
    log = _log(("lab", ex.inspection(epc_classes=[lot])), ("mill", shipment))
    assert flags.history_flags(log) == []


# --- parameters as stored --------------------------------------------------------------------


def _every_kind_of_flag() -> list[Flag]:
    chain = [(a, p) for a, p in ex.wuchang_chain() if p["bizStep"] != "inspecting"]
    early = ex.harvest(harvest_date="2024-09-05", time="2024-09-05T18:00:00+08:00")
    over = ex.inspection(analytes=[("cadmium", 0.35, 0.2, "MGKG"), ("lead", 0.5, 0.2, "MGKG")])
    log = _log(*chain, ("c", ex.spraying()), ("c", early), ("lab", over))
    found = [f for _index, _actor, event in log for f in flags.flags(event)]
    found += flags.history_flags(log)
    no_time = _with(ex.transporting(), ["sensorElementList", 1, "sensorMetadata", "time"], None)
    found += flags.flags(parse_event(no_time))
    return found


def test_every_code_is_raised_by_the_examples() -> None:
    assert {f.code for f in _every_kind_of_flag()} == set(flags.CODES)


@pytest.mark.parametrize("flag", _every_kind_of_flag(), ids=lambda f: f.code)
def test_parameters_round_trip_through_canonical_json(flag: Flag) -> None:
    text = flag.params_json()
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert flags.flag_params(flag.code, data) == flag.params


def test_an_unknown_stored_code_is_named() -> None:
    with pytest.raises(StoreError, match="no_such_flag"):
        flags.flag_params("no_such_flag", {})


temperatures = st.floats(-100, 100, allow_nan=False) | st.integers(-100, 100)
amounts = st.floats(0, 1e6, allow_nan=False) | st.integers(0, 10**6)


@given(
    st.lists(temperatures, min_size=1, max_size=5),
    st.tuples(temperatures, temperatures).map(sorted),
    st.lists(st.tuples(amounts, amounts), max_size=3),
)
def test_any_flagged_values_round_trip(
    readings: list[float], band: list[float], analytes: list[tuple[float, float]]
) -> None:
    times = [f"2024-10-13T{8 + i:02d}:00:00+08:00" for i in range(len(readings))]
    stored = ex.storing(
        readings=list(zip(times, readings, strict=True)), allowed=(band[0], band[1])
    )
    lab = ex.inspection(analytes=[(f"a{i}", v, lim, "MGKG") for i, (v, lim) in enumerate(analytes)])
    for payload in (stored, lab):
        for flag in flags.flags(parse_event(payload)):
            assert flags.flag_params(flag.code, json.loads(flag.params_json())) == flag.params
