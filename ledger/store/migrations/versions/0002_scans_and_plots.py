"""Scan counting for the consumer pages, and farm work indexed under its plot.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

The object index gains rows for farm work and harvests under the plot's location
identifier (``ledger.core.object_index.indexed_ids``); existing logs are backfilled
here by re-reading their event entries. Like every migration, it imports nothing from
``ledger.service``: only the core's pure readers of the log.
"""

import sqlalchemy as sa
from alembic import op

from ledger.core.entries import parse_entry
from ledger.core.event_parser import parse_event
from ledger.core.object_index import indexed_ids

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PAGE = 1000


def upgrade() -> None:
    op.create_table(
        "scan_clients",
        sa.Column("object_id", sa.String(400), nullable=False),
        sa.Column("salt_day", sa.String(10), nullable=False),
        sa.Column("client", sa.LargeBinary(16), nullable=False),
        sa.Column("scans", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("object_id", "salt_day", "client"),
    )
    op.create_index("ix_scan_clients_last_at", "scan_clients", ["last_at"])  # the expiry DELETE
    op.create_table(
        "scan_totals",
        sa.Column("object_id", sa.String(400), nullable=False),
        sa.Column("first_scan", sa.String(24), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("object_id"),
    )
    op.create_table(
        "scan_salts",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    _backfill_plots()


def _backfill_plots() -> None:
    conn = op.get_bind()
    entries = sa.table("log_entries", sa.column("idx"), sa.column("leaf"), sa.column("kind"))
    objects = sa.table("object_entries", sa.column("object_id"), sa.column("entry_idx"))
    last = -1
    while True:
        rows = conn.execute(
            sa.select(entries.c.idx, entries.c.leaf)
            .where(entries.c.kind == "event", entries.c.idx > last)
            .order_by(entries.c.idx)
            .limit(_PAGE)
        ).all()
        if not rows:
            return
        existing = set(
            conn.execute(
                sa.select(objects.c.object_id, objects.c.entry_idx).where(
                    objects.c.entry_idx >= rows[0].idx, objects.c.entry_idx <= rows[-1].idx
                )
            ).all()
        )
        new: list[dict[str, object]] = []
        for idx, leaf in rows:
            event = parse_event(parse_entry(leaf).statement.payload)
            new.extend(
                {"object_id": o, "entry_idx": idx}
                for o in indexed_ids(event)
                if (o, idx) not in existing
            )
        if new:
            conn.execute(sa.insert(objects), new)
        last = rows[-1].idx


def downgrade() -> None:
    for table in ("scan_salts", "scan_totals", "scan_clients"):
        op.drop_table(table)
