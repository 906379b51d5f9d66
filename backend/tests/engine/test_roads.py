"""Road routing: around exclusions, over the gentlest ground, one connected tree."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point, box

from app.engine.core.crs import to_utm
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from tests.engine.checks import check_hard_constraints
from tests.engine.factory import grid_for, site_from_utm, square_utm


def _connected(lines: list) -> bool:
    merged = shapely.union_all([ln.buffer(0.01) for ln in lines])
    return merged.geom_type == "Polygon"


def test_network_is_one_tree_reaching_every_block() -> None:
    crs, sq = square_utm(1200)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs, terrain="rolling")
    r = generate_layout(site, grid, LayoutParams(target_capacity_kw=40_000, profile="solar_farm"))
    lines = [to_utm(rd.geometry, crs) for rd in r.roads]
    assert lines and _connected(lines)
    classes = {rd.road_class for rd in r.roads}
    assert {"spine", "spur"} <= classes
    # Every power station (a block's access side) has a road within ~1.5 cells + half the aisle.
    net = shapely.union_all(lines)
    for a in r.assets:
        if a.asset_type == "power_station":
            assert to_utm(a.footprint, crs).distance(net) < 25
    for rd in r.roads:
        assert rd.width_m in (5.0, 6.0) and rd.length_m > 0
    assert r.metrics["road_length_m"] == sum(rd.length_m for rd in r.roads)


def test_roads_detour_around_an_exclusion_wall() -> None:
    crs, sq = square_utm(1000)
    x0, y0 = sq.bounds[:2]
    # A wall across the site with a gap at the east end; entry in the south-west.
    wall = box(x0 - 10, y0 + 480, x0 + 850, y0 + 520)
    site = site_from_utm(sq, crs, [(wall, 5.0)], entry=Point(x0, y0 + 100))
    grid = grid_for(sq, crs)
    params = LayoutParams(target_capacity_kw=40_000)
    r = generate_layout(site, grid, params)
    check_hard_constraints(site, grid, params, r)
    lines = [to_utm(rd.geometry, crs) for rd in r.roads]
    assert _connected(lines)
    w = to_utm(site.exclusions[0].geometry, crs)
    assert all(ln.distance(w) >= 5 - 1e-3 for ln in lines)


def test_land_behind_a_ridge_no_road_can_climb_is_left_empty_and_warned() -> None:
    # A ridge (35 % flanks) splits the site: no road within 10 % (+ grading) climbs it, so the
    # side without the road network's root gets no assets and the loss is warned, not a steep road.
    crs, sq = square_utm(1500)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs, terrain="ridge", resolution_m=15.0)
    params = LayoutParams(target_capacity_kw=60_000)
    r = generate_layout(site, grid, params)
    check_hard_constraints(site, grid, params, r)
    assert r.roads and all(rd.compliant and rd.max_grade_pct <= 10 + 1e-6 for rd in r.roads)
    assert r.metrics["noncompliant_road_m"] == 0
    mid_x = (grid.bounds[0] + grid.bounds[2]) / 2
    sides = {to_utm(a.footprint, crs).centroid.x > mid_x for a in r.assets}
    assert len(sides) == 1
    assert any("ha of buildable land" in w and "10% road grade" in w for w in r.warnings)


def test_gentle_ground_keeps_every_road_within_max_grade() -> None:
    crs, sq = square_utm(1000)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs, terrain="rolling", amplitude_m=4.0)
    r = generate_layout(site, grid, LayoutParams(target_capacity_kw=30_000))
    assert r.roads
    assert all(rd.max_grade_pct <= 10 + 1e-9 for rd in r.roads)
    assert not any("grade" in w for w in r.warnings)
    assert np.isfinite([rd.cut_m3 + rd.fill_m3 for rd in r.roads]).all()
