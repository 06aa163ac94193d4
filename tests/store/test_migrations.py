"""Migrations: a populated database of the previous schema upgrades to flags that equal
what a fresh ledger computes, on both databases. (What migrations may import: the layering
table of README.md, enforced by tests/test_layering.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, func, inspect, select, update

from ledger import samples as ex
from ledger.core.errors import StoreError
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.service.lineage import lineage
from ledger.service.reindex import reindex
from ledger.store import schema
from ledger.store.db import make_engine
from ledger.store.models import FlagRow
from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
from tests.support.fixed import ORIGIN, StepClock

BAG = ex.bag_keys()[0]
# What revision 0002's code wrote in the flags table for the sample chain.
LEGACY_WORDS = {
    "temperature_excursion": (
        "1 temperature reading(s) outside the allowed 0 to 15 °C; the furthest was 18.5 °C "
        "at 2024-10-15 18:00 UTC+0800",
        "有 1 个温度读数超出允许范围 0～15 °C，偏离最大的是 18.5 °C（2024-10-15 18:00 UTC+0800）",
    ),
    "inspection_failed": (
        "the inspection failed: tricyclazole 2.5 MGM/KGM over the limit 1",
        "检测不合格：tricyclazole 2.5 MGM/KGM，超过限量 1",
    ),
}


# --- a populated database of revision 0002, upgraded -----------------------------------------


def _sample_season(path: Path, operator_key: Any) -> Engine:
    """The Wuchang chain, with a failed residue test, through the real pipeline at head."""
    events = ex.wuchang_chain()
    for n, (actor, payload) in enumerate(events):
        if payload["bizStep"] == "inspecting":
            failed = ex.inspection(result="fail", analytes=[("tricyclazole", 2.5, 1.0, "MGM/KGM")])
            events[n] = (actor, failed)
    engine = make_engine(f"sqlite:///{path}")
    ledger = Ledger.create(
        engine, operator_key, ORIGIN, clock=StepClock(CHAIN_CLOCK_START), checkpoint_interval=4
    )
    register_all(ledger, operator_key)
    ledger.append([sign_statement("event", p, producer_key(a)) for a, p in events])
    return engine


def _copy_into_0002(source: Engine, target: Engine) -> None:
    """Build ``target`` at revision 0002 holding every row of ``source``, flags with the
    sentences revision 0002 stored."""
    schema.upgrade(target, "0002")
    previous, current = MetaData(), MetaData()
    previous.reflect(target)
    current.reflect(source)
    with source.connect() as read, target.begin() as write:
        for table in previous.sorted_tables:
            if table.name == "alembic_version":
                continue
            src = current.tables[table.name]
            # Serial ids (flags, checkpoints) are left to the target, rows in the same order,
            # so that PostgreSQL's sequences stay right for later appends.
            names = [c.name for c in table.columns if c.name in src.c and c.name != "id"]
            query = select(*(src.c[n] for n in names)).order_by(*src.primary_key.columns)
            rows = [dict(r._mapping) for r in read.execute(query)]
            if table.name == "flags":
                for row in rows:
                    row["message_en"], row["message_zh"] = LEGACY_WORDS[row["code"]]
            if rows:
                write.execute(table.insert(), rows)


@pytest.fixture
def season(tmp_path: Path, operator_key: Any) -> Iterator[Engine]:
    engine = _sample_season(tmp_path / "season.sqlite3", operator_key)
    yield engine
    engine.dispose()


def _flag_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(FlagRow.entry_idx, FlagRow.code, FlagRow.severity, FlagRow.params).order_by(
                    FlagRow.id
                )
            )
        ]


def test_a_populated_0002_database_upgrades_to_the_flags_a_fresh_ledger_computes(
    season: Engine, engine: Engine
) -> None:
    _copy_into_0002(season, engine)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("flags")}
        assert {"message_en", "message_zh"} <= columns
        assert conn.execute(select(func.count()).select_from(FlagRow.__table__)).scalar() == 2
    schema.upgrade(engine)

    assert schema.is_current(engine)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("flags")}
    assert columns == {"id", "entry_idx", "code", "severity", "params"}
    fresh = _flag_rows(season)
    assert [code for _, code, _, _ in fresh] == ["inspection_failed", "temperature_excursion"]
    assert _flag_rows(engine) == fresh
    # What a product page reads back: the same flags, codes and parameters.
    size = Ledger(season).size()
    with season.connect() as a, engine.connect() as b:
        assert lineage(b, BAG, size).flags == lineage(a, BAG, size).flags
        # Stored per-event flags and history flags (the failed test leaves the shipment
        # to the retailer with no passing inspection).
        assert {f.code for f in lineage(b, BAG, size).flags} == {
            "inspection_failed",
            "missing_inspection",
            "temperature_excursion",
        }
    # The migrated ledger is a working ledger: it verifies, takes new flagged events (on
    # PostgreSQL the id sequence carries on), and rebuilding its derived tables from the
    # log gives the rows it holds.
    migrated = Ledger(engine)
    assert migrated.verify().ok
    retest = ex.inspection(result="fail", analytes=(), eid=ex.event_id("retest"))
    migrated.append([sign_statement("event", retest, producer_key("hlj-lab"))])
    rows = _flag_rows(engine)
    assert rows[: len(fresh)] == fresh
    assert [row[1:3] for row in rows[len(fresh) :]] == [("inspection_failed", "critical")]
    reindex(engine, migrated.size())
    assert _flag_rows(engine) == rows


def test_the_demo_season_upgrades_too(demo_template: tuple[Path, Path], engine: Engine) -> None:
    demo = make_engine(f"sqlite:///{demo_template[0]}")
    try:
        _copy_into_0002(demo, engine)
        schema.upgrade(engine)
        fresh = _flag_rows(demo)
        assert fresh and {code for _, code, _, _ in fresh} == {"temperature_excursion"}
        assert _flag_rows(engine) == fresh
    finally:
        demo.dispose()


def test_a_flag_row_that_does_not_follow_from_its_entry_stops_the_upgrade(
    season: Engine, engine: Engine
) -> None:
    _copy_into_0002(season, engine)
    table = MetaData()
    table.reflect(engine, only=["flags"])
    flags = table.tables["flags"]
    with engine.begin() as conn:
        conn.execute(
            update(flags)
            .where(flags.c.code == "inspection_failed")
            .values(code="temperature_excursion")
        )
    with pytest.raises(StoreError, match="does not follow from entry"):
        schema.upgrade(engine)
    # Nothing was changed: still revision 0002, messages and all.
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("flags")}
    assert "message_en" in columns and "params" not in columns
    assert not schema.is_current(engine)


def test_downgrading_keeps_every_flag_visible(season: Engine, engine: Engine) -> None:
    _copy_into_0002(season, engine)
    schema.upgrade(engine)
    schema.downgrade(engine, "0002")
    table = MetaData()
    table.reflect(engine, only=["flags"])
    with engine.connect() as conn:
        rows = conn.execute(select(table.tables["flags"])).mappings().all()
    assert [(r["message_en"], r["message_zh"]) for r in rows] == [
        ("inspection_failed", "inspection_failed"),
        ("temperature_excursion", "temperature_excursion"),
    ]
    schema.upgrade(engine)
    assert _flag_rows(engine) == _flag_rows(season)


def test_0004_adds_the_console_accounts_and_takes_them_away_again(
    season: Engine, engine: Engine
) -> None:
    _copy_into_0002(season, engine)
    schema.upgrade(engine, "0003")
    assert not inspect(engine).has_table("console_accounts")
    size = Ledger(season).size()

    schema.upgrade(engine)
    assert schema.is_current(engine)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("console_accounts")}
    assert columns == {"name", "password_hash", "created", "last_login"}
    migrated = Ledger(engine)
    assert migrated.size() == size
    migrated.accounts().add("operator-1", "correct horse battery staple")
    assert migrated.accounts().authenticate("operator-1", "correct horse battery staple")
    # Accounts are not derived from the log: rebuilding the derived tables keeps them.
    reindex(engine, size)
    assert migrated.accounts().get("operator-1") is not None

    schema.downgrade(engine, "0003")
    assert not inspect(engine).has_table("console_accounts")
    assert not schema.is_current(engine)
    schema.upgrade(engine)
    assert Ledger(engine).accounts().get("operator-1") is None
    assert Ledger(engine).verify().ok
