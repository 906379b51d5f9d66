"""Status-poll cost: API CPU per GET /api/layouts/{id}/status against a trivial endpoint, then p95 under load.

Run from the repository root: `backend/.venv/bin/python bench/bench_status.py [--database-url URL]`
(default: a fresh SQLite file in a temporary folder; a PostgreSQL URL must name an empty database).

What it does, on loopback: migrate; start one real API process (uvicorn); register a user, upload
backend/app/samples/sample-site.kml and queue one layout (async mode, no worker, so it stays queued).

1. CPU per request: for each endpoint, N sequential requests on one keep-alive connection; the API
   process's CPU time (utime + stime from /proc/<pid>/stat) before and after, divided by N. Endpoints:
   GET /health (trivial: routing, middleware, JSON), the status with a 200 body, and the status
   revalidated with If-None-Match (304, what a browser sends for a `no-cache` response with an ETag).
   "handler" = status − /health: the cost of the status code itself.
2. Load: `--busy` processes spin on the CPU (standing in for layout workers busy on both cores),
   while `--threads` threads poll the status at `--rate` requests/s in total for `--seconds`;
   latency percentiles of the polls (client wall clock).

Prints Markdown tables; results go to docs/benchmarks.md (Status polls) by hand.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import cpu_s, ms, running_stack, sign_in_with_sample_site


def spin(stop_at: float) -> None:
    x = 0
    while time.monotonic() < stop_at:
        x += 1


def cost(
    client: httpx.Client, pid: int, url: str, n: int, headers: dict[str, str], expect: int
) -> dict[str, Any]:
    for _ in range(50):  # warm-up: caches, compiled SQL, connection
        client.get(url, headers=headers)
    lat = []
    c0 = cpu_s(pid)
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(url, headers=headers)
        lat.append(time.perf_counter() - t)
        if r.status_code != expect:
            raise RuntimeError(f"{url}: {r.status_code} (expected {expect}): {r.text[:200]}")
    c1 = cpu_s(pid)
    return {"cpu_ms": (c1 - c0) / n * 1000, "p50": ms(lat, 50), "p95": ms(lat, 95)}


def load(
    base: str, url: str, headers: dict[str, str], rate: float, seconds: float, threads: int
) -> dict[str, Any]:
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.monotonic() + 0.5
    per_thread = rate / threads

    def run(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30, headers=headers) as c:
            i = 0
            while True:
                due = start + (i + k / threads) / per_thread
                if due - start >= seconds:
                    return
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    ok = c.get(url).status_code in (200, 304)
                except httpx.HTTPError:
                    ok = False
                # Measured from when the poll was due, so a client falling behind still counts.
                elapsed = time.monotonic() - due
                with lock:
                    lat.append(elapsed)
                    errors[0] += 0 if ok else 1
                i += 1

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - t0
    return {
        "n": len(lat),
        "rate": len(lat) / wall,
        "errors": errors[0],
        "p50": ms(lat, 50),
        "p95": ms(lat, 95),
        "p99": ms(lat, 99),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("-n", type=int, default=2000, help="sequential requests per endpoint (CPU phase)")
    ap.add_argument("--rate", type=float, default=200.0, help="polls per second in the load phase")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--busy", type=int, default=2, help="CPU-spinning processes during the load phase")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-status-") as d:
        tmp = Path(d)
        db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        # No worker: the layout stays queued, so its status answer never changes.
        with running_stack(db_url, tmp, workers=0) as stack:
            api = stack.procs[0]
            c = httpx.Client(base_url=stack.base, timeout=30)
            site_id = sign_in_with_sample_site(c)
            auth = {"Authorization": str(c.headers.pop("Authorization"))}
            body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False}
            gen = c.post("/api/layouts/generate", json=body, headers=auth)
            gen.raise_for_status()
            url = f"/api/layouts/{gen.json()['layout_id']}/status"
            etag = c.get(url, headers=auth).headers.get("etag", "")

            rows = [
                ("GET /health (trivial)", cost(c, api.pid, "/health", args.n, {}, 200)),
                ("GET …/status (200)", cost(c, api.pid, url, args.n, auth, 200)),
            ]
            if etag:  # an API without ETags (an older build) has no 304 path to measure
                rows.append(
                    (
                        "GET …/status If-None-Match (304)",
                        cost(c, api.pid, url, args.n, {**auth, "If-None-Match": etag}, 304),
                    )
                )
            print(f"\n### CPU per request (n = {args.n} each, one API process)\n")
            print("| endpoint | API CPU / request | latency p50 | latency p95 |\n|---|---|---|---|")
            for name, r in rows:
                print(f"| {name} | {r['cpu_ms']:.2f} ms | {r['p50']:.2f} ms | {r['p95']:.2f} ms |")
            trivial = rows[0][1]["cpu_ms"]
            extras = ", ".join(
                f"{r['cpu_ms'] - trivial:+.2f} ms ({name.rsplit(' ', 1)[-1]})" for name, r in rows[1:]
            )
            print(f"\nstatus over the trivial endpoint: {extras}")

            stop_at = time.monotonic() + args.seconds + 2
            spinners = [mp.Process(target=spin, args=(stop_at,)) for _ in range(args.busy)]
            for p in spinners:
                p.start()
            try:
                res = load(stack.base, url, auth, args.rate, args.seconds, args.threads)
            finally:
                for p in spinners:
                    p.join()
            print(
                f"\n### Load: {args.rate:g} polls/s for {args.seconds:g} s, {args.busy} CPU-busy processes\n"
            )
            print("| polls | achieved rate | errors | p50 | p95 | p99 |\n|---|---|---|---|---|---|")
            print(f"| {res['n']} | {res['rate']:.0f}/s | {res['errors']} | {res['p50']:.1f} ms | "
                  f"{res['p95']:.1f} ms | {res['p99']:.1f} ms |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
