"""An in-process queue with the same semantics, for fast unit tests of the job runner.

Visibility timeouts and message ages follow an injectable `Clock`: tests pass a `ManualClock` and
move time with `advance()` instead of sleeping. A long poll still waits in real time (bounded by
`wait_time_s`) for a message to arrive.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.queue.base import (
    LONG_POLL_MAX_S,
    MAX_RECEIVE_COUNT,
    VISIBILITY_TIMEOUT_S,
    Message,
    QueueStats,
    StopFn,
)


class Clock(Protocol):
    """Where the queue reads the time: a monotonic clock [s] and the wall clock (UTC)."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clocks (`time.monotonic`, `datetime.now(UTC)`)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (`advance`): both readings move together."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self._start = start
        self._elapsed_s = 0.0
        self._lock = threading.Lock()

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` [s] (≥ 0)."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._elapsed_s += seconds

    def monotonic(self) -> float:
        return self._elapsed_s

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed_s)


@dataclass
class _Entry:
    message_id: str
    body: dict[str, Any]
    sent_at: datetime
    visible_at: float = 0.0
    receive_count: int = 0
    token: str | None = None


class MemoryQueue:
    transactional = False

    def __init__(
        self,
        *,
        name: str = "layout-jobs",
        visibility_timeout_s: int = VISIBILITY_TIMEOUT_S,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.clock: Clock = clock or SystemClock()
        self.visibility_timeout_s = visibility_timeout_s
        self.max_receive_count = max_receive_count
        self._main: dict[str, _Entry] = {}
        self._dlq: dict[str, _Entry] = {}
        self._cond = threading.Condition()

    def send(self, body: dict[str, Any], *, session: Session | None = None) -> str:
        entry = _Entry(message_id=str(uuid.uuid4()), body=dict(body), sent_at=self.clock.now())
        with self._cond:
            self._main[entry.message_id] = entry
            self._cond.notify_all()
        return entry.message_id

    def _redrive(self, now: float) -> None:
        for mid, e in list(self._main.items()):
            if e.visible_at <= now and e.receive_count >= self.max_receive_count:
                del self._main[mid]
                e.token = None
                self._dlq[mid] = e

    def receive(
        self,
        *,
        max_messages: int = 1,
        wait_time_s: float = LONG_POLL_MAX_S,
        visibility_timeout_s: int | None = None,
        should_stop: StopFn | None = None,
    ) -> list[Message]:
        visibility = self.visibility_timeout_s if visibility_timeout_s is None else visibility_timeout_s
        # The poll waits in real time; visibility is the clock's.
        deadline = time.monotonic() + min(wait_time_s, LONG_POLL_MAX_S)
        with self._cond:
            while True:
                now = self.clock.monotonic()
                self._redrive(now)
                ready = sorted(
                    (e for e in self._main.values() if e.visible_at <= now), key=lambda e: e.sent_at
                )
                left_s = deadline - time.monotonic()
                if ready or left_s <= 0 or (should_stop is not None and should_stop()):
                    out = []
                    for e in ready[:max_messages]:
                        e.visible_at = now + visibility
                        e.receive_count += 1
                        e.token = uuid.uuid4().hex
                        out.append(
                            Message(
                                message_id=e.message_id,
                                receipt_handle=f"{e.message_id}.{e.token}",
                                body=dict(e.body),
                                receive_count=e.receive_count,
                                sent_at=e.sent_at,
                            )
                        )
                    return out
                self._cond.wait(timeout=min(left_s, 0.05))

    def _find(self, receipt_handle: str) -> _Entry | None:
        mid, _, token = receipt_handle.rpartition(".")
        e = self._main.get(mid)
        return e if e is not None and e.token == token else None

    def delete(self, receipt_handle: str) -> None:
        with self._cond:
            e = self._find(receipt_handle)
            if e is not None:
                del self._main[e.message_id]

    def change_visibility(
        self, receipt_handle: str, timeout_s: int, *, session: Session | None = None
    ) -> bool:
        with self._cond:
            e = self._find(receipt_handle)
            if e is not None:
                e.visible_at = self.clock.monotonic() + max(0, timeout_s)
                self._cond.notify_all()
            return e is not None

    def stats(self) -> QueueStats:
        with self._cond:
            now = self.clock.monotonic()
            self._redrive(now)
            visible = [e for e in self._main.values() if e.visible_at <= now]
            oldest = min((e.sent_at for e in self._main.values()), default=None)
            return QueueStats(
                depth=len(visible),
                in_flight=len(self._main) - len(visible),
                dlq_depth=len(self._dlq),
                oldest_message_age_s=(self.clock.now() - oldest).total_seconds() if oldest else None,
            )

    def purge(self) -> int:
        with self._cond:
            n = len(self._main)
            self._main.clear()
            return n

    def dlq_list(self, *, limit: int = 10) -> list[Message]:
        with self._cond:
            return [
                Message(
                    message_id=e.message_id,
                    receipt_handle="",
                    body=dict(e.body),
                    receive_count=e.receive_count,
                    sent_at=e.sent_at,
                )
                for e in sorted(self._dlq.values(), key=lambda e: e.sent_at)[:limit]
            ]

    def dlq_redrive(
        self, message_ids: list[str] | None = None, *, session: Session | None = None
    ) -> list[dict[str, Any]]:
        with self._cond:
            ids = list(self._dlq) if message_ids is None else [m for m in message_ids if m in self._dlq]
            bodies = []
            for mid in ids:
                e = self._dlq.pop(mid)
                e.receive_count, e.visible_at, e.token = 0, 0.0, None
                self._main[mid] = e
                bodies.append(dict(e.body))
            self._cond.notify_all()
            return bodies

    def dlq_purge(self) -> int:
        with self._cond:
            n = len(self._dlq)
            self._dlq.clear()
            return n

    def close(self) -> None:
        """Nothing to release."""
