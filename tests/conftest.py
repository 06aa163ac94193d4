"""Shared fixtures: fixed keys, a fixed clock, and ledgers on SQLite and on PostgreSQL.

PostgreSQL tests use LEDGER_TEST_POSTGRES_URL (default: the local server's database
``test``), each in a schema of its own. They skip when no server answers, unless
LEDGER_REQUIRE_POSTGRES=1 (CI), where an unreachable server is a failure.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from ledger.core.hashing import sha256
from ledger.core.signing import SigningKey
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine

POSTGRES_URL = os.environ.get(
    "LEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ORIGIN = "ledger.example/wuchang-rice"
START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)


def fixed_key(label: str) -> SigningKey:
    """A deterministic key for tests and vectors: the seed is SHA-256 of the label."""
    return SigningKey(sha256(label.encode("utf-8")))


class StepClock:
    """A clock that starts at a fixed moment and moves one second per reading."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.step
        return current


def _postgres_available() -> bool:
    try:
        with create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False


@functools.cache
def _postgres_answers() -> bool:
    return _postgres_available()


def postgres_url_or_skip() -> str:
    """A URL for a fresh PostgreSQL schema, or skip (fail in CI) when there is no server."""
    if not _postgres_answers():
        if os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but does not answer at {POSTGRES_URL}")
        pytest.skip("no PostgreSQL server reachable")
    return POSTGRES_URL


def make_test_engine(kind: str, tmp_path: Path) -> tuple[Engine, str | None]:
    """An empty database of ``kind`` ('sqlite' or 'postgres'); returns (engine, pg schema)."""
    if kind == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}"), None
    url = postgres_url_or_skip()
    schema_name = f"t_{uuid.uuid4().hex[:12]}"
    with create_engine(url).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema_name}"})
    return engine, schema_name


def drop_schema(schema_name: str) -> None:
    with create_engine(POSTGRES_URL).begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))


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
