"""Flags are a code and parameters: ``params`` replaces ``message_en`` and ``message_zh``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

A flag row holds no sentences any more: the web layer words a flag in the reader's
language from its code and its parameters (``ledger.core.flags``), which ``params`` holds
as canonical JSON. Each existing row keeps its id, entry and code and gets its parameters
recomputed from its entry, the log being the source of truth; the sentences are dropped
(they cannot be parsed back into exact numbers and times).

Why the core's pure functions (``parse_entry``, ``parse_event``, ``flags.flags``) and not a
frozen copy of the flag rules here: flags are a pure function of the entry bytes, whose
format is fixed (docs/FORMAT.md), and the core must read every entry ever accepted for
``ledger reindex`` and verification to work at all, so those readers stay valid for old
logs. A copy kept here could drift from the rules that flag new entries and leave a
database whose old and new flags disagree; computed by the same functions, a migrated
database equals a fresh ledger fed the same log (tests/store/test_migrations.py). If a
later change alters what ``flags.flags`` returns, that change brings its own migration
that recomputes the table. Like every migration, this one imports nothing from
``ledger.service`` (or ``ledger.store``): only the core.
"""

import sqlalchemy as sa
from alembic import op

from ledger.core.entries import parse_entry
from ledger.core.errors import StoreError
from ledger.core.event_parser import parse_event
from ledger.core.flags import flags

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_PAGE = 1000  # flagged entries read per query

_flags = sa.table(
    "flags",
    sa.column("id"),
    sa.column("entry_idx"),
    sa.column("code"),
    sa.column("params"),
    sa.column("message_en"),
    sa.column("message_zh"),
)
_entries = sa.table("log_entries", sa.column("idx"), sa.column("leaf"))


def upgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("params", sa.Text(), nullable=True))
    _fill_params()
    with op.batch_alter_table("flags") as batch:
        batch.alter_column("params", existing_type=sa.Text(), nullable=False)
        batch.drop_column("message_en")
        batch.drop_column("message_zh")


def _fill_params() -> None:
    """Give every row the parameters its entry's flag of the same code has."""
    conn = op.get_bind()
    update = (
        sa.update(_flags)
        .where(_flags.c.id == sa.bindparam("row_id"))
        .values(params=sa.bindparam("row_params"))
    )
    last = -1
    while True:
        indices = (
            conn.execute(
                sa.select(_flags.c.entry_idx)
                .where(_flags.c.entry_idx > last)
                .distinct()
                .order_by(_flags.c.entry_idx)
                .limit(_PAGE)
            )
            .scalars()
            .all()
        )
        if not indices:
            return
        leaves = conn.execute(
            sa.select(_entries.c.idx, _entries.c.leaf).where(_entries.c.idx.in_(indices))
        ).all()
        computed = {
            (idx, flag.code): flag.params_json()
            for idx, leaf in leaves
            for flag in flags(parse_event(parse_entry(leaf).statement.payload))
        }
        rows = conn.execute(
            sa.select(_flags.c.id, _flags.c.entry_idx, _flags.c.code).where(
                _flags.c.entry_idx.in_(indices)
            )
        ).all()
        for row in rows:
            if (row.entry_idx, row.code) not in computed:
                raise StoreError(
                    f"flag row {row.id} ({row.code}) does not follow from entry {row.entry_idx}: "
                    "the derived tables disagree with the log; run `ledger verify`, then "
                    "`ledger reindex` with the version that wrote them, before upgrading"
                )
        conn.execute(
            update,
            [{"row_id": r.id, "row_params": computed[(r.entry_idx, r.code)]} for r in rows],
        )
        last = indices[-1]


def downgrade() -> None:
    # The old sentences are no longer made anywhere: each row's messages become its code,
    # so that the flag stays visible; that version's `ledger reindex` brings its sentences.
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("message_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("message_zh", sa.Text(), nullable=True))
    op.get_bind().execute(
        sa.update(_flags).values(message_en=_flags.c.code, message_zh=_flags.c.code)
    )
    with op.batch_alter_table("flags") as batch:
        batch.alter_column("message_en", existing_type=sa.Text(), nullable=False)
        batch.alter_column("message_zh", existing_type=sa.Text(), nullable=False)
        batch.drop_column("params")
