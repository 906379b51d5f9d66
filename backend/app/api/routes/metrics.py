"""`GET /metrics`: Prometheus text format (not under /api: scraped inside the network, 404 at the ALB)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import ServicesDep
from app.api.transactions import TransactionalRoute
from app.observability.metrics import LiveStateCollector, render
from app.ops.status import live_state

router = APIRouter(route_class=TransactionalRoute, tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics(*, services: ServicesDep) -> Response:
    return Response(render(LiveStateCollector(lambda: live_state(services))), media_type=CONTENT_TYPE_LATEST)
