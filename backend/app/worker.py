"""The layout worker: `python -m app.worker [--once]`.

Long-polls the queue and hands each message to the job runner. SIGTERM / SIGINT: stop
receiving, let the current job finish within WORKER_SHUTDOWN_GRACE_S (the ECS stopTimeout),
past it give the job back to the queue, then exit 0.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import FrameType

from sqlalchemy import delete, select

from app.config import Settings, get_settings
from app.db.models import WorkerHeartbeat
from app.errors import QueueError
from app.jobs.maintenance import requeue_orphans, requeue_stuck
from app.jobs.memory_budget import install_memory_guard
from app.jobs.runner import JobRunner
from app.observability.logging import configure_logging
from app.queue.base import Message
from app.services import Services, build_services

log = logging.getLogger("app.worker")
ERROR_BACKOFF_MAX_S = 30.0
RELEASE_WAIT_S = 5.0


class Worker:
    def __init__(self, services: Services, *, once: bool = False) -> None:
        self.services = services
        self.settings: Settings = services.settings
        self.once = once
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.runner = JobRunner(services, worker_id=self.worker_id)
        self.stop_event = threading.Event()
        self.jobs_done = 0
        self._last_stuck_check = 0.0

    def stop(self) -> None:
        """Stop receiving; the current job gets the grace period (see `_grace_timer`)."""
        if not self.stop_event.is_set():
            log.info("shutdown requested; finishing the current job", extra={"worker_id": self.worker_id})
            self.stop_event.set()
            threading.Thread(target=self._grace_timer, daemon=True, name="shutdown-grace").start()

    def _grace_timer(self) -> None:
        deadline = time.monotonic() + self.settings.worker_shutdown_grace_s
        while time.monotonic() < deadline:
            if self.runner.current is None and self._idle.is_set():
                return
            time.sleep(0.1)
        if self.runner.current is None:
            return
        log.warning("shutdown grace period over; releasing the current job to the queue")
        self.runner.release_event.set()
        # The job notices at its next stage boundary; if a stage runs on, give the job
        # back from here and leave without waiting for it.
        deadline = time.monotonic() + RELEASE_WAIT_S
        while time.monotonic() < deadline:
            if self.runner.current is None:
                return
            time.sleep(0.1)
        state = self.runner.current
        if state is not None:
            self.runner.release(state.message, state)
            self._deregister()
            logging.shutdown()
            os._exit(0)

    @contextlib.contextmanager
    def signal_handlers(self) -> Iterator[None]:
        """Install SIGTERM/SIGINT handlers that call `stop()`; restore the old ones after."""

        def _handler(signum: int, _frame: FrameType | None) -> None:
            self.stop()

        old = {sig: signal.signal(sig, _handler) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)

    # -- heartbeats ------------------------------------------------------------------------
    def _beat(self) -> None:
        now = datetime.now(UTC)
        current = self.runner.current
        try:
            with self.services.write_session_factory.begin() as session:
                hb = session.get(WorkerHeartbeat, self.worker_id)
                if hb is None:
                    hb = WorkerHeartbeat(
                        worker_id=self.worker_id,
                        hostname=socket.gethostname(),
                        pid=os.getpid(),
                        started_at=now,
                        last_seen_at=now,
                        jobs_done=0,
                    )
                    session.add(hb)
                hb.last_seen_at = now
                hb.current_layout_id = str(current.layout_id) if current else None
                hb.jobs_done = self.jobs_done
        except Exception as exc:
            log.warning("worker heartbeat failed: %s", exc)

    def _heartbeat_loop(self) -> None:
        # The sweep runs here, not between receives: a 20 s long poll must not delay the rescue
        # of a dead worker's job.
        while not self._finished.wait(self.settings.heartbeat_interval_s):
            self._beat()
            self._maybe_requeue_stuck()

    def _deregister(self) -> None:
        with contextlib.suppress(Exception), self.services.write_session_factory.begin() as session:
            session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == self.worker_id))
            # Forget workers silent for a day, so the list does not grow forever.
            cutoff = datetime.now(UTC).timestamp() - 86400
            for hb in session.scalars(select(WorkerHeartbeat)):
                if hb.last_seen_at.timestamp() < cutoff:
                    session.delete(hb)

    # -- the loop --------------------------------------------------------------------------
    def _maybe_requeue_stuck(self) -> None:
        """Every STUCK_CHECK_INTERVAL_S: requeue layouts whose claim went stale (their message made
        visible at once), re-send lost messages of queued layouts, forget dead workers."""
        if time.monotonic() - self._last_stuck_check < self.settings.stuck_check_interval_s:
            return
        self._last_stuck_check = time.monotonic()
        settings = self.settings
        try:
            with self.services.write_session_factory.begin() as session:
                requeue_stuck(
                    session=session,
                    queue=self.services.queue,
                    older_than_s=min(settings.stale_after_s, settings.stuck_after_s),
                    max_attempts=settings.max_receive_count,
                )
            with self.services.write_session_factory.begin() as session:
                requeue_orphans(
                    session=session, queue=self.services.queue, older_than_s=settings.orphan_queued_after_s
                )
                cutoff = datetime.now(UTC) - timedelta(seconds=settings.stale_after_s)
                session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_at < cutoff))
        except Exception as exc:
            log.warning("stuck-job check failed: %s", exc)

    def _give_back(self, messages: list[Message]) -> None:
        for message in messages:
            try:
                self.services.queue.change_visibility(message.receipt_handle, 0)
            except Exception as exc:
                log.warning("could not give a message back; it returns after its visibility timeout: %s", exc)
        if messages:
            log.info("stopping: gave %d message(s) back to the queue", len(messages))

    def run(self) -> int:
        """Process messages until stopped (or, with `once`, until the queue is empty). Returns 0."""
        self._idle = threading.Event()
        self._finished = threading.Event()
        self._beat()
        beat_thread = threading.Thread(target=self._heartbeat_loop, daemon=True, name="worker-heartbeat")
        beat_thread.start()
        log.info(
            "worker started",
            extra={
                "worker_id": self.worker_id,
                "queue_backend": self.settings.queue_backend.value,
                "nice": os.nice(0),
            },
        )
        error_backoff = 1.0
        try:
            while not self.stop_event.is_set():
                self._idle.set()
                try:
                    messages = self.services.queue.receive(
                        max_messages=1,
                        wait_time_s=0 if self.once else self.settings.queue_wait_time_s,
                        should_stop=self.stop_event.is_set,
                    )
                except Exception as exc:
                    # The queue or its database is down: keep the process, retry with backoff.
                    reason = exc.message if isinstance(exc, QueueError) else f"{type(exc).__name__}: {exc}"
                    log.warning("queue receive failed, retrying in %.0f s: %s", error_backoff, reason)
                    self.stop_event.wait(error_backoff)
                    error_backoff = min(error_backoff * 2, ERROR_BACKOFF_MAX_S)
                    continue
                error_backoff = 1.0
                if self.stop_event.is_set():
                    # Told to stop while the poll was under way (SQS cannot be interrupted):
                    # give the messages back at once instead of starting work.
                    self._give_back(messages)
                    break
                if not messages:
                    if self.once:
                        break
                    continue
                self._idle.clear()
                for message in messages:
                    try:
                        self.runner.handle(message)
                    except Exception:
                        # The runner settles job errors itself; this is the database or queue
                        # failing underneath it. The message returns after its visibility timeout.
                        log.exception("job handling failed; the message will be redelivered")
                        self.stop_event.wait(error_backoff)
                    self.jobs_done += 1
                self._beat()
        finally:
            self._idle.set()
            self._finished.set()
            self._deregister()
            log.info("worker stopped", extra={"worker_id": self.worker_id, "jobs_done": self.jobs_done})
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.worker", description="Site Layouts layout worker")
    parser.add_argument("--once", action="store_true", help="drain the queue, then exit")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(fmt=settings.log_format.value, level=settings.log_level)
    # A job that outgrows the worker's memory then fails with MemoryError, not an OOM kill.
    install_memory_guard(settings)
    if settings.worker_nice:
        # On a shared machine (`make run`, one VM) a layout must not starve the API: status polls
        # and pages stay fast and the jobs take the CPU the API leaves. ECS tasks have their own
        # CPU shares, where this changes nothing.
        os.nice(settings.worker_nice)
    services = build_services(settings)
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port)
    worker = Worker(services, once=args.once)
    try:
        with worker.signal_handlers():
            return worker.run()
    finally:
        services.close()


if __name__ == "__main__":
    raise SystemExit(main())
