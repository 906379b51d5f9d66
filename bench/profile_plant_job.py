"""Where a 1 GWac job's worker time goes (issue 24): the job handler under pyinstrument, in process.

Run from the repository root:
    backend/.venv/bin/python bench/profile_plant_job.py [--database-url URL] [--html out.html]
A migrated SQLite database (default, in a temporary folder) or the given one, local storage, the
database queue; a square 2,500 ha flat site (bench_plant's), 1,000,000 kW AC trackers, 10 m grid,
no terrain. One warm-up job (5 MWac) first, so imports are not charged to the plant. Prints the
handler's CPU time [s] (time.process_time), split engine (`app.engine.*` frames under
`run_pipeline`) vs the rest, and pyinstrument's text tree.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_plant import site_kml  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

import app.jobs.runner as runner_module  # noqa: E402
from app.db import migrate  # noqa: E402
from app.jobs import lifecycle  # noqa: E402
from app.jobs.runner import JobRunner, Outcome  # noqa: E402
from app.main import create_app  # noqa: E402
from app.pipeline.run import run_pipeline  # noqa: E402
from tests.conftest import build_async_services, make_user, receive, upload  # noqa: E402


def _split(profiler: Profiler) -> tuple[float, float]:
    """(pipeline, engine) seconds of the sampled tree: the time under `run_pipeline`, and the part
    of it in frames of `app/engine/` (outermost engine frames only, so nothing counts twice). The
    document writer (`app/engine/core/geojson.py`, called by the runner) is not engine time here."""
    session = profiler.last_session
    assert session is not None
    root = session.root_frame()
    pipeline = engine = 0.0
    stack = [(root, False)] if root is not None else []
    while stack:
        frame, inside = stack.pop()
        if not inside and frame.function == "run_pipeline":
            pipeline += frame.time
            inside = True
        if inside and "/app/engine/" in (frame.file_path or ""):
            engine += frame.time
            continue
        stack.extend((c, inside) for c in frame.children)
    return pipeline, engine


CPU: dict[str, float] = {}


def _cpu_timed(name: str, fn: Any) -> Any:
    """`fn`, adding its CPU time [s] (time.process_time) to CPU[name]: the honest split on a shared
    machine, where pyinstrument's wall-clock samples also count the time other processes ran."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        c0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            CPU[name] = CPU.get(name, 0.0) + time.process_time() - c0

    return timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url")
    ap.add_argument("--capacity-kw", type=float, default=1_000_000.0)
    ap.add_argument("--area-ha", type=float, default=2_500.0)
    ap.add_argument("--structure", default="tracker", choices=("tracker", "fixed"))
    ap.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-job-") as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'p.db'}"
        migrate.upgrade(url)
        services = build_async_services(url, tmp, job_timeout_s=900)
        with TestClient(create_app(services=services)) as api:
            headers = make_user(services, f"p{time.time_ns()}@example.com")

            def job(area_ha: float, capacity_kw: float) -> None:
                site = upload(api, headers, "s.kml", site_kml(area_ha)).json()["id"]
                body = {
                    "site_id": site,
                    "target_capacity_kw": capacity_kw,
                    "use_terrain": False,
                    "dem_resolution_m": 10,
                    "pv": {"structure": args.structure},
                }
                r = api.post("/api/layouts/generate", json=body, headers=headers)
                assert r.status_code == 202, r.text

            runner = JobRunner(
                services, worker_id="profile", compute=_cpu_timed("pipeline (engine + energy)", run_pipeline)
            )
            runner_module.store_design_document = _cpu_timed(
                "stored GeoJSON document", runner_module.store_design_document
            )
            lifecycle.complete = _cpu_timed("result rows + completion", lifecycle.complete)
            job(15.0, 5_000.0)
            assert runner.handle(receive(services)) is Outcome.completed
            job(args.area_ha, args.capacity_kw)
            message = receive(services)
            CPU.clear()
            profiler = Profiler(interval=0.002)
            c0 = time.process_time()
            profiler.start()
            outcome = runner.handle(message)
            profiler.stop()
            cpu = time.process_time() - c0
            assert outcome is Outcome.completed, outcome
        services.close()
    pipeline, engine = _split(profiler)
    wall = profiler.last_session.duration if profiler.last_session else float("nan")
    print(f"handler CPU {cpu:.2f} s; sampled {wall:.2f} s: engine {engine:.2f} s, rest {wall - engine:.2f} s")
    print(f"  (pipeline {pipeline:.2f} s, of which not engine {pipeline - engine:.2f} s)")
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in CPU.items())
    print(f"CPU split: {parts}; the rest {cpu - sum(CPU.values()):.2f} s")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
