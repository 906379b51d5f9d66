"""`GET /metrics`: Prometheus text format, for scrapers holding METRICS_TOKEN (bearer).

Not under /api and refused by the ALB, but the token is what protects it: the route matches the
decoded, normalised path, so `/%6Detrics` or `//metrics` reach the same check.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import ServicesDep, check_metrics_access
from app.observability.metrics import LiveStateCache, LiveStateCollector, render
from app.ops.status import live_state
from app.services import Services

router = APIRouter(tags=["metrics"])


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
