"""Slope, aspect, curvature, TPI, buildable masks and the summary, against analytic surfaces and gdaldem."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
from shapely.geometry import box

from app.dem.base import grid_spec_for
from app.dem.demo import demo_site
from app.dem.file import FileSource
from app.dem.raster import write_grid
from app.engine.core.grid import Grid
from app.engine.terrain.analysis import (
    SLOPE_CLASS_EDGES_DEG,
    aspect_deg,
    buildable_mask,
    curvature_per_m,
    slope_aspect_deg,
    slope_deg,
    terrain_summary,
    tpi_m,
)

MakeGrid = Callable[..., Grid]


def _centres(shape: tuple[int, int], res: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates (east, north) [m] relative to the lower-left corner."""
    rows, cols = shape
    r, c = np.mgrid[0:rows, 0:cols].astype(np.float64)
    return (c + 0.5) * res, (rows - r - 0.5) * res


@pytest.mark.parametrize(
    ("gx", "gy", "facing_deg"),
    [
        (0.1, 0.0, 270.0),  # rises to the east: faces west
        (-0.1, 0.0, 90.0),
        (0.0, 0.05, 180.0),  # rises to the north: faces south
        (0.0, -0.05, 0.0),
        (0.2, 0.2, 225.0),  # rises to the north-east: faces south-west
    ],
)
def test_plane_slope_and_aspect_are_exact_everywhere(
    make_grid: MakeGrid, gx: float, gy: float, facing_deg: float
) -> None:
    res = 2.0
    x, y = _centres((40, 50), res)
    grid = make_grid(100.0 + gx * x + gy * y, res=res)
    slope = slope_deg(grid)
    aspect = aspect_deg(grid)
    expected = np.degrees(np.arctan(np.hypot(gx, gy)))
    assert slope.dtype == np.float32 and aspect.dtype == np.float32
    # Border cells too: the extrapolated ring keeps a plane a plane.
    np.testing.assert_allclose(slope, expected, atol=1e-3)
    diff = (aspect - facing_deg + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(diff, 0.0, atol=1e-2)
    assert np.all((aspect >= 0) & (aspect < 360))


def test_paraboloid_slope_matches_analytic_gradient(make_grid: MakeGrid) -> None:
    # z = a r²: Horn's kernel differentiates quadratics exactly, so slope = atan(2 a r).
    res, a = 5.0, 0.002
    x, y = _centres((120, 100), res)
    cx, cy = 260.0, 290.0
    dx, dy = x - cx, y - cy
    grid = make_grid(a * (dx**2 + dy**2), res=res)
    slope, aspect = slope_aspect_deg(grid)
    expected = np.degrees(np.arctan(2 * a * np.hypot(dx, dy)))
    interior = (slice(1, -1), slice(1, -1))
    np.testing.assert_allclose(slope[interior], expected[interior], atol=0.01)
    # A bowl faces its centre: the downhill direction points from the cell towards (cx, cy).
    towards = np.degrees(np.arctan2(-dx, -dy)) % 360.0
    far = (np.hypot(dx, dy) > 3 * res)[interior]
    diff = (aspect[interior] - towards[interior] + 180.0) % 360.0 - 180.0
    assert np.abs(diff[far]).max() < 0.01


def test_flat_grid_has_zero_slope_and_no_aspect(make_grid: MakeGrid) -> None:
    grid = make_grid(np.full((10, 12), 250.0))
    assert np.all(slope_deg(grid) == 0)
    assert np.all(np.isnan(aspect_deg(grid)))


def test_nodata_stays_nodata_and_neighbours_stay_valid(make_grid: MakeGrid) -> None:
    x, _ = _centres((30, 30), 1.0)
    data = 0.1 * x
    data[10:14, 10:14] = np.nan
    data[0, :] = np.nan
    grid = make_grid(data)
    slope = slope_deg(grid)
    assert np.array_equal(np.isnan(slope), np.isnan(data))
    assert np.isfinite(slope[~np.isnan(data)]).all()
    # Far from the holes the plane is untouched.
    np.testing.assert_allclose(slope[20:, 20:], np.degrees(np.arctan(0.1)), atol=1e-3)


def test_slope_respects_cell_size(make_grid: MakeGrid) -> None:
    x, _ = _centres((20, 20), 1.0)
    z = 0.5 * x  # 0.5 m per cell
    assert slope_deg(make_grid(z, res=1.0))[5, 5] == pytest.approx(np.degrees(np.arctan(0.5)), abs=1e-3)
    assert slope_deg(make_grid(z, res=10.0))[5, 5] == pytest.approx(np.degrees(np.arctan(0.05)), abs=1e-3)


def test_curvature_of_plane_is_zero_and_of_paraboloid_is_minus_4a(make_grid: MakeGrid) -> None:
    res, a = 2.0, 0.01
    x, y = _centres((30, 30), res)
    plane = make_grid(3.0 + 0.2 * x - 0.1 * y, res=res)
    np.testing.assert_allclose(curvature_per_m(plane), 0.0, atol=1e-4)
    bowl = make_grid(a * ((x - 30) ** 2 + (y - 30) ** 2), res=res)
    np.testing.assert_allclose(curvature_per_m(bowl)[1:-1, 1:-1], -4 * a, atol=1e-4)


def test_tpi_is_zero_on_a_plane_and_positive_on_a_hill(make_grid: MakeGrid) -> None:
    res = 10.0
    x, y = _centres((41, 41), res)
    plane = make_grid(0.05 * x, res=res)
    np.testing.assert_allclose(tpi_m(plane, radius_m=30)[5:-5, 5:-5], 0.0, atol=1e-3)
    hill = make_grid(200.0 - 0.001 * ((x - 205) ** 2 + (y - 205) ** 2), res=res)
    t = tpi_m(hill, radius_m=50)
    assert t[20, 20] > 0  # the summit stands above its surroundings
    assert t[20, 20] == t.max()


def test_buildable_mask_follows_the_slope_limit(make_grid: MakeGrid) -> None:
    res = 1.0
    x, _ = _centres((10, 40), res)
    # 2° on the western half, 8° on the eastern half (continuous at the seam).
    g1, g2 = np.tan(np.radians(2.0)), np.tan(np.radians(8.0))
    z = np.where(x < 20, g1 * x, g1 * 20 + g2 * (x - 20))
    grid = make_grid(z, res=res)
    m5 = buildable_mask(grid, 5.0)
    assert m5[:, :19].all() and not m5[:, 21:].any()
    assert buildable_mask(grid, 10.0).all()
    grid_nan = grid.with_data(np.where(x < 3, np.nan, z).astype(np.float32))
    assert not buildable_mask(grid_nan, 90.0)[:, :3].any()


def test_summary_inside_site(make_grid: MakeGrid) -> None:
    res = 10.0
    x, _ = _centres((50, 50), res)
    grid = make_grid(100.0 + np.tan(np.radians(7.0)) * x, res=res)  # 7° everywhere
    x0, y0 = 500_000.0, 4_000_000.0
    site = box(x0 + 100, y0 + 100, x0 + 300, y0 + 400)  # 20 × 30 cells
    s = terrain_summary(grid, site=site)
    assert s.cell_count == 600
    assert s.area_ha == pytest.approx(6.0)
    assert s.nodata_share == 0
    # Cell centres x in (100, 300): elevation 100 + tan(7°)·x.
    assert s.elevation_min_m == pytest.approx(100 + np.tan(np.radians(7)) * 105, abs=1e-3)
    assert s.elevation_max_m == pytest.approx(100 + np.tan(np.radians(7)) * 295, abs=1e-3)
    assert s.slope_mean_deg == pytest.approx(7.0, abs=1e-3)
    shares = {c.label: c.share for c in s.slope_classes}
    assert [c.label for c in s.slope_classes] == ["0-2", "2-5", "5-10", "10-15", "15-25", "25-90"]
    assert shares["5-10"] == 1.0 and sum(shares.values()) == pytest.approx(1.0)
    assert s.buildable_share_by_limit == {"2": 0.0, "5": 0.0, "10": 1.0, "15": 1.0, "25": 1.0}
    # The limits are the engine profiles' (battery containers 3°, turbines 8°, PV blocks 10°).
    assert s.buildable_share_by_asset["battery_container"] == 0.0
    assert s.buildable_share_by_asset["wind_turbine"] == 1.0
    assert s.buildable_share_by_asset["pv_block"] == 1.0
    d = s.to_dict()
    assert d["slope_classes"][2]["label"] == "5-10" and d["crs"] == "EPSG:32616"


def test_summary_of_site_without_data_reports_nulls(make_grid: MakeGrid) -> None:
    grid = make_grid(np.full((10, 10), np.nan), res=10.0)
    d = terrain_summary(grid).to_dict()
    assert d["elevation_min_m"] is None and d["nodata_share"] == 1.0
    assert all(c["share"] == 0 for c in d["slope_classes"])


def test_summary_on_real_jacksboro_terrain(jacksboro_tif: Path) -> None:
    site = demo_site().boundary
    grid = FileSource(jacksboro_tif).fetch(grid_spec_for(site, 10.0))
    s = terrain_summary(grid, site=_utm(site, grid.crs))
    assert 40 < s.area_ha < 80
    assert 300 < s.elevation_min_m < s.elevation_mean_m < s.elevation_max_m < 400
    assert s.slope_classes[0].lower_deg == SLOPE_CLASS_EDGES_DEG[0]
    # The demo site is the gentle valley floor: nearly all of it under 5°.
    assert s.buildable_share_by_limit["5"] > 0.9


def _utm(geom, crs):  # type: ignore[no-untyped-def]
    from app.engine.core.crs import to_utm

    return to_utm(geom, crs)


@pytest.mark.skipif(shutil.which("gdaldem") is None, reason="gdaldem (gdal-bin) is not installed")
def test_slope_and_aspect_agree_with_gdaldem(tmp_path: Path, jacksboro_tif: Path) -> None:
    # Real terrain: the whole Jacksboro DEM reprojected to UTM at 30 m.
    with rasterio.open(jacksboro_tif) as ds:
        w, s, e, n = ds.bounds
    area = box(w + 0.01, s + 0.01, e - 0.01, n - 0.01)
    grid = FileSource(jacksboro_tif).fetch(grid_spec_for(area, 30.0))
    dem = tmp_path / "dem.tif"
    write_grid(str(dem), grid)
    for mode in ("slope", "aspect"):
        subprocess.run(["gdaldem", mode, "-q", str(dem), str(tmp_path / f"{mode}.tif")], check=True)
    with rasterio.open(tmp_path / "slope.tif") as ds:
        g_slope = ds.read(1, masked=True).filled(np.nan)
    with rasterio.open(tmp_path / "aspect.tif") as ds:
        g_aspect = ds.read(1, masked=True).filled(np.nan)
    slope, aspect = slope_aspect_deg(grid)
    interior = np.zeros(grid.shape, dtype=bool)
    interior[1:-1, 1:-1] = True
    ok = interior & np.isfinite(g_slope) & np.isfinite(slope)
    assert ok.sum() > 0.9 * interior.sum()
    assert np.abs(slope[ok] - g_slope[ok]).max() < 0.01
    # Aspect is ill-conditioned on gentle slopes (float32 here, double in GDAL): compare where
    # the slope is at least 0.5°, within 0.05°.
    steep = ok & (g_slope > 0.5) & np.isfinite(g_aspect)
    diff = (aspect[steep] - g_aspect[steep] + 180.0) % 360.0 - 180.0
    assert np.abs(diff).max() < 0.05
