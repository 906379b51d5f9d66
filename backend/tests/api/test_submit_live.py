"""Issue 27 items 1-3, 7, 8 over real HTTP (a uvicorn process) with a real worker process, on
SQLite and PostgreSQL: bad inputs are refused at submit with nothing queued; a bad value already
stored fails its job once by name, not as a database outage and not through the DLQ; register
and /health/live disclose nothing to an anonymous caller."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.db.models import Layout
from app.db.session import make_engine
from app.samples import sample_bytes
from tests.conftest import BACKEND_DIR, JWT_SECRET
from tests.live_api import live_api

pytestmark = pytest.mark.slow
OPS_TOKEN = "ops-token-" + "q" * 30
ENV = {
    "ENABLE_ASYNC_LAYOUT_GENERATION": "true",
    "DEM_SOURCE": "flat",
    "WEATHER_SOURCE": "clearsky",
    "METRICS_TOKEN": OPS_TOKEN,
    "RETRY_BACKOFF_S": "0",
    "VISIBILITY_TIMEOUT_S": "5",
    "QUEUE_WAIT_TIME_S": "1",
}
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    with live_api(database_url, tmp_path, **ENV) as base:
        yield base


def queue_figures(c: httpx.Client) -> dict[str, Any]:
    queue: dict[str, Any] = c.get("/health/live", headers=OPS).json()["queue"]
    return queue


def test_bad_inputs_are_refused_over_http_and_a_stored_one_fails_once(
    server: str, database_url: str, tmp_path: Path
) -> None:
    with httpx.Client(base_url=server, timeout=60) as c:
        # Item 8: register answers alike for a free and a taken e-mail; /health/live is liveness.
        creds = {"email": "live@example.com", "password": "a-long-password"}
        first = c.post("/api/auth/register", json=creds)
        again = c.post("/api/auth/register", json={**creds, "password": "another-password"})
        assert first.status_code == again.status_code == 202 and first.json() == again.json()
        live = c.get("/health/live")
        assert live.status_code == 200 and live.json()["queue"] == {"ok": True}
        assert "dlq_depth" not in live.text and "in_flight" not in live.text
        token = c.post("/api/auth/token", data={"username": creds["email"], "password": creds["password"]})
        h = {"Authorization": f"Bearer {token.json()['access_token']}"}
        kml = sample_bytes("sample-site.kml")
        site = c.post("/api/sites/upload", files={"file": ("s.kml", kml)}, headers=h).json()["id"]

        # Items 1-3: refused at submit, naming the field; nothing queued.
        base = {"site_id": site, "target_capacity_kw": 4000, "use_terrain": False}
        module = {"name": "fifty", "power_w": 50, "length_m": 2.278, "width_m": 1.134,
                  "voc_v": 51.8, "isc_a": 14.2, "vmp_v": 42.7, "imp_a": 13.59}  # fmt: skip
        for extra, named in [
            ({"cost": {"price_usd_per_mwh": -1e308}}, "cost.price_usd_per_mwh"),
            ({"cost": {"price_usd_per_mwh": "free"}}, "cost.price_usd_per_mwh"),
            ({"losses": {"soiling_pct": "x"}}, "losses.soiling_pct"),
            ({"pv": {"module": module}}, "pv.module: power_w 50 W"),
        ]:
            r = c.post("/api/layouts/generate", json={**base, **extra}, headers=h)
            assert r.status_code == 422 and named in r.json()["detail"], r.text
        # Item 7: a study's conflicting base and grid, both named.
        study = {"base": {"target_capacity_kw": 4000, "pv": {"pitch_m": 8}}, "grid": {"gcr": [0.3]}}
        r = c.post(f"/api/sites/{site}/studies", json=study, headers=h)
        assert r.status_code == 422, r.text
        assert "base.pv.pitch_m" in r.json()["detail"] and "grid.gcr" in r.json()["detail"]
        assert queue_figures(c)["depth"] == 0

        # Item 1: a queued layout whose stored price is a string (written before these checks).
        layout_id = c.post("/api/layouts/generate", json=base, headers=h).json()["layout_id"]
        engine = make_engine(database_url)
        with engine.begin() as conn:
            params = {"target_capacity_kw": 4000, "use_terrain": False, "cost": {"price_usd_per_mwh": "free"}}
            conn.execute(update(Layout).where(Layout.id == uuid.UUID(layout_id)).values(params=params))
        engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env |= ENV | {
            "DATABASE_URL": database_url,
            "STORAGE_DIR": str(tmp_path / "storage"),
            "JWT_SECRET": JWT_SECRET,
            "LOG_LEVEL": "WARNING",
        }
        log = tmp_path / "worker.log"
        with log.open("w") as out:
            worker = subprocess.run(
                [sys.executable, "-m", "app.worker", "--once"],
                cwd=BACKEND_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300,
            )  # fmt: skip
        assert worker.returncode == 0, log.read_text()[-2000:]
        status = c.get(f"/api/layouts/{layout_id}/status", headers=h).json()
        deadline = time.monotonic() + 30
        while status["status"] != "failed" and time.monotonic() < deadline:
            time.sleep(0.2)
            status = c.get(f"/api/layouts/{layout_id}/status", headers=h).json()
        assert status["status"] == "failed" and status["attempts"] == 1, status
        assert "cost.price_usd_per_mwh" in status["error_message"]
        assert "Database unavailable" not in status["error_message"]
        figures = queue_figures(c)
        assert figures["dlq_depth"] == 0 and figures["depth"] == 0 and figures["in_flight"] == 0
