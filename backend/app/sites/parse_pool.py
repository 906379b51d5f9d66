"""Parse large site files in a separate process, so the API process keeps answering meanwhile.

A worker thread alone is not enough: parsing a 2.5 MB KML keeps the GIL busy for seconds
(expat and the C tree builder hold it throughout), and the event loop then waits for it on
every socket operation — /health stalled for up to a second under two parallel uploads. In a
child process the parse competes only for a CPU core. Small files (the usual case) are parsed
in the calling thread: starting or messaging a process would cost more than it saves.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import weakref
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app.errors import KmlError
from app.sites.checks import SiteLimits
from app.sites.prepare import PreparedSite, prepare_site_file

log = logging.getLogger(__name__)

# Files at least this large [bytes] are parsed in the pool (a 250-placemark KML is ~80 KB).
POOL_MIN_BYTES = 256 * 1024
POOL_WORKERS = 2
# A parse taking longer than this [s] is stopped and its worker killed. The 2.5 MB, 10,000-placemark
# KML of docs/benchmarks.md parses in ≈ 3 s, so a file at the 20 MB upload limit takes ≈ 25-30 s:
# four times that leaves room for a loaded machine and still frees a stuck worker.
PARSE_TIMEOUT_S = 120.0
# A child that ignores SIGTERM this long [s] gets SIGKILL.
KILL_GRACE_S = 5.0
# Parser processes run at this niceness: on a small machine two busy parsers would otherwise take both
# cores from the API process's event loop (/health p95, issue 27 point 9); the parse only waits longer.
PARSER_NICE = 10

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
# Pools stopped because one of their parses timed out: the other parses they were running
# are retried once on a fresh pool instead of failing for someone else's file.
_timed_out: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()


def _lower_priority() -> None:
    """Pool initializer, in each parser process."""
    os.nice(PARSER_NICE)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # spawn, not fork: the API process has threads (and database connections) a fork would copy.
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(
                max_workers=POOL_WORKERS, mp_context=context, initializer=_lower_priority
            )
        return _pool


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop `pool` now: its worker processes are terminated (killed after KILL_GRACE_S) and
    reaped, and the next large upload starts a fresh pool.

    `shutdown` alone would leave a worker that is busy (or stuck) on a parse running, and a
    worker still running keeps multiprocessing's resource tracker alive with it.
    """
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    # `_processes` is the executor's own map of its workers (None once shut down).
    processes = list((pool._processes or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(KILL_GRACE_S)
        if process.is_alive():
            process.kill()
            process.join(KILL_GRACE_S)


def shutdown_pool() -> None:
    """Stop the parse pool and its processes, if one was started (the API's lifespan end)."""
    with _lock:
        pool = _pool
    if pool is not None:
        _stop_pool(pool)


def parse_upload(
    data: bytes, filename: str, limits: SiteLimits, *, timeout_s: float | None = None
) -> PreparedSite:
    """`app.sites.prepare.prepare_site_file`, in the parse pool when `data` is large. Blocking: call it
    from a worker thread. Raises `KmlError` / `InvalidInput` naming the problem, as the parser does,
    and `KmlError` when the parse takes longer than `timeout_s` [s] (default PARSE_TIMEOUT_S)."""
    timeout_s = PARSE_TIMEOUT_S if timeout_s is None else timeout_s
    if len(data) < POOL_MIN_BYTES:
        return prepare_site_file(data, filename, limits)
    for attempt in (1, 2):
        pool = _get_pool()
        try:
            return pool.submit(prepare_site_file, data, filename, limits).result(timeout=timeout_s)
        except TimeoutError:
            # A pool worker cannot be cancelled mid-task: stop the pool so the worker goes too.
            _timed_out.add(pool)
            _stop_pool(pool)
            log.warning("site parse of %r (%d bytes) timed out; parser stopped", filename, len(data))
            raise KmlError(
                f"the file took longer than {timeout_s:g} s to read; "
                "simplify it (fewer placemarks or vertices) or split it"
            ) from None
        except (BrokenProcessPool, CancelledError):
            # Cancelled: the pool was stopped before this parse started.
            if attempt == 1 and pool in _timed_out:
                continue  # stopped for another file's timeout: this one gets a fresh pool
            # The child died (killed, or out of memory on a pathological file): a fresh pool next time.
            _stop_pool(pool)
            log.warning("site parser process died on %r (%d bytes)", filename, len(data))
            raise KmlError("the file could not be parsed: the parser ran out of resources on it") from None
    raise AssertionError("unreachable: the loop returns or raises")
