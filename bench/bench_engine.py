"""Layout engine benchmarks: end-to-end `generate_layout` + GeoJSON, median of 5, peak RSS.

Run from the repository root:  backend/.venv/bin/python bench/bench_engine.py
Options: --case NAME (one case, in this process), --profile NAME (pyinstrument report), --repeat N.
PV cases lay fixed-tilt tables or trackers (table-level design, electrical design included).
Each case runs in its own subprocess so its peak RSS is its own. Sites are squares in UTM zone 15N
with a 100 m grid margin; "rolling" terrain is two crossed sines (±12 m, 600-900 m wavelengths,
slopes up to about 8°), "flat" is constant.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

import numpy as np  # noqa: E402
from shapely.geometry import Point, Polygon  # noqa: E402

from app.engine.core.crs import site_crs, to_utm, to_wgs84  # noqa: E402
from app.engine.core.geojson import layout_feature_collection  # noqa: E402
from app.engine.core.grid import Grid, flat_grid  # noqa: E402
from app.engine.core.types import LayoutParams, SiteInput  # noqa: E402
from app.engine.layout import generate_layout  # noqa: E402

RESOLUTION_M = 10.0
# name: (profile, target kW AC, area ha, terrain, PV structure)
CASES: dict[str, tuple[str, float, float, str, str | None]] = {}
for mw, ha in ((10, 25), (100, 250), (1000, 2500)):
    for structure in ("fixed", "tracker"):
        for terrain in ("rolling", "flat"):
            case = (f"{structure}_{mw}MWac_{ha}ha_{terrain}", mw * 1000.0)
            CASES[case[0]] = ("solar_farm", case[1], ha, terrain, structure)
for terrain in ("rolling", "flat"):
    CASES[f"gas_bess_500MW_60ha_{terrain}"] = ("gas_bess", 500_000.0, 60, terrain, None)


def build(area_ha: float, terrain: str) -> tuple[SiteInput, Grid]:
    """A square site of `area_ha` and its 10 m grid in UTM."""
    lon, lat = -93.0, 40.0
    crs = site_crs(Point(lon, lat))
    o = to_utm(Point(lon, lat), crs)
    side = math.sqrt(area_ha * 10_000)
    sq = Polygon([(o.x, o.y), (o.x + side, o.y), (o.x + side, o.y + side), (o.x, o.y + side)])
    m = 100.0
    g = flat_grid(
        (o.x - m, o.y - m, o.x + side + m, o.y + side + m),
        resolution_m=RESOLUTION_M,
        crs=crs,
        elevation_m=200.0,
    )
    if terrain == "rolling":
        rows, cols = g.shape
        xs = (np.arange(cols) + 0.5) * RESOLUTION_M
        ys = (np.arange(rows) + 0.5) * RESOLUTION_M
        xx, yy = np.meshgrid(xs, ys)
        k = 2 * np.pi
        z = 200 + 8 * np.sin(k * xx / 600) * np.cos(k * yy / 900) + 4 * np.sin(k * yy / 700)
        g = g.with_data(z.astype(np.float32))
    return SiteInput(boundary=to_wgs84(sq, crs)), g


def run_case(name: str, repeat: int) -> dict[str, object]:
    profile, target, area, terrain, structure = CASES[name]
    site, grid = build(area, terrain)
    params = LayoutParams(
        target_capacity_kw=target,
        profile=profile,
        strategy="balanced",
        dem_resolution_m=RESOLUTION_M,
        pv={"structure": structure} if structure else None,
    )
    times = []
    cpu = []
    result = None
    doc: dict[str, object] = {}
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = generate_layout(site, grid, params)
        doc = layout_feature_collection(site, result, params)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert result is not None
    m = result.metrics
    return {
        "case": name,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "cpu_median_s": statistics.median(cpu),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "cells": grid.data.size,
        "assets": m["asset_count"],
        "roads": len(result.roads),
        "capacity_mw": m["total_capacity_kw"] / 1000.0,
        "dc_mwp": (m.get("dc_capacity_kwp") or 0.0) / 1000.0,
        "tables": m.get("table_count", 0),
        "geojson_mb": len(json.dumps(doc)) / 1e6,
        "road_km": m["road_length_m"] / 1000.0,
        "warnings": len(result.warnings),
    }


def profile_case(name: str) -> None:
    from pyinstrument import Profiler

    profile, target, area, terrain, structure = CASES[name]
    site, grid = build(area, terrain)
    params = LayoutParams(
        target_capacity_kw=target, profile=profile, pv={"structure": structure} if structure else None
    )
    generate_layout(site, grid, params)  # warm-up (imports, caches)
    prof = Profiler(interval=0.001)
    prof.start()
    generate_layout(site, grid, params)
    prof.stop()
    print(prof.output_text(show_all=False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case")
    ap.add_argument("--profile")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if args.profile:
        profile_case(args.profile)
        return
    if args.case:
        print(json.dumps(run_case(args.case, args.repeat)))
        return
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.platform()}, "
        f"python {platform.python_version()}"
    )
    print(
        "| case | cells | tables | MWac | MWp | roads | road km | GeoJSON MB | median s | min s "
        "| CPU median s | peak RSS MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--case", name, "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {r['case']} | {r['cells']:,} | {r['tables']:,} | {r['capacity_mw']:.1f} | "
            f"{r['dc_mwp']:.1f} | "
            f"{r['roads']:,} | {r['road_km']:.1f} | {r['geojson_mb']:.1f} | {r['median_s']:.2f} | "
            f"{r['min_s']:.2f} | {r['cpu_median_s']:.2f} | {r['peak_rss_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
