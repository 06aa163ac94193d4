"""The product catalogue kept in the console, and actors' business contacts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Neither is part of the log nor derived from it (``ledger reindex`` leaves them alone).
``catalogue_products`` overrides the catalogue file (``LEDGER_CATALOGUE``) by GTIN, so an
empty table means the file as before. ``business_contacts`` holds the phone and address an
actor prints on its 承诺达标合格证: off the log, where it can be corrected or erased.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_products",
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("net_content", sa.String(50), nullable=True),
        sa.Column("temp_min_c", sa.Float(), nullable=True),
        sa.Column("temp_max_c", sa.Float(), nullable=True),
        sa.Column("updated", sa.String(24), nullable=False),
        sa.Column("updated_by", sa.String(63), nullable=False),
        sa.PrimaryKeyConstraint("gtin"),
    )
    op.create_table(
        "business_contacts",
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("updated", sa.String(24), nullable=False),
        sa.Column("updated_by", sa.String(63), nullable=False),
        sa.PrimaryKeyConstraint("actor"),
    )


def downgrade() -> None:
    op.drop_table("business_contacts")
    op.drop_table("catalogue_products")
