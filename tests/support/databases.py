"""The two databases the tests run on: SQLite files, and PostgreSQL, a schema per test.

PostgreSQL tests use LEDGER_TEST_POSTGRES_URL (default: the local server's database
``test``). They skip when no server answers, unless LEDGER_REQUIRE_POSTGRES=1 (CI), where
an unreachable server is a failure.
"""

from __future__ import annotations

import functools
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from ledger.store.db import make_engine

POSTGRES_URL = os.environ.get(
    "LEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@functools.cache
def _postgres_answers() -> bool:
    try:
        with create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False


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
    """Drop a schema ``make_test_engine`` made."""
    with create_engine(POSTGRES_URL).begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
