"""Pick the queue adapter from settings."""

from __future__ import annotations

from sqlalchemy import Engine

from app.config import QueueBackend, Settings
from app.queue.base import JobQueue


def make_queue(settings: Settings, *, engine: Engine) -> JobQueue:
    if settings.queue_backend is QueueBackend.sqs:
        from app.queue.sqs import SqsQueue

        assert settings.sqs_queue_url  # enforced by Settings
        return SqsQueue(
            queue_url=settings.sqs_queue_url,
            dlq_url=settings.sqs_dlq_url,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            visibility_timeout_s=settings.visibility_timeout_s,
        )
    from app.queue.database import DatabaseQueue

    return DatabaseQueue(
        engine,
        visibility_timeout_s=settings.visibility_timeout_s,
        max_receive_count=settings.max_receive_count,
    )
