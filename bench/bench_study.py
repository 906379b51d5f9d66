"""Scenario study benchmark: one 50-variant study on W real worker processes over the database queue.

Run from the repository root: `backend/.venv/bin/python bench/bench_study.py [--database-url URL]`
(default: a fresh SQLite file in a temporary folder; a PostgreSQL URL must name an empty database).

What it does, all on loopback: migrate the database; start a real API (uvicorn) and W workers
(`python -m app.worker`, QUEUE_BACKEND=database); register a user, upload
backend/app/samples/sample-site.kml; POST /api/sites/{id}/studies with a 50-variant grid
(fixed × 5 GCR × 4 tilts × 2 DC/AC + tracker × 5 GCR × 2 DC/AC, use_terrain=false, clear-sky weather);
poll GET /api/studies/{id} once a second until every variant is terminal; check every variant
completed once; print wall time, jobs per worker and the best variants; SIGTERM the processes.
Results are recorded in docs/benchmarks.md (Scenario studies).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Stack, machine, pct, running_stack, sign_in_with_sample_site, ts

from app.db.models import WorkerHeartbeat

GRID = {
    "structure": ["fixed", "tracker"],
    "gcr": [0.3, 0.35, 0.4, 0.45, 0.5],
    "tilt_deg": [20, 25, 30, 35],
    "dc_ac_ratio": [1.2, 1.3],
}


def run(args: argparse.Namespace, tmp: Path) -> int:
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    with running_stack(
        db_url, tmp, workers=args.workers, QUEUE_BACKEND="database", WEATHER_SOURCE="clearsky",
        HEARTBEAT_INTERVAL_S="1",
    ) as stack:  # fmt: skip
        return measure(args, stack)


def measure(args: argparse.Namespace, stack: Stack) -> int:
    """Queue the study on the running `stack`, wait for it, print the table. 1 on any problem."""
    db_url, procs = stack.db_url, stack.procs
    client = httpx.Client(base_url=stack.base, timeout=60)
    site_id = sign_in_with_sample_site(client)

    body: dict[str, Any] = {
        "name": "bench",
        "base": {"target_capacity_kw": args.capacity_kw, "use_terrain": False},
        "grid": GRID,
    }
    t0 = time.perf_counter()
    r = client.post(f"/api/sites/{site_id}/studies", json=body)
    submit_s = time.perf_counter() - t0
    if r.status_code != 202:
        raise RuntimeError(f"study refused: {r.status_code} {r.text[:300]}")
    study_id = r.json()["study_id"]
    n = r.json()["variant_count"]
    print(f"study of {n} variants queued in {submit_s:.2f} s", flush=True)
    deadline = time.monotonic() + args.timeout
    detail: dict[str, Any] = {}
    while time.monotonic() < deadline:
        detail = client.get(f"/api/studies/{study_id}").json()
        if detail["progress"]["done"]:
            break
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a process exited during the run (see the logs)")
        print(f"  {detail['progress']['percent_done']:.0f}% done", flush=True)
        time.sleep(1.0)
    wall_s = time.perf_counter() - t0
    time.sleep(2.5)  # a heartbeat (every 1 s) records each worker's final job count
    engine = create_engine(db_url)
    with engine.connect() as conn:
        per_worker = sorted(conn.scalars(select(WorkerHeartbeat.jobs_done)).all(), reverse=True)
    engine.dispose()
    progress = detail.get("progress", {})
    rows = detail.get("rows", [])
    layouts = [client.get(f"/api/layouts/{row['layout_id']}").json() for row in rows]
    problems = [
        f"{x['id']}: {x['status']} attempts {x['attempts']} ({x.get('error_message')})"
        for x in layouts
        if x["status"] != "completed" or x["attempts"] != 1
    ]
    if not progress.get("done"):
        problems.insert(0, f"timed out after {args.timeout:g} s")
    run_s = [
        (ts(x["completed_at"]) - ts(x["started_at"])).total_seconds() for x in layouts if x["completed_at"]
    ]
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print()
    print(f"Study benchmark — {when}, {db_url.split('://')[0]}, {machine()}")
    print()
    print("| Measure | Value |")
    print("|---|---|")
    table = [
        (
            "variants (completed / failed)",
            f"{n} ({progress.get('completed')} / {progress.get('failed')})",
        ),
        ("worker processes (jobs each)", f"{args.workers} ({', '.join(map(str, per_worker)) or '?'})"),
        ("POST /studies (validate + queue all variants)", f"{submit_s:.2f} s"),
        ("wall time, POST → every variant terminal (1 s polls)", f"{wall_s:.1f} s"),
        ("throughput", f"{n / wall_s:.2f} variants/s"),
        ("job run time p50 / p95", f"{pct(run_s, 50):.2f} / {pct(run_s, 95):.2f} s"),
        ("sum of job run times / wall (parallelism)", f"{sum(run_s) / wall_s:.2f}"),
    ]
    for name, value in table:
        print(f"| {name} | {value} |")
    print()
    print("Best 3 by LCOE:")
    for row in rows[:3]:
        # Clear-sky weather: the LCOE is only a lower bound and the energy an upper bound.
        lcoe = row.get("lcoe_usd_per_mwh") or row.get("lcoe_lower_bound_usd_per_mwh")
        mwh = row.get("annual_energy_mwh") or row.get("annual_energy_mwh_upper_bound")
        bound = " (bounds: clear sky)" if row.get("lcoe_is_lower_bound") else ""
        print(f"  {row['variant']}: {lcoe} USD/MWh, {mwh} MWh, {row['dc_capacity_mwp']:.2f} MWp{bound}")
    for p in problems[:20]:
        print(f"PROBLEM: {p}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--database-url", help="an empty database (default: a temporary SQLite file)")
    add("--workers", type=int, default=2, help="worker processes")
    add("--capacity-kw", type=float, default=5000.0, help="target capacity of each variant [kW]")
    add("--timeout", type=float, default=900.0, help="give up waiting after this many seconds [s]")
    add("--keep", action="store_true", help="keep the temporary folder (logs, SQLite file)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-study-"))
    try:
        return run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
