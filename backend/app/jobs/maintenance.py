"""Housekeeping shared by the worker, the API and `sitelayouts ops`: enqueueing, requeueing stuck jobs."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import Layout, LayoutStatus
from app.queue.base import MAX_RECEIVE_COUNT, JobQueue

log = logging.getLogger("app.worker")


def job_message(layout_id: uuid.UUID) -> dict[str, str]:
    return {"layout_id": str(layout_id)}


def enqueue_layout(*, session: Session, queue: JobQueue, layout: Layout) -> None:
    """Mark the layout queued and send its message.

    A transactional queue (database backend) writes the message in `session`'s transaction, so
    the row and the message commit together. For SQS the row is committed first, then sent; if
    sending fails the layout is marked failed, so nothing waits forever for a lost message.
    """
    now = datetime.now(UTC)
    layout.status = LayoutStatus.queued.value
    layout.queued_at = now
    layout.stage = "queued"
    layout.progress_pct = 0.0
    layout.claim_token = None
    layout.completed_at = None
    if queue.transactional:
        queue.send(job_message(layout.id), session=session)
        return
    session.commit()
    try:
        queue.send(job_message(layout.id))
    except Exception:
        layout.status = LayoutStatus.failed.value
        layout.error_message = "could not enqueue the layout job: the queue is unavailable; try again"
        session.commit()
        raise


def requeue_stuck(
    *, session: Session, queue: JobQueue, older_than_s: float, max_attempts: int = MAX_RECEIVE_COUNT
) -> list[str]:
    """Put layouts stuck in `processing` (heartbeat older than `older_than_s` [s]) back in the queue.

    A layout whose worker was lost `max_attempts` times is failed instead: a job that kills its
    worker (out of memory, say) must not be requeued forever.
    """
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    stuck = session.scalars(
        select(Layout).where(
            Layout.status == LayoutStatus.processing.value,
            (Layout.heartbeat_at < cutoff) | Layout.heartbeat_at.is_(None),
        )
    ).all()
    ids = []
    for layout in stuck:
        give_up = layout.attempts >= max_attempts
        values = (
            {
                "status": LayoutStatus.failed.value,
                "stage": "failed",
                "completed_at": datetime.now(UTC),
                "error_message": f"the worker processing this layout stopped {layout.attempts} times "
                "without finishing (killed or out of memory); try a coarser DEM resolution or a smaller site",
            }
            if give_up
            else {"status": LayoutStatus.queued.value, "stage": "queued", "queued_at": datetime.now(UTC)}
        )
        # Compare-and-set: a worker that wakes up meanwhile keeps its job.
        changed = session.execute(
            update(Layout)
            .where(
                Layout.id == layout.id,
                Layout.status == LayoutStatus.processing.value,
                Layout.claim_token == layout.claim_token,
            )
            .values(claim_token=None, **values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 1 and not give_up:  # type: ignore[attr-defined]
            ids.append(str(layout.id))
        elif changed.rowcount == 1:  # type: ignore[attr-defined]
            log.error("gave up on a layout whose worker kept dying", extra={"layout_id": str(layout.id)})
    if queue.transactional:
        for layout_id in ids:
            queue.send(job_message(uuid.UUID(layout_id)), session=session)
    else:
        session.commit()
        for layout_id in ids:
            queue.send(job_message(uuid.UUID(layout_id)))
    if ids:
        log.warning("requeued stuck layouts", extra={"layout_ids": ids, "older_than_s": older_than_s})
    return ids


def retry_layout(*, session: Session, queue: JobQueue, layout: Layout) -> None:
    """Queue a failed, cancelled or message-less queued layout again (a person decided so).

    Re-sending for a layout that still has a message is harmless: the claim lets one run.
    """
    layout.error_message = None
    layout.attempts = 0
    enqueue_layout(session=session, queue=queue, layout=layout)


def redrive_dead_letters(*, session: Session, queue: JobQueue, message_ids: list[str] | None) -> list[str]:
    """Move dead letters back to the queue and their layouts back to `queued`; the layout ids."""
    bodies = queue.dlq_redrive(message_ids)
    layout_ids: list[str] = []
    for body in bodies:
        try:
            layout_id = uuid.UUID(str(body.get("layout_id")))
        except ValueError:
            continue
        layout = session.get(Layout, layout_id)
        if layout is None:
            continue
        layout.status = LayoutStatus.queued.value
        layout.stage = "queued"
        layout.error_message = None
        layout.attempts = 0
        layout.claim_token = None
        layout.completed_at = None
        layout.queued_at = datetime.now(UTC)
        layout_ids.append(str(layout_id))
    return layout_ids
