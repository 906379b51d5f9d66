"""A 1 GWac plant through the service as a client sees it (issue 24): job queued → completed,
GET …/geojson, and each export format the first time; every time also as a ratio to Y.

Y = one numpy Horn slope pass over a 4000 × 4000 float32 grid (`app.engine.terrain.analysis.slope_deg` on
bench_terrain's synthetic grid), measured in the same run, so the ratios compare across machines.

Run from the repository root (heavy: ~1 GB of RAM, a minute or two of CPU):
    backend/.venv/bin/python bench/bench_plant.py [--database-url URL] [--structure tracker|fixed]
A real API (uvicorn) and one worker (`python -m app.worker`) on the database queue, local storage,
flat terrain; a square 2,500 ha site near (-93°, 40°) (bench_engine's "1 GW / 2,500 ha flat");
target 1,000,000 kW AC, 10 m grid, no terrain. The client polls the status every 0.1 s.
Prints a Markdown table; results are recorded in docs/benchmarks.md. Beside each wall time it gives the
CPU time [s] the serving process spent on it (the worker for the job, the API for the GETs), the
honest number on a shared machine, also as a ratio to Y.
"""

from __future__ import annotations

import argparse
import io
import math
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from _stack import cpu_s, machine, running_stack, ts
from bench_terrain import best_of, synthetic_grid
from shapely.geometry import Point, Polygon

from app.engine.core.crs import site_crs, to_utm, to_wgs84
from app.engine.terrain.analysis import slope_deg

FORMATS = ("geojson", "kmz", "csv", "dxf", "pdf")
LON, LAT = -93.0, 40.0


def measure_y() -> float:
    """Y [s]: the fastest of three Horn slope passes over a 4000 × 4000 float32 grid."""
    grid = synthetic_grid(4000)
    return best_of(lambda: slope_deg(grid))


def site_kml(area_ha: float) -> bytes:
    """A square site of `area_ha` [ha] in its UTM zone, as KML (WGS84)."""
    crs = site_crs(Point(LON, LAT))
    o = to_utm(Point(LON, LAT), crs)
    side = math.sqrt(area_ha * 10_000)
    square = Polygon([(o.x, o.y), (o.x + side, o.y), (o.x + side, o.y + side), (o.x, o.y + side)])
    ring = to_wgs84(square, crs).exterior.coords
    coords = " ".join(f"{x:.7f},{y:.7f},0" for x, y, *_ in ring)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<name>Bench {area_ha:g} ha</name><Placemark><name>Boundary</name><Polygon><outerBoundaryIs>"
        f"<LinearRing><coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        "</Placemark></Document></kml>"
    ).encode()


def sign_in(client: httpx.Client) -> None:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    client.post(
        "/api/auth/register", json={"email": email, "password": "bench-password-1"}
    ).raise_for_status()
    token = client.post("/api/auth/token", data={"username": email, "password": "bench-password-1"})
    token.raise_for_status()
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"


def generate(
    client: httpx.Client, area_ha: float, capacity_kw: float, structure: str
) -> tuple[str, dict[str, Any], float]:
    """Upload a square site, generate a layout on it and poll until it ends: (layout id, last status,
    seconds from the POST to the poll that saw it end)."""
    site = client.post("/api/sites/upload", files={"file": ("bench.kml", site_kml(area_ha))})
    site.raise_for_status()
    body = {
        "site_id": site.json()["id"],
        "target_capacity_kw": capacity_kw,
        "use_terrain": False,
        "dem_resolution_m": 10,
        "pv": {"structure": structure},
    }
    t0 = time.perf_counter()
    r = client.post("/api/layouts/generate", json=body)
    r.raise_for_status()
    layout_id = str(r.json()["layout_id"])
    while True:
        poll = client.get(f"/api/layouts/{layout_id}/status")
        if poll.status_code != 200:
            raise SystemExit(f"PROBLEM: the status poll answered {poll.status_code}: {poll.text[:300]}")
        status: dict[str, Any] = poll.json()
        if status["status"] in ("completed", "failed", "cancelled"):
            return layout_id, status, time.perf_counter() - t0
        time.sleep(0.1)


def timed_get(client: httpx.Client, url: str, **headers: str) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    r = client.get(url, headers=headers)
    took = time.perf_counter() - t0
    r.raise_for_status()
    return took, r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", help="default: SQLite in a temporary folder")
    ap.add_argument("--structure", default="tracker", choices=("tracker", "fixed"))
    ap.add_argument("--capacity-kw", type=float, default=1_000_000.0)
    ap.add_argument("--area-ha", type=float, default=2_500.0)
    args = ap.parse_args()

    y = measure_y()
    rows: list[tuple[str, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-plant-") as tmp_name:
        tmp = Path(tmp_name)
        db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        with (
            running_stack(db_url, tmp, workers=1, JOB_TIMEOUT_S="900") as stack,
            httpx.Client(base_url=stack.base, timeout=600) as client,
        ):
            sign_in(client)
            api_pid, worker_pid = stack.procs[0].pid, stack.procs[1].pid

            def api_get(url: str, **headers: str) -> tuple[float, float, httpx.Response]:
                """timed_get, with the API process's CPU time [s] for it."""
                c0 = cpu_s(api_pid)
                took, r = timed_get(client, url, **headers)
                return took, cpu_s(api_pid) - c0, r

            # Warm-up: a 5 MWac layout and each export once, so the processes' first-use costs
            # (imports, matplotlib's font cache, PROJ's database) are not charged to the plant.
            warm_id, _, _ = generate(client, 15.0, 5_000.0, args.structure)
            for fmt in FORMATS:
                timed_get(client, f"/api/layouts/{warm_id}/export/{fmt}")
            c0 = cpu_s(worker_pid)
            layout_id, status, seen = generate(client, args.area_ha, args.capacity_kw, args.structure)
            job_cpu = cpu_s(worker_pid) - c0
            if status["status"] != "completed":
                raise SystemExit(
                    f"PROBLEM: the layout ended {status['status']}: {status.get('error_message')}"
                )
            server = (ts(status["completed_at"]) - ts(status["queued_at"])).total_seconds()
            run = (ts(status["completed_at"]) - ts(status["started_at"])).total_seconds()
            tables = client.get(f"/api/layouts/{layout_id}").json().get("metrics", {}).get("table_count")
            rows.append(
                (
                    "job queued → completed, as the client sees it (0.1 s polls)",
                    seen,
                    job_cpu,
                    f"server: queued → completed {server:.2f} s, run {run:.2f} s; {tables:,} tables, "
                    f"{status['asset_count']:,} assets",
                )
            )

            url = f"/api/layouts/{layout_id}/geojson"
            took, cpu, g = api_get(url, **{"Accept-Encoding": "gzip"})
            wire = g.num_bytes_downloaded
            rows.append(
                (
                    "GET …/geojson, gzip",
                    took,
                    cpu,
                    f"{wire / 1e6:.2f} MB on the wire, {len(g.content) / 1e6:.1f} MB JSON",
                )
            )
            took, cpu, g = api_get(url, **{"Accept-Encoding": "identity"})
            rows.append(("GET …/geojson, identity", took, cpu, f"{g.num_bytes_downloaded / 1e6:.1f} MB"))
            # The path every layout took before: rebuilt from its rows (the stored document removed).
            stored = tmp / "storage" / "outputs" / "outputs" / layout_id / "layout-document.geojson.gz"
            stored.unlink()
            took, cpu, g = api_get(url, **{"Accept-Encoding": "gzip"})
            rows.append(
                ("GET …/geojson without a stored document (rebuilt from rows, then stored)", took, cpu, "")
            )

            for fmt in FORMATS:
                export_url = f"/api/layouts/{layout_id}/export/{fmt}"
                took, cpu, e = api_get(export_url, **{"Accept-Encoding": "gzip"})
                note = f"{e.num_bytes_downloaded / 1e6:.2f} MB"
                if fmt == "kmz":
                    with zipfile.ZipFile(io.BytesIO(e.content)) as zf:
                        kml_mb = zf.getinfo("doc.kml").file_size / 1e6
                        polygons = zf.read("doc.kml").count(b"<Polygon>")
                    note += f"; doc.kml {kml_mb:.1f} MB, {polygons:,} polygons"
                rows.append((f"export {fmt}, first time", took, cpu, note))
            exports = [row for row in rows if row[0].startswith("export ")]
            rows.append(("all five exports", sum(r[1] for r in exports), sum(r[2] for r in exports), ""))

    database = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL " + db_url.split("@")[-1]
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(
        f"database {database}, {args.structure} {args.capacity_kw / 1000:g} MWac / "
        f"{args.area_ha:g} ha; Y = {y:.3f} s (Horn slope, 4000 × 4000 float32)\n"
    )
    print("| measure | s | × Y | CPU s | CPU × Y | notes |\n|---|---:|---:|---:|---:|---|")
    for name, took, cpu, note in rows:
        print(f"| {name} | {took:.2f} | {took / y:.1f} | {cpu:.2f} | {cpu / y:.1f} | {note} |")


if __name__ == "__main__":
    main()
