"""The demo DEM and site, and `sitelayouts terrain summary`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rasterio
from shapely.geometry import box
from typer.testing import CliRunner

from app.cli.terrain import terrain_app
from app.dem.demo import demo_site, demo_site_kml, write_demo_dem
from app.engine.core.crs import site_crs, to_utm
from app.errors import InvalidInput
from app.sites.kml import parse_site_file


def test_write_demo_dem_is_idempotent(tmp_path: Path) -> None:
    path = write_demo_dem(tmp_path / "dem")
    assert path == tmp_path / "dem" / "jacksboro.tif"
    before = path.stat().st_mtime_ns
    assert write_demo_dem(tmp_path / "dem") == path
    assert path.stat().st_mtime_ns == before
    assert [p.name for p in (tmp_path / "dem").iterdir()] == ["jacksboro.tif"]  # no temp files left
    with rasterio.open(path) as ds:
        assert ds.crs.to_epsg() == 4326 and (ds.height, ds.width) == (344, 403)
        w, s, e, n = ds.bounds
        assert (round(w, 5), round(n, 4)) == (-84.41375, 36.7329)
        assert abs(e - -84.0779167) < 1e-6 and abs(s - 36.44625) < 1e-6
        assert 200 < ds.read(1).min() < ds.read(1).max() < 1100


def test_demo_site_kml_parses_into_a_site_well_inside_the_dem(jacksboro_tif: Path) -> None:
    parsed = parse_site_file(demo_site_kml(), "demo.kml")
    assert 40 <= parsed.area_ha <= 80
    assert [e.name for e in parsed.exclusions] == ["Wetland exclusion"]
    assert parsed.exclusions[0].zone_type == "wetland"
    assert parsed.entry_point is not None and not parsed.warnings
    assert parsed.boundary.contains(parsed.exclusions[0].geometry)
    expected = demo_site()
    assert parsed.boundary.equals_exact(expected.boundary, 1e-6)
    with rasterio.open(jacksboro_tif) as ds:
        dem_box = to_utm(box(*ds.bounds), site_crs(parsed.boundary))
    site_utm = to_utm(parsed.boundary, site_crs(parsed.boundary))
    assert dem_box.buffer(-2000).contains(site_utm)  # 2 km or more from every DEM edge


def test_cli_summary_prints_json(tmp_path: Path, jacksboro_tif: Path) -> None:
    kml = tmp_path / "site.kml"
    kml.write_bytes(demo_site_kml())
    result = CliRunner().invoke(
        terrain_app, ["summary", str(kml), "--dem", str(jacksboro_tif), "--resolution-m", "10"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["source"] == "file" and out["resolution_m"] == 10.0
    assert 40 < out["area_ha"] < 80 and 300 < out["elevation_mean_m"] < 400
    assert out["slope_classes"][0]["label"] == "0-2"
    # The Jacksboro file has 3 arc-second cells: ≈ 93 m north-south, so a 10 m grid is flagged.
    assert out["native_resolution_m"] == pytest.approx(3 / 3600 * 111_320, rel=1e-3)
    assert out["resolution_label"] == "10 m grid resampled from ≈ 93 m source"
    assert "finer than its DEM source" in out["resolution_warning"]


def test_cli_summary_rejects_a_missing_dem(tmp_path: Path) -> None:
    kml = tmp_path / "site.kml"
    kml.write_bytes(demo_site_kml())
    result = CliRunner().invoke(terrain_app, ["summary", str(kml), "--dem", str(tmp_path / "nope.tif")])
    assert result.exit_code != 0 and isinstance(result.exception, InvalidInput)


def test_cli_summary_rejects_out_of_range_resolution(tmp_path: Path, jacksboro_tif: Path) -> None:
    kml = tmp_path / "site.kml"
    kml.write_bytes(demo_site_kml())
    result = CliRunner().invoke(
        terrain_app, ["summary", str(kml), "--dem", str(jacksboro_tif), "--resolution-m", "0.5"]
    )
    assert result.exit_code == 2
