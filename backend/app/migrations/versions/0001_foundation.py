"""Foundation: users, sites, exclusion zones, layouts, assets, roads.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.base import JsonDoc, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("oidc_sub", sa.String(length=255), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("oidc_sub", name=op.f("uq_users_oidc_sub")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("boundary", JsonDoc, nullable=False),
        sa.Column("area_ha", sa.Float(), nullable=False),
        sa.Column("centroid_lon", sa.Float(), nullable=False),
        sa.Column("centroid_lat", sa.Float(), nullable=False),
        sa.Column("bbox_min_lon", sa.Float(), nullable=False),
        sa.Column("bbox_min_lat", sa.Float(), nullable=False),
        sa.Column("bbox_max_lon", sa.Float(), nullable=False),
        sa.Column("bbox_max_lat", sa.Float(), nullable=False),
        sa.Column("entry_point", JsonDoc, nullable=True),
        sa.Column("source_key", sa.String(length=512), nullable=True),
        sa.Column("warnings", JsonDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_sites_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    op.create_index(op.f("ix_sites_owner_id"), "sites", ["owner_id"])
    op.create_table(
        "exclusion_zones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("zone_type", sa.String(length=64), nullable=False),
        sa.Column("buffer_m", sa.Float(), nullable=False),
        sa.Column("geometry", JsonDoc, nullable=False),
        sa.Column("area_ha", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_exclusion_zones_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusion_zones")),
    )
    op.create_index(op.f("ix_exclusion_zones_site_id"), "exclusion_zones", ["site_id"])
    op.create_table(
        "layouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params", JsonDoc, nullable=False),
        sa.Column("metrics", JsonDoc, nullable=True),
        sa.Column("warnings", JsonDoc, nullable=False),
        sa.Column("crs", sa.String(length=32), nullable=True),
        sa.Column("total_capacity_kw", sa.Float(), nullable=True),
        sa.Column("asset_count", sa.Integer(), nullable=True),
        sa.Column("road_length_m", sa.Float(), nullable=True),
        sa.Column("cut_volume_m3", sa.Float(), nullable=True),
        sa.Column("fill_volume_m3", sa.Float(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_layouts_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_layouts_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layouts")),
    )
    op.create_index(op.f("ix_layouts_owner_id"), "layouts", ["owner_id"])
    op.create_index(op.f("ix_layouts_site_id"), "layouts", ["site_id"])
    op.create_index(op.f("ix_layouts_status"), "layouts", ["status"])
    op.create_table(
        "assets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("layout_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("asset_type", sa.String(length=64), nullable=False),
        sa.Column("geometry", JsonDoc, nullable=False),
        sa.Column("rotation_deg", sa.Float(), nullable=False),
        sa.Column("capacity_kw", sa.Float(), nullable=False),
        sa.Column("storage_kwh", sa.Float(), nullable=False),
        sa.Column("elevation_m", sa.Float(), nullable=True),
        sa.Column("slope_deg", sa.Float(), nullable=True),
        sa.Column("pad_elevation_m", sa.Float(), nullable=True),
        sa.Column("cut_m3", sa.Float(), nullable=False),
        sa.Column("fill_m3", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layout_id"], ["layouts.id"], name=op.f("fk_assets_layout_id_layouts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
    )
    op.create_index("ix_assets_layout_seq", "assets", ["layout_id", "seq"])
    op.create_table(
        "roads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("layout_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("road_class", sa.String(length=16), nullable=False),
        sa.Column("geometry", JsonDoc, nullable=False),
        sa.Column("width_m", sa.Float(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("max_grade_pct", sa.Float(), nullable=False),
        sa.Column("cut_m3", sa.Float(), nullable=False),
        sa.Column("fill_m3", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layout_id"], ["layouts.id"], name=op.f("fk_roads_layout_id_layouts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roads")),
    )
    op.create_index("ix_roads_layout_seq", "roads", ["layout_id", "seq"])


def downgrade() -> None:
    for table in ("roads", "assets", "layouts", "exclusion_zones", "sites", "users"):
        op.drop_table(table)
