"""Usable versus buildable area (app.engine.terrain.areas), checked against hand-built terrain."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from app.engine.core.grid import Grid
from app.engine.terrain.analysis import slope_deg
from app.engine.terrain.areas import area_metrics, slope_limit_deg

CRS = "EPSG:32614"
RES = 10.0


def _grid(rows: int = 100, cols: int = 100) -> Grid:
    # Origin (500000, 4000000 + rows*RES): cell (r, c) covers x in [c*10, c*10+10) + 500000.
    transform = Affine(RES, 0.0, 500_000.0, 0.0, -RES, 4_000_000.0 + rows * RES)
    return Grid(data=np.zeros((rows, cols), dtype=np.float32), transform=transform, crs=CRS)


def test_flat_ground_buildable_equals_usable() -> None:
    grid = _grid()
    usable = box(500_100, 4_000_100, 500_600, 4_000_500)  # 500 m x 400 m = 20 ha
    slope = np.zeros(grid.shape, dtype=np.float32)
    m = area_metrics(usable, grid, slope, 10.0, capacity_kw=10_000.0, dc_capacity_kwp=13_000.0)
    assert m["usable_area_ha"] == pytest.approx(20.0)
    assert m["buildable_area_ha"] == pytest.approx(20.0)
    assert m["buildable_share"] == pytest.approx(1.0)
    assert m["capacity_density_kw_per_ha"] == pytest.approx(500.0)
    assert m["mwdc_per_ha_buildable"] == pytest.approx(0.65)


def test_steep_half_is_usable_but_not_buildable() -> None:
    grid = _grid()
    # West of x = 500500 gentle (5 deg), east steep (20 deg): columns 0-49 / 50-99.
    slope = np.full(grid.shape, 5.0, dtype=np.float32)
    slope[:, 50:] = 20.0
    usable = box(500_200, 4_000_000, 500_800, 4_001_000)  # 60 ha, half each side of x = 500500
    m = area_metrics(usable, grid, slope, 10.0, capacity_kw=6_000.0)
    assert m["usable_area_ha"] == pytest.approx(60.0)
    assert m["buildable_area_ha"] == pytest.approx(30.0)
    assert m["buildable_share"] == pytest.approx(0.5)
    # Density on the buildable 30 ha, not the usable 60 ha.
    assert m["capacity_density_kw_per_ha"] == pytest.approx(200.0)
    # The steepest limit of the generating assets decides: a 25 deg tracker limit takes it all.
    m2 = area_metrics(usable, grid, slope, {"pv_table": 8.0, "tracker": 25.0})
    assert m2["buildable_area_ha"] == pytest.approx(60.0)
    assert m2["slope_limit_deg"] == 25.0


def test_buildable_from_a_real_plane() -> None:
    """A plane tilted 15 deg toward the east in the west 40 columns, flat elsewhere; slopes from Horn."""
    grid = _grid()
    x = (np.arange(100) * RES).astype(np.float64)
    z = np.where(x < 400, (400 - x) * math.tan(math.radians(15.0)), 0.0)
    g = grid.with_data(np.tile(z, (100, 1)).astype(np.float32))
    s = slope_deg(g)
    usable = box(500_000, 4_000_000, 501_000, 4_001_000)
    m = area_metrics(usable, g, s, 10.0)
    # 60 of 100 columns flat; the kink column at x=400 sees half the tilt (≈ 7.6 deg): buildable.
    assert m["usable_area_ha"] == pytest.approx(100.0)
    assert 59.0 <= m["buildable_area_ha"] <= 62.0
    assert m["buildable_area_ha"] <= m["usable_area_ha"]


def test_nodata_is_not_buildable_and_no_terrain_means_usable() -> None:
    grid = _grid()
    slope = np.zeros(grid.shape, dtype=np.float32)
    slope[:50, :] = np.nan  # north half has no data
    usable = box(500_000, 4_000_000, 501_000, 4_001_000)
    assert area_metrics(usable, grid, slope, 10.0)["buildable_area_ha"] == pytest.approx(50.0)
    no_terrain = area_metrics(usable, None, None, 10.0, capacity_kw=1000.0)
    assert no_terrain["buildable_area_ha"] == pytest.approx(100.0)
    assert area_metrics(usable, grid, slope, None)["slope_limit_deg"] is None


def test_empty_usable_and_nothing_buildable() -> None:
    grid = _grid()
    slope = np.full(grid.shape, 30.0, dtype=np.float32)
    empty = box(0, 0, 1, 1).difference(box(0, 0, 1, 1))
    m = area_metrics(empty, grid, slope, 10.0, capacity_kw=100.0)
    assert m["usable_area_ha"] == 0.0 and m["buildable_area_ha"] == 0.0
    assert m["capacity_density_kw_per_ha"] == 0.0
    steep = area_metrics(box(500_000, 4_000_000, 500_500, 4_000_500), grid, slope, 10.0, capacity_kw=100.0)
    assert steep["buildable_area_ha"] == 0.0 and steep["capacity_density_kw_per_ha"] == 0.0


def test_sliver_under_one_cell_uses_touched_cells() -> None:
    grid = _grid()
    slope = np.full(grid.shape, 2.0, dtype=np.float32)
    sliver = box(500_101, 4_000_101, 500_103, 4_000_103)  # 4 m², no cell centre inside
    m = area_metrics(sliver, grid, slope, 10.0)
    assert m["buildable_area_ha"] == pytest.approx(4.0 / 10_000)


def test_slope_limit_and_shape_checks() -> None:
    assert slope_limit_deg({"a": 5.0, "b": 12.0}) == 12.0
    assert slope_limit_deg({}) is None
    grid = _grid()
    with pytest.raises(ValueError, match="shape"):
        area_metrics(box(500_000, 4_000_000, 500_100, 4_000_100), grid, np.zeros((3, 3)), 10.0)
