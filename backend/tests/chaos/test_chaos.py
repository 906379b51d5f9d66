"""Chaos with real worker processes on SQLite and PostgreSQL (loopback only): SIGTERM, SIGKILL,
duplicate and poison messages, a dead-letter redrive under idle workers, a stop request racing a
new job, and 50 concurrent jobs with a worker killed halfway. Each scenario records jobs lost,
duplicated and recovery seconds (docs/reliability.md). A PostgreSQL restart is left to
tests/jobs/test_worker_processes.py: restarting the shared server would break others' tests.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from app.db.models import Layout, QueueMessage
from tests.chaos.conftest import record
from tests.conftest import BACKEND_DIR
from tests.jobs.test_worker_processes import Harness, wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

# Production defaults for the recovery figures: heartbeat 10 s (stale after 3 missed beats), sweep
# every 10 s, visibility timeout 300 s.
DEFAULTS = {"HEARTBEAT_INTERVAL_S": "10", "STUCK_CHECK_INTERVAL_S": "10", "VISIBILITY_TIMEOUT_S": "300"}
FAST = {"HEARTBEAT_INTERVAL_S": "0.5", "STUCK_CHECK_INTERVAL_S": "0.5", "VISIBILITY_TIMEOUT_S": "300"}


@pytest.fixture
def h(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(database_url, tmp_path)
    yield harness
    harness.close()


def db(h: Harness) -> str:
    return "postgresql" if h.database_url.startswith("postgresql") else "sqlite"


def tally(h: Harness, layout_ids: list[str]) -> dict[str, int]:
    """Lost: not completed. Duplicated: completed more than once, or asset rows not the result's."""
    completions = Counter(
        e.get("layout_id") for e in h.events() if e.get("event") == "job" and e.get("outcome") == "completed"
    )
    lost = duplicated = 0
    for lid in layout_ids:
        status = h.status(lid)
        if status["status"] != "completed":
            lost += 1
        elif completions[lid] > 1 or h.asset_rows(lid) != status["asset_count"]:
            duplicated += 1
    return {"jobs": len(layout_ids), "lost": lost, "duplicated": duplicated}


def test_sigterm_mid_job(h: Harness, sample_kml: bytes) -> None:
    worker = h.start_worker(JOB_STAGE_DELAY_S="0.4")
    layout_id = h.submit(h.site(sample_kml))
    h.wait_status(layout_id, {"processing"})
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    figures = tally(h, [layout_id])
    record("sigterm mid-job", db(h), **figures)
    assert figures["lost"] == figures["duplicated"] == 0


def test_sigkill_recovery_with_default_timings(h: Harness, sample_kml: bytes) -> None:
    victim = h.start_worker(JOB_STAGE_DELAY_S="8", **DEFAULTS)
    layout_id = h.submit(h.site(sample_kml))
    h.wait_status(layout_id, {"processing"})
    h.start_worker(**DEFAULTS)
    wait_for(lambda: sum(e.get("message") == "worker started" for e in h.events()) >= 2, 60, "no rescuer")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed = time.monotonic()
    h.wait_status(layout_id, {"completed"}, timeout_s=60)
    recovery = round(time.monotonic() - killed, 1)
    figures = tally(h, [layout_id])
    record("kill -9 mid-job (default timings)", db(h), recovery_s=recovery, **figures)
    assert figures["lost"] == figures["duplicated"] == 0


def test_duplicates_and_poison(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    layout_ids = [h.submit(site, target_capacity_kw=2000 + 250 * i) for i in range(10)]
    for lid in layout_ids:
        for _ in range(2):
            h.services.queue.send({"layout_id": lid})
    h.services.queue.send({"nonsense": True})
    h.services.queue.send({"layout_id": "not-a-uuid"})
    # The terrain service is down for both workers: jobs without terrain complete, the poison job
    # (terrain on) fails three times and lands in the dead-letter queue.
    broken_dem = {"DEM_SOURCE": "3dep", "DEM_3DEP_URL": "http://127.0.0.1:9/x", "DEM_HTTP_RETRIES": "0"}
    h.start_worker(**broken_dem)
    h.start_worker(**broken_dem)
    poison = h.submit(site, use_terrain=True, target_capacity_kw=1234)
    for lid in layout_ids:
        h.wait_status(lid, {"completed"})
    failed = h.wait_status(poison, {"failed", "completed"})
    wait_for(lambda: h.services.queue.stats().dlq_depth == 1, 60, "poison not in the DLQ")
    wait_for(lambda: h.services.queue.stats().depth == 0, 60, "queue not drained")
    figures = tally(h, layout_ids)
    record("duplicates ×3 and poison messages", db(h), poison_status=failed["status"], dlq=1, **figures)
    assert failed["status"] == "failed" and failed["attempts"] == 3
    assert figures["lost"] == figures["duplicated"] == 0
    assert all(p.poll() is None for p in h.procs)  # poison did not kill a worker


def test_dlq_redrive_under_idle_workers(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    rounds = [[h.submit(site, target_capacity_kw=1000 + 50 * i + r) for i in range(20)] for r in range(2)]
    all_ids = [lid for ids in rounds for lid in ids]
    with h.services.write_session_factory.begin() as s:
        s.execute(update(QueueMessage).values(queue="layout-jobs-dlq", receive_count=3, receipt_handle=None))
        s.execute(
            update(Layout)
            .where(Layout.id.in_([uuid.UUID(i) for i in all_ids]))
            .values(status="failed", stage="failed", attempts=3, error_message="chaos")
        )
    message_of = {m.body["layout_id"]: m.message_id for m in h.services.queue.dlq_list(limit=100)}
    for _ in range(2):
        h.start_worker(ORPHAN_QUEUED_AFTER_S="3600", QUEUE_WAIT_TIME_S="20")
    wait_for(lambda: sum(e.get("message") == "worker started" for e in h.events()) >= 2, 60, "workers")
    for layout_ids in rounds:  # each round redrives its 20 dead letters by id, workers idle in their poll
        out = subprocess.run(
            [str(BACKEND_DIR / ".venv" / "bin" / "sitelayouts"), "ops", "dlq", "redrive"]
            + [message_of[lid] for lid in layout_ids],
            cwd=BACKEND_DIR,
            env=h.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        for lid in layout_ids:
            h.wait_status(lid, {"completed"}, timeout_s=120)
    figures = tally(h, all_ids)
    record("DLQ redrive ×2 rounds of 20, 2 idle workers", db(h), **figures)
    assert figures["lost"] == figures["duplicated"] == 0


def jobs_started_after_stop(h: Harness) -> int:
    """Jobs a worker started after it logged its shutdown request (each worker has its own log)."""
    count = 0
    for path in h.logs:
        stopping = False
        for line in path.read_text().splitlines():
            if not line.startswith("{"):
                continue
            message = json.loads(line).get("message")
            stopping = stopping or message == "shutdown requested; finishing the current job"
            count += stopping and message == "job started"
    return count


def test_stop_request_racing_a_new_job(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    layout_ids = []
    for _ in range(3):
        worker = h.start_worker(QUEUE_WAIT_TIME_S="20", WORKER_SHUTDOWN_GRACE_S="2")
        n = len(h.procs)
        wait_for(lambda n=n: sum(e.get("message") == "worker started" for e in h.events()) >= n, 60, "start")
        time.sleep(0.3)
        worker.send_signal(signal.SIGTERM)
        layout_ids.append(h.submit(site))
        assert worker.wait(timeout=30) == 0
    started_jobs = jobs_started_after_stop(h)
    h.start_worker()
    for lid in layout_ids:
        h.wait_status(lid, {"completed"})
    figures = tally(h, layout_ids)
    record("SIGTERM then a job within 1 s (×3)", db(h), jobs_started_after_stop=started_jobs, **figures)
    assert started_jobs == 0
    assert figures["lost"] == figures["duplicated"] == 0


def test_fifty_concurrent_jobs_with_a_worker_killed(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    for _ in range(3):
        h.start_worker(**FAST)
    layout_ids = [h.submit(site, target_capacity_kw=1000 + 37 * i) for i in range(50)]
    rng = random.Random(50)
    wait_for(
        lambda: sum(h.status(lid)["status"] == "completed" for lid in layout_ids) >= 15, 180, "no progress"
    )
    victim = rng.choice([p for p in h.procs if p.poll() is None])
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed = time.monotonic()
    h.start_worker(**FAST)
    for lid in layout_ids:
        h.wait_status(lid, {"completed"}, timeout_s=240)
    drained = round(time.monotonic() - killed, 1)
    figures = tally(h, layout_ids)
    record("50 concurrent jobs, 3 workers, one kill -9", db(h), drain_after_kill_s=drained, **figures)
    assert figures["lost"] == figures["duplicated"] == 0
