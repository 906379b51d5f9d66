"""Submitting a layout (POST /api/layouts/generate): checks, idempotent replay, then queued or run.

The route stays thin: it calls `submit_layout` and turns its answer into the response."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from shapely.geometry import shape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.api.derived_checks import check_derived_limits
from app.api.idempotency import body_hash, check_replay
from app.api.params import generate_params
from app.api.schemas import LayoutGenerate
from app.db import crud
from app.db.models import Layout, Site, User
from app.jobs import lifecycle
from app.jobs.memory_budget import check_grid_budget
from app.jobs.runner import run_inline
from app.queue.base import JobQueue
from app.services import Services
from app.storage.base import Storage

# The route's logger, so the audit trail reads as before the route was thinned.
log = logging.getLogger("app.api.routes.layouts")


@dataclass(frozen=True)
class Submitted:
    """The layout a request created (or, `replay`: the one an earlier request with the same
    Idempotency-Key created) and whether it runs asynchronously (`async_mode`)."""

    layout: Layout
    async_mode: bool
    replay: bool = False


def submit_layout(
    *,
    body: LayoutGenerate,
    session: Session,
    services: Services,
    queue: JobQueue,
    storage: Storage,
    user: User,
    idempotency_key: str | None,
) -> Submitted:
    """Check the request against the user's site (422 when its grid would not fit a worker's
    memory or a derived limit is broken), answer a replay with the earlier layout, else create the
    layout and queue it (async mode) or run it in the request (sync mode), as a worker would."""
    site = _checked_site(body, session, services, user)
    async_mode = services.settings.enable_async_layout_generation
    digest = body_hash(body.model_dump(mode="json"))
    if idempotency_key:
        existing = crud.get_layout_by_idempotency_key(session=session, owner_id=user.id, key=idempotency_key)
        if existing is not None:
            check_replay(existing, digest)
            return Submitted(existing, async_mode, replay=True)
    layout = lifecycle.new_layout(
        params=generate_params(body),
        site_id=site.id,
        owner_id=user.id,
        now=datetime.now(UTC),
        idempotency_key=idempotency_key,
        idempotency_hash=digest if idempotency_key else None,
    )
    replayed = _stored_or_raced(session, layout, user, idempotency_key, digest)
    if replayed is not None:
        return Submitted(replayed, async_mode, replay=True)
    if async_mode:
        lifecycle.enqueue(session=session, queue=queue, layout=layout)
        session.commit()
        log.info("layout queued", extra={"layout_id": str(layout.id), "site_id": str(site.id)})
        return Submitted(layout, True)
    # Synchronous: claimed, computed in the request and stored, as a worker would.
    run_inline(session, layout=layout, settings=services.settings, storage=storage)
    session.refresh(layout)
    return Submitted(layout, False)


def _checked_site(body: LayoutGenerate, session: Session, services: Services, user: User) -> Site:
    """The user's site (404 otherwise), with the request checked against it."""
    site = crud.get_site(session=session, site_id=body.site_id, owner_id=user.id)
    # Refused here (422) rather than queued to run a worker out of memory.
    check_grid_budget(shape(site.boundary), body.dem_resolution_m, services.settings)
    check_derived_limits(body, site.centroid_lat)
    return site


def _stored_or_raced(
    session: Session, layout: Layout, user: User, idempotency_key: str | None, digest: str
) -> Layout | None:
    """Store the new `layout`; None when stored. When a concurrent retry with the same key won
    the race, the layout it stored (the replay is checked against `digest`)."""
    session.add(layout)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = crud.get_layout_by_idempotency_key(
            session=session, owner_id=user.id, key=idempotency_key or ""
        )
        if existing is None:
            raise
        check_replay(existing, digest)
        return existing
    return None
