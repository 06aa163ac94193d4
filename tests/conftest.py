"""Shared fixtures: fixed keys, a fixed clock, and ledgers on SQLite and on PostgreSQL
(the pieces themselves are in tests/support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger.core.signing import SigningKey
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.support import profiles
from tests.support.databases import drop_schema, make_test_engine
from tests.support.fixed import ORIGIN, StepClock, fixed_key

profiles.register()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database, once on SQLite and once on PostgreSQL."""
    eng, schema_name = make_test_engine(request.param, tmp_path)
    yield eng
    eng.dispose()
    if schema_name is not None:
        drop_schema(schema_name)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng, _ = make_test_engine("sqlite", tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def operator_key() -> SigningKey:
    return fixed_key("operator")


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def ledger(engine: Engine, operator_key: SigningKey, clock: StepClock) -> Ledger:
    """A fresh ledger (genesis only) on each database."""
    return Ledger.create(engine, operator_key, ORIGIN, clock=clock, checkpoint_interval=0)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo season's ledger file and keystore, built once; tests copy the file."""
    from ledger import demo  # only the demo-based tests need the sample season
    from ledger.keystore import DEMO_PASSPHRASE, Keystore

    directory = tmp_path_factory.mktemp("demo-template")
    keys = demo.DemoKeys.load(Keystore(directory / "keys"), DEMO_PASSPHRASE)
    engine = make_engine(f"sqlite:///{directory / 'demo.sqlite3'}")
    demo.build(Ledger.create(engine, keys.operator, demo.ORIGIN), keys)
    engine.dispose()
    return directory / "demo.sqlite3", directory / "keys"
