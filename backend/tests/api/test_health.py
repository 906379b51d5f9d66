"""Liveness, readiness and the detailed live view."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from app.db.models import WorkerHeartbeat
from app.main import create_app
from app.services import Services
from tests.conftest import make_settings


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    r = client.get("/health/ready")
    assert r.status_code == 200 and r.json() == {"status": "ready"}
    live = client.get("/health/live").json()
    assert live["database"] == {"ok": True} and live["queue"] == {"ok": True}
    assert live["workers"] == {"alive": 0, "busy": 0}


OPS_TOKEN = "ops-token-" + "y" * 30


def test_live_gives_queue_figures_to_operators_only(database_url: str, tmp_path: Path) -> None:
    """Anonymous callers learn liveness (ok flags, worker counts); queue depth, in flight, DLQ
    depth, oldest message age and database errors need the operators' METRICS_TOKEN."""
    app = create_app(make_settings(database_url, tmp_path, metrics_token=OPS_TOKEN))
    with TestClient(app) as c:
        services: Services = app.state.services
        services.queue.send({"layout_id": str(uuid.uuid4())})
        anonymous = c.get("/health/live")
        assert anonymous.status_code == 200
        assert set(anonymous.json()) == {"status", "version", "checked_at", "database", "queue", "workers"}
        assert anonymous.json()["queue"] == {"ok": True} and anonymous.json()["database"] == {"ok": True}
        for figure in ("depth", "in_flight", "dlq", "oldest", "error"):
            assert figure not in anonymous.text
        wrong = c.get("/health/live", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.json()["queue"] == {"ok": True}
        ops = c.get("/health/live", headers={"Authorization": f"Bearer {OPS_TOKEN}"}).json()
        assert ops["queue"]["depth"] == 1 and ops["queue"]["dlq_depth"] == 0
        assert ops["queue"]["in_flight"] == 0 and ops["database"] == {"ok": True, "error": None}


def test_live_shows_anonymous_callers_no_worker_hosts_pids_or_layout_ids(
    client: TestClient, services: Services
) -> None:
    now = datetime.now(UTC)
    layout_id = str(uuid.uuid4())
    with services.write_session_factory.begin() as s:
        for i, (seen, current) in enumerate(
            ((now, layout_id), (now, None), (now - timedelta(hours=1), None))
        ):
            s.add(
                WorkerHeartbeat(
                    worker_id=f"ip-10-0-0-{i}.internal:{4242 + i}:abc{i}",
                    hostname=f"ip-10-0-0-{i}.internal",
                    pid=4242 + i,
                    started_at=seen,
                    last_seen_at=seen,
                    current_layout_id=current,
                    jobs_done=3,
                )
            )
    r = client.get("/health/live")
    assert r.status_code == 200
    # Two beat recently, one died an hour ago and is no longer counted.
    assert r.json()["workers"] == {"alive": 2, "busy": 1}
    for secret in ("ip-10-0-0", "4242", "4243", layout_id):
        assert secret not in r.text


def test_ready_is_503_with_reason_when_database_is_unreachable(tmp_path: Path) -> None:
    # Nothing listens on port 1: the database is down for this app.
    settings = make_settings("postgresql://postgres@127.0.0.1:1/none", tmp_path)
    with TestClient(create_app(settings)) as c:
        assert c.get("/health").status_code == 200
        r = c.get("/health/ready")
        assert r.status_code == 503
        assert r.json()["status"] == "unavailable"
        assert r.json()["reasons"] == ["database unreachable"]  # the driver's error is for operators
        live = c.get("/health/live")
        assert live.status_code == 503 and live.json()["database"] == {"ok": False}


def test_security_headers_and_request_id(client: TestClient) -> None:
    r = client.get("/health", headers={"X-Request-ID": "abc123"})
    assert r.headers["X-Request-ID"] == "abc123"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
