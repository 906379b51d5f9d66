"""Tables. Geometry columns hold WGS84 (EPSG:4326) GeoJSON geometries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, JsonDoc, UTCDateTime, new_id, utcnow


class LayoutStatus(StrEnum):
    queued = "queued"
    processing = "processing"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (LayoutStatus.completed, LayoutStatus.failed, LayoutStatus.cancelled)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    oidc_sub: Mapped[str | None] = mapped_column(String(255), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    boundary: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    area_ha: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    bbox_min_lon: Mapped[float] = mapped_column(Float)
    bbox_min_lat: Mapped[float] = mapped_column(Float)
    bbox_max_lon: Mapped[float] = mapped_column(Float)
    bbox_max_lat: Mapped[float] = mapped_column(Float)
    entry_point: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # The grid interconnection point (GeoJSON Point, WGS84): where the plant's substation connects.
    interconnection_point: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # When the boundary's zones, entry or interconnection point last changed: older layouts are stale.
    inputs_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_key: Mapped[str | None] = mapped_column(String(512))
    warnings: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exclusion_zones: Mapped[list[ExclusionZone]] = relationship(
        back_populates="site",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ExclusionZone.created_at",
    )
    layouts: Mapped[list[Layout]] = relationship(
        back_populates="site", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.bbox_min_lon, self.bbox_min_lat, self.bbox_max_lon, self.bbox_max_lat)


class ExclusionZone(Base):
    __tablename__ = "exclusion_zones"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    zone_type: Mapped[str] = mapped_column(String(64), default="exclusion")
    buffer_m: Mapped[float] = mapped_column(Float, default=0.0)
    geometry: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    area_ha: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship(back_populates="exclusion_zones")


class Layout(Base):
    __tablename__ = "layouts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=LayoutStatus.queued.value, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    warnings: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    crs: Mapped[str | None] = mapped_column(String(32))
    total_capacity_kw: Mapped[float | None] = mapped_column(Float)
    asset_count: Mapped[int | None] = mapped_column(Integer)
    road_length_m: Mapped[float | None] = mapped_column(Float)
    cut_volume_m3: Mapped[float | None] = mapped_column(Float)
    fill_volume_m3: Mapped[float | None] = mapped_column(Float)
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Job state (migration 0002): written by the API and the job runner only.
    stage: Mapped[str | None] = mapped_column(String(32))
    progress_pct: Mapped[float] = mapped_column(Float, default=0.0)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    # Receipt handle of the message the current claim came with (migration 0004): a sweep makes it
    # visible again at once when the claim goes stale.
    receipt_handle: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the request body an Idempotency-Key was first used with.
    idempotency_hash: Mapped[str | None] = mapped_column(String(64))
    # The plant design document: pv design, electrical, bill of quantities, energy, cost (JSON).
    design: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    annual_energy_mwh: Mapped[float | None] = mapped_column(Float)
    # A scenario study's variant (migration 0005): the study and the variant's axis values.
    study_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("studies.id", ondelete="CASCADE"), index=True
    )
    variant: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)

    site: Mapped[Site] = relationship(back_populates="layouts")
    assets: Mapped[list[Asset]] = relationship(
        back_populates="layout", cascade="all, delete-orphan", passive_deletes=True, order_by="Asset.seq"
    )
    roads: Mapped[list[Road]] = relationship(
        back_populates="layout", cascade="all, delete-orphan", passive_deletes=True, order_by="Road.seq"
    )

    __table_args__ = (UniqueConstraint("owner_id", "idempotency_key", name="uq_layouts_owner_idempotency"),)


class Asset(Base):
    __tablename__ = "assets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    layout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("layouts.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    asset_type: Mapped[str] = mapped_column(String(64))
    geometry: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    rotation_deg: Mapped[float] = mapped_column(Float, default=0.0)
    capacity_kw: Mapped[float] = mapped_column(Float, default=0.0)
    storage_kwh: Mapped[float] = mapped_column(Float, default=0.0)
    elevation_m: Mapped[float | None] = mapped_column(Float)
    slope_deg: Mapped[float | None] = mapped_column(Float)
    pad_elevation_m: Mapped[float | None] = mapped_column(Float)
    cut_m3: Mapped[float] = mapped_column(Float, default=0.0)
    fill_m3: Mapped[float] = mapped_column(Float, default=0.0)
    # Type-specific properties (PV tables: dc_kwp, modules, structure, block, slopes, piles, …).
    properties: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)

    layout: Mapped[Layout] = relationship(back_populates="assets")

    __table_args__ = (Index("ix_assets_layout_seq", "layout_id", "seq"),)


class Road(Base):
    __tablename__ = "roads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    layout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("layouts.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    road_class: Mapped[str] = mapped_column(String(16))
    geometry: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    width_m: Mapped[float] = mapped_column(Float)
    length_m: Mapped[float] = mapped_column(Float)
    max_grade_pct: Mapped[float] = mapped_column(Float)
    cut_m3: Mapped[float] = mapped_column(Float, default=0.0)
    fill_m3: Mapped[float] = mapped_column(Float, default=0.0)

    layout: Mapped[Layout] = relationship(back_populates="roads")

    __table_args__ = (Index("ix_roads_layout_seq", "layout_id", "seq"),)


class QueueMessage(Base):
    """A message of the database queue backend (SQS semantics; see app/queue/database.py)."""

    __tablename__ = "queue_messages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    visible_at: Mapped[datetime] = mapped_column(UTCDateTime)
    receive_count: Mapped[int] = mapped_column(Integer, default=0)
    first_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receipt_handle: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_queue_messages_queue_visible", "queue", "visible_at"),)


class WorkerHeartbeat(Base):
    """Liveness of each worker process, for health checks and `ops status`."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    current_layout_id: Mapped[str | None] = mapped_column(String(36))
    jobs_done: Mapped[int] = mapped_column(Integer, default=0)


class Study(Base):
    """A scenario study: a grid of layout variants of one site (see app/studies)."""

    __tablename__ = "studies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # The variant axes ({"structure": [...], "gcr": [...], ...}) and the parameters all variants share.
    grid: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    base: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Not a foreign key: studies -> layouts -> studies would be a cycle; checked by the API.
    preferred_layout_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
