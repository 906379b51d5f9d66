"""/metrics: Prometheus text with HTTP, job and live queue metrics, for bearers of METRICS_TOKEN only,
with the live figures cached (a scrape does not query the database). Access rules are checked over
real HTTP (uvicorn on loopback), so percent-encoded paths reach the server as a scraper sends them.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.jobs.runner import JobRunner, Outcome
from app.main import create_app
from app.services import Services, build_services
from tests.conftest import make_settings, make_user, receive, submit, upload
from tests.live_api import free_port

TOKEN = "scrape-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _poll(fn: Any, timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := fn():
            return value
        time.sleep(0.05)
    pytest.fail("condition not met")


def _scrape_until(api: TestClient, name: str, labels: str, value: float) -> str:
    """Live figures refresh in the background: scrape until `name{labels}` shows `value`."""

    def scrape() -> str | None:
        text = api.get("/metrics", headers=BEARER).text
        return text if _value(text, name, labels) == value else None

    return str(_poll(scrape))


@pytest.fixture
def metered(database_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = build_services(
        make_settings(
            database_url,
            tmp_path,
            enable_async_layout_generation=True,
            retry_backoff_s=0,
            metrics_token=TOKEN,
            metrics_refresh_s=0.05,
        )
    )
    yield svc
    svc.close()


def test_metrics_after_a_layout(metered: Services, sample_kml: bytes) -> None:
    with TestClient(create_app(services=metered)) as api:
        headers = make_user(metered, "m@example.com")
        site_id = str(upload(api, headers, "s.kml", sample_kml).json()["id"])
        before = api.get("/metrics", headers=BEARER).text
        submit(api, headers, site_id)
        # Live figures refresh in the background: poll until the scrape shows the queued job.
        queued = _scrape_until(api, "sitelayouts_queue_depth", "", 1)
        assert _value(queued, "sitelayouts_layouts", '{status="queued"}') == 1
        assert JobRunner(metered, worker_id="m").handle(receive(metered)) is Outcome.completed
        after = _scrape_until(api, "sitelayouts_layouts", '{status="completed"}', 1)
        completed = 'sitelayouts_jobs_total{outcome="completed"}'
        assert _value(after, completed) == _value(before, completed) + 1
        assert "sitelayouts_job_duration_seconds_bucket" in after and 'profile="solar_farm"' in after
        assert 'sitelayouts_job_stage_duration_seconds_count{stage="placing_assets"}' in after
        assert _value(after, "sitelayouts_queue_depth") == 0
        assert _value(after, "sitelayouts_dlq_depth") == 0
        assert re.search(
            r'sitelayouts_http_requests_total\{method="POST",route="/api/layouts/generate",status="202"\}',
            after,
        )


def test_many_scrapes_read_the_database_once_per_refresh(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path, metrics_token=TOKEN, metrics_refresh_s=3600)
    app = create_app(settings)
    with TestClient(app) as api:
        for _ in range(40):
            assert api.get("/metrics", headers=BEARER).status_code == 200
        assert app.state.metrics_cache.reads == 1


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Services]]:
    """The API on a real loopback socket (uvicorn in a thread)."""
    services = build_services(make_settings(database_url, tmp_path, metrics_token=TOKEN))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _poll(lambda: server.started, 30)
    yield f"http://127.0.0.1:{port}", services
    server.should_exit = True
    thread.join(timeout=10)
    services.close()


@pytest.mark.parametrize("path", ["/metrics", "/%6Detrics", "/%6d%65trics", "/metrics?x=1"])
def test_metrics_needs_the_bearer_token_however_the_path_is_spelt(
    served: tuple[str, Services], path: str
) -> None:
    base, _ = served
    with httpx.Client(base_url=base, follow_redirects=True) as http:
        anonymous = http.get(path)
        assert anonymous.status_code == 401, anonymous.text
        assert "sitelayouts_" not in anonymous.text
        assert http.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert http.get(path, headers={"Authorization": TOKEN}).status_code == 401  # no scheme
        ok = http.get(path, headers=BEARER)
        assert ok.status_code == 200 and "sitelayouts_queue_depth" in ok.text


def test_other_spellings_never_serve_the_metrics(served: tuple[str, Services]) -> None:
    base, _ = served
    with httpx.Client(base_url=base) as http:
        for path in ("/metrics/", "//metrics", "/METRICS", "/%2Fmetrics", "/api/../metrics"):
            r = http.get(path)  # 401, 404, or the web app's index.html
            assert "sitelayouts_" not in r.text, path
            assert "version=0.0.4" not in r.headers.get("content-type", ""), path


def test_metrics_without_a_configured_token_is_refused(client: TestClient) -> None:
    r = client.get("/metrics")
    assert r.status_code == 403 and "METRICS_TOKEN" in r.json()["detail"]
    assert client.get("/metrics", headers=BEARER).status_code == 403
