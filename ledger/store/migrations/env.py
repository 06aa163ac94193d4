"""Alembic environment: runs against the connection ``ledger.store.schema`` hands it."""

from __future__ import annotations

from alembic import context

from ledger.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through ledger.store.schema.upgrade (or `ledger init`)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
