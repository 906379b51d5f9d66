"""A site with no room for a substation ends its job `failed` at once, saying why (issue 14 point 6)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.errors import NoGridConnection
from app.jobs.runner import JobRunner, Outcome
from app.services import Services
from tests.conftest import receive, submit

REASON = "no grid connection: the 80 × 60 m substation fits nowhere on this site (test)"


def test_no_grid_connection_fails_the_job_without_retrying(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = submit(api, headers, site_id)
    calls = []

    def no_substation(job: Any, **kwargs: Any) -> Any:
        calls.append(job)
        raise NoGridConnection(REASON)

    runner = JobRunner(async_services, worker_id="t", compute=no_substation)
    assert runner.handle(receive(async_services)) is Outcome.failed
    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert status["status"] == "failed" and status["error_message"] == REASON
    assert status["attempts"] == 1 and len(calls) == 1
    # Nothing left to retry: not in flight, not dead-lettered.
    stats = async_services.queue.stats()
    assert stats.in_flight == 0 and stats.dlq_depth == 0 and stats.depth == 0
