"""Operations for administrators: the ops summary and DLQ redrive (the web app's Ops view)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import AdminUser, ServicesDep, SessionDep
from app.api.transactions import TransactionalRoute
from app.errors import InvalidInput
from app.jobs.maintenance import redrive_dead_letters
from app.ops.status import collect_status

router = APIRouter(route_class=TransactionalRoute, prefix="/api/ops", tags=["ops"])
audit = logging.getLogger("app.audit")


class RedriveRequest(BaseModel):
    message_ids: list[str] | None = Field(default=None, max_length=1000)
    all: bool = False


class RedriveResult(BaseModel):
    redriven_layout_ids: list[str]


# Both routes first end the request's transaction (the admin check's): on SQLite every transaction
# is BEGIN IMMEDIATE and holds the write lock, and the queue and the status collector use their
# own connections, which would wait for it (30 s busy timeout) and fail with "database is locked".


@router.get("/summary")
def summary(*, services: ServicesDep, session: SessionDep, user: AdminUser) -> dict[str, Any]:
    """Queue depth, in flight, DLQ, layouts by status, stuck jobs, workers, the last hour's jobs."""
    session.commit()
    return collect_status(services)


@router.post("/dlq/redrive", response_model=RedriveResult)
def redrive(
    *, body: RedriveRequest, services: ServicesDep, session: SessionDep, user: AdminUser
) -> RedriveResult:
    """Move dead letters (all, or the given message ids) back to the queue; their layouts to queued."""
    if not body.all and not body.message_ids:
        raise InvalidInput("give message_ids or set all=true")
    session.commit()
    message_ids = None if body.all else body.message_ids
    ids = redrive_dead_letters(session=session, queue=services.queue, message_ids=message_ids)
    audit.info(
        "ops.dlq_redrive", extra={"event": "ops.dlq_redrive", "user_id": str(user.id), "layout_ids": ids}
    )
    return RedriveResult(redriven_layout_ids=ids)
