"""/health while large uploads are processed: latency percentiles of GET /health polled while four 2.5 MB
KML uploads (≈ 7,400 exclusion placemarks each) are read, parsed, stored and answered (issue 27, point 9).

Run from the repository root: `backend/.venv/bin/python bench/bench_upload_health.py [--database-url URL]`
(default: a fresh SQLite file in a temporary folder; a PostgreSQL URL must name an empty database).

On loopback: migrate; start one real API process (uvicorn, no worker); register a user. Then `--rounds`
times: `--uploads` threads each POST the same file to /api/sites/upload at once, while one thread GETs
/health every `--interval-ms` on its own connection until the last upload has answered. Prints the idle
/health figures, then the polls sent while uploads were in flight (client wall clock) and the uploads'
own durations. Results go to docs/benchmarks.md (Uploads and /health) by hand.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import machine, ms, running_stack

from tests.api.test_upload_event_loop import busy_kml  # the test's generator, on the backend's path


def poll_health(base: str, stop: threading.Event, interval_s: float, out: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=60) as c:
        while not stop.is_set():
            sent = time.perf_counter()
            c.get("/health").raise_for_status()
            out.append(time.perf_counter() - sent)
            time.sleep(interval_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--uploads", type=int, default=4)
    parser.add_argument("--placemarks", type=int, default=7400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval-ms", type=float, default=20)
    args = parser.parse_args()
    kml = busy_kml(args.placemarks)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        with (
            running_stack(db_url, tmp, workers=0) as stack,
            httpx.Client(base_url=stack.base, timeout=600) as c,
        ):
            email, password = f"upload-bench-{uuid.uuid4().hex[:8]}@example.com", "bench-password-1"
            c.post("/api/auth/register", json={"email": email, "password": password}).raise_for_status()
            token = c.post("/api/auth/token", data={"username": email, "password": password}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}

            idle: list[float] = []
            stop = threading.Event()
            timer = threading.Timer(3.0, stop.set)
            timer.start()
            poll_health(stack.base, stop, args.interval_ms / 1000, idle)

            def upload(_: int) -> float:
                with httpx.Client(base_url=stack.base, timeout=600) as u:
                    sent = time.perf_counter()
                    r = u.post("/api/sites/upload", files={"file": ("busy.kml", kml)}, headers=headers)
                    assert r.status_code == 201, r.text[:300]
                    return time.perf_counter() - sent

            busy: list[float] = []
            took: list[float] = []
            for _ in range(args.rounds):
                stop = threading.Event()
                polls: list[float] = []
                poller = threading.Thread(
                    target=poll_health, args=(stack.base, stop, args.interval_ms / 1000, polls)
                )
                poller.start()
                with ThreadPoolExecutor(max_workers=args.uploads) as pool:
                    took += list(pool.map(upload, range(args.uploads)))
                stop.set()
                poller.join()
                busy += polls
    print(f"machine: {machine()}")
    print(
        f"file: {len(kml) / 1e6:.2f} MB, {args.placemarks} exclusion placemarks; "
        f"{args.uploads} at once × {args.rounds} rounds"
    )
    print()
    print("| /health | n | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    for name, values in (("idle", idle), (f"{args.uploads} uploads in flight", busy)):
        print(
            f"| {name} | {len(values)} | {ms(values, 50):.1f} ms | {ms(values, 95):.1f} ms | "
            f"{max(values) * 1000:.1f} ms |"
        )
    print(f"\nupload duration: p50 {sorted(took)[len(took) // 2]:.2f} s, max {max(took):.2f} s")


if __name__ == "__main__":
    main()
