"""The queue port: SQS verbs only. Claiming, retries and status live in `app.jobs.runner`.

Semantics every adapter honours (the contract suite in tests/queue checks them):
- `receive` hides each returned message for the visibility timeout and counts the receive;
- a message received `max_receive_count` times without being deleted moves to the
  dead-letter queue instead of being delivered again (SQS redrive policy);
- `delete` with a stale receipt handle (the message was received again since) is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

VISIBILITY_TIMEOUT_S = 300
MAX_RECEIVE_COUNT = 3
RETENTION_S = 4 * 24 * 3600
DLQ_RETENTION_S = 14 * 24 * 3600
LONG_POLL_MAX_S = 20


@dataclass(frozen=True, kw_only=True)
class Message:
    """A received message. receive_count includes this receive; sent_at in UTC."""

    message_id: str
    receipt_handle: str
    body: dict[str, Any]
    receive_count: int
    sent_at: datetime

    @classmethod
    def decode_body(cls, raw: str) -> dict[str, Any]:
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            return {"_raw": raw}
        return body if isinstance(body, dict) else {"_raw": body}


@dataclass(frozen=True, kw_only=True)
class QueueStats:
    """depth: visible messages; in_flight: received, not yet deleted; oldest_message_age_s [s]."""

    depth: int
    in_flight: int
    dlq_depth: int
    oldest_message_age_s: float | None


# Returns True when a long poll should give up early (worker shutting down).
StopFn = Callable[[], bool]


class JobQueue(Protocol):
    name: str
    # True when `send(..., session=)` writes in the caller's database transaction.
    transactional: bool

    def send(self, body: dict[str, Any], *, session: Session | None = None) -> str:
        """Enqueue `body`; return the message id. With `session` (database backend) the message
        is written in the caller's transaction, so it exists if and only if the caller commits."""
        ...

    def receive(
        self,
        *,
        max_messages: int = 1,
        wait_time_s: float = LONG_POLL_MAX_S,
        visibility_timeout_s: int | None = None,
        should_stop: StopFn | None = None,
    ) -> list[Message]: ...

    def delete(self, receipt_handle: str) -> None: ...

    def change_visibility(
        self, receipt_handle: str, timeout_s: int, *, session: Session | None = None
    ) -> bool:
        """Hide the message `timeout_s` [s] from now (0: visible at once); False when the handle is
        stale. With `session` (transactional backends) in the caller's transaction."""
        ...

    def stats(self) -> QueueStats: ...

    def purge(self) -> int: ...

    def dlq_list(self, *, limit: int = 10) -> list[Message]:
        """Look at dead letters without consuming them."""
        ...

    def dlq_redrive(
        self, message_ids: list[str] | None = None, *, session: Session | None = None
    ) -> list[dict[str, Any]]:
        """Move dead letters (all, or those ids) back to the main queue; return their bodies.
        With `session` (transactional backends) the move happens in the caller's transaction."""
        ...

    def dlq_purge(self) -> int: ...

    def close(self) -> None: ...
