"""Lineage walks: what a product's page and proof bundle contain, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select

from ledger import samples as ex
from ledger.core.flags import PreHarvestInterval
from ledger.core.gs1 import gtin_uri, sscc_uri
from ledger.core.signing import SigningKey
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.service.lineage import Lineage, lineage
from ledger.store import schema
from ledger.store.models import ObjectEntry
from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
from tests.support.fixed import ORIGIN, StepClock

BAG = ex.bag_keys()[0]
CASE = sscc_uri(ex.CASE_SSCC)


@pytest.fixture
def chain(engine, operator_key) -> Ledger:  # type: ignore[no-untyped-def]
    ledger = Ledger.create(
        engine, operator_key, ORIGIN, clock=StepClock(CHAIN_CLOCK_START), checkpoint_interval=0
    )
    register_all(ledger, operator_key)
    return ledger


def post(ledger: Ledger, events: list[tuple[str, dict[str, Any]]]) -> None:
    ledger.append(
        [sign_statement("event", payload, producer_key(actor)) for actor, payload in events]
    )


def walk(ledger: Ledger, subject: str = BAG, size: int | None = None) -> Lineage:
    with ledger.engine.connect() as conn:
        return lineage(conn, subject, ledger.size() if size is None else size)


def steps(found: Lineage) -> list[str]:
    return [s.event.biz_step for s in found.steps]


def test_a_bag_reaches_back_to_the_field(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())
    found = walk(chain)
    assert steps(found) == [
        "tl:sowing",
        "tl:fertilising",
        "tl:spraying",
        "commissioning",
        "shipping",
        "receiving",
        "transforming",
        "inspecting",
        "transforming",
        "packing",
        "storing",
        "shipping",
        "transporting",
        "receiving",
        "retail_selling",
    ]
    assert [s.actor.actor for s in found.steps][:4] == ["wuchang-coop"] * 4
    # Registrations: the genesis and, for each of the 5 signing actors, its actor and key entries.
    kinds = sorted(e.statement.kind for e in found.registrations)
    assert kinds == ["actor"] * 5 + ["genesis"] + ["key"] * 5
    assert [f.code for f in found.flags] == ["temperature_excursion"]


def test_lineage_as_of_an_earlier_tree_size(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())
    full = walk(chain)
    before_sale = walk(chain, size=full.steps[-1].index)
    assert steps(before_sale) == steps(full)[:-1]


def test_a_lot_page_shows_the_lot_and_where_it_came_from(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())
    rice = steps(walk(chain, gtin_uri(ex.RICE_GTIN, lot=ex.RICE_LOT)))
    assert rice[:4] == ["tl:sowing", "tl:fertilising", "tl:spraying", "commissioning"]
    assert "inspecting" in rice and "transforming" in rice
    # Events about single bags (packing, sales) belong to the bags, not to the lot's page.
    assert "packing" not in rice and "retail_selling" not in rice


def test_a_lot_of_bags_shows_its_making_and_its_tests_not_each_bags_journey(
    chain: Ledger,
) -> None:
    # No event names the bags' lot alone: each names bags written with it (FORMAT.md 9.3).
    post(chain, ex.wuchang_chain())
    sample = ex.inspection(time="2024-10-21T10:00:00+08:00", eid=ex.event_id("bag-sample"))
    del sample["quantityList"]
    sample["epcList"] = [ex.bag_ids()[1]]  # a bag of the lot sent to the lab after the sale
    post(chain, [("hlj-lab", sample)])
    bags_lot = gtin_uri(ex.BAG_GTIN, lot=ex.RICE_LOT)
    found = walk(chain, bags_lot)
    assert steps(found) == [
        "tl:sowing",
        "tl:fertilising",
        "tl:spraying",
        "commissioning",
        "shipping",
        "receiving",
        "transforming",
        "inspecting",
        "transforming",  # the bagging, which made the lot's bags
        "inspecting",  # the sampled bag
    ]
    assert found.steps[-1].event.epc_list == (ex.bag_keys()[1],)
    # The sampled bag's lot test now reaches its sibling's page too.
    assert steps(walk(chain))[-2:] == ["retail_selling", "inspecting"]


def test_only_this_seasons_farm_work_counts(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())
    next_year = [
        (
            "wuchang-coop",
            ex.spraying(
                time="2025-08-01T16:00:00+08:00",
                product="last year's product",
                eid=ex.event_id("s25"),
            ),
        ),
        (
            "wuchang-coop",
            ex.harvest(
                lot="WC25-P07",
                harvest_date="2025-09-25",
                time="2025-09-25T18:00:00+08:00",
                eid=ex.event_id("h25"),
            ),
        ),
    ]
    clock = StepClock(CHAIN_CLOCK_START.replace(year=2025, month=11))
    chain.clock = clock  # type: ignore[method-assign]
    chain.sequencer.clock = clock
    post(chain, next_year)
    old = walk(chain)
    new = walk(chain, gtin_uri(ex.PADDY_GTIN, lot="WC25-P07"))
    assert steps(new) == ["tl:spraying", "commissioning"]  # not 2024's sowing and spraying
    assert "last year's product" not in {
        s.event.farm_input.product for s in old.steps if s.event.farm_input
    }


def test_a_bag_unpacked_from_a_case_leaves_the_cases_later_journey(chain: Ledger) -> None:
    chain_events = ex.wuchang_chain()
    packing_at = next(i for i, (_, p) in enumerate(chain_events) if p["bizStep"] == "packing")
    post(chain, chain_events[: packing_at + 1])
    unpack = ex.packing(
        children=[ex.bag_ids()[0]], time="2024-10-12T09:40:00+08:00", eid=ex.event_id("unpack")
    )
    unpack.update({"action": "DELETE", "bizStep": "unpacking"})
    post(chain, [("wuchang-mill", unpack), chain_events[packing_at + 1]])  # then the case is stored
    assert steps(walk(chain))[-2:] == ["packing", "unpacking"]
    assert "storing" in steps(walk(chain, ex.bag_keys()[1]))  # a bag still in the case


def test_spraying_inside_the_pre_harvest_interval_is_flagged_critical(chain: Ledger) -> None:
    events = ex.wuchang_chain()
    events[2] = (
        "wuchang-coop",
        ex.spraying(time="2024-09-20T16:00:00+08:00", phi_days=21),
    )  # 5 days before harvest
    post(chain, events)
    flags = walk(chain).flags
    assert flags[0].code == "pre_harvest_interval" and flags[0].severity == "critical"
    assert flags[0].params == PreHarvestInterval(
        harvested="2024-09-25",
        sprayed="2024-09-20",
        days_after=5,
        interval_days=21,
        product=ex.spraying()["tl:farmInput"]["product"],
    )


def test_goods_shipped_to_a_retailer_without_inspection_are_flagged(chain: Ledger) -> None:
    post(chain, [(a, p) for a, p in ex.wuchang_chain() if p["bizStep"] != "inspecting"])
    assert "missing_inspection" in {f.code for f in walk(chain).flags}


def test_migration_backfills_plot_rows_of_older_logs(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())
    plot = "https://id.gs1.org/414/" + ex.FARM_GLN + "/254/" + ex.PLOT
    with chain.engine.begin() as conn:
        assert conn.execute(select(func.count()).where(ObjectEntry.object_id == plot)).scalar() == 4
        conn.execute(
            delete(ObjectEntry).where(ObjectEntry.object_id == plot)
        )  # as issue 2 left them
    schema.downgrade(chain.engine, "0001")
    schema.upgrade(chain.engine)
    with chain.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(ObjectEntry.object_id == plot)).scalar() == 4
    assert steps(walk(chain))[0] == "tl:sowing"


def test_an_outdated_schema_is_named_and_init_migrates_it(
    chain: Ledger, operator_key: SigningKey
) -> None:
    from ledger.core.errors import StoreError

    schema.downgrade(chain.engine, "0001")
    with pytest.raises(StoreError) as raised:
        Ledger(chain.engine)
    assert raised.value.code == "schema_outdated" and "ledger init" in raised.value.message
    Ledger.create(chain.engine, operator_key, ORIGIN)  # what `ledger init` does
    assert Ledger(chain.engine).size() == chain.size()
