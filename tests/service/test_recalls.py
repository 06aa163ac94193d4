"""Recalls and corrections on the demo season, on SQLite and PostgreSQL (FORMAT.md 3.7,
3.8): a recall reaches what was made from what it names and nothing else, rides in the
bundle of every bag it reaches (and the three verifiers accept it), ends when closed; a
corrected event drops out of traces and is marked in the lineage."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger import demo
from ledger import samples as ex
from ledger.core.bundle import verify_bundle
from ledger.core.errors import LedgerError
from ledger.core.gs1 import parse_identifier
from ledger.core.statements import sign_statement
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.bundles import build_bundle, checkpoint_of_size
from ledger.service.ledger import Ledger
from tests.verifier.test_verify_script import vl

STEM = "https://id.gs1.org"
RECALLED_BAG = STEM + demo.recalled_unit_path()
CLEAN_BAG = STEM + demo.sample_unit_path()


@pytest.fixture
def season(engine: Engine, demo_template: tuple[Path, Path]) -> tuple[Ledger, demo.DemoKeys]:
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    return ledger, keys


def test_the_recall_reaches_the_bags_of_its_lot_and_no_other(
    season: tuple[Ledger, demo.DemoKeys],
) -> None:
    ledger, _ = season
    _, reaching = ledger.recalls_reaching(RECALLED_BAG)
    assert [r.recall_id for r in reaching] == [demo.RECALL_ID]
    assert reaching[0].notice.in_force and reaching[0].notice.level.number == 2
    assert ledger.recalls_reaching(CLEAN_BAG)[1] == []
    _recall, reached = ledger.recall(demo.RECALL_ID)
    gtin, lot = ex.BAG_GTIN, "WC26-M12"
    bags = {u.identifier.object_key() for u in ledger.units_of_lot(gtin, lot)}
    assert len(bags) == demo.BAGS_PER_LOT
    held = {o for h in reached.holdings for o in h.objects}
    sold_or_held = bags & held
    assert sold_or_held and sold_or_held <= bags  # what is still held is listed by holder
    assert f"{STEM}/01/{gtin}/10/{lot}" in reached.lots
    assert not any("WC26-M07" in o for o in reached.lots)  # other lots are not reached
    stores = [h for h in reached.holdings if h.is_store]
    assert [h.actor for h in stores] == ["fresh-mart-sh"]


def test_a_recalled_bags_bundle_carries_the_recall_and_verifies(
    season: tuple[Ledger, demo.DemoKeys],
) -> None:
    ledger, _keys = season
    subject = parse_identifier(RECALLED_BAG, field="object")
    with ledger.engine.connect() as conn:
        checkpoint = checkpoint_of_size(conn, ledger.size())
        bundle = build_bundle(conn, subject, checkpoint, ledger.operator)
    recall_entries = [e.index for r in bundle.lineage.recalls for e in r.statements]
    kinds = {e.index: e.statement.kind for e in bundle.lineage.entries()}
    assert recall_entries and all(kinds[i] == "recall" for i in recall_entries)
    report = verify_bundle(bundle.document, ledger.operator)
    assert report.ok, report.failures
    script = vl.verify_bundle(bundle.document, vl.parse_vkey(ledger.operator.vkey))
    assert not script.failures


def test_a_closed_recall_is_no_longer_in_force(season: tuple[Ledger, demo.DemoKeys]) -> None:
    ledger, keys = season
    regulator = keys.producers["hlj-samr"]
    rice = f"{STEM}/01/{ex.RICE_GTIN}/10/WC26-M12"
    closed = ex.recall(demo.RECALL_ID, status="closed", objects=[rice], note="召回完毕")
    ledger.append([sign_statement("recall", closed, regulator)])
    ledger.checkpoint()
    _, reaching = ledger.recalls_reaching(RECALLED_BAG)
    assert [r.notice.status for r in reaching] == ["closed"]
    assert ledger.recalls(in_force=True)[1] == []
    with pytest.raises(LedgerError) as caught:  # a closed recall stays closed
        ledger.append(
            [
                sign_statement(
                    "recall", ex.recall(demo.RECALL_ID, status="update", objects=[rice]), regulator
                )
            ]
        )
    assert caught.value.code == "recall_closed"
    # Pinned below the closing statement, the recall is in force as it was then.
    _, before = ledger.recalls(in_force=True, tree_size=ledger.size() - 1)
    assert [r.recall_id for r in before] == [demo.RECALL_ID]


def test_a_product_range_recall_reaches_the_lots_made_on_those_days(
    season: tuple[Ledger, demo.DemoKeys],
) -> None:
    ledger, keys = season
    brand = keys.producers["wuchang-rice-assoc"]
    days = {"gtin": ex.BAG_GTIN, "from": "2026-10-01", "to": "2026-10-12"}
    ledger.append(
        [sign_statement("recall", ex.recall("WRA-1", level=3, objects=[], products=[days]), brand)]
    )
    ledger.checkpoint()
    _, reaching = ledger.recalls_reaching(CLEAN_BAG)  # plot 07's bags, made on 2026-10-11
    assert "WRA-1" in [r.recall_id for r in reaching]
    _, reached = ledger.recall("WRA-1")
    assert f"{STEM}/01/{ex.BAG_GTIN}/10/WC26-M07" in reached.starts


def test_recalls_by_roles_that_may_not_are_refused_and_store_nothing(
    season: tuple[Ledger, demo.DemoKeys],
) -> None:
    ledger, keys = season
    size = ledger.size()
    for actor in ("wuchang-coop", "fresh-mart-sh"):
        with pytest.raises(LedgerError) as caught:
            ledger.append([sign_statement("recall", ex.recall("X-1"), keys.producers[actor])])
        assert caught.value.code == "role_not_permitted"
    assert ledger.size() == size and ledger.recalls(in_force=None)[1][0].recall_id != "X-1"


def test_the_corrected_dose_is_out_of_the_trace_and_marked_in_the_lineage(
    season: tuple[Ledger, demo.DemoKeys],
) -> None:
    ledger, keys = season
    plot = f"{STEM}/414/{ex.FARM_GLN}/254/plot-08"
    found = ledger.trace(plot, "forward")
    assert len(found.corrected) == 1
    ((wrong, correction),) = found.corrected.items()
    assert all(e.index != wrong for e in found.edges)
    assert found.to_json()["corrected"] == [{"entry": wrong, "correction": correction}]
    # The operator or the mill may not correct it again; the farm may not correct the mill.
    with pytest.raises(LedgerError) as caught:
        ledger.append([sign_statement("correction", ex.correction(wrong), keys.operator)])
    assert caught.value.code == "already_corrected"
    milling = next(e.index for e in found.edges if e.kind == "transformed")  # the mill's
    with pytest.raises(LedgerError) as caught:
        ledger.append(
            [sign_statement("correction", ex.correction(milling), keys.producers["wuchang-coop"])]
        )
    assert caught.value.code == "not_event_owner"
    assert ledger.verify().ok
