"""The queue on AWS SQS (or an SQS-compatible endpoint via AWS_ENDPOINT_URL).

The redrive policy (maxReceiveCount 3 → DLQ) lives on the queue itself (infra/terraform/sqs.tf);
`ensure_queues` creates the same pair for local testing against moto.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy.orm import Session

from app.errors import QueueError
from app.queue.base import (
    DLQ_RETENTION_S,
    LONG_POLL_MAX_S,
    MAX_RECEIVE_COUNT,
    RETENTION_S,
    VISIBILITY_TIMEOUT_S,
    Message,
    QueueStats,
    StopFn,
)

# With a stop flag (a worker), a long poll is made of ReceiveMessage calls of at most this many
# seconds, the flag checked between them: an SQS poll cannot be interrupted, and one 20 s call kept
# an idle worker 12-17 s after SIGTERM. An idle worker then makes 30 calls a minute instead of 3,
# ≈ 1.3 million a month, ≈ $0.52 a month at SQS's $0.40 per million requests
# (https://aws.amazon.com/sqs/pricing/, standard queue, 2026).
STOP_SLICE_S = 2


@contextlib.contextmanager
def wrap_errors(what: str) -> Iterator[None]:
    """Turn botocore's errors into `QueueError`, in one place."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise QueueError(f"SQS error during {what}: {code or exc}") from exc
    except BotoCoreError as exc:
        raise QueueError(f"SQS unreachable during {what}: {exc}") from exc


def _client(region: str, endpoint_url: str | None) -> Any:
    return boto3.client(
        "sqs",
        region_name=region,
        endpoint_url=endpoint_url,
        # Read timeout above the 20 s long poll, or every idle poll would look like a failure.
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


def ensure_queues(
    *, name: str, region: str, endpoint_url: str | None, max_receive_count: int = MAX_RECEIVE_COUNT
) -> tuple[str, str]:
    """Create queue `name` and `name-dlq` with the spec's settings; return (queue_url, dlq_url)."""
    client = _client(region, endpoint_url)
    with wrap_errors("create_queue"):
        dlq_url = client.create_queue(
            QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_S)}
        )["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        url = client.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(VISIBILITY_TIMEOUT_S),
                "MessageRetentionPeriod": str(RETENTION_S),
                "ReceiveMessageWaitTimeSeconds": str(LONG_POLL_MAX_S),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
                ),
            },
        )["QueueUrl"]
    return str(url), str(dlq_url)


class SqsQueue:
    transactional = False

    def __init__(
        self,
        *,
        queue_url: str,
        dlq_url: str | None,
        region: str,
        endpoint_url: str | None = None,
        visibility_timeout_s: int = VISIBILITY_TIMEOUT_S,
    ) -> None:
        self.queue_url = queue_url
        self.dlq_url = dlq_url
        self.name = queue_url.rstrip("/").rsplit("/", 1)[-1]
        self.visibility_timeout_s = visibility_timeout_s
        self.client = _client(region, endpoint_url)

    def send(self, body: dict[str, Any], *, session: Session | None = None) -> str:
        # SQS cannot join a database transaction: callers commit first, then send.
        with wrap_errors("send"):
            resp = self.client.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body))
        return str(resp["MessageId"])

    def _receive_from(self, url: str, *, max_messages: int, wait_s: int, visibility_s: int) -> list[Message]:
        with wrap_errors("receive"):
            resp = self.client.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=max(1, min(10, max_messages)),
                WaitTimeSeconds=wait_s,
                VisibilityTimeout=visibility_s,
                AttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            )
        out = []
        for m in resp.get("Messages", []):
            attrs = m.get("Attributes", {})
            out.append(
                Message(
                    message_id=m["MessageId"],
                    receipt_handle=m["ReceiptHandle"],
                    body=Message.decode_body(m["Body"]),
                    receive_count=int(attrs.get("ApproximateReceiveCount", 1)),
                    sent_at=datetime.fromtimestamp(int(attrs.get("SentTimestamp", 0)) / 1000, tz=UTC),
                )
            )
        return out

    def receive(
        self,
        *,
        max_messages: int = 1,
        wait_time_s: float = LONG_POLL_MAX_S,
        visibility_timeout_s: int | None = None,
        should_stop: StopFn | None = None,
    ) -> list[Message]:
        visibility = self.visibility_timeout_s if visibility_timeout_s is None else visibility_timeout_s
        wait = int(min(max(wait_time_s, 0), LONG_POLL_MAX_S))
        if should_stop is None:
            return self._receive_from(
                self.queue_url, max_messages=max_messages, wait_s=wait, visibility_s=visibility
            )
        deadline = time.monotonic() + wait
        while True:
            # Checked before every call: a worker told to stop must not take one more message.
            if should_stop():
                return []
            remaining = max(0, round(deadline - time.monotonic()))
            piece = min(STOP_SLICE_S, remaining)
            got = self._receive_from(
                self.queue_url, max_messages=max_messages, wait_s=piece, visibility_s=visibility
            )
            if got or remaining <= piece:
                return got

    def delete(self, receipt_handle: str) -> None:
        with wrap_errors("delete"):
            self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt_handle)

    def change_visibility(
        self, receipt_handle: str, timeout_s: int, *, session: Session | None = None
    ) -> bool:
        # SQS keeps the latest receive's handle valid; a stale one raises (QueueError).
        with wrap_errors("change_visibility"):
            self.client.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=max(0, timeout_s)
            )
        return True

    def _attr(self, url: str, name: str) -> int:
        with wrap_errors("get_queue_attributes"):
            attrs = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"]
        return int(attrs.get(name, 0))

    def stats(self) -> QueueStats:
        # SQS exposes the oldest message's age only through CloudWatch, not the queue API.
        return QueueStats(
            depth=self._attr(self.queue_url, "ApproximateNumberOfMessages"),
            in_flight=self._attr(self.queue_url, "ApproximateNumberOfMessagesNotVisible"),
            dlq_depth=self._attr(self.dlq_url, "ApproximateNumberOfMessages") if self.dlq_url else 0,
            oldest_message_age_s=None,
        )

    def purge(self) -> int:
        count = self._attr(self.queue_url, "ApproximateNumberOfMessages")
        with wrap_errors("purge"):
            self.client.purge_queue(QueueUrl=self.queue_url)
        return count

    def _require_dlq(self) -> str:
        if not self.dlq_url:
            raise QueueError("SQS_DLQ_URL is not set: the dead-letter queue is unknown")
        return self.dlq_url

    def dlq_list(self, *, limit: int = 10) -> list[Message]:
        # Visibility 0: look without hiding the messages from the next reader.
        dlq = self._require_dlq()
        seen: dict[str, Message] = {}
        for _ in range(max(1, (limit + 9) // 10) * 2):
            batch = self._receive_from(dlq, max_messages=min(10, limit), wait_s=0, visibility_s=0)
            if not batch:
                break
            for m in batch:
                seen.setdefault(m.message_id, m)
            if len(seen) >= limit:
                break
        return list(seen.values())[:limit]

    def dlq_redrive(
        self, message_ids: list[str] | None = None, *, session: Session | None = None
    ) -> list[dict[str, Any]]:
        dlq = self._require_dlq()
        wanted = set(message_ids) if message_ids is not None else None
        moved: list[dict[str, Any]] = []
        skipped: list[Message] = []
        while True:
            batch = self._receive_from(dlq, max_messages=10, wait_s=0, visibility_s=30)
            if not batch:
                break
            for m in batch:
                if wanted is not None and m.message_id not in wanted:
                    skipped.append(m)
                    continue
                self.send(m.body)
                with wrap_errors("delete"):
                    self.client.delete_message(QueueUrl=dlq, ReceiptHandle=m.receipt_handle)
                moved.append(m.body)
        for m in skipped:  # make the ones we did not want visible again at once
            with wrap_errors("change_visibility"):
                self.client.change_message_visibility(
                    QueueUrl=dlq, ReceiptHandle=m.receipt_handle, VisibilityTimeout=0
                )
        return moved

    def dlq_purge(self) -> int:
        dlq = self._require_dlq()
        count = self._attr(dlq, "ApproximateNumberOfMessages")
        with wrap_errors("dlq_purge"):
            self.client.purge_queue(QueueUrl=dlq)
        return count

    def close(self) -> None:
        self.client.close()
