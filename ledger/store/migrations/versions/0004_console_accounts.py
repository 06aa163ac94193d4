"""Operator accounts for the web console.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

A table of its own, outside the log: accounts are who may use the console, not facts the
ledger attests, so they are neither signed nor rebuilt by ``ledger reindex``. Passwords are
stored only as argon2id PHC strings (``ledger.service.accounts``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_accounts",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created", sa.String(24), nullable=False),
        sa.Column("last_login", sa.String(24), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("console_accounts")
