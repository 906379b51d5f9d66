"""The DEM source's native resolution beside the analysis grid (issue 14 point 3)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, shape

from app.config import Settings
from app.dem.demo import demo_site_kml
from app.dem.resolution import native_resolution, resolution_label, resolution_warning
from tests.conftest import make_settings, upload


@pytest.fixture
def settings(database_url: str, tmp_path: Path, dem_dir: Path) -> Settings:
    return make_settings(database_url, tmp_path, dem_source=["file"], dem_path=dem_dir)


def _jacksboro_cells_m(lat_deg: float) -> tuple[float, float]:
    # 3 arc-second cells: 1/1200 degree each way; a degree of latitude ≈ 111.32 km.
    deg = 3.0 / 3600.0
    return deg * 111_320 * math.cos(math.radians(lat_deg)), deg * 111_320


def test_file_source_native_cells_in_metres(settings: Settings) -> None:
    site = box(-84.36, 36.68, -84.34, 36.70)
    native = native_resolution("file", site, resolution_m=10, settings=settings)
    assert native is not None
    ex, ey = _jacksboro_cells_m(site.centroid.y)
    assert native.cell_x_m == pytest.approx(ex, rel=1e-3)  # ≈ 74 m
    assert native.cell_y_m == pytest.approx(ey, rel=1e-3)  # ≈ 93 m
    assert native.resolution_m == pytest.approx(ey, rel=1e-3)


def test_other_sources(settings: Settings) -> None:
    site = box(-84.36, 36.68, -84.34, 36.70)
    assert native_resolution("flat", site, resolution_m=10, settings=settings) is None
    three = native_resolution("3dep", site, resolution_m=10, settings=settings)
    assert three is not None and three.resolution_m == 10.0
    # Terrarium tiles at the zoom for a 30 m grid have ≈ 19 m pixels at this latitude (zoom 13),
    # but the data under them in the US is 3DEP 10 m: the pixel size wins.
    terr = native_resolution("terrarium", site, resolution_m=30, settings=settings)
    assert terr is not None
    z13_px = 2 * 20037508.342789244 * math.cos(math.radians(site.centroid.y)) / 256 / 2**13
    assert terr.resolution_m == pytest.approx(z13_px, rel=1e-6)
    # Outside the US a 1 m grid asks for zoom 15 (≈ 4 m pixels), floored at SRTM's 30 m.
    kenya = box(36.80, -1.30, 36.81, -1.29)
    assert native_resolution("terrarium", kenya, resolution_m=1, settings=settings).resolution_m == 30.0  # type: ignore[union-attr]
    # A folder with no DEM covering the site: unknown, not an error.
    assert native_resolution("file", box(10, 10, 10.01, 10.01), resolution_m=10, settings=settings) is None


def test_label_and_warning() -> None:
    assert resolution_label(10, 92.8) == "10 m grid resampled from ≈ 93 m source"
    assert resolution_label(30, None) == "30 m grid"
    warning = resolution_warning(10, 92.8)
    assert warning is not None and "finer than its DEM source" in warning and "93 m" in warning
    assert resolution_warning(90, 92.8) is None  # about the source's own size: fine
    assert resolution_warning(100, 92.8) is None
    assert resolution_warning(10, None) is None


def test_summary_reports_native_resolution(client: TestClient, auth: dict[str, str]) -> None:
    r = upload(client, auth, "demo.kml", demo_site_kml())
    assert r.status_code == 201, r.text
    site: dict[str, Any] = r.json()
    lat = shape(site["boundary"]).centroid.y
    ex, ey = _jacksboro_cells_m(lat)
    url = f"/api/sites/{site['id']}/terrain/summary"
    fine = client.get(url, params={"resolution_m": 10}, headers=auth).json()
    assert fine["resolution_m"] == 10
    assert fine["native_resolution_m"] == pytest.approx(ey, rel=1e-3)
    assert fine["native_cell_size_m"] == pytest.approx([ex, ey], rel=1e-3)
    assert fine["resolution_label"] == f"10 m grid resampled from ≈ {ey:.0f} m source"
    assert "finer than its DEM source" in fine["resolution_warning"]
    coarse = client.get(url, params={"resolution_m": 100}, headers=auth).json()
    assert coarse["resolution_warning"] is None
    assert coarse["native_resolution_m"] == pytest.approx(ey, rel=1e-3)
