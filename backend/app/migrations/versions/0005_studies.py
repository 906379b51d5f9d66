"""Scenario studies: a grid of layout variants run as queued jobs and compared.

`studies` holds the grid (variant axes) and the common parameters; each variant is a layout with
`study_id` and `variant` (its axis values). `preferred_layout_id` is a plain id, not a foreign key:
a foreign key both ways between studies and layouts would be a cycle for table ordering.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.base import JsonDoc, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("grid", JsonDoc, nullable=False),
        sa.Column("base", JsonDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("preferred_layout_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_studies_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_studies_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_studies"),
    )
    op.create_index("ix_studies_owner_id", "studies", ["owner_id"])
    op.create_index("ix_studies_site_id", "studies", ["site_id"])
    with op.batch_alter_table("layouts") as batch:
        batch.add_column(sa.Column("study_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("variant", JsonDoc, nullable=True))
        batch.create_foreign_key(
            "fk_layouts_study_id_studies", "studies", ["study_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_layouts_study_id", ["study_id"])


def downgrade() -> None:
    with op.batch_alter_table("layouts") as batch:
        batch.drop_index("ix_layouts_study_id")
        batch.drop_constraint("fk_layouts_study_id_studies", type_="foreignkey")
        batch.drop_column("variant")
        batch.drop_column("study_id")
    op.drop_index("ix_studies_site_id", table_name="studies")
    op.drop_index("ix_studies_owner_id", table_name="studies")
    op.drop_table("studies")
