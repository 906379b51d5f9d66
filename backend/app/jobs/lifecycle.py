"""The one owner of a layout's job state: the only code that changes `Layout.status`.

    (new) ──> queued ──claim──> processing ──complete──> completed
                ^  ^               │  │ │
                │  └──back_off──────┘  │ └──fail──> failed ──retry / redrive──> queued
                │  └──release──────────┘
                └──rescue (stale heartbeat; or failed after too many lost workers)
    queued | processing ──cancel──> cancelled ──retry──> queued

Every transition is a compare-and-set: one UPDATE whose WHERE names the states (and, for a
running job, the claim token) it may start from, so a duplicate message, a late worker or a cancel
racing completion never overwrites the winner. Each returns whether it changed the row; none
commits (the caller owns the transaction). The worker (`app.jobs.runner`), the sweeps
(`app.jobs.maintenance`), the API routes and `sitelayouts ops` call these functions;
tests/jobs/test_lifecycle.py checks that no other module writes a status.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from app.db import mapping
from app.db.models import Layout, LayoutStatus
from app.engine.core.types import LayoutResult
from app.errors import Conflict
from app.queue.base import JobQueue

# States a person (retry) or the DLQ redrive may send back to the queue.
REQUEUEABLE = (LayoutStatus.failed.value, LayoutStatus.cancelled.value, LayoutStatus.queued.value)
ENQUEUE_FAILED = "could not enqueue the layout job: the queue is unavailable; try again"


def job_message(layout_id: uuid.UUID) -> dict[str, str]:
    """The queue message body of a layout's job."""
    return {"layout_id": str(layout_id)}


def _set(session: Session, where: Iterable[Any], values: dict[str, Any], *, sync: bool = False) -> bool:
    """One compare-and-set UPDATE on layouts; True if it changed the row.

    sync: also update the ORM objects of this session (for callers that go on using them)."""
    result = session.execute(
        update(Layout)
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session="fetch" if sync else False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _held(layout_id: uuid.UUID, token: str) -> list[Any]:
    """The running job is still this claim's (not cancelled, failed or taken over)."""
    return [
        Layout.id == layout_id,
        Layout.claim_token == token,
        Layout.status == LayoutStatus.processing.value,
    ]


# -- queue ---------------------------------------------------------------------------------------
def new_layout(
    *, site_id: uuid.UUID, owner_id: uuid.UUID, params: dict[str, Any], now: datetime, **extra: Any
) -> Layout:
    """A new layout row, queued (not yet added to a session; `enqueue` sends its message).

    params: the stored parameter document; extra: further columns (idempotency key and hash, a
    study's study_id and variant)."""
    return Layout(
        site_id=site_id,
        owner_id=owner_id,
        status=LayoutStatus.queued.value,
        params=params,
        warnings=[],
        queued_at=now,
        stage="queued",
        progress_pct=0.0,
        attempts=0,
        **extra,
    )


def enqueue(*, session: Session, queue: JobQueue, layout: Layout) -> None:
    """Mark the layout queued (from queued, failed or cancelled; else `Conflict`) and send its message.

    A transactional queue (database backend) writes the message in `session`'s transaction, so
    the row and the message commit together. For SQS the row is committed first, then sent; if
    sending fails the layout is marked failed, so nothing waits forever for a lost message.
    """
    queued = _set(
        session,
        [Layout.id == layout.id, Layout.status.in_(REQUEUEABLE)],
        {
            "status": LayoutStatus.queued.value,
            "queued_at": datetime.now(UTC),
            "stage": "queued",
            "progress_pct": 0.0,
            "claim_token": None,
            "completed_at": None,
        },
        sync=True,
    )
    if not queued:
        raise Conflict(
            f"layout {layout.id} is {layout.status}; only a failed or cancelled layout is queued again"
        )
    if queue.transactional:
        queue.send(job_message(layout.id), session=session)
        return
    session.commit()
    try:
        queue.send(job_message(layout.id))
    except Exception:
        fail(session, layout_id=layout.id, message=ENQUEUE_FAILED, sync=True)
        session.commit()
        raise


def retry(*, session: Session, queue: JobQueue, layout: Layout) -> None:
    """Queue a failed, cancelled or message-less queued layout again (a person decided so), with
    a fresh attempt count. Re-sending for a layout that still has a message is harmless: the claim
    lets one run."""
    reset = _set(
        session,
        [Layout.id == layout.id, Layout.status.in_(REQUEUEABLE)],
        {"error_message": None, "attempts": 0},
        sync=True,
    )
    if not reset:
        raise Conflict(
            f"layout {layout.id} is {layout.status}; only failed, cancelled or queued layouts retry"
        )
    enqueue(session=session, queue=queue, layout=layout)


def redrive(session: Session, layout_id: uuid.UUID) -> bool:
    """A dead letter's failed (or queued) layout back to `queued` with a fresh attempt count, so
    its redriven message runs. Completed and cancelled layouts keep their state (their message is
    then skipped)."""
    return _set(
        session,
        [
            Layout.id == layout_id,
            Layout.status.in_([LayoutStatus.failed.value, LayoutStatus.queued.value]),
        ],
        {
            "status": LayoutStatus.queued.value,
            "stage": "queued",
            "error_message": None,
            "attempts": 0,
            "claim_token": None,
            "receipt_handle": None,
            "completed_at": None,
            "queued_at": datetime.now(UTC),
        },
        sync=True,
    )


# -- run -----------------------------------------------------------------------------------------
def claim(
    session: Session, *, layout_id: uuid.UUID, receipt_handle: str | None, stale_after_s: float
) -> str | None:
    """Take the layout to run it: queued -> processing, or processing with a heartbeat older than
    `stale_after_s` [s] (its worker died). The claim token, or None when it is not ours to run.

    receipt_handle: the message the claim came with (a sweep resurfaces it if the claim goes stale).
    """
    now = datetime.now(UTC)
    stale_before = now - timedelta(seconds=stale_after_s)
    token = secrets.token_hex(16)
    claimed = _set(
        session,
        [
            Layout.id == layout_id,
            or_(
                Layout.status == LayoutStatus.queued.value,
                (Layout.status == LayoutStatus.processing.value)
                & or_(Layout.heartbeat_at.is_(None), Layout.heartbeat_at < stale_before),
            ),
        ],
        {
            "status": LayoutStatus.processing.value,
            "claim_token": token,
            "receipt_handle": receipt_handle,
            "started_at": now,
            "heartbeat_at": now,
            "attempts": Layout.attempts + 1,
            "stage": "starting",
            "progress_pct": 0.0,
            "error_message": None,
        },
    )
    return token if claimed else None


def progress(session: Session, *, layout_id: uuid.UUID, token: str, stage: str, pct: float) -> bool:
    """Record the running job's stage and percent (0-100) and beat its heartbeat; False once the
    claim is lost (cancelled or taken over)."""
    return _set(
        session,
        _held(layout_id, token),
        {"stage": stage, "progress_pct": float(min(max(pct, 0.0), 100.0)), "heartbeat_at": datetime.now(UTC)},
    )


def heartbeat(session: Session, *, layout_id: uuid.UUID, token: str) -> bool:
    """The running job is alive; False once the claim is lost."""
    return _set(session, _held(layout_id, token), {"heartbeat_at": datetime.now(UTC)})


def complete(
    session: Session, *, layout_id: uuid.UUID, result: LayoutResult, claim_token: str | None = None
) -> bool:
    """Store the result (headline columns, assets, roads, design) and mark the layout completed.

    With `claim_token`, only while that claim still holds; without, from queued or processing.
    False, and nothing written, when the layout was cancelled or taken over meanwhile;
    `NonFiniteResult` (and nothing written) when a figure is NaN or ±Infinity."""
    mapping.check_finite(result)
    where = (
        _held(layout_id, claim_token)
        if claim_token is not None
        else [
            Layout.id == layout_id,
            Layout.status.in_([LayoutStatus.queued.value, LayoutStatus.processing.value]),
        ]
    )
    values = {
        **mapping.result_columns(result),
        "status": LayoutStatus.completed.value,
        "error_message": None,
        "stage": "completed",
        "progress_pct": 100.0,
    }
    # The guarded UPDATE comes first: it settles the race with a cancel (on PostgreSQL it also
    # locks the row until the commit) before any row is written.
    if not _set(session, where, values):
        return False
    mapping.add_result_rows(session, layout_id=layout_id, result=result)
    # Stamped once the rows are written, in the same transaction: the time the result became
    # whole (a 1 GWac plant's rows take a while), and no reader sees one without the other.
    now = datetime.now(UTC)
    session.execute(
        update(Layout)
        .where(Layout.id == layout_id)
        .values(completed_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


def back_off(session: Session, *, layout_id: uuid.UUID, token: str, message: str) -> bool:
    """A failed attempt that will be retried: back to `queued` (stage "retrying"); the message
    comes back after the queue's back-off."""
    return _set(
        session,
        _held(layout_id, token),
        {
            "status": LayoutStatus.queued.value,
            "claim_token": None,
            "stage": "retrying",
            "error_message": message,
        },
    )


def release(session: Session, *, layout_id: uuid.UUID, token: str) -> bool:
    """Give a running job back (the worker is shutting down): `queued`, progress reset."""
    return _set(
        session,
        _held(layout_id, token),
        {
            "status": LayoutStatus.queued.value,
            "claim_token": None,
            "stage": "queued",
            "progress_pct": 0.0,
            "error_message": None,
        },
    )


def fail(
    session: Session, *, layout_id: uuid.UUID, message: str, token: str | None = None, sync: bool = False
) -> bool:
    """The layout failed for good: `failed` with a message a person understands.

    With `token`, only while that claim holds; without, from queued or processing."""
    where = (
        _held(layout_id, token)
        if token is not None
        else [
            Layout.id == layout_id,
            Layout.status.in_([LayoutStatus.queued.value, LayoutStatus.processing.value]),
        ]
    )
    return _set(
        session,
        where,
        {
            "status": LayoutStatus.failed.value,
            "claim_token": None,
            "stage": "failed",
            "error_message": message,
            "completed_at": datetime.now(UTC),
        },
        sync=sync,
    )


def cancel(session: Session, *, layout_id: uuid.UUID) -> bool:
    """Cancel a queued or processing layout; a job completing meanwhile keeps its result. False
    when the layout was already finished."""
    return _set(
        session,
        [
            Layout.id == layout_id,
            Layout.status.in_([LayoutStatus.queued.value, LayoutStatus.processing.value]),
        ],
        {
            "status": LayoutStatus.cancelled.value,
            "stage": "cancelled",
            "claim_token": None,
            "receipt_handle": None,
            "completed_at": datetime.now(UTC),
            "error_message": None,
        },
    )


def rescue(session: Session, *, layout: Layout, give_up: bool) -> bool:
    """A layout whose worker stopped beating (stale heartbeat): back to `queued`, or `failed` when
    `give_up` (its workers kept dying). Only if the same dead claim still holds it: a worker that
    wakes up meanwhile keeps its job."""
    now = datetime.now(UTC)
    values: dict[str, Any] = (
        {
            "status": LayoutStatus.failed.value,
            "stage": "failed",
            "completed_at": now,
            "error_message": f"the worker processing this layout stopped {layout.attempts} times "
            "without finishing (killed or out of memory); try a coarser DEM resolution or a smaller site",
        }
        if give_up
        else {"status": LayoutStatus.queued.value, "stage": "queued", "queued_at": now}
    )
    return _set(
        session,
        [
            Layout.id == layout.id,
            Layout.status == LayoutStatus.processing.value,
            Layout.claim_token == layout.claim_token,
        ],
        {"claim_token": None, "receipt_handle": None, **values},
    )
