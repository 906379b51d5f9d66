"""Job-queue load benchmark: N layouts submitted at once, W worker processes, status polling under load.

Run from the repository root: `backend/.venv/bin/python bench/bench_jobs.py [--database-url URL]`
(default: a fresh SQLite file in a temporary folder; a PostgreSQL URL must name an empty database
you created, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/bench_jobs`).

What it does, all on loopback: migrate the database; start a real API (uvicorn) and W workers
(`python -m app.worker`); register a user and upload backend/app/samples/sample-site.kml over HTTP; submit
N layouts concurrently (async mode, use_terrain=false); while they run, poll
GET /api/layouts/{id}/status at a fixed total rate and time every poll; wait until every layout is
terminal; check each one completed exactly once (attempts == 1, asset rows == asset_count == metrics,
no message left in the queue or the DLQ); print a Markdown table; SIGTERM the processes.

Bounded: at most --timeout seconds of waiting (then it reports what it has and exits 1), and the
poller sends at most rate × timeout requests. Results are recorded in docs/benchmarks.md (Job queue load).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import (
    SAMPLE_SITE,
    Stack,
    cpu_s,
    machine,
    ms,
    pct,
    running_stack,
    sign_in_with_sample_site,
    ts,
)

from app.db.models import Asset, Layout, QueueMessage, WorkerHeartbeat

TERMINAL = {"completed", "failed", "cancelled"}
SUBMIT_TIMEOUT_S = 180.0  # a POST /generate slower than this counts as failed


@dataclass
class Poller:
    """Polls the status of `ids` round-robin at `rate_per_s` in total from `threads` threads.

    Each thread keeps one keep-alive connection through the standard library's http.client: a
    load generator on the same 2 cores must cost little CPU itself (httpx took ≈ 0.5 of a core
    at 200 req/s here, CPU the API and workers then lacked; browsers poll from elsewhere).
    """

    base: str
    headers: dict[str, str]
    ids: list[str]
    rate_per_s: float
    threads: int
    max_requests: int
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: float = 0.0
    stopped: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _connect(self) -> http.client.HTTPConnection:
        url = urlsplit(self.base)
        return http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)

    def _run(self, k: int) -> None:
        interval = self.threads / self.rate_per_s
        next_at = time.perf_counter() + k * interval / self.threads
        i = k
        budget = self.max_requests // self.threads
        conn = self._connect()
        while not self._stop.is_set() and budget > 0:
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -1.0:
                next_at = time.perf_counter()  # fell far behind: do not burst to catch up
            next_at += interval
            lid = self.ids[i % len(self.ids)]
            i += self.threads
            budget -= 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", f"/api/layouts/{lid}/status", headers=self.headers)
                r = conn.getresponse()
                raw = r.read()
                took = time.perf_counter() - t0
                ok = r.status == 200
                body = json.loads(raw) if ok else None
                kind = f"HTTP {r.status}"
            except (OSError, http.client.HTTPException) as exc:
                took, ok, body, kind = time.perf_counter() - t0, False, None, type(exc).__name__
                conn.close()
                conn = self._connect()
            with self._lock:
                self.latencies_s.append(took)
                if ok and body is not None:
                    self.latest[lid] = body
                else:
                    self.errors += 1
                    self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        conn.close()

    def start(self) -> None:
        self.started = time.perf_counter()
        self._threads = [
            threading.Thread(target=self._run, args=(k,), daemon=True, name=f"poll-{k}")
            for k in range(self.threads)
        ]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)
        self.stopped = time.perf_counter()

    def terminal(self) -> int:
        with self._lock:
            return sum(1 for b in self.latest.values() if b.get("status") in TERMINAL)


def run(args: argparse.Namespace, tmp: Path) -> int:
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    with running_stack(db_url, tmp, workers=args.workers) as stack:
        return measure(args, stack)


def measure(args: argparse.Namespace, stack: Stack) -> int:
    """Submit, poll and verify against the running `stack`; print the table. 1 on any problem."""
    base, db_url, procs = stack.base, stack.db_url, stack.procs
    poller: Poller | None = None
    try:
        limits = httpx.Limits(max_connections=args.layouts + args.poll_threads + 4)
        client = httpx.Client(base_url=base, timeout=30, limits=limits)
        site_id = sign_in_with_sample_site(client)

        # -- submit all at once ------------------------------------------------------------
        body = {"site_id": site_id, "target_capacity_kw": args.capacity_kw, "use_terrain": False}
        concurrency = min(args.submit_concurrency or args.layouts, args.layouts)
        barrier = threading.Barrier(concurrency)

        submit_errors: list[str] = []

        def submit(_: int) -> tuple[str | None, float]:
            barrier.wait(timeout=30)
            t0 = time.perf_counter()
            try:
                r = client.post("/api/layouts/generate", json=body, timeout=SUBMIT_TIMEOUT_S)
            except httpx.HTTPError as exc:
                submit_errors.append(f"generate failed after {time.perf_counter() - t0:.1f} s: {exc!r}")
                return None, time.perf_counter() - t0
            took = time.perf_counter() - t0
            if r.status_code != 202:
                submit_errors.append(f"generate answered {r.status_code} after {took:.1f} s: {r.text[:200]}")
                return None, took
            return str(r.json()["layout_id"]), took

        t_submit = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            submitted = list(pool.map(submit, range(args.layouts)))
        submit_wall_s = time.perf_counter() - t_submit
        ids = [lid for lid, _ in submitted if lid is not None]
        submit_lat = [took for _, took in submitted]
        if not ids:
            raise RuntimeError(f"no layout was accepted: {submit_errors[:3]}")
        print(f"submitted {len(ids)} layouts in {submit_wall_s:.2f} s", flush=True)

        # -- poll while they run -----------------------------------------------------------
        poller = Poller(
            base=base,
            headers={"Authorization": str(client.headers["Authorization"])},
            ids=ids,
            rate_per_s=args.poll_rate,
            threads=args.poll_threads,
            max_requests=int(args.poll_rate * args.timeout),
        )
        cpu0 = (cpu_s(procs[0].pid), time.process_time(), [cpu_s(p.pid) for p in procs[1:]])
        poller.start()
        deadline = time.monotonic() + args.timeout
        last_print = 0.0
        while time.monotonic() < deadline:
            done = poller.terminal()
            if done == len(ids):
                break
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a process exited during the run (see the logs)")
            if time.monotonic() - last_print > 5:
                last_print = time.monotonic()
                print(f"  {done}/{len(ids)} terminal, {len(poller.latencies_s)} polls", flush=True)
            time.sleep(0.2)
        # /health/live no longer lists workers to anonymous callers: read the heartbeats table.
        hb = create_engine(db_url)
        with hb.connect() as conn:
            workers_seen = [{"jobs_done": n} for n in conn.scalars(select(WorkerHeartbeat.jobs_done))]
        hb.dispose()
        poller.stop()
        cpu1 = (cpu_s(procs[0].pid), time.process_time(), [cpu_s(p.pid) for p in procs[1:]])
        t_all_done = time.perf_counter() - t_submit
        poll_s = poller.stopped - poller.started
        timed_out = poller.terminal() < len(ids)

        # -- verify: every layout completed exactly once, nothing lost ---------------------
        details = {lid: client.get(f"/api/layouts/{lid}").json() for lid in ids}
        engine = create_engine(db_url)
        with engine.connect() as conn:
            asset_rows = dict(
                conn.execute(
                    select(Asset.layout_id, func.count()).group_by(Asset.layout_id)
                ).tuples().all()
            )  # fmt: skip
            layouts_in_db = conn.scalar(select(func.count()).select_from(Layout)) or 0
            by_queue = select(QueueMessage.queue, func.count()).group_by(QueueMessage.queue)
            leftover = dict(conn.execute(by_queue).tuples().all())
        engine.dispose()
        asset_rows = {str(k): v for k, v in asset_rows.items()}
        problems: list[str] = list(submit_errors)
        if len(set(ids)) != len(ids):
            problems.append("duplicate layout ids returned by generate")
        if layouts_in_db != len(ids):
            problems.append(f"{layouts_in_db} layouts in the database, {len(ids)} submitted")
        if leftover:
            problems.append(f"messages left in the queue tables: {leftover}")
        for lid, d in details.items():
            metric_assets = (d.get("metrics") or {}).get("asset_count")
            if d.get("status") != "completed":
                problems.append(f"{lid}: {d.get('status')} ({d.get('error_message')})")
            elif d.get("attempts") != 1:
                problems.append(f"{lid}: attempts {d.get('attempts')}")
            elif not (asset_rows.get(lid, 0) == d.get("asset_count") == metric_assets):
                problems.append(
                    f"{lid}: {asset_rows.get(lid, 0)} asset rows, asset_count {d.get('asset_count')}, "
                    f"metrics {metric_assets}"
                )
        completed = [d for d in details.values() if d.get("status") == "completed"]

        # -- numbers -----------------------------------------------------------------------
        queued = [ts(d["queued_at"]) for d in completed]
        started = [ts(d["started_at"]) for d in completed]
        finished = [ts(d["completed_at"]) for d in completed]
        wait_s = [(s - q).total_seconds() for q, s in zip(queued, started, strict=True)]
        run_s = [(f - s).total_seconds() for s, f in zip(started, finished, strict=True)]
        span_s = (max(finished) - min(queued)).total_seconds() if completed else float("nan")
        per_worker = sorted((w.get("jobs_done", 0) for w in workers_seen), reverse=True)
        lat = poller.latencies_s
        dupes = sum("attempts" in p or "asset rows" in p for p in problems)
        rate = len(lat) / poll_s if poll_s > 0 else 0.0
        rows = [
            ("layouts submitted / accepted / completed", f"{args.layouts} / {len(ids)} / {len(completed)}"),
            ("duplicates (attempts > 1, asset rows ≠ asset_count)", str(dupes)),
            ("worker processes (jobs each)", f"{args.workers} ({', '.join(map(str, per_worker)) or '?'})"),
            (f"submit: {args.layouts} POST /generate, {concurrency} at once, wall", f"{submit_wall_s:.2f} s"),
            ("submit latency p50 / p95", f"{ms(submit_lat, 50):.0f} / {ms(submit_lat, 95):.0f} ms"),
            ("throughput (first queued → last completed)",
             f"{len(completed) / span_s:.2f} layouts/s ({span_s:.1f} s)"),
            ("all terminal, seen by the client after", f"{t_all_done:.1f} s"),
            ("enqueue → start p50 / p95", f"{pct(wait_s, 50):.2f} / {pct(wait_s, 95):.2f} s"),
            ("job run time (start → completed) p50 / p95", f"{pct(run_s, 50):.2f} / {pct(run_s, 95):.2f} s"),
            ("status polls (errors), achieved rate",
             f"{len(lat)} ({poller.errors}{_kinds(poller.error_kinds)}), "
             f"{rate:.0f} req/s (target {args.poll_rate:g})"),
            ("CPU while polling, % of one core: API / this client / workers",
             f"{100 * (cpu1[0] - cpu0[0]) / poll_s:.0f} / {100 * (cpu1[1] - cpu0[1]) / poll_s:.0f} / "
             + " + ".join(f"{100 * (b - a) / poll_s:.0f}" for a, b in zip(cpu0[2], cpu1[2], strict=True))),
            ("status latency p50 / p95 / p99 / max",
             f"{ms(lat, 50):.1f} / {ms(lat, 95):.1f} / {ms(lat, 99):.1f} / {ms(lat, 100):.1f} ms"),
        ]  # fmt: skip
        print()
        when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        print(f"Job benchmark — {when}, {db_url.split('://')[0]}, {machine()}")
        print()
        print("| Measure | Value |")
        print("|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")
        print()
        if timed_out:
            problems.insert(0, f"timed out after {args.timeout:g} s")
        for p in problems[:20]:
            print(f"PROBLEM: {p}")
        return 1 if problems else 0
    finally:
        if poller is not None and not poller._stop.is_set():
            poller.stop()


def _kinds(kinds: dict[str, int]) -> str:
    return (": " + ", ".join(f"{n} × {k}" for k, n in sorted(kinds.items()))) if kinds else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--database-url", help="an empty database (default: a temporary SQLite file)")
    add("--layouts", type=int, default=50, help="layouts submitted at once")
    add("--workers", type=int, default=2, help="worker processes")
    add("--poll-rate", type=float, default=200.0, help="status requests per second, in total")
    add("--poll-threads", type=int, default=32, help="client threads sharing the poll rate")
    add("--submit-concurrency", type=int, help="POST /generate in flight at once (default: all layouts)")
    add("--capacity-kw", type=float, default=5000.0, help="target capacity of each layout [kW]")
    add("--timeout", type=float, default=600.0, help="give up waiting after this many seconds [s]")
    add("--keep", action="store_true", help="keep the temporary folder (logs, SQLite file)")
    args = parser.parse_args()
    if not SAMPLE_SITE.exists():
        print(f"missing {SAMPLE_SITE}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    try:
        return run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
