"""Issue 15 with real worker processes on SQLite and PostgreSQL: dead-letter redrive strands
nothing, and a queued layout that lost its message gets a new one (the stop and kill -9 cases are in
test_worker_rescue.py). Waits poll for conditions (no timing assertions).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from app.db.models import Layout, QueueMessage
from tests.conftest import BACKEND_DIR
from tests.jobs.test_worker_processes import Harness, wait_for

pytestmark = pytest.mark.slow

# Small beats so "3 missed heartbeats" is 1.5 s; the visibility timeout stays at its default.
FAST_BEATS = {"HEARTBEAT_INTERVAL_S": "0.5", "STUCK_CHECK_INTERVAL_S": "0.5", "VISIBILITY_TIMEOUT_S": "300"}
RECOVERY_GOAL_S = 60


@pytest.fixture
def h(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(database_url, tmp_path)
    yield harness
    harness.close()


def started(h: Harness, count: int = 1) -> None:
    wait_for(
        lambda: sum(e.get("message") == "worker started" for e in h.events()) >= count,
        60,
        lambda: f"workers did not start\n{h.log_text()}",
    )


def kill_dead_letter(h: Harness, layout_ids: list[str]) -> None:
    """The state after three failed attempts: layouts failed, their messages in the DLQ."""
    with h.services.write_session_factory.begin() as s:
        s.execute(update(QueueMessage).values(queue="layout-jobs-dlq", receive_count=3, receipt_handle=None))
        s.execute(
            update(Layout)
            .where(Layout.id.in_([uuid.UUID(i) for i in layout_ids]))
            .values(
                status="failed",
                stage="failed",
                error_message="boom",
                attempts=3,
                completed_at=datetime.now(UTC),
            )
        )


def test_dlq_redrive_with_idle_workers_strands_no_layout(h: Harness, sample_kml: bytes) -> None:
    site = h.site(sample_kml)
    layout_ids = [h.submit(site, target_capacity_kw=1000 + 100 * i) for i in range(12)]
    kill_dead_letter(h, layout_ids)
    assert h.services.queue.stats().dlq_depth == 12
    # No orphan sweep here: the redrive alone must leave no layout without its message.
    for _ in range(2):
        h.start_worker(ORPHAN_QUEUED_AFTER_S="3600", QUEUE_WAIT_TIME_S="20")
    started(h, 2)
    out = subprocess.run(
        [str(BACKEND_DIR / ".venv" / "bin" / "sitelayouts"), "ops", "dlq", "redrive", "--all"],
        cwd=BACKEND_DIR,
        env=h.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "redrove 12 message(s)" in out.stdout
    for lid in layout_ids:
        done = h.wait_status(lid, {"completed"}, timeout_s=120)
        assert done["attempts"] == 1
        assert h.asset_rows(lid) == done["asset_count"]
    skipped_failed = [
        e for e in h.events() if e.get("message") == "skipping message" and e.get("layout_status") == "failed"
    ]
    assert skipped_failed == []


def test_queued_layout_without_message_gets_a_new_one(h: Harness, sample_kml: bytes) -> None:
    layout_id = h.submit(h.site(sample_kml))
    assert h.services.queue.purge() == 1  # the layout is queued with no message now
    h.start_worker(ORPHAN_QUEUED_AFTER_S="0", **FAST_BEATS)
    done = h.wait_status(layout_id, {"completed"}, timeout_s=RECOVERY_GOAL_S)
    assert done["attempts"] == 1
    assert h.asset_rows(layout_id) == done["asset_count"]
