"""`sitelayouts ops …` against the database queue + local storage, and against SQS + S3 on moto."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from app.cli.main import app as cli_app
from app.config import get_settings
from app.db.models import Layout, Site, User
from app.errors import InvalidInput
from app.queue.sqs import ensure_queues
from app.services import Services, build_services
from app.storage.lifecycle import s3_lifecycle_configuration
from tests.conftest import JWT_SECRET

Invoke = Callable[..., Any]


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "JWT_SECRET": JWT_SECRET,
        "DEM_SOURCE": "flat",
        "VISIBILITY_TIMEOUT_S": "1",
        **extra,
    }


@pytest.fixture
def ops_env(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    backend = getattr(request, "param", "database")
    env = _env(database_url, tmp_path)
    if backend == "aws":
        endpoint = request.getfixturevalue("moto_endpoint")
        request.getfixturevalue("aws_env")
        name = f"ops-{uuid.uuid4().hex[:8]}"
        url, dlq = ensure_queues(name=name, region="us-east-1", endpoint_url=endpoint)
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        for bucket in (f"{name}-up", f"{name}-out"):
            s3.create_bucket(Bucket=bucket)
        env.update(
            QUEUE_BACKEND="sqs",
            SQS_QUEUE_URL=url,
            SQS_DLQ_URL=dlq,
            AWS_ENDPOINT_URL=endpoint,
            STORAGE_BACKEND="s3",
            S3_UPLOADS_BUCKET=f"{name}-up",
            S3_OUTPUTS_BUCKET=f"{name}-out",
        )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


@pytest.fixture
def svc(ops_env: dict[str, str]) -> Iterator[Services]:
    services = build_services(get_settings())
    yield services
    services.close()


@pytest.fixture
def invoke() -> Invoke:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Any:
        get_settings.cache_clear()
        return runner.invoke(cli_app, list(args), input=input, catch_exceptions=False)

    return run


def make_layout(svc: Services, *, status: str, heartbeat_age_s: float | None = None) -> str:
    with svc.session_factory.begin() as s:
        user = s.query(User).first() or User(email="ops@example.com", password_hash="x")
        s.add(user)
        s.flush()
        site = Site(
            owner_id=user.id,
            name="s",
            boundary={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            area_ha=1,
            centroid_lon=0,
            centroid_lat=0,
            bbox_min_lon=0,
            bbox_min_lat=0,
            bbox_max_lon=1,
            bbox_max_lat=1,
            warnings=[],
        )
        s.add(site)
        s.flush()
        hb = datetime.now(UTC) - timedelta(seconds=heartbeat_age_s) if heartbeat_age_s is not None else None
        layout = Layout(
            site_id=site.id,
            owner_id=user.id,
            status=status,
            params={"target_capacity_kw": 1000},
            warnings=[],
            heartbeat_at=hb,
            attempts=3 if status == "failed" else 1,
            error_message="boom" if status == "failed" else None,
        )
        s.add(layout)
        s.flush()
        return str(layout.id)


def dead_letter(svc: Services, layout_id: str) -> None:
    """Receive a message three times without deleting it: the redrive policy moves it to the DLQ."""
    import time

    svc.queue.send({"layout_id": layout_id})
    for _ in range(3):
        deadline = time.monotonic() + 15
        got: list[Any] = []
        while not got and time.monotonic() < deadline:
            got = svc.queue.receive(max_messages=1, wait_time_s=1)
        assert got
        svc.queue.change_visibility(got[0].receipt_handle, 0)
    svc.queue.receive(max_messages=1, wait_time_s=1)
    deadline = time.monotonic() + 15
    while svc.queue.stats().dlq_depth < 1 and time.monotonic() < deadline:
        time.sleep(0.3)


BACKENDS = pytest.mark.parametrize("ops_env", ["database", "aws"], indirect=True)


@BACKENDS
def test_status_reports_queue_layouts_and_stuck_jobs(svc: Services, invoke: Invoke) -> None:
    stuck = make_layout(svc, status="processing", heartbeat_age_s=3600)
    make_layout(svc, status="failed")
    svc.queue.send({"layout_id": str(uuid.uuid4())})
    r = invoke("ops", "status", "--json")
    assert r.exit_code == 2, r.output  # healthy, but a stuck job and a message with no worker: warnings
    report = json.loads(r.output)
    assert report["healthy"] is True
    assert len(report["warnings"]) == 2
    assert "1 stuck job(s)" in report["warnings"][0] and "no live worker" in report["warnings"][1]
    assert report["queue_depth"] >= 1 and report["dlq_depth"] == 0
    assert report["layouts_by_status"] == {"processing": 1, "failed": 1}
    assert [s["layout_id"] for s in report["stuck_jobs"]] == [stuck]
    text = invoke("ops", "status")
    assert "queue depth" in text.output and "stuck jobs      1" in text.output


@BACKENDS
def test_dlq_list_redrive_and_purge(svc: Services, invoke: Invoke) -> None:
    failed = make_layout(svc, status="failed")
    dead_letter(svc, failed)
    listed = invoke("ops", "dlq", "list")
    assert failed in listed.output
    r = invoke("ops", "dlq", "redrive", "--all")
    assert r.exit_code == 0 and failed in r.output
    with svc.session_factory() as s:
        layout = s.get(Layout, uuid.UUID(failed))
        assert layout is not None and layout.status == "queued" and layout.error_message is None
    assert svc.queue.stats().dlq_depth == 0
    # dead again, then purged (with confirmation)
    svc.queue.purge()
    dead_letter(svc, failed)
    assert invoke("ops", "dlq", "purge", input="n\n").exit_code == 1
    assert svc.queue.stats().dlq_depth == 1
    assert invoke("ops", "dlq", "purge", "--yes").exit_code == 0
    assert svc.queue.stats().dlq_depth == 0


@BACKENDS
def test_queue_purge_requeue_stuck_and_retry(svc: Services, invoke: Invoke) -> None:
    svc.queue.send({"layout_id": "x"})
    assert invoke("ops", "queue", "purge", "--yes").exit_code == 0
    assert svc.queue.stats().depth == 0
    stuck = make_layout(svc, status="processing", heartbeat_age_s=1200)
    fresh = make_layout(svc, status="processing", heartbeat_age_s=5)
    r = invoke("ops", "requeue-stuck", "--older-than", "10m")
    assert r.exit_code == 0 and stuck in r.output and fresh not in r.output
    assert svc.queue.stats().depth == 1
    failed = make_layout(svc, status="failed")
    assert invoke("ops", "layouts", "retry", failed).exit_code == 0
    with svc.session_factory() as s:
        layout = s.get(Layout, uuid.UUID(failed))
        assert layout is not None and layout.status == "queued" and layout.attempts == 0
    assert svc.queue.stats().depth == 2
    with pytest.raises(InvalidInput, match="only failed, cancelled or queued"):
        invoke("ops", "layouts", "retry", fresh)


def test_bad_arguments_exit_2(svc: Services) -> None:
    import subprocess
    import sys

    env = {**os.environ}
    out = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "ops", "requeue-stuck", "--older-than", "soon"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 2 and "not a duration" in out.stderr


@pytest.mark.parametrize("ops_env", ["aws"], indirect=True)
def test_storage_lifecycle_apply_on_s3(svc: Services, invoke: Invoke, ops_env: dict[str, str]) -> None:
    r = invoke("ops", "storage", "lifecycle", "apply")
    assert r.exit_code == 0, r.output
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=ops_env["AWS_ENDPOINT_URL"])
    for area, bucket in (
        ("uploads", ops_env["S3_UPLOADS_BUCKET"]),
        ("outputs", ops_env["S3_OUTPUTS_BUCKET"]),
    ):
        stored = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        # What the bucket holds now is the whole Terraform rule set (tests/infra compares that with s3.tf),
        # noncurrent-version expiry and abort-incomplete-multipart included.
        assert sorted(stored, key=lambda r: r["ID"]) == sorted(
            s3_lifecycle_configuration(area)["Rules"], key=lambda r: r["ID"]
        )
    outputs = s3.get_bucket_lifecycle_configuration(Bucket=ops_env["S3_OUTPUTS_BUCKET"])["Rules"]
    assert sorted((r["Filter"]["Prefix"], r.get("Expiration", {}).get("Days")) for r in outputs) == [
        ("", None),
        ("outputs/", 30),
        ("terrain/", 30),
    ]


def test_storage_sweep_on_local_folder(svc: Services, invoke: Invoke, ops_env: dict[str, str]) -> None:
    svc.storage.put("uploads", "old/source.kml", b"x")
    svc.storage.put("uploads", "new/source.kml", b"x")
    svc.storage.put("outputs", "terrain/s/flat-30m.tif", b"x")
    svc.storage.put("outputs", "outputs/l/layout.pdf", b"x")
    root = Path(ops_env["STORAGE_DIR"])
    days = 86400
    now = datetime.now(UTC).timestamp()
    os.utime(root / "uploads/old/source.kml", (now - 91 * days, now - 91 * days))
    os.utime(root / "outputs/terrain/s/flat-30m.tif", (now - 31 * days, now - 31 * days))
    os.utime(root / "outputs/outputs/l/layout.pdf", (now - 29 * days, now - 29 * days))
    dry = invoke("ops", "storage", "sweep", "--dry-run")
    assert "delete-old-uploads: would delete 1" in dry.output
    assert svc.storage.exists("uploads", "old/source.kml")
    r = invoke("ops", "storage", "sweep")
    assert r.exit_code == 0
    assert not svc.storage.exists("uploads", "old/source.kml")
    assert svc.storage.exists("uploads", "new/source.kml")
    assert not svc.storage.exists("outputs", "terrain/s/flat-30m.tif")
    assert svc.storage.exists("outputs", "outputs/l/layout.pdf")  # 29 days: kept
    with pytest.raises(InvalidInput, match="storage sweep"):
        invoke("ops", "storage", "lifecycle", "apply")


def test_users_admin(svc: Services, invoke: Invoke) -> None:
    make_layout(svc, status="queued")  # creates ops@example.com
    assert invoke("ops", "users", "admin", "ops@example.com").exit_code == 0
    with svc.session_factory() as s:
        assert s.query(User).filter_by(email="ops@example.com").one().is_admin
    invoke("ops", "users", "admin", "ops@example.com", "--revoke")
    with svc.session_factory() as s:
        assert not s.query(User).filter_by(email="ops@example.com").one().is_admin
    with pytest.raises(InvalidInput, match="no user"):
        invoke("ops", "users", "admin", "nobody@example.com")
