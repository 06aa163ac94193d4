"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from ledger.store import schema
from ledger.store.models import Base


def test_migrations_match_the_models(engine: Engine) -> None:
    assert not schema.is_initialised(engine)
    schema.upgrade(engine)
    assert schema.is_initialised(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrading_twice_is_harmless(engine: Engine) -> None:
    schema.upgrade(engine)
    schema.upgrade(engine)
    assert schema.is_initialised(engine)
