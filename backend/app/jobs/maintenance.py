"""Housekeeping shared by the worker, the API and `sitelayouts ops`: requeueing stuck jobs, orphans and
dead letters. The status changes themselves are `app.jobs.lifecycle`'s."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import Layout, LayoutStatus
from app.errors import QueueError
from app.jobs import lifecycle
from app.queue.base import MAX_RECEIVE_COUNT, JobQueue

log = logging.getLogger("app.worker")


def requeue_stuck(
    *, session: Session, queue: JobQueue, older_than_s: float, max_attempts: int = MAX_RECEIVE_COUNT
) -> list[str]:
    """Put layouts stuck in `processing` (heartbeat older than `older_than_s` [s]) back in the queue.

    The dead claim's own message is made visible again at once through the receipt handle stored
    at claim time (so its receive count keeps counting toward the dead-letter queue); a layout
    without one gets a new message. A layout whose worker was lost `max_attempts` times is failed
    instead: a job that kills its worker (out of memory, say) must not be requeued forever.
    """
    now = datetime.now(UTC)
    cutoff = now - timedelta(seconds=older_than_s)
    stuck = session.scalars(
        select(Layout).where(
            Layout.status == LayoutStatus.processing.value,
            (Layout.heartbeat_at < cutoff) | Layout.heartbeat_at.is_(None),
        )
    ).all()
    requeued: list[tuple[str, str | None]] = []
    for layout in stuck:
        give_up = layout.attempts >= max_attempts
        if not lifecycle.rescue(session, layout=layout, give_up=give_up):
            continue  # a worker that woke up meanwhile keeps its job
        if give_up:
            log.error("gave up on a layout whose worker kept dying", extra={"layout_id": str(layout.id)})
        else:
            requeued.append((str(layout.id), layout.receipt_handle))
    if queue.transactional:
        for layout_id, handle in requeued:
            _resurface(queue, layout_id, handle, session=session)
    else:
        session.commit()
        for layout_id, handle in requeued:
            _resurface(queue, layout_id, handle, session=None)
    ids = [layout_id for layout_id, _ in requeued]
    if ids:
        log.warning("requeued stuck layouts", extra={"layout_ids": ids, "older_than_s": older_than_s})
    return ids


def _resurface(queue: JobQueue, layout_id: str, handle: str | None, *, session: Session | None) -> None:
    """Make a dead claim's message visible now; send a new one when that is not possible."""
    if handle:
        try:
            if queue.change_visibility(handle, 0, session=session):
                return
        except QueueError as exc:
            # Expired or re-received handle: a new message is safe, the claim lets one run.
            log.info("could not resurface the message (%s); sending a new one", exc.message)
    queue.send(lifecycle.job_message(uuid.UUID(layout_id)), session=session)


def requeue_orphans(*, session: Session, queue: JobQueue, older_than_s: float) -> list[str]:
    """Send a new message for `queued` layouts (queued more than `older_than_s` [s] ago) that have none.

    Only the database queue can tell: SQS cannot be searched by body.
    """
    pending = getattr(queue, "queued_layout_ids", None)
    if pending is None or not queue.transactional:
        return []
    now = datetime.now(UTC)
    candidates = session.scalars(
        select(Layout.id).where(
            Layout.status == LayoutStatus.queued.value,
            (Layout.queued_at < now - timedelta(seconds=older_than_s)) | Layout.queued_at.is_(None),
        )
    ).all()
    if not candidates:
        return []
    have = pending(session)
    ids = [str(lid) for lid in candidates if str(lid) not in have]
    for layout_id in ids:
        session.execute(
            update(Layout)
            .where(Layout.id == uuid.UUID(layout_id), Layout.status == LayoutStatus.queued.value)
            .values(queued_at=now)
            .execution_options(synchronize_session=False)
        )
        queue.send(lifecycle.job_message(uuid.UUID(layout_id)), session=session)
    if ids:
        log.warning("re-sent messages for queued layouts that had none", extra={"layout_ids": ids})
    return ids


def redrive_dead_letters(*, session: Session, queue: JobQueue, message_ids: list[str] | None) -> list[str]:
    """Move dead letters back to the queue and their failed layouts back to `queued`; the layout ids.

    A worker must never see a redriven message while its layout still says `failed` (it would
    drop the message and strand the layout). The database queue moves the messages in `session`'s
    transaction, so both commit together; for SQS the layouts are committed `queued` first and
    the messages moved after.
    """
    if queue.transactional:
        return _requeue_layouts(session, queue.dlq_redrive(message_ids, session=session))
    wanted = set(message_ids) if message_ids is not None else None
    peeked = [m for m in queue.dlq_list(limit=1000) if wanted is None or m.message_id in wanted]
    layout_ids = _requeue_layouts(session, [m.body for m in peeked])
    session.commit()
    queue.dlq_redrive([m.message_id for m in peeked])
    return layout_ids


def _requeue_layouts(session: Session, bodies: list[dict[str, object]]) -> list[str]:
    layout_ids: list[str] = []
    for body in bodies:
        try:
            layout_id = uuid.UUID(str(body.get("layout_id")))
        except ValueError:
            continue
        # Completed or cancelled layouts keep their state: their redriven message is skipped.
        if lifecycle.redrive(session, layout_id):
            layout_ids.append(str(layout_id))
    session.flush()
    return layout_ids
