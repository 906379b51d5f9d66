"""GET /api/layouts/{id}/status: one query, token-only auth, ETag / 304, energy and warnings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from app.auth.tokens import issue_local_token
from app.db.models import Layout, User
from app.services import Services
from tests.conftest import make_user, submit


@pytest.fixture
def statements(async_services: Services) -> Iterator[list[str]]:
    """SQL statements the API runs while the test watches (cursor executions on its engine)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(async_services.engine, "before_cursor_execute", record)
    yield seen
    event.remove(async_services.engine, "before_cursor_execute", record)


def _queries(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_status_is_one_query_without_users(
    api: TestClient, headers: dict[str, str], site_id: str, statements: list[str]
) -> None:
    layout_id = submit(api, headers, site_id)
    statements.clear()
    r = api.get(f"/api/layouts/{layout_id}/status", headers=headers)
    assert r.status_code == 200, r.text
    selects = _queries(statements)
    assert len(selects) == 1, selects
    assert "layouts" in selects[0] and "users" not in selects[0]
    # Only the columns the answer needs: never the big JSON documents.
    for heavy in ("params", "metrics", "design", "claim_token"):
        assert f"layouts.{heavy}" not in selects[0]
    body = r.json()
    assert body["layout_id"] == layout_id and body["status"] == "queued"
    assert body["warnings"] == [] and body["annual_energy_mwh"] is None


def test_etag_gives_304_until_the_status_changes(
    api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = submit(api, headers, site_id)
    url = f"/api/layouts/{layout_id}/status"
    first = api.get(url, headers=headers)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert "no-cache" in first.headers["cache-control"]
    again = api.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    weak = api.get(url, headers={**headers, "If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    stale = api.get(url, headers={**headers, "If-None-Match": '"not-it"'})
    assert stale.status_code == 200 and stale.json() == first.json()
    assert api.post(f"/api/layouts/{layout_id}/cancel", headers=headers).status_code == 200
    changed = api.get(url, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["status"] == "cancelled"
    assert changed.headers["etag"] != etag


def test_completed_status_has_energy_and_warnings(
    api: TestClient, headers: dict[str, str], site_id: str, async_services: Services
) -> None:
    layout_id = submit(api, headers, site_id)
    url = f"/api/layouts/{layout_id}/status"
    with async_services.write_session_factory.begin() as s:
        s.execute(
            update(Layout)
            .where(Layout.id == uuid.UUID(layout_id))
            .values(status="processing", annual_energy_mwh=1234.5, warnings=["w1"], total_capacity_kw=9.0)
        )
    running = api.get(url, headers=headers).json()
    # Numbers appear once the layout is completed; warnings as soon as there are any.
    assert running["annual_energy_mwh"] is None and running["total_capacity_kw"] is None
    assert running["warnings"] == ["w1"]
    with async_services.write_session_factory.begin() as s:
        s.execute(
            update(Layout)
            .where(Layout.id == uuid.UUID(layout_id))
            .values(status="completed", warnings=["target not reached: placed 9 of 4000 kW"])
        )
    done = api.get(url, headers=headers).json()
    assert done["status"] == "completed"
    assert done["annual_energy_mwh"] == 1234.5 and done["total_capacity_kw"] == 9.0
    assert done["warnings"] == ["target not reached: placed 9 of 4000 kW"]


def test_auth_and_ownership(
    api: TestClient, headers: dict[str, str], site_id: str, async_services: Services
) -> None:
    layout_id = submit(api, headers, site_id)
    url = f"/api/layouts/{layout_id}/status"
    assert api.get(url).status_code == 401
    assert api.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    other = make_user(async_services, "mallory@example.com")
    r = api.get(url, headers=other)
    assert r.status_code == 404 and layout_id in r.json()["detail"]
    assert api.get(f"/api/layouts/{uuid.uuid4()}/status", headers=headers).status_code == 404
    odd = issue_local_token(user_id="not-a-uuid", settings=async_services.settings)
    assert api.get(url, headers={"Authorization": f"Bearer {odd}"}).status_code == 401
    # A deleted user's still-valid token sees nothing: their layouts went with them.
    with async_services.write_session_factory.begin() as s:
        owner = s.query(Layout).filter(Layout.id == uuid.UUID(layout_id)).one().owner_id
        s.delete(s.get(User, owner))
    assert api.get(url, headers=headers).status_code == 404


def test_cached_token_still_expires(
    api: TestClient, headers: dict[str, str], site_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are cached for the next poll, but their expiry is checked on every one."""
    import time

    from app.api import status_poll

    layout_id = submit(api, headers, site_id)
    url = f"/api/layouts/{layout_id}/status"
    assert api.get(url, headers=headers).status_code == 200
    assert api.get(url, headers=headers).status_code == 200  # served from the cache
    assert status_poll._verified_local.cache_info().hits >= 1
    real = time.time
    monkeypatch.setattr(status_poll.time, "time", lambda: real() + 10 * 24 * 3600)
    r = api.get(url, headers=headers)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
