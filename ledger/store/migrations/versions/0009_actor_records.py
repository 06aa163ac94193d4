"""Actors' public records (docs/RECORD.md), derived from the log.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12

Derived tables: ``ledger reindex`` rebuilds them. The migration creates them empty; a log
written before this revision gets its records by running ``ledger reindex`` once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "actor_facts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(400), nullable=True),
        sa.Column("detail", sa.String(400), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_actor_facts_actor", "actor_facts", ["actor", "kind", "entry_idx"])
    op.create_index("ix_actor_facts_subject", "actor_facts", ["subject", "kind"])
    op.create_table(
        "container_lots",
        sa.Column("container", sa.String(400), nullable=False),
        sa.Column("lot", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("container", "lot"),
    )


def downgrade() -> None:
    op.drop_table("container_lots")
    op.drop_index("ix_actor_facts_subject", table_name="actor_facts")
    op.drop_index("ix_actor_facts_actor", table_name="actor_facts")
    op.drop_table("actor_facts")
