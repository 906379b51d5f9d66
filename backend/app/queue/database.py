"""A queue in the app's own database with SQS semantics (the embedded default).

PostgreSQL: receivers claim with `FOR UPDATE SKIP LOCKED` and sleep on LISTEN until a
sender's NOTIFY (sent in the sender's transaction, so delivered on commit) wakes them.
SQLite: writers are serialised by `BEGIN IMMEDIATE`; receivers poll with short sleeps.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from app.db.models import QueueMessage
from app.db.session import make_session_factory
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

NOTIFY_CHANNEL = "sitelayouts_queue"
SQLITE_POLL_S = 0.2
# A long poll re-checks its stop flag this often [s], so a stopping worker leaves at once.
STOP_CHECK_S = 0.25


@contextlib.contextmanager
def wrap_errors(what: str) -> Iterator[None]:
    """Turn database errors into `QueueError`, in one place."""
    try:
        yield
    except (OperationalError, DBAPIError) as exc:
        raise QueueError(f"queue database error during {what}: {exc.orig or exc}") from exc


class DatabaseQueue:
    """Queue `name` and its dead-letter queue `name + "-dlq"` in the `queue_messages` table."""

    transactional = True

    def __init__(
        self,
        engine: Engine,
        *,
        name: str = "layout-jobs",
        visibility_timeout_s: int = VISIBILITY_TIMEOUT_S,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        retention_s: int = RETENTION_S,
        dlq_retention_s: int = DLQ_RETENTION_S,
    ) -> None:
        self.engine = engine
        self.name = name
        self.dlq_name = f"{name}-dlq"
        self.visibility_timeout_s = visibility_timeout_s
        self.max_receive_count = max_receive_count
        self.retention_s = retention_s
        self.dlq_retention_s = dlq_retention_s
        # Receive reads then updates: it needs the write lock from the start on SQLite.
        self._sessions = make_session_factory(engine, write=True)
        self._is_pg = engine.dialect.name == "postgresql"
        self._listen_lock = threading.Lock()

    # -- sending -------------------------------------------------------------------------
    def send(self, body: dict[str, Any], *, session: Session | None = None) -> str:
        now = datetime.now(UTC)
        msg = QueueMessage(
            id=str(uuid.uuid4()),
            queue=self.name,
            body=json.dumps(body, separators=(",", ":")),
            sent_at=now,
            visible_at=now,
            receive_count=0,
        )
        if session is not None:
            session.add(msg)
            self._notify(session)
            return msg.id
        with wrap_errors("send"), self._sessions.begin() as own:
            own.add(msg)
            self._notify(own)
        return msg.id

    def _notify(self, session: Session) -> None:
        if self._is_pg:
            session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})

    # -- receiving -----------------------------------------------------------------------
    def receive(
        self,
        *,
        max_messages: int = 1,
        wait_time_s: float = LONG_POLL_MAX_S,
        visibility_timeout_s: int | None = None,
        should_stop: StopFn | None = None,
    ) -> list[Message]:
        wait_time_s = min(max(wait_time_s, 0.0), LONG_POLL_MAX_S)
        deadline = time.monotonic() + wait_time_s
        visibility = self.visibility_timeout_s if visibility_timeout_s is None else visibility_timeout_s
        while True:
            # Checked before every claim: a worker told to stop must not take one more message.
            if should_stop is not None and should_stop():
                return []
            got = self._receive_once(max_messages, visibility)
            remaining = deadline - time.monotonic()
            if got or remaining <= 0:
                return got
            self._wait(min(remaining, STOP_CHECK_S))

    def _wait(self, seconds: float) -> None:
        if not self._is_pg:
            time.sleep(min(seconds, SQLITE_POLL_S))
            return
        # Sleep on LISTEN; a NOTIFY from any sender ends the wait at once.
        import psycopg

        with wrap_errors("wait"), self.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            try:
                raw.autocommit = True
                raw.execute(f"LISTEN {NOTIFY_CHANNEL}")
                for _ in raw.notifies(timeout=seconds, stop_after=1):
                    break
                raw.execute(f"UNLISTEN {NOTIFY_CHANNEL}")
                raw.autocommit = False
            except psycopg.Error as exc:
                # The server went away mid-wait: drop this connection from the pool.
                conn.invalidate()
                raise QueueError(f"queue database error during wait: {exc}") from exc

    def _receive_once(self, max_messages: int, visibility_s: int) -> list[Message]:
        now = datetime.now(UTC)
        token = secrets.token_hex(8)
        with wrap_errors("receive"), self._sessions.begin() as session:
            self._expire_and_redrive(session, now)
            # Exhausted messages are excluded here, not only moved away above: on PostgreSQL a
            # worker's `change_visibility(…, 0)` on its last try can commit between the two
            # statements, and the claim would then hand the message out a fourth time. With FOR
            # UPDATE the condition is re-checked on the row's newest version, so it holds.
            candidates = (
                select(QueueMessage.id)
                .where(
                    QueueMessage.queue == self.name,
                    QueueMessage.visible_at <= now,
                    QueueMessage.receive_count < self.max_receive_count,
                )
                .order_by(QueueMessage.sent_at)
                .limit(max_messages)
            )
            if self._is_pg:
                candidates = candidates.with_for_update(skip_locked=True)
            ids = list(session.scalars(candidates))
            if not ids:
                return []
            session.execute(
                update(QueueMessage)
                .where(QueueMessage.id.in_(ids))
                .values(
                    visible_at=now + timedelta(seconds=visibility_s),
                    receive_count=QueueMessage.receive_count + 1,
                    receipt_handle=token,
                    first_received_at=func.coalesce(QueueMessage.first_received_at, now),
                )
            )
            rows = session.scalars(
                select(QueueMessage).where(QueueMessage.id.in_(ids)).order_by(QueueMessage.sent_at)
            ).all()
            return [
                Message(
                    message_id=row.id,
                    receipt_handle=f"{row.id}.{token}",
                    body=Message.decode_body(row.body),
                    receive_count=row.receive_count,
                    sent_at=row.sent_at,
                )
                for row in rows
            ]

    def _expire_and_redrive(self, session: Session, now: datetime) -> None:
        # Redrive policy: a visible message already received max times goes to the DLQ.
        self._rows_unlocked(
            session,
            update(QueueMessage).values(queue=self.dlq_name, visible_at=now, receipt_handle=None),
            QueueMessage.queue == self.name,
            QueueMessage.visible_at <= now,
            QueueMessage.receive_count >= self.max_receive_count,
        )
        self._rows_unlocked(
            session,
            delete(QueueMessage),
            QueueMessage.queue == self.name,
            QueueMessage.sent_at < now - timedelta(seconds=self.retention_s),
        )
        self._rows_unlocked(
            session,
            delete(QueueMessage),
            QueueMessage.queue == self.dlq_name,
            QueueMessage.sent_at < now - timedelta(seconds=self.dlq_retention_s),
        )

    def _rows_unlocked(self, session: Session, statement: Any, *where: Any) -> None:
        """Run `statement` (an UPDATE or DELETE of queue rows) on the rows matching `where`.

        On PostgreSQL only on rows no other transaction holds (`FOR UPDATE SKIP LOCKED`): this
        housekeeping runs in every receive, and receivers waiting on each other's row locks in
        different orders deadlock. A row skipped now is handled by the next receive; `receive`
        never hands out an exhausted message meanwhile (its claim excludes them).
        """
        chosen = select(QueueMessage.id).where(*where)
        if self._is_pg:
            chosen = chosen.with_for_update(skip_locked=True)
        session.execute(statement.where(QueueMessage.id.in_(chosen.scalar_subquery())))

    # -- acknowledging -------------------------------------------------------------------
    @staticmethod
    def _split(receipt_handle: str) -> tuple[str, str]:
        message_id, _, token = receipt_handle.rpartition(".")
        if not message_id or not token:
            raise QueueError(f"malformed receipt handle {receipt_handle!r}")
        return message_id, token

    def delete(self, receipt_handle: str) -> None:
        message_id, token = self._split(receipt_handle)
        with wrap_errors("delete"), self._sessions.begin() as session:
            session.execute(
                delete(QueueMessage).where(
                    QueueMessage.id == message_id, QueueMessage.receipt_handle == token
                )
            )

    def change_visibility(
        self, receipt_handle: str, timeout_s: int, *, session: Session | None = None
    ) -> bool:
        if session is not None:
            return self._change_visibility(session, receipt_handle, timeout_s)
        with wrap_errors("change_visibility"), self._sessions.begin() as own:
            return self._change_visibility(own, receipt_handle, timeout_s)

    def _change_visibility(self, session: Session, receipt_handle: str, timeout_s: int) -> bool:
        message_id, token = self._split(receipt_handle)
        result = session.execute(
            update(QueueMessage)
            .where(
                QueueMessage.id == message_id,
                QueueMessage.receipt_handle == token,
                QueueMessage.queue == self.name,
            )
            .values(visible_at=datetime.now(UTC) + timedelta(seconds=max(0, timeout_s)))
        )
        if timeout_s <= 0:
            self._notify(session)
        return bool(getattr(result, "rowcount", 0) == 1)

    # -- operations ----------------------------------------------------------------------
    def stats(self) -> QueueStats:
        now = datetime.now(UTC)
        with wrap_errors("stats"), self._sessions.begin() as session:
            self._expire_and_redrive(session, now)

            def count(*where: Any) -> int:
                return int(session.scalar(select(func.count()).select_from(QueueMessage).where(*where)) or 0)

            depth = count(QueueMessage.queue == self.name, QueueMessage.visible_at <= now)
            in_flight = count(QueueMessage.queue == self.name, QueueMessage.visible_at > now)
            dlq_depth = count(QueueMessage.queue == self.dlq_name)
            oldest = session.scalar(
                select(func.min(QueueMessage.sent_at)).where(QueueMessage.queue == self.name)
            )
        age = None
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (now - oldest).total_seconds())
        return QueueStats(depth=depth, in_flight=in_flight, dlq_depth=dlq_depth, oldest_message_age_s=age)

    def purge(self) -> int:
        with wrap_errors("purge"), self._sessions.begin() as session:
            result = session.execute(delete(QueueMessage).where(QueueMessage.queue == self.name))
            return int(getattr(result, "rowcount", 0) or 0)

    def dlq_list(self, *, limit: int = 10) -> list[Message]:
        with wrap_errors("dlq_list"), self._sessions.begin() as session:
            self._expire_and_redrive(session, datetime.now(UTC))
            rows = session.scalars(
                select(QueueMessage)
                .where(QueueMessage.queue == self.dlq_name)
                .order_by(QueueMessage.sent_at)
                .limit(limit)
            ).all()
            return [
                Message(
                    message_id=r.id,
                    receipt_handle="",
                    body=Message.decode_body(r.body),
                    receive_count=r.receive_count,
                    sent_at=r.sent_at,
                )
                for r in rows
            ]

    def dlq_redrive(
        self, message_ids: list[str] | None = None, *, session: Session | None = None
    ) -> list[dict[str, Any]]:
        """With `session`, the move joins the caller's transaction: the layouts' return to
        `queued` and the messages (and the NOTIFY waking workers) commit together."""
        if session is not None:
            return self._dlq_redrive(session, message_ids)
        with wrap_errors("dlq_redrive"), self._sessions.begin() as own:
            return self._dlq_redrive(own, message_ids)

    def _dlq_redrive(self, session: Session, message_ids: list[str] | None) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        where = [QueueMessage.queue == self.dlq_name]
        if message_ids is not None:
            where.append(QueueMessage.id.in_(message_ids))
        rows = session.scalars(select(QueueMessage).where(and_(*where))).all()
        bodies = [Message.decode_body(r.body) for r in rows]
        if rows:
            # A redriven message is a fresh one: SQS's redrive also resets the receive count.
            session.execute(
                update(QueueMessage)
                .where(QueueMessage.id.in_([r.id for r in rows]))
                .values(
                    queue=self.name,
                    visible_at=now,
                    sent_at=now,
                    receive_count=0,
                    first_received_at=None,
                    receipt_handle=None,
                )
            )
            self._notify(session)
        return bodies

    def queued_layout_ids(self, session: Session) -> set[str]:
        """Layout ids that have a message in the main queue (waiting or in flight)."""
        ids = set()
        for raw in session.scalars(select(QueueMessage.body).where(QueueMessage.queue == self.name)):
            layout_id = Message.decode_body(raw).get("layout_id")
            if layout_id is not None:
                ids.add(str(layout_id))
        return ids

    def dlq_purge(self) -> int:
        with wrap_errors("dlq_purge"), self._sessions.begin() as session:
            result = session.execute(delete(QueueMessage).where(QueueMessage.queue == self.dlq_name))
            return int(getattr(result, "rowcount", 0) or 0)

    def close(self) -> None:
        """Nothing to release: connections belong to the shared engine."""
