"""`sitelayouts ops status` tells the truth (real processes): a worker killed with -9 leaves the worker
list once its heartbeat is stale, and dead letters waiting make the command warn and exit 2."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from app.db.models import QueueMessage
from app.ops.status import collect_status
from app.services import build_services
from tests.conftest import BACKEND_DIR, make_settings
from tests.jobs.test_worker_processes import Harness, wait_for

pytestmark = pytest.mark.slow
BEATS = {"HEARTBEAT_INTERVAL_S": "0.5", "STUCK_CHECK_INTERVAL_S": "0.5"}


@pytest.fixture
def h(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(database_url, tmp_path)
    yield harness
    harness.close()


def ops_status(h: Harness, *args: str) -> subprocess.CompletedProcess[str]:
    cli = str(BACKEND_DIR / ".venv" / "bin" / "sitelayouts")
    return subprocess.run(
        [cli, "ops", "status", *args], cwd=BACKEND_DIR, env=h.env(**BEATS), capture_output=True, text=True
    )


def test_killed_worker_leaves_the_list_and_dead_letters_warn(h: Harness, sample_kml: bytes) -> None:
    # The same report as the CLI's, polled in-process (the CLI is run where its exit code matters).
    view = build_services(make_settings(h.database_url, h.tmp_path, heartbeat_interval_s=0.5))
    try:
        worker = h.start_worker(**BEATS)
        wait_for(lambda: collect_status(view)["workers"], 60, lambda: f"worker never listed\n{h.log_text()}")
        ok = ops_status(h)
        assert ok.returncode == 0 and "Site Layouts: OK" in ok.stdout, ok.stdout
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        # Three missed beats (1.5 s) later it is no longer listed, alive or not.
        wait_for(lambda: collect_status(view)["workers"] == [], 60, "a dead worker is still listed")
    finally:
        view.close()
    # A dead letter: status warns and exits 2.
    layout_id = h.submit(h.site(sample_kml))
    with h.services.write_session_factory.begin() as s:
        s.execute(update(QueueMessage).values(queue="layout-jobs-dlq", receive_count=3))
    report = ops_status(h, "--json")
    assert report.returncode == 2, report.stdout
    parsed = json.loads(report.stdout)
    assert parsed["workers"] == []
    assert parsed["dlq_depth"] == 1 and parsed["dlq"][0]["layout_id"] == layout_id
    text = ops_status(h)
    assert text.returncode == 2
    assert "Site Layouts: WARNING" in text.stdout and "1 dead letter(s) waiting" in text.stdout
