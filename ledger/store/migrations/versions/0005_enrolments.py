"""Device enrolments of the producer app.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

A phone asks for its key to be added to an actor (FORMAT.md section 11); the request waits
here until the operator approves it (a ``key`` statement on the log) or rejects it. Not part
of the log and not derived from it: ``ledger reindex`` leaves it alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrolments",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("public_key", sa.String(44), nullable=False),
        sa.Column("device", sa.String(100), nullable=False),
        sa.Column("requested", sa.String(24), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided", sa.String(24), nullable=True),
        sa.Column("decided_by", sa.String(63), nullable=True),
        sa.Column("key_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
        sa.UniqueConstraint("code"),
    )


def downgrade() -> None:
    op.drop_table("enrolments")
