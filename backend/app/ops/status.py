"""What an operator needs to see, gathered once for `sitelayouts ops status`, the ops API and /metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.db.models import Layout, LayoutStatus, WorkerHeartbeat
from app.errors import AppError
from app.services import Services

DLQ_PREVIEW = 20


def database_error(services: Services) -> str | None:
    """None when the database answers `SELECT 1`; otherwise the reason, for the operator."""
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready
        return f"database unreachable: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


def layouts_by_status(session: Session) -> dict[str, int]:
    return {
        str(k): int(v)
        for k, v in session.execute(select(Layout.status, func.count()).group_by(Layout.status))
    }


def worker_list(session: Session, services: Services, now: datetime) -> list[dict[str, Any]]:
    """Live workers: those that missed fewer than STALE_HEARTBEATS beats. A worker killed with -9
    leaves the list once its heartbeat is that old (workers' sweeps also delete its row)."""
    cutoff = now - timedelta(seconds=services.settings.stale_after_s)
    out = []
    for hb in session.scalars(
        select(WorkerHeartbeat)
        .where(WorkerHeartbeat.last_seen_at >= cutoff)
        .order_by(WorkerHeartbeat.worker_id)
    ):
        age = (now - hb.last_seen_at).total_seconds()
        out.append(
            {
                "worker_id": hb.worker_id,
                "last_seen_s": round(age, 1),
                "alive": True,
                "current_layout_id": hb.current_layout_id,
                "jobs_done": hb.jobs_done,
            }
        )
    return out


def queue_state(services: Services) -> dict[str, Any]:
    stats = services.queue.stats()
    return {
        "queue_depth": stats.depth,
        "queue_in_flight": stats.in_flight,
        "dlq_depth": stats.dlq_depth,
        "oldest_message_age_seconds": stats.oldest_message_age_s,
    }


def live_state(services: Services) -> dict[str, Any]:
    """Queue gauges, worker heartbeats and layouts by status (for the /metrics collector)."""
    state: dict[str, Any] = {"up": 1, **queue_state(services)}
    with services.session_factory() as session:
        state["workers"] = [
            (w["worker_id"], datetime.now(UTC) - timedelta(seconds=w["last_seen_s"]))
            for w in worker_list(session, services, datetime.now(UTC))
        ]
        state["layouts_by_status"] = layouts_by_status(session)
    return state


def collect_status(services: Services, *, dlq_limit: int = DLQ_PREVIEW) -> dict[str, Any]:
    """Health, queue, DLQ, layouts by status, stuck jobs, workers and the last hour's jobs."""
    settings = services.settings
    now = datetime.now(UTC)
    out: dict[str, Any] = {"checked_at": now.isoformat(), "queue_backend": settings.queue_backend.value}
    db_error = database_error(services)
    out["database"] = {"ok": db_error is None} if db_error is None else {"ok": False, "error": db_error}
    if db_error is not None:
        out["healthy"] = False
        return out
    try:
        q = queue_state(services)
        out.update(
            queue_depth=q["queue_depth"],
            in_flight=q["queue_in_flight"],
            dlq_depth=q["dlq_depth"],
            oldest_message_age_s=q["oldest_message_age_seconds"],
        )
        out["dlq"] = [
            {
                "message_id": m.message_id,
                "layout_id": m.body.get("layout_id"),
                "receive_count": m.receive_count,
                "sent_at": m.sent_at.isoformat(),
            }
            for m in services.queue.dlq_list(limit=dlq_limit)
        ]
        out["queue"] = {"ok": True}
    except AppError as exc:
        out["queue"] = {"ok": False, "error": exc.message}
    hour_ago = now - timedelta(hours=1)
    stuck_before = now - timedelta(seconds=settings.stuck_after_s)
    with services.session_factory() as session:
        out["layouts_by_status"] = layouts_by_status(session)
        recent = session.execute(
            select(Layout.status, Layout.started_at, Layout.completed_at).where(
                Layout.completed_at >= hour_ago
            )
        ).all()
        out["jobs_last_hour"] = {
            s: sum(1 for r in recent if r.status == s)
            for s in (LayoutStatus.completed.value, LayoutStatus.failed.value, LayoutStatus.cancelled.value)
        }
        durations = [
            (r.completed_at - r.started_at).total_seconds()
            for r in recent
            if r.status == LayoutStatus.completed.value and r.started_at and r.completed_at
        ]
        out["processing_p50_s"] = round(float(np.percentile(durations, 50)), 3) if durations else None
        out["processing_p95_s"] = round(float(np.percentile(durations, 95)), 3) if durations else None
        out["stuck_jobs"] = [
            {"layout_id": str(lid), "heartbeat_at": hb.isoformat() if hb else None}
            for lid, hb in session.execute(
                select(Layout.id, Layout.heartbeat_at).where(
                    Layout.status == LayoutStatus.processing.value,
                    (Layout.heartbeat_at < stuck_before) | Layout.heartbeat_at.is_(None),
                )
            ).all()
        ]
        out["workers"] = worker_list(session, services, now)
    out["healthy"] = bool(out["database"]["ok"] and out.get("queue", {}).get("ok"))
    out["warnings"] = status_warnings(out)
    return out


def status_warnings(report: dict[str, Any]) -> list[str]:
    """What needs a person even though everything answers: dead letters, stuck jobs, no workers."""
    warnings = []
    if report.get("dlq_depth"):
        warnings.append(
            f"{report['dlq_depth']} dead letter(s) waiting: inspect with `sitelayouts ops dlq list`, "
            "then `ops dlq redrive` or `ops dlq purge`"
        )
    if report.get("stuck_jobs"):
        warnings.append(f"{len(report['stuck_jobs'])} stuck job(s): `sitelayouts ops requeue-stuck`")
    if report.get("queue_depth") and not report.get("workers"):
        warnings.append(f"{report['queue_depth']} message(s) waiting and no live worker")
    return warnings
