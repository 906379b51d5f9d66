"""Many requests at once against a real uvicorn on loopback: no request waits on another's lock.

Regression: on SQLite, a transaction held open across FastAPI's thread-pool hops deadlocked
60 concurrent requests until the 30 s busy timeout (500s). See app/api/transactions.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.samples import sample_bytes
from tests.live_api import live_api

pytestmark = pytest.mark.slow
CONCURRENT = 60
OPS_TOKEN = "ops-token-" + "z" * 30


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    with live_api(
        database_url,
        tmp_path,
        ENABLE_ASYNC_LAYOUT_GENERATION="true",
        RATE_LIMIT_GENERATE_PER_MIN="10000",
        METRICS_TOKEN=OPS_TOKEN,
    ) as base:
        yield base


def test_concurrent_writes_and_polls_all_succeed(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as c:
        r = c.post("/api/auth/register", json={"email": "load@example.com", "password": "a-long-password"})
        assert r.status_code == 202
        token = c.post(
            "/api/auth/token", data={"username": "load@example.com", "password": "a-long-password"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        kml = sample_bytes("sample-site.kml")
        site = c.post("/api/sites/upload", files={"file": ("s.kml", kml)}, headers=headers).json()["id"]

        def generate(i: int) -> int:
            r = c.post(
                "/api/layouts/generate",
                headers=headers,
                json={"site_id": site, "target_capacity_kw": 1000 + i, "use_terrain": False},
            )
            return r.status_code

        def poll(_: int) -> int:
            return c.get("/api/layouts", headers=headers).status_code

        with ThreadPoolExecutor(max_workers=CONCURRENT * 2) as pool:
            writes = list(pool.map(generate, range(CONCURRENT)))
            reads = list(pool.map(poll, range(CONCURRENT)))
        assert writes == [202] * CONCURRENT
        assert reads == [200] * CONCURRENT
        assert c.get("/api/layouts", headers=headers).json()["count"] == CONCURRENT
        ops = {"Authorization": f"Bearer {OPS_TOKEN}"}  # queue figures are for operators
        assert c.get("/health/live", headers=ops).json()["queue"]["depth"] == CONCURRENT
