"""Small query functions that routes, the job runner and the CLI call instead of inline SELECTs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.models import ExclusionZone, Layout, Site, Study, User
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


# -- studies -------------------------------------------------------------------------------------
def get_study(*, session: Session, study_id: uuid.UUID, owner_id: uuid.UUID) -> Study:
    """The study, if it exists and belongs to `owner_id`; else `NotFound`."""
    study = session.get(Study, study_id)
    if study is None or study.owner_id != owner_id:
        raise NotFound(f"study {study_id} not found")
    return study


def list_studies(*, session: Session, site_id: uuid.UUID, owner_id: uuid.UUID) -> list[Study]:
    """The site's studies of `owner_id`, newest first."""
    rows = session.scalars(
        select(Study)
        .where(Study.site_id == site_id, Study.owner_id == owner_id)
        .order_by(Study.created_at.desc())
    ).all()
    return list(rows)


def study_status_counts(*, session: Session, study_id: uuid.UUID) -> dict[str, int]:
    """How many of the study's variant layouts are in each status (statuses with none absent)."""
    q = select(Layout.status, func.count()).where(Layout.study_id == study_id).group_by(Layout.status)
    return {state: int(n) for state, n in session.execute(q).tuples()}


def study_variant_rows(*, session: Session, study_id: uuid.UUID) -> list[Any]:
    """The study's variant layouts in creation order, only the columns its comparison table reads
    (id, variant, status, progress_pct, metrics, total_capacity_kw, annual_energy_mwh,
    error_message): the design documents and geometries stay in the database."""
    q = (
        select(
            Layout.id,
            Layout.variant,
            Layout.status,
            Layout.progress_pct,
            Layout.metrics,
            Layout.total_capacity_kw,
            Layout.annual_energy_mwh,
            Layout.error_message,
        )
        .where(Layout.study_id == study_id)
        .order_by(Layout.created_at, Layout.id)
    )
    return list(session.execute(q).tuples())


def get_study_variant(*, session: Session, study: Study, layout_id: uuid.UUID) -> Layout | None:
    """The layout if it is a variant of `study` (and its owner's), else None."""
    layout = session.get(Layout, layout_id)
    if layout is None or layout.study_id != study.id or layout.owner_id != study.owner_id:
        return None
    return layout


def delete_study(*, session: Session, study: Study) -> list[uuid.UUID]:
    """Delete the study and its variants' layouts (flushed); the deleted layouts' ids."""
    layout_ids = list(session.scalars(select(Layout.id).where(Layout.study_id == study.id)))
    session.execute(delete(Layout).where(Layout.study_id == study.id))
    session.delete(study)
    session.flush()
    return layout_ids


def get_layout_status(*, session: Session, layout_id: uuid.UUID, owner_id: uuid.UUID) -> str:
    """The status of the layout if it exists and belongs to `owner_id`, else `NotFound`; reads two
    columns only (the full row carries the design document, megabytes at plant scale)."""
    row = session.execute(select(Layout.owner_id, Layout.status).where(Layout.id == layout_id)).first()
    if row is None or row.owner_id != owner_id:
        raise NotFound(f"layout {layout_id} not found")
    return str(row.status)
