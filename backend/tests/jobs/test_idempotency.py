"""Idempotency-Key over HTTP: the same body replays the first layout, another body is refused (422)."""

from __future__ import annotations

import uuid

import httpx
from fastapi.testclient import TestClient

from app.db.models import Layout
from app.services import Services


def _generate(api: TestClient, headers: dict[str, str], key: str, **body: object) -> httpx.Response:
    return api.post("/api/layouts/generate", json=body, headers={**headers, "Idempotency-Key": key})


def test_idempotency_key_with_another_body_is_refused(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False}
    first = _generate(api, headers, "key-1", **body)
    assert first.status_code == 202
    layout_id = first.json()["layout_id"]
    # The same request again (keys in another order): replayed, no second layout.
    again = _generate(api, headers, "key-1", use_terrain=False, target_capacity_kw=4000, site_id=site_id)
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["layout_id"] == layout_id
    # Another body under the same key: a clear 422, not the first request's result.
    other = _generate(api, headers, "key-1", **{**body, "target_capacity_kw": 5000})
    assert other.status_code == 422, other.text
    assert "Idempotency-Key" in other.json()["detail"]
    assert layout_id not in other.text
    with async_services.session_factory() as s:
        stored = s.get(Layout, uuid.UUID(layout_id))
        assert stored is not None and stored.idempotency_hash is not None
        assert len(stored.idempotency_hash) == 64 and int(stored.idempotency_hash, 16) >= 0
        assert s.query(Layout).count() == 1
    # A new key for the new body works.
    assert _generate(api, headers, "key-2", **{**body, "target_capacity_kw": 5000}).status_code == 202
