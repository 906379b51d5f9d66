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
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_jobs import (
    BACKEND,
    JWT_SECRET,
    SAMPLE_SITE,
    free_port,
    machine,
    pct,
    stop_processes,
    ts,
    wait_ready,
)

from app.db.models import WorkerHeartbeat

GRID = {
    "structure": ["fixed", "tracker"],
    "gcr": [0.3, 0.35, 0.4, 0.45, 0.5],
    "tilt_deg": [20, 25, 30, 35],
    "dc_ac_ratio": [1.2, 1.3],
}


def run(args: argparse.Namespace, tmp: Path) -> int:
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    keep = ("QUEUE_BACKEND", "STORAGE_BACKEND", "AUTH_MODE", "SQS_QUEUE_URL", "SQS_DLQ_URL")
    env = {k: v for k, v in os.environ.items() if k not in keep}
    env.update(
        DATABASE_URL=db_url,
        QUEUE_BACKEND="database",
        STORAGE_DIR=str(tmp / "storage"),
        DEM_SOURCE="flat",
        WEATHER_SOURCE="clearsky",
        ENABLE_ASYNC_LAYOUT_GENERATION="true",
        JWT_SECRET=JWT_SECRET,
        RATE_LIMIT_GENERATE_PER_MIN="1000",
        RATE_LIMIT_AUTH_PER_MIN="1000",
        QUEUE_WAIT_TIME_S="1",
        HEARTBEAT_INTERVAL_S="1",
        LOG_LEVEL="WARNING",
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"),
        PYTHONPATH=str(BACKEND),
    )
    (tmp / "prometheus").mkdir()
    print(f"database: {db_url.split('@')[-1]}   API: {base}   machine: {machine()}", flush=True)
    subprocess.run([sys.executable, "-m", "app.cli.main", "db", "upgrade"], env=env, cwd=BACKEND, check=True)
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        api_log = open(tmp / "api.log", "wb")  # noqa: SIM115 - closed in finally
        logs.append(api_log)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
                 "--no-access-log"],
                env=env, cwd=BACKEND, stdout=api_log, stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        for w in range(args.workers):
            wlog = open(tmp / f"worker-{w}.log", "wb")  # noqa: SIM115 - closed in finally
            logs.append(wlog)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.worker"],
                    env=env,
                    cwd=BACKEND,
                    stdout=wlog,
                    stderr=subprocess.STDOUT,
                )
            )
        wait_ready(base, procs)
        client = httpx.Client(base_url=base, timeout=60)
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        password = "bench-password-1"
        client.post("/api/auth/register", json={"email": email, "password": password}).raise_for_status()
        token = client.post("/api/auth/token", data={"username": email, "password": password})
        token.raise_for_status()
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        with SAMPLE_SITE.open("rb") as f:
            site = client.post("/api/sites/upload", files={"file": (SAMPLE_SITE.name, f)})
        site.raise_for_status()
        site_id = site.json()["id"]

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
            (ts(x["completed_at"]) - ts(x["started_at"])).total_seconds()
            for x in layouts
            if x["completed_at"]
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
            print(
                f"  {row['variant']}: {row['lcoe_usd_per_mwh']} USD/MWh, {row['annual_energy_mwh']} MWh, "
                f"{row['dc_capacity_mwp']:.2f} MWp"
            )
        for p in problems[:20]:
            print(f"PROBLEM: {p}")
        return 1 if problems else 0
    finally:
        codes = stop_processes(procs)
        for f in logs:
            f.close()
        print(f"stopped {len(procs)} processes with SIGTERM (exit codes {codes})")


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
