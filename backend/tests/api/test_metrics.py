"""/metrics: Prometheus text with HTTP, job and live queue metrics."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.jobs.runner import JobRunner, Outcome
from app.services import Services
from tests.conftest import receive, submit


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_metrics_after_a_layout(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    before = api.get("/metrics").text
    layout_id = submit(api, headers, site_id)
    queued = api.get("/metrics").text
    assert _value(queued, "sitelayouts_queue_depth") == 1
    assert _value(queued, "sitelayouts_layouts", '{status="queued"}') == 1
    assert JobRunner(async_services, worker_id="m").handle(receive(async_services)) is Outcome.completed
    after = api.get("/metrics").text
    completed = 'sitelayouts_jobs_total{outcome="completed"}'
    assert _value(after, completed) == _value(before, completed) + 1
    assert "sitelayouts_job_duration_seconds_bucket" in after and 'profile="solar_farm"' in after
    assert 'sitelayouts_job_stage_duration_seconds_count{stage="placing_assets"}' in after
    assert _value(after, "sitelayouts_queue_depth") == 0
    assert _value(after, "sitelayouts_dlq_depth") == 0
    assert re.search(
        r'sitelayouts_http_requests_total\{method="POST",route="/api/layouts/generate",status="202"\}', after
    )
    assert layout_id
