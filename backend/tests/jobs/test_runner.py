"""The job runner in-process: async generation end to end, duplicates, cancel, retries, DLQ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.models import Asset, Layout
from app.jobs.runner import JobRunner, Outcome
from app.main import create_app
from app.pipeline.run import run_pipeline
from app.services import Services, build_services
from tests.conftest import make_settings, make_user, receive, submit, upload


def asset_rows(services: Services, layout_id: str) -> int:
    import uuid

    with services.session_factory() as s:
        return int(
            s.scalar(select(func.count()).select_from(Asset).where(Asset.layout_id == uuid.UUID(layout_id)))
            or 0
        )


def test_async_generation_end_to_end(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = submit(api, headers, site_id)
    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert status["status"] == "queued" and status["queued_at"] and status["attempts"] == 0
    assert status["total_capacity_kw"] is None

    runner = JobRunner(async_services, worker_id="test")
    assert runner.handle(receive(async_services)) is Outcome.completed

    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert status["status"] == "completed" and status["progress_pct"] == 100
    assert status["attempts"] == 1 and status["started_at"] and status["completed_at"]
    assert status["total_capacity_kw"] >= 4000 and status["asset_count"] > 0
    assert status["road_length_m"] > 0 and status["cut_volume_m3"] is not None
    assert asset_rows(async_services, layout_id) == status["asset_count"]
    assert async_services.queue.stats().in_flight == 0  # acknowledged
    geo = api.get(f"/api/layouts/{layout_id}/geojson", headers=headers).json()
    assert geo["type"] == "FeatureCollection" and geo["metrics"]["asset_count"] == status["asset_count"]


def test_duplicate_message_gives_one_result(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = submit(api, headers, site_id)
    async_services.queue.send({"layout_id": layout_id})  # a duplicate delivery
    runner = JobRunner(async_services, worker_id="test")
    outcomes = [runner.handle(receive(async_services)), runner.handle(receive(async_services))]
    assert outcomes == [Outcome.completed, Outcome.skipped]
    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert asset_rows(async_services, layout_id) == status["asset_count"]
    assert status["attempts"] == 1
    assert async_services.queue.stats().depth == 0


def test_idempotency_key_returns_the_same_layout(
    api: TestClient, headers: dict[str, str], site_id: str, async_services: Services
) -> None:
    h = {**headers, "Idempotency-Key": "req-42"}
    first = api.post(
        "/api/layouts/generate", json={"site_id": site_id, "target_capacity_kw": 3000}, headers=h
    )
    again = api.post(
        "/api/layouts/generate", json={"site_id": site_id, "target_capacity_kw": 3000}, headers=h
    )
    assert first.status_code == again.status_code == 202
    assert first.json()["layout_id"] == again.json()["layout_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert async_services.queue.stats().depth == 1


def test_cancel_queued_job_is_skipped(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = submit(api, headers, site_id)
    r = api.post(f"/api/layouts/{layout_id}/cancel", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.skipped
    assert api.post(f"/api/layouts/{layout_id}/cancel", headers=headers).status_code == 409


def test_cancel_while_processing_stores_nothing(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = submit(api, headers, site_id)

    def compute_and_cancel_midway(job: Any, *, progress: Any, **kwargs: Any) -> Any:
        def progress_then_cancel(stage: str, pct: float) -> None:
            if stage not in ("fetching_dem",):
                # A person presses Cancel while the engine works.
                assert api.post(f"/api/layouts/{layout_id}/cancel", headers=headers).status_code == 200
            progress(stage, pct)

        return run_pipeline(job, progress=progress_then_cancel, **kwargs)

    runner = JobRunner(async_services, worker_id="t", compute=compute_and_cancel_midway)
    assert runner.handle(receive(async_services)) is Outcome.cancelled
    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert status["status"] == "cancelled"
    assert asset_rows(async_services, layout_id) == 0
    assert async_services.queue.stats().in_flight == 0


def test_retryable_failure_ends_in_failed_and_dlq(
    database_url: str, tmp_path: Path, sample_kml: bytes
) -> None:
    # Nothing listens on port 9: the 3DEP source is "down" and every attempt fails retryably.
    settings = make_settings(
        database_url,
        tmp_path,
        enable_async_layout_generation=True,
        visibility_timeout_s=1,
        retry_backoff_s=0,
        dem_source=["3dep"],
        dem_3dep_url="http://127.0.0.1:9/exportImage",
        dem_http_retries=0,
        dem_http_timeout_s=2,
    )
    services = build_services(settings)
    try:
        with TestClient(create_app(services=services)) as api:
            headers = make_user(services, "fail@example.com")
            site = upload(api, headers, "s.kml", sample_kml).json()["id"]
            layout_id = submit(api, headers, site, use_terrain=True)
            runner = JobRunner(services, worker_id="t")
            outcomes = [runner.handle(receive(services)) for _ in range(3)]
            assert outcomes == [Outcome.retrying, Outcome.retrying, Outcome.failed]
            assert services.queue.receive(max_messages=1, wait_time_s=1) == []  # moved to the DLQ
            assert services.queue.stats().dlq_depth == 1
            status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
            assert status["status"] == "failed" and status["attempts"] == 3
            assert status["error_message"].startswith("Failed to fetch DEM data")
    finally:
        services.close()


def test_non_retryable_failure_fails_at_once(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = submit(api, headers, site_id)

    def broken(job: Any, **kwargs: Any) -> Any:
        from app.errors import DemNotCovered

        raise DemNotCovered("No configured DEM source covers this site (tried: file)")

    assert (
        JobRunner(async_services, worker_id="t", compute=broken).handle(receive(async_services))
        is Outcome.failed
    )
    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert (
        status["status"] == "failed"
        and "No configured DEM source covers this site" in status["error_message"]
    )
    assert async_services.queue.stats().dlq_depth == 0 and async_services.queue.stats().in_flight == 0


def test_job_timeout(database_url: str, tmp_path: Path, sample_kml: bytes) -> None:
    settings = make_settings(
        database_url, tmp_path, enable_async_layout_generation=True, job_timeout_s=0.2, job_stage_delay_s=0.3
    )
    services = build_services(settings)
    try:
        with TestClient(create_app(services=services)) as api:
            headers = make_user(services, "slow@example.com")
            site = upload(api, headers, "s.kml", sample_kml).json()["id"]
            layout_id = submit(api, headers, site)
            assert JobRunner(services, worker_id="t").handle(receive(services)) is Outcome.failed
            status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
            assert status["status"] == "failed" and "timed out after 0.2 s" in status["error_message"]
    finally:
        services.close()


def test_malformed_and_orphan_messages_are_dropped(async_services: Services) -> None:
    async_services.queue.send({"hello": "world"})
    async_services.queue.send({"layout_id": "00000000-0000-0000-0000-000000000000"})
    runner = JobRunner(async_services, worker_id="t")
    assert runner.handle(receive(async_services)) is Outcome.skipped
    assert runner.handle(receive(async_services)) is Outcome.skipped
    assert async_services.queue.stats().depth == 0 and async_services.queue.stats().in_flight == 0


def test_requeue_stuck(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    import uuid
    from datetime import UTC, datetime, timedelta

    from app.jobs.maintenance import requeue_stuck

    layout_id = submit(api, headers, site_id)
    async_services.queue.purge()  # the message is lost
    with async_services.session_factory.begin() as s:
        layout = s.get(Layout, uuid.UUID(layout_id))
        assert layout is not None
        layout.status, layout.heartbeat_at = "processing", datetime.now(UTC) - timedelta(minutes=30)
    with async_services.session_factory.begin() as s:
        assert requeue_stuck(session=s, queue=async_services.queue, older_than_s=600) == [layout_id]
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.completed


def test_requeue_stuck_gives_up_after_max_attempts(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    import uuid
    from datetime import UTC, datetime, timedelta

    from app.jobs.maintenance import requeue_stuck

    layout_id = submit(api, headers, site_id)
    async_services.queue.purge()
    with async_services.session_factory.begin() as s:
        layout = s.get(Layout, uuid.UUID(layout_id))
        assert layout is not None
        layout.status, layout.attempts = "processing", 3  # its worker died three times
        layout.heartbeat_at = datetime.now(UTC) - timedelta(minutes=30)
    with async_services.write_session_factory.begin() as s:
        assert requeue_stuck(session=s, queue=async_services.queue, older_than_s=600, max_attempts=3) == []
    status = api.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert status["status"] == "failed" and "stopped 3 times" in status["error_message"]
    assert async_services.queue.stats().depth == 0
