"""Trace forward and backward on the demo season, on SQLite and PostgreSQL: every edge is a
log entry naming both its objects, the walk reaches what the season made, and depth, tree
size and unknown objects are honoured."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger import demo
from ledger.core.entries import parse_entry
from ledger.core.errors import LedgerError
from ledger.core.event_parser import parse_event
from ledger.core.gs1 import parse_identifier
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.ledger import Ledger

STEM = "https://id.gs1.org"


@pytest.fixture
def season(engine: Engine, demo_template: tuple[Path, Path]) -> Ledger:
    """The demo season, built on each database (the walk's queries run on both)."""
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    return ledger


def sample_bag() -> str:
    return parse_identifier(STEM + demo.sample_unit_path(), field="object").object_key()


def names(ledger: Ledger, index: int) -> set[str]:
    """Every identifier the event at ``index`` names (its lots, units, plot)."""
    event = parse_event(parse_entry(ledger.entries(index, index + 1)[0].leaf).statement.payload)
    return {*event.object_ids(), *(lot for _, lot in event.unit_lots), event.plot or ""}


def test_backward_from_a_bag_reaches_its_rice_paddy_and_plot(season: Ledger) -> None:
    found = season.trace(sample_bag(), "backward")
    reached = {node.object_id for node in found.nodes}
    gtin, lot = demo.sample_lot()
    assert f"{STEM}/01/{gtin}/10/{lot}" in reached  # the bag's own lot
    assert any("/01/06901234000115/10/" in o for o in reached)  # milled rice
    assert any("/01/06901234000108/10/" in o for o in reached)  # paddy
    assert any("/254/plot-" in o for o in reached)  # the field, with its farm work
    plot = next(n for n in found.nodes if "/254/plot-" in n.object_id)
    assert len(plot.entries) >= 3  # sowing, fertilising, spraying, the harvest...
    assert found.complete
    for edge in found.edges:  # every edge is an entry naming both of its ends
        assert {edge.source, edge.target} <= names(season, edge.index)


def test_forward_from_the_paddy_reaches_every_bag_and_its_holder(season: Ledger) -> None:
    gtin, lot = demo.sample_lot()
    bags = {u.identifier.object_key() for u in season.units_of_lot(gtin, lot)}
    start = next(
        n.object_id
        for n in season.trace(sample_bag(), "backward").nodes
        if "/01/06901234000108/10/" in n.object_id
    )
    found = season.trace(start, "forward", season.size())
    reached = {node.object_id: node for node in found.nodes}
    assert bags <= reached.keys()
    assert all(reached[bag].holder for bag in bags)  # custody, at the log's own size
    assert [n.object_id for n in found.nodes if n.depth == 0] == [start]


def test_depth_and_tree_size_bound_the_walk(season: Ledger) -> None:
    bag = sample_bag()
    shallow = season.trace(bag, "backward", depth=1)
    assert not shallow.complete and max(n.depth for n in shallow.nodes) == 1
    full = season.trace(bag, "backward", season.size())
    made = min(e.index for e in full.edges if e.target == bag)  # the entry that made the bag
    early = season.trace(bag, "backward", made + 1)
    assert early.tree_size == made + 1 and all(e.index <= made for e in early.edges)
    assert all(n.holder is None for n in early.nodes)  # holders only at the log's size
    with pytest.raises(LedgerError):  # before it was made, the bag is not in the log
        season.trace(bag, "backward", made)
    with pytest.raises(LedgerError) as caught:
        season.trace(bag, "backward", season.size() + 1)
    assert caught.value.code == "no_such_tree"


def test_an_object_the_log_does_not_hold_is_unknown(season: Ledger) -> None:
    with pytest.raises(LedgerError) as caught:
        season.trace(f"{STEM}/01/06901234000122/10/NOPE", "forward")
    assert caught.value.code == "unknown_object"
