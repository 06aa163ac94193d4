"""Recalls and corrections (FORMAT.md 3.7 and 3.8), derived from the log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Derived tables like the object index: ``ledger reindex`` rebuilds them. A log written
before this revision holds no recall or correction statements, so they start empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recall_statements",
        sa.Column("entry_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recall_id", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entry_idx"),
    )
    op.create_index("ix_recall_statements_recall_id", "recall_statements", ["recall_id"])
    op.create_table(
        "recall_objects",
        sa.Column("object_id", sa.String(400), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("object_id", "entry_idx"),
    )
    op.create_table(
        "recall_products",
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("gtin", "entry_idx", "first_day", "last_day"),
    )
    op.create_table(
        "corrections",
        sa.Column("target_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(63), nullable=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("target_idx"),
        sa.UniqueConstraint("entry_idx"),
    )


def downgrade() -> None:
    op.drop_table("corrections")
    op.drop_table("recall_products")
    op.drop_table("recall_objects")
    op.drop_index("ix_recall_statements_recall_id", table_name="recall_statements")
    op.drop_table("recall_statements")
