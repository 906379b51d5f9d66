"""Reliability with real worker processes and real signals, on SQLite and PostgreSQL.

Each test starts `python -m app.worker` subprocesses against the test database and drives
jobs through the real API (in-process). Timeouts are short (visibility 3 s, heartbeat 0.5 s)
and every wait polls for a condition with a generous limit: no timing assertions.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.models import Asset
from app.main import create_app
from app.services import build_services
from tests.conftest import BACKEND_DIR, JWT_SECRET, make_settings, make_user, upload

pytestmark = pytest.mark.slow

WORKER_ENV = {
    "DEM_SOURCE": "flat",
    "VISIBILITY_TIMEOUT_S": "3",
    "HEARTBEAT_INTERVAL_S": "0.5",
    "QUEUE_WAIT_TIME_S": "1",
    "RETRY_BACKOFF_S": "0",
    "WORKER_SHUTDOWN_GRACE_S": "30",
    "LOG_FORMAT": "json",
    "ENABLE_ASYNC_LAYOUT_GENERATION": "true",
}


class Harness:
    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[str]] = []
        self.logs: list[Path] = []
        self.services = build_services(
            make_settings(database_url, tmp_path, enable_async_layout_generation=True, visibility_timeout_s=3)
        )
        self.client = TestClient(create_app(services=self.services))
        self.headers = make_user(self.services, f"w-{uuid.uuid4().hex[:6]}@example.com")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(WORKER_ENV)
        env.update(
            DATABASE_URL=self.database_url,
            STORAGE_DIR=str(self.tmp_path / "storage"),
            DEM_PATH=str(self.tmp_path / "dem"),
            JWT_SECRET=JWT_SECRET,
        )
        env.update(extra)
        return env

    def start_worker(self, **extra: str) -> subprocess.Popen[str]:
        log = self.tmp_path / f"worker-{len(self.procs)}.log"
        self.logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.worker"],
            cwd=BACKEND_DIR,
            env=self.env(**extra),
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
            text=True,
        )
        self.procs.append(proc)
        return proc

    def site(self, kml: bytes) -> str:
        return str(upload(self.client, self.headers, "s.kml", kml).json()["id"])

    def submit(self, site_id: str, **extra: Any) -> str:
        body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, **extra}
        r = self.client.post("/api/layouts/generate", json=body, headers=self.headers)
        assert r.status_code == 202, r.text
        return str(r.json()["layout_id"])

    def status(self, layout_id: str) -> dict[str, Any]:
        r = self.client.get(f"/api/layouts/{layout_id}/status", headers=self.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def wait_status(self, layout_id: str, statuses: set[str], timeout_s: float = 90) -> dict[str, Any]:
        return wait_for(
            lambda: (s := self.status(layout_id))["status"] in statuses and s,
            timeout_s,
            f"layout {layout_id} never reached {statuses}: {self.status(layout_id)}\n{self.log_text()}",
        )

    def asset_rows(self, layout_id: str) -> int:
        with self.services.session_factory() as s:
            return int(
                s.scalar(
                    select(func.count()).select_from(Asset).where(Asset.layout_id == uuid.UUID(layout_id))
                )
                or 0
            )

    def log_text(self) -> str:
        return "\n".join(p.read_text() for p in self.logs if p.exists())[-4000:]

    def events(self) -> list[dict[str, Any]]:
        out = []
        for p in self.logs:
            for line in p.read_text().splitlines():
                if line.startswith("{"):
                    out.append(json.loads(line))
        return out

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.client.close()
        self.services.close()


def wait_for(fn: Callable[[], Any], timeout_s: float, message: str = "condition not met") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(message() if callable(message) else message)


@pytest.fixture
def h(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(database_url, tmp_path)
    yield harness
    harness.close()


def test_sigterm_mid_job_finishes_the_job_and_exits_0(h: Harness, sample_kml: bytes) -> None:
    worker = h.start_worker(JOB_STAGE_DELAY_S="0.4")
    layout_id = h.submit(h.site(sample_kml))
    h.wait_status(layout_id, {"processing"})
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, h.log_text()
    done = h.status(layout_id)
    assert done["status"] == "completed", h.log_text()
    assert h.asset_rows(layout_id) == done["asset_count"]


def _nice(pid: int) -> int:
    """The niceness of process `pid` (field 19 of /proc/<pid>/stat)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_workers_run_below_the_api_priority(h: Harness, sample_kml: bytes) -> None:
    # Two busy workers on a 2-core machine must leave the API the CPU for status polls.
    mine = _nice(os.getpid())
    default = h.start_worker()
    chosen = h.start_worker(WORKER_NICE="7")
    off = h.start_worker(WORKER_NICE="0")
    wait_for(lambda: _nice(default.pid) == min(mine + 5, 19), 60, f"default niceness\n{h.log_text()}")
    wait_for(lambda: _nice(chosen.pid) == min(mine + 7, 19), 60, f"WORKER_NICE=7\n{h.log_text()}")
    # Still a working worker at its lower priority.
    layout_id = h.submit(h.site(sample_kml))
    assert h.wait_status(layout_id, {"completed", "failed"})["status"] == "completed", h.log_text()
    wait_for(lambda: "worker started" in h.logs[2].read_text(), 60, f"WORKER_NICE=0\n{h.log_text()}")
    assert _nice(off.pid) == mine
    started = [e for e in h.events() if e.get("message") == "worker started"]
    assert sorted(e["nice"] for e in started) == sorted([min(mine + 5, 19), min(mine + 7, 19), mine])


def test_grace_period_over_returns_the_job_to_the_queue(h: Harness, sample_kml: bytes) -> None:
    worker = h.start_worker(JOB_STAGE_DELAY_S="1.5", WORKER_SHUTDOWN_GRACE_S="0.5")
    layout_id = h.submit(h.site(sample_kml))
    h.wait_status(layout_id, {"processing"})
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, h.log_text()
    assert h.status(layout_id)["status"] == "queued"
    assert h.asset_rows(layout_id) == 0
    h.start_worker()  # the next worker picks it up at once (visibility 0)
    assert h.wait_status(layout_id, {"completed"})["attempts"] == 2


def test_sigkill_mid_job_is_redelivered_and_completes_once(h: Harness, sample_kml: bytes) -> None:
    worker = h.start_worker(JOB_STAGE_DELAY_S="0.5")
    layout_id = h.submit(h.site(sample_kml))
    h.wait_status(layout_id, {"processing"})
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    assert h.status(layout_id)["status"] == "processing"  # orphaned: nobody finishes it now
    h.start_worker()
    done = h.wait_status(layout_id, {"completed"})
    assert done["attempts"] == 2
    assert h.asset_rows(layout_id) == done["asset_count"]


def test_duplicate_message_processed_once(h: Harness, sample_kml: bytes) -> None:
    layout_id = h.submit(h.site(sample_kml))
    h.services.queue.send({"layout_id": layout_id})
    h.services.queue.send({"layout_id": layout_id})
    h.start_worker()
    done = h.wait_status(layout_id, {"completed"})
    wait_for(
        lambda: h.services.queue.stats().depth + h.services.queue.stats().in_flight == 0,
        60,
        "queue not drained",
    )
    assert done["attempts"] == 1
    assert h.asset_rows(layout_id) == done["asset_count"]


def test_always_failing_job_ends_failed_with_message_in_dlq(h: Harness, sample_kml: bytes) -> None:
    h.start_worker(DEM_SOURCE="3dep", DEM_3DEP_URL="http://127.0.0.1:9/exportImage", DEM_HTTP_RETRIES="0")
    layout_id = h.submit(h.site(sample_kml), use_terrain=True)
    failed = h.wait_status(layout_id, {"failed"})
    assert failed["attempts"] == 3
    assert failed["error_message"].startswith("Failed to fetch DEM data")
    wait_for(lambda: h.services.queue.stats().dlq_depth == 1, 30, "message not in the DLQ")
    assert h.services.queue.dlq_list()[0].body == {"layout_id": layout_id}


def test_cancel_while_processing(h: Harness, sample_kml: bytes) -> None:
    h.start_worker(JOB_STAGE_DELAY_S="0.5")
    layout_id = h.submit(h.site(sample_kml))
    h.wait_status(layout_id, {"processing"})
    r = h.client.post(f"/api/layouts/{layout_id}/cancel", headers=h.headers)
    assert r.status_code == 200
    wait_for(
        lambda: h.services.queue.stats().in_flight + h.services.queue.stats().depth == 0,
        60,
        lambda: f"worker did not acknowledge the cancelled job\n{h.log_text()}",
    )
    assert h.status(layout_id)["status"] == "cancelled"
    assert h.asset_rows(layout_id) == 0
    assert any(e.get("outcome") == "cancelled" for e in h.events())


def test_two_workers_never_process_the_same_layout(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    layout_ids = [h.submit(site, target_capacity_kw=2000 + 500 * i) for i in range(8)]
    for lid in layout_ids:  # duplicates make the race real
        h.services.queue.send({"layout_id": lid})
    h.start_worker()
    h.start_worker()
    for lid in layout_ids:
        done = h.wait_status(lid, {"completed"})
        assert done["attempts"] == 1
        assert h.asset_rows(lid) == done["asset_count"]
    started = [e["layout_id"] for e in h.events() if e.get("message") == "job started"]
    assert sorted(started) == sorted(layout_ids)  # each layout started exactly once
    workers = {e.get("worker_id") for e in h.events() if e.get("event") == "job"}
    assert len(workers) == 2  # both did work


def test_worker_recovers_when_postgresql_restarts(h: Harness, sample_kml: bytes) -> None:
    if not h.database_url.startswith("postgresql"):
        pytest.skip("restarting the server is a PostgreSQL scenario")
    worker = h.start_worker()
    site = h.site(sample_kml)
    first = h.submit(site)
    h.wait_status(first, {"completed"})
    version = subprocess.run(
        ["ls", "/etc/postgresql"], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
    wait_for(
        lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0, 60, "PostgreSQL down"
    )
    second = wait_for(lambda: _try_submit(h, site), 60, "API did not recover")
    assert h.wait_status(second, {"completed"})["status"] == "completed"
    assert worker.poll() is None  # the same worker process survived


def _try_submit(h: Harness, site: str) -> str | None:
    try:
        return h.submit(site)
    except Exception:
        return None


def test_worker_cli_concurrency_once_drains_the_queue(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    layout_ids = [h.submit(site, target_capacity_kw=2000 + 500 * i) for i in range(4)]
    out = subprocess.run(
        [str(BACKEND_DIR / ".venv" / "bin" / "sitelayouts"), "worker", "--concurrency", "2", "--once"],
        cwd=BACKEND_DIR,
        env=h.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for lid in layout_ids:
        assert h.status(lid)["status"] == "completed"
    workers = {
        json.loads(line).get("worker_id")
        for line in out.stderr.splitlines()
        if line.startswith("{") and '"worker started"' in line
    }
    assert len(workers) == 2
