"""The EPCIS query index: each event entry's eventID, eventTime and business step.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

``GET /epcis/events`` filters on these (docs/EVENTS.md 13) with indexes instead of reading
the log. Existing logs are backfilled here from the signed payloads' own members, read with
the core's pure readers; ``ledger reindex`` rebuilds the table like every derived one.
"""

import sqlalchemy as sa
from alembic import op

from ledger.core.entries import parse_entry
from ledger.core.timefmt import parse_event_time

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_PAGE = 1000


def upgrade() -> None:
    op.create_table(
        "epcis_events",
        sa.Column("entry_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_time", sa.BigInteger(), nullable=False),
        sa.Column("biz_step", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("entry_idx"),
    )
    op.create_index("ix_epcis_events_event_id", "epcis_events", ["event_id"])
    op.create_index("ix_epcis_events_event_time", "epcis_events", ["event_time"])
    op.create_index("ix_epcis_events_step", "epcis_events", ["biz_step", "entry_idx"])
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    entries = sa.table("log_entries", sa.column("idx"), sa.column("leaf"), sa.column("kind"))
    rows_table = sa.table(
        "epcis_events",
        sa.column("entry_idx"),
        sa.column("event_id"),
        sa.column("event_time"),
        sa.column("biz_step"),
    )
    last = -1
    while True:
        page = conn.execute(
            sa.select(entries.c.idx, entries.c.leaf)
            .where(entries.c.kind == "event", entries.c.idx > last)
            .order_by(entries.c.idx)
            .limit(_PAGE)
        ).all()
        if not page:
            return
        rows = []
        for index, leaf in page:
            payload = parse_entry(leaf).statement.payload
            moment = parse_event_time(payload["eventTime"], "eventTime")
            rows.append(
                {
                    "entry_idx": index,
                    "event_id": payload["eventID"],
                    "event_time": int(moment.timestamp() * 1000),
                    "biz_step": payload["bizStep"],
                }
            )
        conn.execute(sa.insert(rows_table), rows)
        last = page[-1].idx


def downgrade() -> None:
    op.drop_table("epcis_events")
