"""A utility-scale plant from the command line, fresh process (issue 24 item 1): 100 MWac and 1 GWac
trackers with the energy yield, the layout GeoJSON written (`-o`), as ratios to Y.

Y = one numpy Horn slope pass over a 4000 × 4000 float32 grid (`slope_deg` on bench_terrain's
synthetic grid, best of 3), measured in the same run, so the ratios compare across machines.

Run from the repository root:
    backend/.venv/bin/python bench/bench_cli_plant.py [--runs 3] [--checkout DIR ...]
Each `--checkout` is a repository root whose `backend` is put on PYTHONPATH (default: this one), so
two branches are measured A/B with the same interpreter, interleaved (A, B, A, B, …) so a drift of
the shared VM's speed hits both alike. Every run is `sitelayouts generate SITE.kml --capacity-kw N
--flat --structure tracker -o OUT.geojson` with SITELAYOUTS_DAEMON=0 (imports paid by the command)
and WEATHER_SOURCE=clearsky (offline); sites are squares near (-93°, 40°) (bench_plant's). Wall
and CPU (user + system of the child) per run, and the child's peak RSS. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import machine
from bench_plant import site_kml

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / "backend" / ".venv" / "bin" / "python"
CASES = (("tracker 100 MWac / 250 ha", 250.0, 100_000.0), ("tracker 1 GWac / 2,500 ha", 2_500.0, 1_000_000.0))
RUN = "import sys; sys.argv[0] = 'sitelayouts'; from app.cli.launch import run; run()"


def one_run(checkout: Path, site: Path, capacity_kw: float, out: Path) -> tuple[float, float, float]:
    """(wall [s], CPU [s], peak RSS [MB]) of one fresh `generate` in `checkout`."""
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout / "backend"),
        "SITELAYOUTS_DAEMON": "0",
        "WEATHER_SOURCE": "clearsky",
    }
    cmd = [str(PY), "-c", RUN, "generate", str(site), "--capacity-kw", f"{capacity_kw:g}", "--flat"]
    cmd += ["--structure", "tracker", "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{checkout}: generate failed ({proc.returncode}): {err.decode()[-2000:]}")
    # The child's own resource use: CPU = user + system [s], ru_maxrss [KB] its peak resident set.
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def measure_y() -> float:
    """Y [s] (`bench_plant.measure_y`) in a child process: the 4000 × 4000 grid would otherwise
    stay in this process's peak RSS, which Linux hands down to every child it forks."""
    code = "import sys; sys.path.insert(0, 'bench'); from bench_plant import measure_y; print(measure_y())"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "backend")}
    done = subprocess.run(
        [str(PY), "-c", code], cwd=ROOT, env=env, capture_output=True, check=True, text=True
    )
    return float(done.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--checkout", type=Path, action="append", help="repository root (repeatable)")
    args = ap.parse_args()
    checkouts: list[Path] = args.checkout or [ROOT]
    for c in checkouts:  # else the installed package would be measured under its name
        if not (c / "backend" / "app" / "__init__.py").is_file():
            raise SystemExit(f"{c}: not a repository root (no backend/app)")
    y = measure_y()
    rows: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cli-plant-") as tmp_name:
        tmp = Path(tmp_name)
        for name, area_ha, capacity_kw in CASES:
            site = tmp / f"site-{area_ha:g}.kml"
            site.write_bytes(site_kml(area_ha))
            for _ in range(args.runs):
                for c in checkouts:
                    r = one_run(c, site, capacity_kw, tmp / "out.geojson")
                    rows.setdefault((name, str(c)), []).append(r)
    y_after = measure_y()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}")
    print(f"Y = {y:.3f} s before the runs, {y_after:.3f} s after (Horn slope, 4000 × 4000 float32)\n")
    print("| case | checkout | wall median [s] | × Y | CPU median [s] | CPU × Y | peak RSS [MB] |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (name, c), runs in rows.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        print(f"| {name} | {c} | {wall:.2f} | {wall / y:.1f} | {cpu:.2f} | {cpu / y:.1f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
