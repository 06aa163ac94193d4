"""Initial schema: the log, Merkle nodes, checkpoints and the derived tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


# Over 80 lines on purpose: a flat list of tables, one create_table each; split, it reads worse.
def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("statement_id", sa.LargeBinary(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("signer", sa.String(32), nullable=False),
        sa.Column("time", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
        sa.UniqueConstraint("entry_hash"),
        sa.UniqueConstraint("prev_hash"),
        sa.UniqueConstraint("statement_id"),
    )
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checkpoints_tree_size", "checkpoints", ["tree_size"])
    op.create_table(
        "actors",
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=False),
        sa.Column("gln", sa.String(13), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("actor"),
        sa.UniqueConstraint("gln"),
    )
    op.create_table(
        "keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), nullable=False),
        sa.Column("revoked_effective", sa.String(24), nullable=True),
        sa.Column("revoked_idx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_index("ix_keys_actor", "keys", ["actor"])
    op.create_table(
        "object_entries",
        sa.Column("object_id", sa.String(400), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("object_id", "entry_idx"),
    )
    op.create_table(
        "custody",
        sa.Column("object_id", sa.String(400), nullable=False),
        sa.Column("holder", sa.String(63), nullable=True),
        sa.Column("pending_receiver", sa.String(63), nullable=True),
        sa.Column("container", sa.String(400), nullable=True),
        sa.PrimaryKeyConstraint("object_id"),
    )
    op.create_index("ix_custody_container", "custody", ["container"])
    op.create_table(
        "flags",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_flags_entry_idx", "flags", ["entry_idx"])


def downgrade() -> None:
    for table in (
        "flags",
        "custody",
        "object_entries",
        "keys",
        "actors",
        "checkpoints",
        "merkle_nodes",
        "log_entries",
    ):
        op.drop_table(table)
