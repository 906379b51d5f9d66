"""Stopping the API stops its upload parsers (issue 27, point 5): a real uvicorn on loopback parses
a large KML in its process pool, gets SIGTERM, and none of its child processes (the parse workers,
multiprocessing's resource tracker) is left running afterwards. SQLite and PostgreSQL.

Before the fix the pool was never shut down: the workers and the resource tracker stayed alive
with parent 1 (≈ 88 MB each), some still 20 minutes later.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.errors import KmlError
from app.sites import parse_pool
from app.sites.checks import SiteLimits
from app.sites.parse_pool import POOL_MIN_BYTES
from tests.api.test_upload_event_loop import busy_kml
from tests.chaos.conftest import record
from tests.live_api import live_api_process

pytestmark = pytest.mark.slow
# After the API exits, its children get this long [s] to go before they count as left behind.
GONE_WITHIN_S = 15.0


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time in clock ticks) of `pid` from /proc, or None if it is gone or a
    zombie (a zombie has exited: it holds no memory and only waits to be reaped)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: the fields start after the last ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[1]), fields[19]


def descendants(root: int) -> dict[int, str]:
    """Every live descendant of `root`: pid → start time (so a reused pid is not mistaken for it)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            children.setdefault(st[0], []).append((int(entry), st[1]))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid, started in children.get(todo.pop(), []):
            found[pid] = started
            todo.append(pid)
    return found


def still_running(procs: dict[int, str]) -> dict[int, str]:
    alive = {}
    for pid, started in procs.items():
        st = _stat(pid)
        if st is not None and st[1] == started:
            alive[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    return alive


def test_sigterm_leaves_no_upload_parser_behind(database_url: str, tmp_path: Path) -> None:
    kml = busy_kml(1200)
    assert len(kml) >= POOL_MIN_BYTES  # parsed in the pool, not in the API process
    with live_api_process(database_url, tmp_path, DEM_SOURCE="flat") as (base, proc):
        with httpx.Client(base_url=base, timeout=120) as c:
            login = {"email": "stop@example.com", "password": "a-long-password"}
            c.post("/api/auth/register", json=login)
            form = {"username": login["email"], "password": login["password"]}
            token = c.post("/api/auth/token", data=form)
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            r = c.post("/api/sites/upload", files={"file": ("big.kml", kml)}, headers=headers)
            assert r.status_code == 201, r.text
            assert len(r.json()["exclusion_zones"]) == 1200
        children = descendants(proc.pid)
        assert children, "the upload should have started the parser pool"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) is not None
        deadline = time.monotonic() + GONE_WITHIN_S
        while (left := still_running(children)) and time.monotonic() < deadline:
            time.sleep(0.2)
    record(
        "api_sigterm_upload_parsers",
        "postgresql" if database_url.startswith("postgresql") else "sqlite",
        children_before_stop=len(children),
        left_after_stop=len(left),
    )
    assert left == {}, f"processes left after the API stopped: {left}"


def test_a_parse_that_times_out_kills_its_worker_and_spares_the_others() -> None:
    """A parse over its timeout is refused naming the limit, its worker process is gone, and a parse
    running beside it in the same pool still succeeds (retried on a fresh pool)."""
    kml = busy_kml(1200)
    limits = SiteLimits()
    pool = parse_pool._get_pool()
    with ThreadPoolExecutor(max_workers=2) as threads:
        # A generous timeout: it shares the pool that the short one stops.
        patient = threads.submit(parse_pool.parse_upload, kml, "patient.kml", limits, timeout_s=120)
        # 50 ms: far less than reading 6,000 zones takes (≈ 0.6 s in a warm worker here).
        slow = threads.submit(parse_pool.parse_upload, busy_kml(6000), "slow.kml", limits, timeout_s=0.05)
        # Both workers, as they start (one per waiting parse).
        workers: dict[int, tuple[int, str] | None] = {}
        while not slow.done():
            for p in list((pool._processes or {}).values()):
                if p.pid is not None and p.pid not in workers:
                    workers[p.pid] = _stat(p.pid)
            time.sleep(0.005)
        with pytest.raises(KmlError, match=r"took longer than 0\.05 s to read"):
            slow.result()
        assert len(workers) == parse_pool.POOL_WORKERS
        assert {pid for pid in workers if _stat(pid) == workers[pid]} == set()  # killed and reaped
        assert len(patient.result(timeout=120).zones) == 1200
    assert parse_pool._pool is not pool  # a fresh pool served the retry
    parse_pool.shutdown_pool()
    assert parse_pool._pool is None
