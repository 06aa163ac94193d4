"""The regulator's report of the demo season, on SQLite and PostgreSQL: the harvest row names
the plot, the quantity and the farm; the transformation row names its input and output lots;
shipping rows name the recipient; a product's report keeps to its date range."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger import demo
from ledger import samples as s
from ledger.catalogue import Catalogue
from ledger.core.errors import LedgerError
from ledger.core.report import Query
from ledger.core.statements import sign_statement
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.ledger import Ledger

STEM = "https://id.gs1.org"
PADDY = f"{STEM}/01/{s.PADDY_GTIN}/10/WC26-P07"
RICE = f"{STEM}/01/{s.RICE_GTIN}/10/WC26-M07"
BAGS = f"{STEM}/01/{s.BAG_GTIN}/10/WC26-M07"
CATALOGUE = Catalogue.load()


@pytest.fixture
def season(engine: Engine, demo_template: tuple[Path, Path]) -> Ledger:
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    return ledger


def test_the_paddy_lot_from_harvest_to_milling(season: Ledger) -> None:
    found = season.report(Query(lot=PADDY), CATALOGUE)
    assert [row.cte for row in found.rows] == [
        "harvesting",
        "shipping",
        "receiving",
        "transformation",
    ]
    harvest, shipping, receiving, milling = found.rows
    assert harvest.harvest_field == "plot-07" and harvest.harvest_date == date(2026, 9, 24)
    assert (harvest.quantity, harvest.uom) == (11500, "KGM")
    assert (
        harvest.location is not None and harvest.location.name == s.ACTORS["wuchang-coop"]["name"]
    )
    assert harvest.tlc_source is not None and harvest.tlc_source.gln == s.FARM_GLN
    assert harvest.product.en.startswith("Paddy rice") and "五优稻4号" in harvest.product.zh
    assert shipping.recipient is not None and shipping.recipient.gln == s.MILL_GLN
    assert receiving.previous_source is not None and receiving.previous_source.gln == s.FARM_GLN
    assert receiving.location is not None and receiving.location.gln == s.MILL_GLN
    assert milling.inputs == (PADDY,) and milling.outputs == (RICE,)
    assert all(row.tlc_source == harvest.tlc_source for row in found.rows)
    # Each row is the log entry it says it is.
    assert found.tree_size == season.size() and len(found.root_hex) == 64
    assert found.root_hex == season.root_at(found.tree_size).hex()
    for row in found.rows:
        assert row.event_id.encode() in season.entries(row.index, row.index + 1)[0].leaf


def test_the_bag_lot_follows_its_cases_to_the_retailer(season: Ledger) -> None:
    found = season.report(Query(lot=BAGS), CATALOGUE)
    bagging = found.rows[0]
    assert bagging.cte == "transformation" and bagging.inputs == (RICE,)
    assert bagging.outputs == (f"{BAGS} ×{demo.BAGS_PER_LOT}",)
    assert (bagging.quantity, bagging.uom) == (demo.BAGS_PER_LOT, "EA")
    shipping = [row for row in found.rows if row.cte == "shipping"]
    receiving = [row for row in found.rows if row.cte == "receiving"]
    cases = demo.BAGS_PER_LOT // demo.BAGS_PER_CASE
    assert len(shipping) == len(receiving) == cases
    for row in shipping:
        assert row.recipient is not None and row.recipient.gln == s.RETAILER_GLN
        assert row.quantity == demo.BAGS_PER_CASE and len(row.containers) == 1
        assert row.reference_type == "desadv" and row.reference and "DA-2026-" in row.reference
    assert all(r.previous_source and r.previous_source.gln == s.MILL_GLN for r in receiving)
    # Cold storage of packed rice is holding, not cooling; farm work and sales are no CTEs.
    assert {row.cte for row in found.rows} == {"transformation", "shipping", "receiving"}
    assert [row.sort_key for row in found.rows] == sorted(row.sort_key for row in found.rows)


def test_a_product_over_a_date_range(season: Ledger) -> None:
    query = Query(gtin=s.PADDY_GTIN, start=date(2026, 9, 25), end=date(2026, 9, 27))
    found = season.report(query, CATALOGUE)
    assert set(found.lots) == {f"{STEM}/01/{s.PADDY_GTIN}/10/WC26-P{n}" for n in ("07", "08", "12")}
    assert {(row.lot, row.cte) for row in found.rows} == {
        ("WC26-P07", "shipping"),
        ("WC26-P07", "receiving"),
        ("WC26-P08", "harvesting"),
        ("WC26-P12", "harvesting"),
    }
    assert all(date(2026, 9, 25) <= row.event_time.date() < date(2026, 9, 27) for row in found.rows)


def test_unknown_lots_and_products(season: Ledger) -> None:
    with pytest.raises(LedgerError) as caught:
        season.report(Query(lot=f"{STEM}/01/{s.PADDY_GTIN}/10/NOPE"), CATALOGUE)
    assert caught.value.code == "unknown_object"
    with pytest.raises(LedgerError) as caught:
        season.report(
            Query(gtin="06901234000139", start=date(2026, 1, 1), end=date(2027, 1, 1)), CATALOGUE
        )
    assert caught.value.code == "unknown_object"


def test_a_corrected_shipment_is_left_out_and_named(
    season: Ledger, demo_template: tuple[Path, Path]
) -> None:
    before = season.report(Query(lot=PADDY), CATALOGUE)
    shipping = next(r for r in before.rows if r.cte == "shipping")
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    correction = s.correction(shipping.index, explanation="shipped the next day")
    season.append([sign_statement("correction", correction, keys.producers["wuchang-coop"])])
    season.checkpoint()
    after = season.report(Query(lot=PADDY), CATALOGUE)
    assert shipping.index not in {r.index for r in after.rows}
    assert len(after.rows) == len(before.rows) - 1
    assert after.corrections == ((shipping.index, season.size() - 1),)
    assert any("left out" in value for _, value in after.about("en"))
