"""Complaints (docs/COMPLAINTS.md) off the log, and their outcomes (FORMAT.md 3.9) derived
from it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

``complaints`` holds what shoppers wrote (personal, erasable, never rebuilt by
``ledger reindex``); ``complaint_outcomes`` is derived like the object index. A log written
before this revision holds no complaint statements, so both start empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_outcomes",
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("object_id", sa.String(400), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("recall_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("commitment"),
        sa.UniqueConstraint("entry_idx"),
    )
    op.create_index("ix_complaint_outcomes_actor", "complaint_outcomes", ["actor"])
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(16), nullable=False),
        sa.Column("object_id", sa.String(400), nullable=False),
        sa.Column("concerned", sa.String(700), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(20), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("salt", sa.LargeBinary(16), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id"),
        sa.UniqueConstraint("commitment"),
    )


def downgrade() -> None:
    op.drop_table("complaints")
    op.drop_index("ix_complaint_outcomes_actor", table_name="complaint_outcomes")
    op.drop_table("complaint_outcomes")
