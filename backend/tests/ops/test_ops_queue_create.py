"""`sitelayouts ops queue create` makes a working queue + DLQ pair on an SQS endpoint (moto's server over
HTTP): the settings of infra/terraform/sqs.tf, and a message received three times lands in the DLQ."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from typer.testing import CliRunner

from app.cli.main import app as cli_app
from app.queue.base import (
    DLQ_RETENTION_S,
    LONG_POLL_MAX_S,
    MAX_RECEIVE_COUNT,
    RETENTION_S,
    VISIBILITY_TIMEOUT_S,
)
from app.queue.sqs import SqsQueue


def test_queue_create_on_moto(moto_endpoint: str, aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    name = f"created-{uuid.uuid4().hex[:8]}"
    runner = CliRunner()
    r = runner.invoke(cli_app, ["ops", "queue", "create", name], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    lines = dict(line.split("=", 1) for line in r.output.strip().splitlines())
    url, dlq = lines["SQS_QUEUE_URL"], lines["SQS_DLQ_URL"]
    assert url.endswith(f"/{name}") and dlq.endswith(f"/{name}-dlq")
    # Again: the same pair, no error (safe in a setup script).
    again = runner.invoke(cli_app, ["ops", "queue", "create", name], catch_exceptions=False)
    assert again.exit_code == 0 and again.output == r.output

    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    dlq_attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_attrs["QueueArn"],
        "maxReceiveCount": MAX_RECEIVE_COUNT,
    }
    assert int(attrs["VisibilityTimeout"]) == VISIBILITY_TIMEOUT_S
    assert int(attrs["MessageRetentionPeriod"]) == RETENTION_S
    assert int(attrs["ReceiveMessageWaitTimeSeconds"]) == LONG_POLL_MAX_S
    assert int(dlq_attrs["MessageRetentionPeriod"]) == DLQ_RETENTION_S

    # The pair works as the app uses it: three failed receives, then the dead-letter queue.
    q = SqsQueue(queue_url=url, dlq_url=dlq, region="us-east-1", endpoint_url=moto_endpoint)
    try:
        q.send({"layout_id": "poison"})
        for attempt in range(1, MAX_RECEIVE_COUNT + 1):
            [msg] = q.receive(max_messages=1, wait_time_s=2)
            assert msg.receive_count == attempt
            q.change_visibility(msg.receipt_handle, 0)
        assert q.receive(max_messages=1, wait_time_s=1) == []
        assert [m.body for m in q.dlq_list(limit=10)] == [{"layout_id": "poison"}]
    finally:
        q.close()


def test_queue_create_names_an_unreachable_endpoint(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    r = CliRunner().invoke(cli_app, ["ops", "queue", "create", "nowhere"])
    assert r.exit_code != 0
    assert "SQS unreachable during create_queue" in (r.output + str(r.exception))
