"""Terrain benchmarks: slope/aspect vs `gdaldem`, DEM read+reproject, peak memory.

Run from the repository root: `backend/.venv/bin/python bench/bench_terrain.py [--size 4000]`.
Prints a Markdown table; results are recorded in docs/benchmarks.md (Terrain).
Targets: slope+aspect within 1.2× of gdaldem; a 1,000 ha site at 5 m read+reprojected in < 2 s;
peak memory < 4× the grid size.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.warp import reproject
from shapely.geometry import box

from app.dem.base import grid_spec_for
from app.dem.demo import DEMO_CENTER_LON_LAT, jacksboro_elevation, jacksboro_transform
from app.dem.file import FileSource
from app.dem.raster import write_grid
from app.engine.core.grid import Grid
from app.engine.terrain.analysis import aspect_deg, slope_aspect_deg, slope_deg

REPEATS = 3


def best_of(fn: Callable[[], Any], repeats: int = REPEATS) -> float:
    """Fastest wall time [s] of `repeats` runs (the least disturbed by other processes)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_bytes(fn: Callable[[], Any]) -> int:
    """Peak Python/numpy heap allocation [bytes] while `fn` runs (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def synthetic_grid(n: int) -> Grid:
    """An n×n float32 terrain at 5 m: rolling hills, a regional tilt and small-scale roughness."""
    rng = np.random.default_rng(42)
    r, c = np.mgrid[0:n, 0:n].astype(np.float32)
    z = 300 + 50 * np.sin(c / 300) * np.cos(r / 470) + 0.02 * c
    z += rng.normal(0.0, 0.2, z.shape).astype(np.float32)
    return Grid(
        data=z.astype(np.float32), transform=Affine(5, 0, 500_000, 0, -5, 4_000_000), crs="EPSG:32616"
    )


def gdaldem(mode: str, src: Path, dst: Path) -> None:
    subprocess.run(["gdaldem", mode, "-q", str(src), str(dst)], check=True)


def bench_slope(n: int, tmp: Path) -> list[tuple[str, str, str]]:
    grid = synthetic_grid(n)
    rows: list[tuple[str, str, str]] = []
    ours_slope = best_of(lambda: slope_deg(grid))
    ours_aspect = best_of(lambda: aspect_deg(grid))
    ours_both = best_of(lambda: slope_aspect_deg(grid))
    dem = tmp / "dem.tif"
    write_grid(str(dem), grid)
    with rasterio.open(dem) as ds:  # an uncompressed copy: gdaldem should not pay for inflate
        profile = dict(ds.profile)
        for key in ("compress", "predictor", "blockxsize", "blockysize"):
            profile.pop(key, None)
        profile["tiled"] = False
        with rasterio.open(tmp / "dem_raw.tif", "w", **profile) as out:
            out.write(ds.read())
    raw = tmp / "dem_raw.tif"

    def ours_with_io() -> None:
        with rasterio.open(raw) as ds:
            g = Grid(data=ds.read(1), transform=ds.transform, crs=str(ds.crs))
        s, a = slope_aspect_deg(g)
        for name, arr in (("s", s), ("a", a)):
            with rasterio.open(tmp / f"ours_{name}.tif", "w", **profile) as out:
                out.write(arr, 1)

    with_io = best_of(ours_with_io)
    label = f"{n}×{n}"
    if shutil.which("gdaldem"):
        g_slope = best_of(lambda: gdaldem("slope", raw, tmp / "g_slope.tif"))
        g_aspect = best_of(lambda: gdaldem("aspect", raw, tmp / "g_aspect.tif"))
        rows += [
            (
                f"slope {label}",
                f"{ours_slope:.2f} s",
                f"gdaldem slope {g_slope:.2f} s → ×{ours_slope / g_slope:.2f}",
            ),
            (
                f"aspect {label}",
                f"{ours_aspect:.2f} s",
                f"gdaldem aspect {g_aspect:.2f} s → ×{ours_aspect / g_aspect:.2f}",
            ),
            (
                f"slope+aspect {label}",
                f"{ours_both:.2f} s",
                f"gdaldem slope+aspect {g_slope + g_aspect:.2f} s → ×{ours_both / (g_slope + g_aspect):.2f}",
            ),
            (
                f"slope+aspect {label} incl. GeoTIFF read/write",
                f"{with_io:.2f} s",
                f"×{with_io / (g_slope + g_aspect):.2f} of gdaldem (target ≤ 1.2)",
            ),
        ]
    else:
        rows += [
            (f"slope {label}", f"{ours_slope:.2f} s", "gdaldem not installed"),
            (f"slope+aspect {label}", f"{ours_both:.2f} s", "gdaldem not installed"),
        ]
    grid_bytes = grid.data.nbytes
    p_slope = peak_bytes(lambda: slope_deg(grid)) / grid_bytes
    p_both = peak_bytes(lambda: slope_aspect_deg(grid)) / grid_bytes
    rows += [
        (
            f"peak memory, slope {label}",
            f"{p_slope:.1f}× grid",
            f"grid {grid_bytes / 2**20:.0f} MiB; target < 4×",
        ),
        (f"peak memory, slope+aspect {label}", f"{p_both:.1f}× grid", "outputs alone are 2×"),
    ]
    return rows


def make_source_dem(path: Path) -> None:
    """A 1/3 arc-second (~10 m) EPSG:4326 DEM, tiled and compressed like a 3DEP/COG download,
    covering ~14 km × 14 km around the demo site (Jacksboro upsampled bilinearly)."""
    cell = 1 / 3 / 3600
    lon0, lat0 = DEMO_CENTER_LON_LAT
    west, north = lon0 - 0.08, lat0 + 0.065
    n_cols, n_rows = round(0.16 / cell), round(0.13 / cell)
    t = Affine(cell, 0, west, 0, -cell, north)
    data = np.empty((n_rows, n_cols), dtype=np.float32)
    reproject(
        jacksboro_elevation().astype(np.float32),
        data,
        src_transform=jacksboro_transform(),
        src_crs="EPSG:4326",
        dst_transform=t,
        dst_crs="EPSG:4326",
        resampling=Resampling.bilinear,
    )
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=n_cols,
        height=n_rows,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=t,
        nodata=np.nan,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        predictor=3,
    ) as ds:
        ds.write(data, 1)


def bench_reproject(tmp: Path) -> list[tuple[str, str, str]]:
    src = tmp / "src_10m.tif"
    make_source_dem(src)
    lon0, lat0 = DEMO_CENTER_LON_LAT
    # 1,000 ha: a 3,162 m square around the demo centre.
    half_lon = 1581 / (111_320 * np.cos(np.radians(lat0)))
    half_lat = 1581 / 110_950
    site = box(lon0 - half_lon, lat0 - half_lat, lon0 + half_lon, lat0 + half_lat)
    spec = grid_spec_for(site, 5.0)
    source = FileSource(src)
    cold = best_of(lambda: source.fetch(spec), repeats=1)
    warm = best_of(lambda: source.fetch(spec))
    out_bytes = spec.width * spec.height * 4
    peak = peak_bytes(lambda: source.fetch(spec)) / out_bytes
    with rasterio.open(src) as ds:
        src_desc = f"{ds.width}×{ds.height} EPSG:4326 1/3″ deflate"
    return [
        (
            "read+reproject 1,000 ha @ 5 m (first)",
            f"{cold:.2f} s",
            f"{spec.width}×{spec.height} UTM cells from {src_desc}; target < 2 s",
        ),
        ("read+reproject 1,000 ha @ 5 m (repeat)", f"{warm:.2f} s", "file headers cached"),
        ("peak memory, read+reproject", f"{peak:.1f}× grid", f"grid {out_bytes / 2**20:.1f} MiB"),
    ]


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gdal = "no gdaldem"
    if shutil.which("gdaldem"):
        # Old gdaldem prints its usage after the version line: keep the first line only.
        out = subprocess.run(["gdaldem", "--version"], capture_output=True, text=True).stdout
        gdal = out.strip().splitlines()[0] if out.strip() else "gdaldem"
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, numpy {np.__version__}, "
        f"rasterio {rasterio.__version__} (GDAL {rasterio.__gdal_version__}); gdaldem: {gdal}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000, help="grid side for slope/aspect [cells]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = bench_slope(args.size, tmp) + bench_reproject(tmp)
    print(f"Terrain benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(machine())
    print()
    print("| case | result | notes |")
    print("|---|---|---|")
    for case, result, notes in rows:
        print(f"| {case} | {result} | {notes} |")


if __name__ == "__main__":
    main()
