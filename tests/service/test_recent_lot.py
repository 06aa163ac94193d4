"""The lot of a product the log mentioned last: what the home page links each story to."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger import demo, samples
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.ledger import Ledger


@pytest.fixture
def season(engine: Engine, demo_template: tuple[Path, Path]) -> Ledger:
    """The demo season on each database (the query's LIKE runs on both)."""
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    return ledger


def test_the_last_plots_lots_and_none_for_an_unknown_product(season: Ledger) -> None:
    last = demo.PLOTS[-1].split("-")[1]  # the season's plots are recorded in order
    paddy = season.recent_lot(samples.PADDY_GTIN)
    bags = season.recent_lot(samples.BAG_GTIN)  # a lot of serialised bags
    assert paddy is not None and (paddy.kind, paddy.lot) == ("lot", f"WC26-P{last}")
    assert bags is not None and (bags.kind, bags.lot) == ("lot", f"WC26-M{last}")
    assert season.recent_lot("06901234000139") is None
