"""Liveness and readiness for load balancers, and a detailed view for operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status

from app import __version__
from app.api.deps import ServicesDep, check_metrics_access
from app.api.schemas import AppConfigPublic
from app.api.transactions import TransactionalRoute
from app.errors import AppError
from app.ops.status import database_error, worker_list
from app.services import Services

router = APIRouter(route_class=TransactionalRoute, tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: 200 while the process runs."""
    return {"status": "ok", "version": __version__}


@router.get("/health/ready")
def ready(*, request: Request, services: ServicesDep, response: Response) -> dict[str, Any]:
    """Readiness: 503 with a reason when the database or the queue cannot be reached (the
    underlying error only for operators, as in /health/live)."""
    detailed = _operator(request, services)
    reasons = []
    if (db_error := database_error(services)) is not None:
        reasons.append(db_error if detailed else "database unreachable")
    else:
        try:
            services.queue.stats()
        except AppError as exc:
            reasons.append(f"queue unreachable: {exc.message}" if detailed else "queue unreachable")
    if reasons:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "reasons": reasons}
    return {"status": "ready"}


@router.get("/health/live")
def live(*, request: Request, services: ServicesDep, response: Response) -> dict[str, Any]:
    """Liveness of the API, its database and queue (ok flags), and live worker counts; 503 when
    degraded. Queue depth, in flight, DLQ depth, oldest message age and the database's error are
    for operators: sent only with `Authorization: Bearer $METRICS_TOKEN` (or METRICS_PUBLIC), and
    in GET /api/ops/summary (administrators)."""
    now = datetime.now(UTC)
    detailed = _operator(request, services)
    out: dict[str, Any] = {"status": "ok", "version": __version__, "checked_at": now.isoformat()}
    db_error = database_error(services)
    out["database"] = {"ok": db_error is None, **({"error": db_error} if detailed else {})}
    try:
        stats = services.queue.stats()
        out["queue"] = {"ok": True}
        if detailed:
            out["queue"] |= {
                "backend": services.settings.queue_backend.value,
                "depth": stats.depth,
                "in_flight": stats.in_flight,
                "dlq_depth": stats.dlq_depth,
                "oldest_message_age_s": stats.oldest_message_age_s,
            }
    except AppError as exc:
        out["queue"] = {"ok": False, **({"error": exc.message} if detailed else {})}
    # Counts only, for everyone: worker hosts, pids and layout ids are for administrators
    # (GET /api/ops/summary).
    workers: list[dict[str, Any]] = []
    if db_error is None:
        with services.session_factory() as session:
            workers = worker_list(session, services, now)
    out["workers"] = {"alive": len(workers), "busy": sum(1 for w in workers if w["current_layout_id"])}
    if db_error is not None or not out["queue"]["ok"]:
        out["status"] = "degraded"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return out


def _operator(request: Request, services: Services) -> bool:
    """Whether the caller holds the operators' token (the one /metrics takes)."""
    try:
        check_metrics_access(request, services)
    except AppError:
        return False
    return True


@router.get("/api/config", response_model=AppConfigPublic, tags=["config"])
def app_config(*, services: ServicesDep) -> AppConfigPublic:
    """What the web app needs to know before login."""
    s = services.settings
    return AppConfigPublic(
        async_enabled=s.enable_async_layout_generation,
        auth_mode=s.auth_mode.value,
        version=__version__,
        basemap_url=s.basemap_url.strip(),
        basemap_attribution=s.basemap_attribution,
        satellite_url=s.satellite_url.strip(),
        satellite_attribution=s.satellite_attribution,
    )
