"""The admin ops API: summary and DLQ redrive; other users are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.services import Services
from tests.conftest import make_user


def test_ops_summary_and_redrive(client: TestClient, services: Services) -> None:
    admin = make_user(services, "admin@example.com", is_admin=True)
    user = make_user(services, "user@example.com")
    assert client.get("/api/ops/summary", headers=user).status_code == 403
    # A dead letter for a layout that no longer exists: redrive moves the message all the same.
    services.queue.send({"layout_id": "00000000-0000-0000-0000-000000000001"})
    for _ in range(3):
        got = services.queue.receive(max_messages=1, wait_time_s=0, visibility_timeout_s=0)
        assert got
    services.queue.receive(max_messages=1, wait_time_s=0)
    summary = client.get("/api/ops/summary", headers=admin)
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["healthy"] is True and body["dlq_depth"] == 1
    assert body["dlq"][0]["layout_id"] == "00000000-0000-0000-0000-000000000001"
    assert set(body["jobs_last_hour"]) == {"completed", "failed", "cancelled"}
    assert client.post("/api/ops/dlq/redrive", json={}, headers=admin).status_code == 422
    r = client.post("/api/ops/dlq/redrive", json={"all": True}, headers=admin)
    assert r.status_code == 200 and r.json() == {"redriven_layout_ids": []}
    assert services.queue.stats().dlq_depth == 0 and services.queue.stats().depth == 1
