"""Pad levelling and road grading on analytic surfaces."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from app.engine.civil.earthwork import pad_earthwork, road_earthwork, weighted_median
from app.engine.core.grid import Grid
from app.engine.terrain.analysis import slope_deg


def _plane(gx: float, gy: float, n: int = 50, res: float = 10.0) -> Grid:
    xs = (np.arange(n) + 0.5) * res
    ys = n * res - (np.arange(n) + 0.5) * res
    xx, yy = np.meshgrid(xs, ys)
    z = (100 + gx * xx + gy * yy).astype(np.float32)
    return Grid(data=z, transform=Affine(res, 0, 0, 0, -res, n * res), crs="EPSG:32615")


def test_weighted_median_is_the_median_for_equal_weights() -> None:
    v = np.array([5.0, 1.0, 3.0, 9.0, 7.0])
    assert weighted_median(v, np.ones(5)) == 5.0
    assert weighted_median(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4)) == 2.5
    assert weighted_median(v, np.array([0, 0, 0, 10.0, 1.0])) == 9.0


def test_flat_pad_needs_no_earthwork() -> None:
    g = _plane(0, 0)
    ew = pad_earthwork(g, slope_deg(g), [box(100, 100, 200, 150)])
    assert ew.cut_m3[0] == 0 and ew.fill_m3[0] == 0 and ew.pad_elevation_m[0] == pytest.approx(100)


def test_tilted_pad_balances_cut_and_fill() -> None:
    # A 5 % slope along x over a 100 m x 50 m pad aligned with cells: levelled at the median,
    # cut = fill = area x mean |z - median| = 5000 m² x 1.25 m (stepwise surface: 10 columns).
    g = _plane(0.05, 0)
    ew = pad_earthwork(g, slope_deg(g), [box(100, 100, 200, 150)])
    assert ew.cut_m3[0] == pytest.approx(ew.fill_m3[0])
    steps = np.arange(10) * 0.5  # column elevations relative to the first
    median_level = weighted_median(steps, np.ones(10))
    expected_cut = float(np.sum(np.clip(steps - median_level, 0, None)) * 10 * 50)
    assert ew.cut_m3[0] == pytest.approx(expected_cut, rel=1e-5)
    assert ew.slope_deg[0] == pytest.approx(np.degrees(np.arctan(0.05)), rel=1e-3)


def test_partial_cells_are_area_weighted() -> None:
    g = _plane(0.05, 0)
    # A 5 m wide pad straddling two columns equally: level anywhere between, volumes equal.
    ew = pad_earthwork(g, slope_deg(g), [box(97.5, 100, 102.5, 110)])
    assert ew.cut_m3[0] + ew.fill_m3[0] == pytest.approx(25 * 0.5)


def test_terrain_following_array_on_a_plane_needs_no_earthwork() -> None:
    # Piled racking follows a 5 % x 3 % plane: nothing to grade, while a levelled pad would need lots.
    g = _plane(0.05, 0.03)
    footprint = [box(100, 100, 240, 245)]
    follow = pad_earthwork(g, slope_deg(g), footprint, [("follow", 0.3)])
    level = pad_earthwork(g, slope_deg(g), footprint, [("level", 0.0)])
    assert follow.cut_m3[0] == pytest.approx(0, abs=1e-3) and follow.fill_m3[0] == pytest.approx(0, abs=1e-3)
    assert level.cut_m3[0] > 1000 and level.fill_m3[0] > 1000
    assert follow.pad_elevation_m[0] == pytest.approx(follow.elevation_m[0])


def test_terrain_following_array_grades_only_beyond_the_tolerance() -> None:
    # A 1 m hump on one 10 m cell of flat ground: 0.7 m above the 0.3 m tolerance is cut there.
    g = _plane(0, 0)
    data = g.data.copy()
    data[20, 20] += 1.0
    g = g.with_data(data)
    ew = pad_earthwork(g, slope_deg(g), [box(150, 250, 250, 350)], [("follow", 0.3)])
    # The plane rises a little to meet the hump (least squares over 100 cells), so the cut is
    # just under 0.7 m x 100 m² and nothing elsewhere leaves the ±0.3 m band.
    assert 60 < ew.cut_m3[0] < 70
    assert ew.fill_m3[0] == pytest.approx(0, abs=1e-6)


def test_road_grading_limits_the_grade() -> None:
    s = np.arange(0, 200, 10.0)
    ground = np.where(s < 100, 0.0, (s - 100) * 0.15)  # 15 % climb after 100 m
    limited = road_earthwork(s, ground, width_m=6, max_grade_pct=10)
    assert limited.max_grade_pct <= 10 + 1e-9
    assert limited.cut_m3 + limited.fill_m3 > 0
    natural = road_earthwork(s, ground, width_m=6, max_grade_pct=None)
    assert natural.max_grade_pct > 10
    flat = road_earthwork(s, np.zeros_like(s), width_m=6, max_grade_pct=10)
    assert flat.cut_m3 == 0 and flat.fill_m3 == 0 and flat.max_grade_pct == 0
