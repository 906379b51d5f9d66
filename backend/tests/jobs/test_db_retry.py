"""A running job rides out a short database outage: its writes are retried with backoff, it completes
on its first attempt, and no "job attempt failed" line is logged for it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from app.jobs import lifecycle
from app.jobs.runner import JobRunner, Outcome
from app.services import Services
from tests.conftest import receive, submit


def test_outage_during_the_result_write_is_retried(
    async_services: Services,
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    layout_id = submit(api, headers, site_id)
    real_store = lifecycle.complete
    failures = {"left": 2}

    def flaky_store(*args: Any, **kwargs: Any) -> bool:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError(
                "UPDATE layouts", {}, Exception("server closed the connection unexpectedly")
            )
        return real_store(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "complete", flaky_store)
    caplog.set_level(logging.INFO, logger="app.worker")
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.completed
    assert failures["left"] == 0
    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert status["status"] == "completed" and status["attempts"] == 1
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "job attempt failed" in m or m == "job failed"]
    assert sum("retrying in" in m for m in messages) == 2


def test_outage_longer_than_the_retry_budget_fails_the_attempt(
    database_url: str,
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    async_services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    submit(api, headers, site_id)
    monkeypatch.setattr(async_services.settings, "job_db_retry_s", 0.0)

    def down(*args: Any, **kwargs: Any) -> bool:
        raise OperationalError("UPDATE layouts", {}, Exception("connection refused"))

    monkeypatch.setattr(lifecycle, "complete", down)
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.retrying
