"""CLI wall time: `sitelayouts --help` and a 10 MW layout end to end, fresh and from the warm process.

Run from the repository root: `backend/.venv/bin/python bench/bench_cli.py [--runs 8]`.

Each case runs the real console script in a new process, `--runs` times, interleaved (case A, B, C,
A, B, C, …) so a drift of the shared VM's speed hits every case alike; wall clock per run, then
min / median / max. The layout is `generate backend/app/samples/sample-site.kml --capacity-kw 10000
--flat` (offline: clear-sky weather), with and without the energy yield. "fresh" runs with
SITELAYOUTS_DAEMON=0 (imports paid by the command); "warm" through the warm process, started once
before the timed runs (its start, the first run after a reboot or an upgrade, is timed apart:
"first run"). The import floor is the libraries a layout imports, in a bare interpreter.

Prints a Markdown table; results go to docs/benchmarks.md (CLI start-up) by hand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import machine

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / "backend" / ".venv" / "bin" / "python"
SCRIPT = PY.with_name("sitelayouts")
LAYOUT = [
    str(SCRIPT),
    "generate",
    str(ROOT / "backend/app/samples/sample-site.kml"),
    "--capacity-kw",
    "10000",
    "--flat",
]
FLOOR = (
    "import numpy, shapely, pyproj, scipy.ndimage, scipy.sparse.csgraph, scipy.spatial, rasterio.features, "
    "ortools.constraint_solver.pywrapcp, pydantic, typer, pydantic_settings"
)


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, check=False)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.decode()[-2000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    runtime = tempfile.mkdtemp(prefix="sld-bench-", dir="/tmp")
    base = {
        **os.environ,
        "WEATHER_SOURCE": "clearsky",
        "SITELAYOUTS_RUNTIME_DIR": runtime,
    }
    fresh = {**base, "SITELAYOUTS_DAEMON": "0"}
    warm = {**base, "SITELAYOUTS_DAEMON": "1"}
    cases: list[tuple[str, list[str], dict[str, str]]] = [
        ("`python -c pass`", [str(PY), "-c", "pass"], fresh),
        ("`sitelayouts --help`", [str(SCRIPT), "--help"], fresh),
        (
            "import floor (the libraries a layout imports)",
            [str(PY), "-c", FLOOR],
            fresh,
        ),
        ("`generate … --no-energy`, fresh process", [*LAYOUT, "--no-energy"], fresh),
        ("`generate …` with the yield, fresh process", LAYOUT, fresh),
        ("`generate … --no-energy`, **warm process**", [*LAYOUT, "--no-energy"], warm),
        ("`generate …` with the yield, **warm process**", LAYOUT, warm),
    ]
    first = timed(LAYOUT, warm)  # starts the warm process: what the first run after an upgrade costs
    walls: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(args.runs):
        for name, cmd, env in cases:
            walls[name].append(timed(cmd, env))
    subprocess.run([str(SCRIPT), "daemon", "stop"], env=warm, capture_output=True, check=False)
    shutil.rmtree(runtime, ignore_errors=True)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}, {args.runs} interleaved runs")
    print()
    print("| case | min [s] | median [s] | max [s] |\n|---|---:|---:|---:|")
    for name, _, _ in cases:
        w = walls[name]
        print(f"| {name} | {min(w):.2f} | {statistics.median(w):.2f} | {max(w):.2f} |")
    print(f"| first run with the yield, starting the warm process | {first:.2f} | | |")


if __name__ == "__main__":
    main()
