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
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app.errors import KmlError
from app.sites.checks import SiteLimits
from app.sites.kml import ParsedSite, parse_site_file

log = logging.getLogger(__name__)

# Files at least this large [bytes] are parsed in the pool (a 250-placemark KML is ~80 KB).
POOL_MIN_BYTES = 256 * 1024
POOL_WORKERS = 2

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # spawn, not fork: the API process has threads (and database connections) a fork would copy.
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=POOL_WORKERS, mp_context=context)
        return _pool


def _discard_pool(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def parse_upload(data: bytes, filename: str, limits: SiteLimits) -> ParsedSite:
    """`app.sites.kml.parse_site_file`, in the parse pool when `data` is large. Blocking: call it
    from a worker thread. Raises `KmlError` / `InvalidInput` naming the problem, as the parser does."""
    if len(data) < POOL_MIN_BYTES:
        return parse_site_file(data, filename, limits)
    pool = _get_pool()
    try:
        return pool.submit(parse_site_file, data, filename, limits).result()
    except BrokenProcessPool:
        # The child died (killed, or out of memory on a pathological file): a fresh pool next time.
        _discard_pool(pool)
        log.warning("site parser process died on %r (%d bytes)", filename, len(data))
        raise KmlError("the file could not be parsed: the parser ran out of resources on it") from None
