"""A claim whose heartbeat went stale: the sweep makes the dead worker's own message visible again at
once (database queue directly, SQS on moto through ChangeMessageVisibility with the stored receipt
handle), instead of waiting out a 300 s visibility timeout or sending a second message."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.db.models import Layout
from app.jobs.maintenance import requeue_stuck
from app.jobs.runner import JobRunner
from app.main import create_app
from app.queue.base import JobQueue
from app.queue.sqs import SqsQueue, ensure_queues
from app.services import Services, build_services
from tests.conftest import make_settings, make_user, submit, upload

VISIBILITY_S = 300


@pytest.fixture(params=["database", "sqs"])
def svc(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Services]:
    base = build_services(
        make_settings(
            database_url,
            tmp_path,
            enable_async_layout_generation=True,
            visibility_timeout_s=VISIBILITY_S,
            heartbeat_interval_s=0.2,
        )
    )
    if request.param == "database":
        yield base
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        request.getfixturevalue("aws_env")
        url, dlq = ensure_queues(
            name=f"stale-{uuid.uuid4().hex[:8]}", region="us-east-1", endpoint_url=endpoint
        )
        sqs: JobQueue = SqsQueue(
            queue_url=url,
            dlq_url=dlq,
            region="us-east-1",
            endpoint_url=endpoint,
            visibility_timeout_s=VISIBILITY_S,
        )
        yield dataclasses.replace(base, queue=sqs)
        sqs.close()
    base.close()


def test_stale_claim_resurfaces_the_same_message_at_once(svc: Services, sample_kml: bytes) -> None:
    with TestClient(create_app(services=svc)) as api:
        headers = make_user(svc, "stale@example.com")
        layout_id = submit(api, headers, str(upload(api, headers, "s.kml", sample_kml).json()["id"]))
    first = svc.queue.receive(max_messages=1, wait_time_s=5)
    assert len(first) == 1
    msg = first[0]
    runner = JobRunner(svc, worker_id="doomed")
    assert runner.claim(uuid.UUID(layout_id), msg.receipt_handle) is not None
    # The worker dies: no more heartbeats. Its message stays hidden for the visibility timeout.
    with svc.write_session_factory.begin() as s:
        s.execute(
            update(Layout)
            .where(Layout.id == uuid.UUID(layout_id))
            .values(heartbeat_at=datetime.now(UTC) - timedelta(seconds=10 * svc.settings.stale_after_s))
        )
    assert svc.queue.receive(max_messages=1, wait_time_s=0) == []
    with svc.write_session_factory.begin() as s:
        assert requeue_stuck(session=s, queue=svc.queue, older_than_s=svc.settings.stale_after_s) == [
            layout_id
        ]
    again = svc.queue.receive(max_messages=10, wait_time_s=5)
    # The same message, visible now, one more receive on its count (the DLQ still counts deaths).
    assert [m.message_id for m in again] == [msg.message_id]
    assert again[0].receive_count == 2
    with svc.session_factory() as s:
        row = s.get(Layout, uuid.UUID(layout_id))
        assert row is not None and row.status == "queued" and row.claim_token is None
    # And the next worker claims it.
    assert JobRunner(svc, worker_id="next").claim(uuid.UUID(layout_id), again[0].receipt_handle) is not None
