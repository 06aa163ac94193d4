"""Actors' records on the demo season, on SQLite and PostgreSQL: each figure counts what the
log says (docs/RECORD.md), the entries behind it are the right ones, appending and
``ledger reindex`` leave the same rows, and a harvest too soon after spraying or a failed
test lands on the record of the one who answers for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ledger import demo
from ledger import samples as s
from ledger.core.entries import parse_entry
from ledger.core.errors import LedgerError
from ledger.core.event_parser import parse_event
from ledger.core.events import Event
from ledger.core.flags import history_flags
from ledger.core.gs1 import gtin_uri
from ledger.core.statements import sign_statement
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.ledger import Ledger
from ledger.store.models import ActorFactRow, ContainerLotRow


@pytest.fixture
def keys(demo_template: tuple[Path, Path]) -> demo.DemoKeys:
    return demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)


@pytest.fixture
def season(engine: Engine, keys: demo.DemoKeys) -> Ledger:
    """The demo season, built on each database."""
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    return ledger


def payload(ledger: Ledger, index: int) -> dict[str, Any]:
    return parse_entry(ledger.entries(index, index + 1)[0].leaf).statement.payload


def event_at(ledger: Ledger, index: int) -> Event:
    return parse_event(payload(ledger, index))


def facts(ledger: Ledger) -> list[tuple[Any, ...]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            select(
                ActorFactRow.actor,
                ActorFactRow.kind,
                ActorFactRow.entry_idx,
                ActorFactRow.subject,
                ActorFactRow.detail,
            )
        ).all()
        packed = conn.execute(select(ContainerLotRow.container, ContainerLotRow.lot)).all()
    return sorted(tuple(r) for r in rows) + sorted(tuple(r) for r in packed)


def test_the_lab_passed_three_lots_and_they_count_for_the_mill(season: Ledger) -> None:
    lab = season.record("hlj-lab", season.size())
    assert lab.count("tests_passed") == 3 and lab.count("tests_failed") == 0
    assert all(
        event_at(season, i).biz_step == "inspecting" for i in lab.figures["tests_passed"].entries
    )
    mill = season.record("wuchang-mill", season.size())
    assert mill.figures["inspections_passed"].entries == lab.figures["tests_passed"].entries
    assert mill.count("inspections_failed") == 0
    farm = season.record("wuchang-coop", season.size())
    assert farm.count("inspections_passed") == 0  # the lab tested milled rice, not paddy


def test_the_overheated_truck_is_on_the_carriers_record_only(season: Ledger) -> None:
    carrier = season.record("coldchain-express", season.size())
    assert carrier.count("cold_chain_excursions") == 1
    (index,) = carrier.figures["cold_chain_excursions"].entries
    event = event_at(season, index)
    assert event.biz_step == "transporting"
    assert max(v for r in event.readings() for v in r.values()) == 19.5
    for other in ("wuchang-mill", "fresh-mart-sh", "wuchang-coop"):
        assert season.record(other, season.size()).count("cold_chain_excursions") == 0


def test_member_since_is_the_registration_entry(season: Ledger) -> None:
    farm = season.record("wuchang-coop", season.size())
    entry = season.entries(farm.registered, farm.registered + 1)[0]
    assert parse_entry(entry.leaf).statement.kind == "actor"
    assert payload(season, farm.registered)["actor"] == "wuchang-coop"
    assert farm.member_since == parse_entry(entry.leaf).time
    assert farm.roles == ("farm",) and farm.gln == s.FARM_GLN


def test_the_recalled_milled_lot_counts_for_the_mill_that_made_it(season: Ledger) -> None:
    mill = season.record("wuchang-mill", season.size())
    assert mill.count("recalls") == 1
    assert mill.recalls_in_force == (demo.RECALL_ID,)
    (index,) = mill.figures["recalls"].entries
    assert payload(season, index)["recall"] == demo.RECALL_ID
    # The farm's paddy is upstream of the recalled lot; the carrier and the store moved
    # bags of another GTIN's lot: a recall reaches the lot it names.
    for other in ("wuchang-coop", "coldchain-express", "fresh-mart-sh", "hlj-lab"):
        assert season.record(other, season.size()).count("recalls") == 0
    before = season.record("wuchang-mill", index)  # as of just before the recall
    assert before.count("recalls") == 0 and before.recalls_in_force == ()


def test_lots_made_and_handled(season: Ledger) -> None:
    farm = season.record("wuchang-coop", season.size())
    assert farm.count("lots_made") == 3  # three paddy lots
    assert farm.count("lots_handled") == 3  # shipped to the mill
    assert farm.count("corrections") == 1  # the dose typed wrong
    (index,) = farm.figures["corrections"].entries
    assert parse_entry(season.entries(index, index + 1)[0].leaf).statement.kind == "correction"
    mill = season.record("wuchang-mill", season.size())
    assert mill.count("lots_made") == 6  # three milled lots and three bag lots
    assert mill.count("lots_handled") == 9  # with the paddy it received
    # The carrier and the store only ever held cases: the lots packed in them count.
    assert season.record("coldchain-express", season.size()).count("lots_handled") == 3
    store = season.record("fresh-mart-sh", season.size())
    assert store.count("lots_handled") == 3 and store.count("complaints") == 0


def test_reindex_rebuilds_the_same_rows(season: Ledger) -> None:
    appended = facts(season)
    assert len(appended) > 200
    season.reindex()
    assert facts(season) == appended


def test_an_unknown_actor_has_no_record(season: Ledger) -> None:
    with pytest.raises(LedgerError) as caught:
        season.record("nobody", season.size())
    assert caught.value.code == "no_such_actor"
    farm = season.record("wuchang-coop", season.size())
    with pytest.raises(LedgerError) as early:
        season.record("wuchang-coop", farm.registered)  # not registered yet at that size
    assert early.value.code == "no_such_actor"


def test_a_harvest_too_soon_and_a_failed_test_are_recorded(
    season: Ledger, keys: demo.DemoKeys
) -> None:
    farm, lab = keys.producers["wuchang-coop"], keys.producers["hlj-lab"]
    lot = "2026-P07-LATE"
    statements = [
        sign_statement(
            "event",
            s.spraying(plot="plot-07", time="2026-11-20T09:00:00+08:00", eid=s.event_id("t:spray")),
            farm,
        ),
        sign_statement(
            "event",
            s.harvest(
                lot=lot,
                plot="plot-07",
                harvest_date="2026-11-25",
                time="2026-11-25T18:00:00+08:00",
                eid=s.event_id("t:harvest"),
            ),
            farm,
        ),
        sign_statement(
            "event",
            s.inspection(
                epc_classes=[gtin_uri(s.PADDY_GTIN, lot=lot)],
                result="fail",
                time="2026-11-27T15:00:00+08:00",
                eid=s.event_id("t:inspect"),
            ),
            lab,
        ),
    ]
    # One at a time and in one batch must give the same facts as a replay.
    for statement in statements[:1]:
        season.append([statement])
    appended = season.append(statements[1:])
    harvest_index, test_index = appended[0].index, appended[1].index
    record = season.record("wuchang-coop", season.size())
    assert record.figures["pre_harvest_intervals"].entries == (harvest_index,)
    assert record.figures["inspections_failed"].entries == (test_index,)
    assert season.record("hlj-lab", season.size()).figures["tests_failed"].entries == (test_index,)
    # The same flag as history_flags computes over the whole log.
    entries = [parse_entry(e.leaf) for e in season.entries(0, season.size())]
    events = [
        (e.index, "", parse_event(e.statement.payload))
        for e in entries
        if e.statement.kind == "event"
    ]
    found = [f.index for f in history_flags(events) if f.code == "pre_harvest_interval"]
    assert found == [harvest_index]
    rows = facts(season)
    season.reindex()
    assert facts(season) == rows
