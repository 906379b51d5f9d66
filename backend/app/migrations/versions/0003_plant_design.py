"""Plant design: per-asset properties (tables, trackers), the layout's design document (electrical,
bill of quantities, energy, cost), the site's grid interconnection point and input-change time
(stale layouts), the idempotency body hash, and the annual energy for cheap status polls.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.base import JsonDoc, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("properties", JsonDoc, nullable=True))
    with op.batch_alter_table("layouts") as batch:
        batch.add_column(sa.Column("design", JsonDoc, nullable=True))
        batch.add_column(sa.Column("annual_energy_mwh", sa.Float(), nullable=True))
        batch.add_column(sa.Column("idempotency_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("interconnection_point", JsonDoc, nullable=True))
        batch.add_column(sa.Column("inputs_changed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("inputs_changed_at")
        batch.drop_column("interconnection_point")
    with op.batch_alter_table("layouts") as batch:
        batch.drop_column("idempotency_hash")
        batch.drop_column("annual_energy_mwh")
        batch.drop_column("design")
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("properties")
