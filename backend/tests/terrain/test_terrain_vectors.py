"""Contours, slope-class polygons and buildable polygons: positions, areas, clipping, WGS84 output."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from shapely.geometry import MultiLineString, MultiPolygon, Point, box

from app.engine.core.crs import to_utm, to_wgs84
from app.engine.core.grid import Grid
from app.engine.terrain.vectors import buildable_polygons, contour_lines, slope_class_polygons
from app.errors import InvalidInput

MakeGrid = Callable[..., Grid]
X0, Y0 = 500_000.0, 4_000_000.0


def _centres(shape: tuple[int, int], res: float) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = shape
    r, c = np.mgrid[0:rows, 0:cols].astype(np.float64)
    return (c + 0.5) * res, (rows - r - 0.5) * res


def test_contours_of_a_plane_are_straight_lines_at_the_right_place(make_grid: MakeGrid) -> None:
    res = 5.0
    x, _ = _centres((60, 80), res)
    grid = make_grid(100.0 + 0.1 * x, res=res)  # 100 m at x=0 to 140 m at x=400
    contours = contour_lines(grid, interval_m=10.0)
    assert [c.elevation_m for c in contours] == [110.0, 120.0, 130.0]
    for c in contours:
        assert isinstance(c.geometry, MultiLineString)
        lon, lat = c.geometry.geoms[0].coords[0]
        assert -90 < lon < -80 and 30 < lat < 40  # WGS84 (UTM 16N, Tennessee latitudes)
        xs = np.array([pt[0] for line in to_utm(c.geometry, grid.crs).geoms for pt in line.coords])
        np.testing.assert_allclose(xs, X0 + (c.elevation_m - 100.0) / 0.1, atol=0.05)


def test_contours_of_a_slope_rising_due_north(make_grid: MakeGrid) -> None:
    # Every row is constant: each level lies between two rows, inside neither row's own range.
    res = 5.0
    _, y = _centres((80, 60), res)
    grid = make_grid(100.0 + 0.1 * y, res=res)  # 100 m in the south to 140 m in the north
    contours = contour_lines(grid, interval_m=10.0)
    assert [c.elevation_m for c in contours] == [110.0, 120.0, 130.0]
    for c in contours:
        ys = np.array([pt[1] for line in to_utm(c.geometry, grid.crs).geoms for pt in line.coords])
        np.testing.assert_allclose(ys, Y0 + (c.elevation_m - 100.0) / 0.1, atol=0.05)


def test_contours_of_a_cone_are_circles_clipped_to_the_site(make_grid: MakeGrid) -> None:
    res = 2.0
    x, y = _centres((200, 200), res)
    grid = make_grid(100.0 - 0.1 * np.hypot(x - 200, y - 200), res=res)
    centre = (X0 + 200, Y0 + 200)
    site = Point(centre).buffer(150, quad_segs=64)
    contours = contour_lines(grid, interval_m=5.0, site=site)
    # Levels 85…95 (radius 150…50 m); 100 is the apex, never crossed.
    assert [c.elevation_m for c in contours] == [85.0, 90.0, 95.0]
    ring = to_utm(contours[-1].geometry, grid.crs)
    radii = [Point(p).distance(Point(centre)) for line in ring.geoms for p in line.coords]
    np.testing.assert_allclose(radii, 50.0, atol=0.5)
    for c in contours:
        assert to_utm(c.geometry, grid.crs).within(site.buffer(0.01))


def test_contours_reject_bad_intervals(make_grid: MakeGrid) -> None:
    x, _ = _centres((10, 10), 100.0)
    grid = make_grid(x, res=100.0)  # 900 m of relief
    with pytest.raises(InvalidInput):
        contour_lines(grid, interval_m=0)
    with pytest.raises(InvalidInput, match="at least"):
        contour_lines(grid, interval_m=0.5)


def test_contours_skip_nodata(make_grid: MakeGrid) -> None:
    x, _ = _centres((20, 20), 1.0)
    z = x.copy()
    z[:, :10] = np.nan
    contours = contour_lines(make_grid(z), interval_m=1.0)
    assert contours and min(c.elevation_m for c in contours) >= 10.0


def test_slope_class_polygons_have_the_right_areas_and_are_clipped(make_grid: MakeGrid) -> None:
    res = 1.0
    x, _ = _centres((50, 100), res)
    g1, g2 = np.tan(np.radians(3.0)), np.tan(np.radians(12.0))
    grid = make_grid(np.where(x < 50, g1 * x, g1 * 50 + g2 * (x - 50)), res=res)
    site = box(X0 + 10, Y0 + 10, X0 + 90, Y0 + 40)  # 80 m × 30 m: half 3°, half 12°
    classes = {c.label: c for c in slope_class_polygons(grid, site=site)}
    assert list(classes) == ["0-2", "2-5", "5-10", "10-15", "15-25", "25-90"]
    # The seam column mixes both gradients (Horn's 3×3 window): allow one cell column of slack.
    assert classes["2-5"].area_ha * 10_000 == pytest.approx(40 * 30, abs=2 * 30)
    assert classes["10-15"].area_ha * 10_000 == pytest.approx(40 * 30, abs=2 * 30)
    assert classes["0-2"].geometry.is_empty and classes["0-2"].area_ha == 0
    total = sum(c.area_ha for c in classes.values())
    assert total * 10_000 == pytest.approx(site.area, rel=1e-6)
    geom = classes["2-5"].geometry
    assert isinstance(geom, MultiPolygon) and geom.is_valid
    assert to_utm(geom, grid.crs).within(site.buffer(0.01))


def test_slope_class_sieve_merges_small_patches(make_grid: MakeGrid) -> None:
    x, _ = _centres((40, 40), 1.0)
    z = 0.01 * x
    z[20, 20] += 5.0  # a one-cell spike: its eight neighbours get steep
    grid = make_grid(z)
    plain = {c.label: c.area_ha for c in slope_class_polygons(grid)}
    sieved = {c.label: c.area_ha for c in slope_class_polygons(grid, min_area_m2=20)}
    assert plain["25-90"] > 0 and sieved["25-90"] == 0
    assert sum(sieved.values()) == pytest.approx(sum(plain.values()))


def test_buildable_polygons_cover_cells_under_the_limit(make_grid: MakeGrid) -> None:
    res = 2.0
    x, _ = _centres((50, 50), res)
    grid = make_grid(np.where(x < 40, 0.01 * x, 0.4 + 0.3 * (x - 40)), res=res)  # flat west, steep east
    site = box(X0, Y0, X0 + 100, Y0 + 100)
    poly = buildable_polygons(grid, max_slope_deg=5.0, site=site)
    local = to_utm(poly, grid.crs)
    assert local.area == pytest.approx(40 * 100, abs=2 * res * 100)
    assert local.bounds[2] == pytest.approx(X0 + 40, abs=res)
    assert buildable_polygons(grid, max_slope_deg=90.0, site=site).area > poly.area
    assert buildable_polygons(grid, max_slope_deg=0.0, site=site).is_empty
    with pytest.raises(InvalidInput):
        buildable_polygons(grid, max_slope_deg=95.0)
    # Round trip of the clip: a site given in WGS84 and moved back is the same region.
    assert to_utm(to_wgs84(site, grid.crs), grid.crs).equals_exact(site, 1e-3)
