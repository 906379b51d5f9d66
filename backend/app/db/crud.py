"""Small query functions that routes, the job runner and the CLI call instead of inline SELECTs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import ExclusionZone, Layout, Site, User
from app.errors import NotFound


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def get_user_by_sub(*, session: Session, sub: str) -> User | None:
    return session.scalar(select(User).where(User.oidc_sub == sub))


def get_user(*, session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_site(*, session: Session, site_id: uuid.UUID, owner_id: uuid.UUID | None) -> Site:
    """The site, if it exists and belongs to `owner_id` (None: any owner); else `NotFound`."""
    site = session.get(Site, site_id)
    if site is None or (owner_id is not None and site.owner_id != owner_id):
        raise NotFound(f"site {site_id} not found")
    return site


def list_sites(
    *, session: Session, owner_id: uuid.UUID, skip: int = 0, limit: int = 100
) -> tuple[list[Site], int]:
    count = session.scalar(select(func.count()).select_from(Site).where(Site.owner_id == owner_id)) or 0
    rows = session.scalars(
        select(Site)
        .where(Site.owner_id == owner_id)
        .order_by(Site.created_at.desc())
        .offset(skip)
        .limit(limit)
    ).all()
    return list(rows), count


def latest_layouts(*, session: Session, site_ids: list[uuid.UUID]) -> dict[uuid.UUID, Layout]:
    """The most recently created layout of each site in `site_ids`."""
    if not site_ids:
        return {}
    rows = session.scalars(
        select(Layout).where(Layout.site_id.in_(site_ids)).order_by(Layout.site_id, Layout.created_at.desc())
    ).all()
    latest: dict[uuid.UUID, Layout] = {}
    for row in rows:
        latest.setdefault(row.site_id, row)
    return latest


def get_zone(*, session: Session, site: Site, zone_id: uuid.UUID) -> ExclusionZone:
    zone = session.get(ExclusionZone, zone_id)
    if zone is None or zone.site_id != site.id:
        raise NotFound(f"exclusion zone {zone_id} not found")
    return zone


def get_layout(*, session: Session, layout_id: uuid.UUID, owner_id: uuid.UUID | None) -> Layout:
    """The layout, if it exists and belongs to `owner_id` (None: any owner); else `NotFound`."""
    layout = session.get(Layout, layout_id)
    if layout is None or (owner_id is not None and layout.owner_id != owner_id):
        raise NotFound(f"layout {layout_id} not found")
    return layout


def list_layouts(
    *,
    session: Session,
    owner_id: uuid.UUID,
    site_id: uuid.UUID | None = None,
    skip: int = 0,
    limit: int = 100,
) -> tuple[list[Layout], int]:
    where: list[Any] = [Layout.owner_id == owner_id]
    if site_id is not None:
        where.append(Layout.site_id == site_id)
    count = session.scalar(select(func.count()).select_from(Layout).where(*where)) or 0
    rows = session.scalars(
        select(Layout).where(*where).order_by(Layout.created_at.desc()).offset(skip).limit(limit)
    ).all()
    return list(rows), count


def get_layout_by_idempotency_key(*, session: Session, owner_id: uuid.UUID, key: str) -> Layout | None:
    return session.scalar(select(Layout).where(Layout.owner_id == owner_id, Layout.idempotency_key == key))


def get_layout_status(*, session: Session, layout_id: uuid.UUID, owner_id: uuid.UUID) -> str:
    """The status of the layout if it exists and belongs to `owner_id`, else `NotFound`; reads two
    columns only (the full row carries the design document, megabytes at plant scale)."""
    row = session.execute(select(Layout.owner_id, Layout.status).where(Layout.id == layout_id)).first()
    if row is None or row.owner_id != owner_id:
        raise NotFound(f"layout {layout_id} not found")
    return str(row.status)
