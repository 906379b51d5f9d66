"""Operations for administrators: the ops summary and DLQ redrive (the web app's Ops view)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import AdminUser, ServicesDep, SessionDep
from app.errors import InvalidInput
from app.jobs.maintenance import redrive_dead_letters
from app.ops.status import collect_status

router = APIRouter(prefix="/api/ops", tags=["ops"])
audit = logging.getLogger("app.audit")


class RedriveRequest(BaseModel):
    message_ids: list[str] | None = Field(default=None, max_length=1000)
    all: bool = False


class RedriveResult(BaseModel):
    redriven_layout_ids: list[str]


@router.get("/summary")
def summary(*, services: ServicesDep, user: AdminUser) -> dict[str, Any]:
    """Queue depth, in flight, DLQ, layouts by status, stuck jobs, workers, the last hour's jobs."""
    return collect_status(services)


@router.post("/dlq/redrive", response_model=RedriveResult)
def redrive(*, body: RedriveRequest, services: ServicesDep, session: SessionDep, user: AdminUser) -> RedriveResult:
    """Move dead letters (all, or the given message ids) back to the queue; their layouts to queued."""
    if not body.all and not body.message_ids:
        raise InvalidInput("give message_ids or set all=true")
    ids = redrive_dead_letters(session=session, queue=services.queue, message_ids=None if body.all else body.message_ids)
    audit.info("ops.dlq_redrive", extra={"event": "ops.dlq_redrive", "user_id": str(user.id), "layout_ids": ids})
    return RedriveResult(redriven_layout_ids=ids)
