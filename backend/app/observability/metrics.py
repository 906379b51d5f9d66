"""Prometheus metrics.

Counters and histograms are written by whichever process does the work (API or worker);
with several processes on one machine they share PROMETHEUS_MULTIPROC_DIR and `/metrics`
aggregates them. Queue depth, DLQ depth and worker heartbeats are read from the queue and
the database at scrape time, so they are right whichever process serves the scrape.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

NAMESPACE = "sitelayouts"
log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    f"{NAMESPACE}_http_requests_total",
    "HTTP requests by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    f"{NAMESPACE}_http_request_duration_seconds",
    "HTTP request latency [s] by route template.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS = Counter(f"{NAMESPACE}_jobs_total", "Layout jobs handled, by outcome.", ["outcome"])
JOB_DURATION = Histogram(
    f"{NAMESPACE}_job_duration_seconds",
    "Layout job duration [s] from claim to result, by profile.",
    ["profile"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 900),
)
STAGE_DURATION = Histogram(
    f"{NAMESPACE}_job_stage_duration_seconds",
    "Duration [s] of each layout job stage.",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
ENQUEUE_TO_START = Histogram(
    f"{NAMESPACE}_job_queue_wait_seconds",
    "Time [s] from enqueue to a worker starting the job.",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
)


class LiveStateCollector(Collector):
    """Gauges computed on scrape: queue depth, in flight, DLQ depth, oldest age, worker heartbeats."""

    def __init__(self, read_state: Callable[[], dict[str, Any]]) -> None:
        self.read_state = read_state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            state = self.read_state()
        except Exception:  # a scrape must not fail because the queue is down; `up` says so
            state = {"up": 0}
        up = GaugeMetricFamily(f"{NAMESPACE}_queue_up", "1 when the queue answered this scrape.")
        up.add_metric([], state.get("up", 1))
        yield up
        for key, help_text in (
            ("queue_depth", "Messages waiting in the layout-jobs queue."),
            ("queue_in_flight", "Messages received by a worker and not yet deleted."),
            ("dlq_depth", "Messages in the dead-letter queue."),
            ("oldest_message_age_seconds", "Age [s] of the oldest message in the queue."),
        ):
            if state.get(key) is not None:
                g = GaugeMetricFamily(f"{NAMESPACE}_{key}", help_text)
                g.add_metric([], float(state[key]))
                yield g
        hb = GaugeMetricFamily(
            f"{NAMESPACE}_worker_heartbeat_age_seconds",
            "Seconds since each worker last reported.",
            labels=["worker"],
        )
        now = datetime.now(UTC)
        for worker_id, last_seen in state.get("workers", []):
            hb.add_metric([worker_id], (now - last_seen).total_seconds())
        yield hb
        status = GaugeMetricFamily(f"{NAMESPACE}_layouts", "Layouts by status.", labels=["status"])
        for name, count in state.get("layouts_by_status", {}).items():
            status.add_metric([name], count)
        yield status


class LiveStateCache:
    """The live figures, read at most every `refresh_s` [s] and in the background: a scrape never
    waits for the database (only the very first one does), however many scrapers there are."""

    def __init__(self, read_state: Callable[[], dict[str, Any]], refresh_s: float) -> None:
        self.read_state = read_state
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._state: dict[str, Any] | None = None
        self._read_at = 0.0
        self._refreshing = False
        self.reads = 0  # how many times the database was read (tests, and the curious)

    def _read(self) -> dict[str, Any]:
        self.reads += 1
        try:
            return self.read_state()
        except Exception as exc:  # `up` 0 says the queue or database did not answer
            log.warning("metrics: reading the live state failed: %s", exc)
            return {"up": 0}

    def _refresh(self) -> None:
        state = self._read()
        with self._lock:
            self._state, self._read_at, self._refreshing = state, time.monotonic(), False

    def get(self) -> dict[str, Any]:
        with self._lock:
            state = self._state
            stale = time.monotonic() - self._read_at >= self.refresh_s
            start = state is not None and stale and not self._refreshing
            if start:
                self._refreshing = True
        if state is None:
            with self._lock:
                if self._state is None:  # the first scrape reads once; others wait for it
                    self._state, self._read_at = self._read(), time.monotonic()
                return self._state
        if start:
            threading.Thread(target=self._refresh, daemon=True, name="metrics-refresh").start()
        return state


def render(live: Collector | None) -> bytes:
    """The exposition text: this process's (or all processes') metrics plus the live gauges."""
    registry = CollectorRegistry()
    multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    if live is not None:
        registry.register(live)
    return generate_latest(registry)
