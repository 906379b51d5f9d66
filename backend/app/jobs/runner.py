"""The job runner: claims a layout for a received message, runs it, and settles the outcome.

It takes any `JobQueue`; the queue only moves messages. Guarantees:
- a layout is claimed with an atomic compare-and-set (queued → processing, or processing
  with a stale heartbeat), so a duplicate message never produces a second result;
- while the job runs, a heartbeat thread extends the message's visibility and the layout's
  heartbeat, so jobs may outlast the visibility timeout;
- results are written only while this runner still holds the claim (cancel wins);
- retryable failures go back to the queue with backoff until the last receive, then the
  layout is `failed` and the message is left to the dead-letter queue.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import mapping
from app.db.models import Layout, LayoutStatus
from app.errors import (
    AppError,
    Conflict,
    DemError,
    InvalidInput,
    JobCancelled,
    NotFound,
    QueueError,
    StorageError,
)
from app.exports.layout_document import store_design_document
from app.jobs import lifecycle
from app.jobs.memory_budget import within_memory_budget
from app.observability import metrics
from app.observability.logging import layout_id_var
from app.pipeline.run import Designed, run_pipeline
from app.queue.base import Message
from app.services import Services
from app.storage.base import Storage

log = logging.getLogger("app.worker")
BACKOFF_MAX_S = 120
DB_RETRY_FIRST_S = 0.5
DB_RETRY_MAX_S = 5.0
_T = TypeVar("_T")


class Outcome(StrEnum):
    completed = "completed"
    failed = "failed"
    retrying = "retrying"
    cancelled = "cancelled"
    skipped = "skipped"
    busy = "busy"  # another worker holds a live claim
    released = "released"  # shutdown grace expired; back to the queue


class JobTimeout(AppError):
    """The job ran longer than JOB_TIMEOUT_S."""


class JobReleased(AppError):
    """The worker is shutting down and gave the job back to the queue."""


@dataclass
class _JobState:
    layout_id: uuid.UUID
    token: str
    message: Message
    started: float
    stage: str = "starting"
    stage_started: float = field(default_factory=time.monotonic)
    timings: dict[str, float] = field(default_factory=dict)


def is_retryable(exc: BaseException) -> bool:
    """Transient trouble worth another attempt: terrain service down, database or storage hiccups."""
    if isinstance(exc, DemError):
        return exc.retryable
    if isinstance(exc, InvalidInput | NotFound | JobTimeout | JobCancelled):
        return False
    if is_data_error(exc):
        # The same input fails the same way every time: retries only delay the answer.
        return False
    if isinstance(exc, OperationalError | DBAPIError | QueueError | StorageError | OSError):
        return True
    # Unknown errors are retried: a bug fails three times and lands in the DLQ for a person to see.
    return True


def is_data_error(exc: BaseException) -> bool:
    """A failure of the job's data, not of a service: a value the database refuses (e.g. a
    non-finite number in JSON) or a ValueError / TypeError / arithmetic error in the computation."""
    return isinstance(exc, DataError | ValueError | TypeError | ArithmeticError)


def user_message(exc: BaseException) -> str:
    """An error message a person understands (no stack traces)."""
    if isinstance(exc, DemError):
        text = exc.message
        return text if text.lower().startswith("failed to fetch dem") else f"Failed to fetch DEM data: {text}"
    if isinstance(exc, AppError):
        return exc.message
    if isinstance(exc, DataError):
        # A data error is the database refusing a value, not the database being down.
        detail = str(exc.orig or exc).splitlines()[0][:200]
        return f"The layout's result could not be stored: the database refused a value ({detail})"
    if isinstance(exc, ValueError | TypeError | ArithmeticError):
        return f"Invalid data during layout generation ({type(exc).__name__}: {str(exc)[:200]})"
    if isinstance(exc, OperationalError | DBAPIError):
        return "Database unavailable during layout generation"
    return f"Unexpected error during layout generation ({type(exc).__name__}: {str(exc)[:200]})"


class JobRunner:
    """Runs one message at a time for a worker process."""

    def __init__(
        self,
        services: Services,
        *,
        worker_id: str,
        compute: Callable[..., Designed] = run_pipeline,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.worker_id = worker_id
        # Grid budget checked again here, and a MemoryError fails the job cleanly (not retryable).
        self.compute = within_memory_budget(compute)
        # Set by the worker when the shutdown grace period ends: the job gives itself back.
        self.release_event = threading.Event()
        self.current: _JobState | None = None
        self._lock = threading.Lock()

    # -- database helpers ------------------------------------------------------------------
    def _write(self, change: Callable[[Session], _T]) -> _T:
        """One lifecycle change in its own short write transaction."""
        with self.services.write_session_factory.begin() as session:
            return change(session)

    def _retry_db(self, what: str, fn: Callable[[], _T]) -> _T:
        """Run a database write of the running job, retrying connection trouble with backoff for
        up to JOB_DB_RETRY_S [s]: a short outage must not fail (or hand over) a healthy job."""
        deadline = time.monotonic() + self.settings.job_db_retry_s
        delay = DB_RETRY_FIRST_S
        while True:
            try:
                return fn()
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() + delay > deadline or self.release_event.is_set():
                    raise
                log.warning(
                    "database write (%s) failed, retrying in %.1f s: %s",
                    what,
                    delay,
                    str(exc.orig or exc).splitlines()[0][:200],
                )
                time.sleep(delay)
                delay = min(delay * 2, DB_RETRY_MAX_S)

    def claim(self, layout_id: uuid.UUID, receipt_handle: str | None = None) -> str | None:
        """Atomically take the layout; None when it is not ours to run."""
        return self._write(
            lambda s: lifecycle.claim(
                s,
                layout_id=layout_id,
                receipt_handle=receipt_handle,
                stale_after_s=self.settings.stale_after_s,
            )
        )

    # -- the message -----------------------------------------------------------------------
    def handle(self, message: Message) -> Outcome:
        raw_id = message.body.get("layout_id")
        try:
            layout_id = uuid.UUID(str(raw_id))
        except ValueError:
            log.warning(
                "discarding malformed message", extra={"message_id": message.message_id, "body": message.body}
            )
            self.services.queue.delete(message.receipt_handle)
            return self._done(Outcome.skipped)
        ctx = layout_id_var.set(str(layout_id))
        try:
            return self._handle(message, layout_id)
        finally:
            layout_id_var.reset(ctx)

    def _handle(self, message: Message, layout_id: uuid.UUID) -> Outcome:
        queue = self.services.queue
        token = self.claim(layout_id, message.receipt_handle)
        if token is None:
            with self.services.session_factory() as session:
                layout = session.get(Layout, layout_id)
                status = layout.status if layout else None
            if status is None or LayoutStatus(status).is_terminal:
                # Done, cancelled or deleted: the message is a duplicate or stale.
                queue.delete(message.receipt_handle)
                log.info(
                    "skipping message", extra={"layout_status": status, "message_id": message.message_id}
                )
                return self._done(Outcome.skipped)
            log.info("layout is being processed by another worker", extra={"message_id": message.message_id})
            return self._done(Outcome.busy)

        state = _JobState(layout_id=layout_id, token=token, message=message, started=time.monotonic())
        with self._lock:
            self.current = state
        metrics.ENQUEUE_TO_START.observe(max(0.0, (datetime.now(UTC) - message.sent_at).total_seconds()))
        log.info("job started", extra={"attempt": message.receive_count, "message_id": message.message_id})
        stop_heartbeat = threading.Event()
        heartbeat = threading.Thread(
            target=self._heartbeat_loop,
            args=(message, state, stop_heartbeat),
            daemon=True,
            name="job-heartbeat",
        )
        heartbeat.start()
        profile = "unknown"
        try:
            with self.services.session_factory() as session:
                layout = session.get(Layout, layout_id)
                if layout is None:
                    raise NotFound(f"layout {layout_id} disappeared")
                job = mapping.load_job_input(layout)
            profile = job.params.profile
            result = self.compute(
                job, settings=self.settings, storage=self.services.storage, progress=self._progress_fn(state)
            ).result
            # The GeoJSON the client will fetch, stored before the result commits (so a completed
            # layout has it); GET …/geojson and the exports serve it instead of rebuilding it.
            store_design_document(self.services.storage, str(layout_id), job.site, result, job.params)
            self._close_stage(state)

            def store() -> bool:
                return self._write(
                    lambda s: lifecycle.complete(s, layout_id=layout_id, result=result, claim_token=token)
                )

            if not self._retry_db("store result", store):
                raise JobCancelled("the job was cancelled or taken over before its result was stored")
            queue.delete(message.receipt_handle)
            metrics.JOB_DURATION.labels(profile=profile).observe(time.monotonic() - state.started)
            self._log_outcome(
                state, Outcome.completed, message, capacity_kw=result.metrics.get("total_capacity_kw")
            )
            return self._done(Outcome.completed)
        except JobCancelled:
            if self._lost_to_another_claim(layout_id):
                # A sweep judged this worker dead (e.g. after a long database outage) and another
                # worker owns the layout now: its message is theirs, leave it.
                log.warning("the claim was taken over; leaving the job to its new worker")
                return self._done(Outcome.busy)
            queue.delete(message.receipt_handle)
            self._log_outcome(state, Outcome.cancelled, message)
            return self._done(Outcome.cancelled)
        except JobReleased:
            self.release(message, state)
            return self._done(Outcome.released)
        except Exception as exc:
            return self._done(self._settle_failure(message, state, exc))
        finally:
            stop_heartbeat.set()
            heartbeat.join(timeout=5)
            with self._lock:
                self.current = None

    def _lost_to_another_claim(self, layout_id: uuid.UUID) -> bool:
        try:
            with self.services.session_factory() as session:
                layout = session.get(Layout, layout_id)
                return layout is not None and not LayoutStatus(layout.status).is_terminal
        except Exception:
            return False

    def release(self, message: Message, state: _JobState) -> None:
        """Give the job back: layout to queued, message visible again at once."""
        try:
            self._write(lambda s: lifecycle.release(s, layout_id=state.layout_id, token=state.token))
            self.services.queue.change_visibility(message.receipt_handle, 0)
        except Exception:
            log.exception("could not release the job; it returns after the visibility timeout")
        self._log_outcome(state, Outcome.released, message)

    def _settle_failure(self, message: Message, state: _JobState, exc: BaseException) -> Outcome:
        text = user_message(exc)
        retryable = is_retryable(exc)
        last_try = message.receive_count >= self.settings.max_receive_count
        level = logging.ERROR if not retryable or last_try else logging.WARNING
        log.log(level, "job attempt failed: %s", text, exc_info=not isinstance(exc, AppError))
        try:
            if retryable and not last_try:
                backoff = min(self.settings.retry_backoff_s * 2 ** (message.receive_count - 1), BACKOFF_MAX_S)
                note = f"attempt {message.receive_count} failed: {text}; retrying"
                self._write(
                    lambda s: lifecycle.back_off(
                        s, layout_id=state.layout_id, token=state.token, message=note
                    )
                )
                self.services.queue.change_visibility(message.receipt_handle, int(backoff))
                self._log_outcome(state, Outcome.retrying, message, error=text, retry_in_s=backoff)
                return Outcome.retrying
            self._write(
                lambda s: lifecycle.fail(s, layout_id=state.layout_id, message=text, token=state.token)
            )
            if retryable:
                # Last receive: leave the message; the redrive policy moves it to the DLQ.
                self.services.queue.change_visibility(message.receipt_handle, 0)
            else:
                self.services.queue.delete(message.receipt_handle)
        except Exception:
            # The database or queue is down too: the message comes back after its visibility
            # timeout and the stale heartbeat lets a worker reclaim the layout.
            log.exception("could not record the failure; the message will be redelivered")
        self._log_outcome(state, Outcome.failed, message, error=text)
        return Outcome.failed

    # -- progress, cancellation, heartbeat -------------------------------------------------
    def _progress_fn(self, state: _JobState) -> Callable[[str, float], None]:
        def progress(stage: str, pct: float) -> None:
            if self.release_event.is_set():
                raise JobReleased()
            elapsed = time.monotonic() - state.started
            if elapsed > self.settings.job_timeout_s:
                raise JobTimeout(
                    f"Layout generation timed out after {self.settings.job_timeout_s:g} s "
                    f"(stage {state.stage}); try a coarser DEM resolution or a smaller target"
                )
            if stage != state.stage:
                self._close_stage(state)
                state.stage, state.stage_started = stage, time.monotonic()
            still_ours = self._retry_db(
                "progress",
                lambda: self._write(
                    lambda s: lifecycle.progress(
                        s, layout_id=state.layout_id, token=state.token, stage=stage, pct=pct
                    )
                ),
            )
            if not still_ours:
                raise JobCancelled()
            if self.settings.job_stage_delay_s:
                time.sleep(self.settings.job_stage_delay_s)

        return progress

    def _close_stage(self, state: _JobState) -> None:
        took = time.monotonic() - state.stage_started
        state.timings[state.stage] = round(state.timings.get(state.stage, 0.0) + took, 3)
        metrics.STAGE_DURATION.labels(stage=state.stage).observe(took)

    def _heartbeat_loop(self, message: Message, state: _JobState, stop: threading.Event) -> None:
        interval = self.settings.heartbeat_interval_s
        wait = interval
        while not stop.wait(wait):
            try:
                self._write(lambda s: lifecycle.heartbeat(s, layout_id=state.layout_id, token=state.token))
                self.services.queue.change_visibility(
                    message.receipt_handle, self.settings.visibility_timeout_s
                )
                wait = interval
            except Exception as exc:  # keep beating, more often, so the claim is fresh once it is back
                log.warning("heartbeat failed: %s", exc)
                wait = min(interval, DB_RETRY_MAX_S) / 4

    # -- bookkeeping -----------------------------------------------------------------------
    def _done(self, outcome: Outcome) -> Outcome:
        metrics.JOBS.labels(outcome=outcome.value).inc()
        return outcome

    def _log_outcome(self, state: _JobState, outcome: Outcome, message: Message, **extra: Any) -> None:
        log.info(
            "job %s",
            outcome.value,
            extra={
                "event": "job",
                "outcome": outcome.value,
                "attempt": message.receive_count,
                "duration_s": round(time.monotonic() - state.started, 3),
                "stage_timings": dict(state.timings),
                "worker_id": self.worker_id,
                **extra,
            },
        )


def run_inline(session: Session, *, layout: Layout, settings: Settings, storage: Storage) -> None:
    """Run a just-created layout in the caller's thread (the API's synchronous mode), through the
    same claim, pipeline and completion as a worker; commits `session` at each step.

    A failure marks the layout failed (with `user_message`) and is re-raised for the API to map."""
    token = lifecycle.claim(
        session, layout_id=layout.id, receipt_handle=None, stale_after_s=settings.stale_after_s
    )
    if token is None:  # only a sweep could take a row this request has just made
        raise Conflict(f"layout {layout.id} was taken by another process")
    job = mapping.load_job_input(layout)
    session.commit()
    try:
        designed = run_pipeline(job, settings=settings, storage=storage, progress=lambda stage, pct: None)
        store_design_document(storage, str(layout.id), job.site, designed.result, job.params)
        lifecycle.complete(session, layout_id=layout.id, result=designed.result, claim_token=token)
    except Exception as exc:
        session.rollback()
        lifecycle.fail(session, layout_id=layout.id, message=user_message(exc), token=token)
        session.commit()
        raise
    session.commit()
