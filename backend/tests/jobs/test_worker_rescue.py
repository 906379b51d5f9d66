"""Issue 15 with real worker processes on SQLite and PostgreSQL: a worker told to stop takes no new
job, and a killed worker's job reruns within the issue's 60 s goal although the visibility timeout is
the default 300 s. Waits poll for conditions (no timing assertions).
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.jobs.test_reliability_processes import FAST_BEATS, RECOVERY_GOAL_S, h, started
from tests.jobs.test_worker_processes import Harness

__all__ = ["h"]  # the fixture, shared with test_reliability_processes.py

pytestmark = pytest.mark.slow


def test_stopped_worker_takes_no_new_job_and_leaves_at_once(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    worker = h.start_worker(QUEUE_WAIT_TIME_S="20", WORKER_SHUTDOWN_GRACE_S="2")
    started(h)
    time.sleep(0.3)  # into its long poll
    worker.send_signal(signal.SIGTERM)
    layout_id = h.submit(site)  # arrives while the worker is shutting down
    assert worker.wait(timeout=30) == 0, h.log_text()
    assert not [e for e in h.events() if e.get("message") == "job started"], h.log_text()
    assert h.status(layout_id)["status"] == "queued"
    h.start_worker()  # the message was not lost
    assert h.wait_status(layout_id, {"completed"})["attempts"] == 1


def test_killed_worker_job_reruns_within_a_minute(h: Harness, sample_kml: bytes) -> None:
    victim = h.start_worker(JOB_STAGE_DELAY_S="5", **FAST_BEATS)  # outlasts the rescuer's start
    layout_id = h.submit(h.site(sample_kml))
    h.wait_status(layout_id, {"processing"})
    h.start_worker(**FAST_BEATS)
    started(h, 2)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed_at = time.monotonic()
    done = h.wait_status(layout_id, {"completed"}, timeout_s=RECOVERY_GOAL_S)
    print(f"recovered {time.monotonic() - killed_at:.1f} s after kill -9")
    assert done["attempts"] == 2
    assert h.asset_rows(layout_id) == done["asset_count"]
