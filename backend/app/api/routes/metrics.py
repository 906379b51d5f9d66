"""`GET /metrics`: Prometheus text format, for scrapers holding METRICS_TOKEN (bearer).

Not under /api and refused by the ALB, but the token is what protects it: the route matches the
decoded, normalised path, so `/%6Detrics` or `//metrics` reach the same check.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import ServicesDep
from app.errors import Forbidden, Unauthorized
from app.observability.metrics import LiveStateCache, LiveStateCollector, render
from app.ops.status import live_state
from app.services import Services

router = APIRouter(tags=["metrics"])


def check_metrics_access(request: Request, services: Services) -> None:
    """401/403 unless the request carries `Authorization: Bearer <METRICS_TOKEN>` (or METRICS_PUBLIC)."""
    settings = services.settings
    if settings.metrics_public:
        return
    if not settings.metrics_token:
        raise Forbidden("/metrics is disabled: set METRICS_TOKEN and scrape with that bearer token")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), settings.metrics_token):
        raise Unauthorized("/metrics needs the bearer token METRICS_TOKEN")


def _cache(request: Request, services: Services) -> LiveStateCache:
    cache: LiveStateCache | None = getattr(request.app.state, "metrics_cache", None)
    if cache is None:
        cache = LiveStateCache(lambda: live_state(services), services.settings.metrics_refresh_s)
        request.app.state.metrics_cache = cache
    return cache


@router.get("/metrics", include_in_schema=False)
def metrics(*, request: Request, services: ServicesDep) -> Response:
    check_metrics_access(request, services)
    cache = _cache(request, services)
    return Response(render(LiveStateCollector(cache.get)), media_type=CONTENT_TYPE_LATEST)
