"""Roads a truck can't climb are flagged (only the steep part); roads never cross equipment."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from app.db.mapping import result_from_rows
from app.db.models import Layout, Road
from app.engine.blocks.profiles import RoadSpec
from app.engine.civil.earthwork import road_earthwork
from app.engine.civil.road_grades import graded_runs, is_compliant
from app.engine.civil.roads import RoadNetwork, route_roads
from app.engine.core.crs import to_utm
from app.engine.core.geojson import layout_feature_collection
from app.engine.core.grid import Grid
from app.engine.core.names import PROFILE_NAMES
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from app.engine.terrain.analysis import slope_deg
from app.sites.geometry import to_geojson
from tests.engine.factory import grid_for, site_from_utm, square_utm

SPEC = RoadSpec()  # 10 % maximum grade
PV_TABLES = {"pv_table", "tracker"}


# -- splitting a centreline at grade changes -------------------------------------------------


def test_graded_runs_flag_only_the_climb() -> None:
    s = np.arange(0.0, 310.0, 10.0)  # 31 samples, 300 m
    # Level for 100 m, a 25 % climb over 100 m, level again.
    ground = 100.0 + 0.25 * np.clip(s - 100.0, 0.0, 100.0)
    runs = graded_runs(s, ground, ground, width_m=6.0, limit_pct=10.0, min_compliant_m=20.0)
    assert [(r.start, r.end, r.compliant) for r in runs] == [(0, 10, True), (10, 20, False), (20, 30, True)]
    assert runs[1].max_grade_pct == pytest.approx(25.0)
    assert runs[0].max_grade_pct == runs[2].max_grade_pct == 0.0
    assert all(r.compliant == is_compliant(r.max_grade_pct, 10.0) for r in runs)


def test_graded_runs_volumes_add_up_to_the_whole_road() -> None:
    rng = np.random.default_rng(3)
    s = np.cumsum(rng.uniform(8.0, 14.0, 60))
    ground = 200.0 + np.cumsum(rng.normal(0.0, 1.5, 60))
    ground[7] = np.nan  # nodata is interpolated, as in road_earthwork
    ew = road_earthwork(s, ground, width_m=5.0, max_grade_pct=None)
    runs = graded_runs(s, ground, ew.design_m, width_m=5.0, limit_pct=10.0, min_compliant_m=20.0)
    assert len(runs) > 1
    assert sum(r.cut_m3 for r in runs) == pytest.approx(ew.cut_m3)
    assert sum(r.fill_m3 for r in runs) == pytest.approx(ew.fill_m3)
    assert max(r.max_grade_pct for r in runs) == pytest.approx(ew.max_grade_pct)
    # Runs tile the road end to end, alternating flags.
    assert runs[0].start == 0 and runs[-1].end == len(s) - 1
    assert all(a.end == b.start and a.compliant != b.compliant for a, b in itertools.pairwise(runs))


def test_a_short_level_stretch_between_climbs_stays_flagged() -> None:
    s = np.arange(0.0, 110.0, 10.0)
    # Climb 20 m at 20 %, 10 m level, climb again: the level step is too short to count.
    grade = np.array([0.2, 0.2, 0.0, 0.2, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0])
    ground = 50.0 + np.concatenate([[0.0], np.cumsum(grade * 10.0)])
    runs = graded_runs(s, ground, ground, width_m=6.0, limit_pct=10.0, min_compliant_m=20.0)
    assert [(r.start, r.end, r.compliant) for r in runs] == [(0, 5, False), (5, 10, True)]


# -- routing over a ridge --------------------------------------------------------------------


def _ridge_case() -> tuple[Grid, shapely.Polygon, float]:
    crs, sq = square_utm(1500)
    grid = grid_for(sq, crs, terrain="ridge", resolution_m=15.0)
    xs = grid.transform.c + (np.arange(grid.shape[1]) + 0.5) * 15.0
    mid = grid.transform.c + 7.5 + (xs[-1] - xs[0]) / 2  # the ridge line's x (see factory.grid_for)
    return grid, sq, mid


def _ridge_route(*, steep_fallback: bool) -> tuple[RoadNetwork, Grid, float]:
    grid, sq, mid = _ridge_case()
    x0, y0, x1, y1 = sq.bounds
    cy = (y0 + y1) / 2
    net = route_roads(
        grid=grid,
        slope_deg=slope_deg(grid),
        boundary=sq,
        obstacles=[],
        footprints=[],
        terminals=[(x1 - 60, cy)],
        labels=["substation"],
        root=Point(x0 + 60, cy),
        hub=0,
        spec=SPEC,
        steep_fallback=steep_fallback,
    )
    return net, grid, mid


def test_a_ridge_no_road_can_climb_within_grade_leaves_the_far_side_unreachable() -> None:
    # 35 % flanks: even a knight move across them climbs at 15.7 %, over 10 % + the grading allowance.
    net, _, _ = _ridge_route(steep_fallback=False)
    assert net.unreachable == [0]
    assert all(g.compliant for g in net.segments)
    assert any("no road can reach 1 asset access point" in w for w in net.warnings)


def test_with_the_steep_fallback_only_the_ridge_crossing_is_non_compliant() -> None:
    # The gen-tie's fallback (an overhead line spans what a truck cannot climb): laid over the
    # ridge, and only the steep part flagged.
    net, grid, mid = _ridge_route(steep_fallback=True)
    _, y0, _, y1 = grid.bounds
    assert not net.unreachable
    steep = [g for g in net.segments if not g.compliant]
    flat = [g for g in net.segments if g.compliant]
    assert steep and flat
    assert all(g.max_grade_pct > SPEC.max_grade_pct for g in steep)
    assert all(g.max_grade_pct <= SPEC.max_grade_pct + 1e-6 for g in flat)
    # The flanks (35 % either side of the crest) end 60 / 0.35 ≈ 171 m from it: every steep
    # segment lies on them (give or take a cell and the design line's smoothing), and the level
    # ground either side is compliant road.
    band = box(mid - 171.5 - 3 * 15.0, y0, mid + 171.5 + 3 * 15.0, y1)
    assert all(band.covers(g.geometry) for g in steep)
    steep_m = sum(g.length_m for g in steep)
    # Across the flanks, not straight up them: up to a knight move's √5 per cell of progress.
    assert 2 * 171.5 * 0.9 <= steep_m <= 2 * (171.5 + 3 * 15.0) * 2.5
    assert sum(g.length_m for g in flat) > 600
    assert any("no compliant route" in w and "over" in w for w in net.warnings)


def test_a_layout_never_carries_a_road_over_its_limit_and_a_raised_limit_crosses_the_ridge() -> None:
    crs, sq = square_utm(1500)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs, terrain="ridge", resolution_m=15.0)
    for limit in (10.0, 30.0):
        params = LayoutParams(
            target_capacity_kw=60_000, profile="bess", overrides={"road": {"max_grade_pct": limit}}
        )
        r = generate_layout(site, grid, params)
        assert r.roads and all(rd.compliant for rd in r.roads)
        assert all(rd.compliant == is_compliant(rd.max_grade_pct, limit) for rd in r.roads)
        assert r.metrics["noncompliant_road_m"] == 0
        fc = layout_feature_collection(site, r, params)
        flags = [f["properties"]["compliant"] for f in fc["features"] if f["properties"]["kind"] == "road"]
        assert flags == [True] * len(r.roads)
        assert fc["metrics"]["noncompliant_road_m"] == 0
        # The land beyond the crest is cut off (and warned) only when no road can climb the 35 %
        # flanks (15.7 % across them).
        cut_off = any("ha of buildable land" in w and "road grade" in w for w in r.warnings)
        assert cut_off == (limit == 10.0)


def test_stored_roads_re_derive_the_flag_from_their_grade() -> None:
    line = to_geojson(LineString([(-93.0, 40.0), (-93.001, 40.001)]))
    layout = Layout(
        params={"target_capacity_kw": 1000, "profile": "bess", "overrides": {"road": {"max_grade_pct": 12}}},
        metrics={},
        warnings=[],
        crs="EPSG:32615",
    )
    layout.roads = [
        Road(
            seq=i,
            road_class="spur",
            geometry=line,
            width_m=5,
            length_m=10,
            max_grade_pct=g,
            cut_m3=0,
            fill_m3=0,
        )
        for i, g in enumerate([3.0, 12.0, 12.5])
    ]
    assert [rd.compliant for rd in result_from_rows(layout).roads] == [True, True, False]


# -- equipment is impassable -----------------------------------------------------------------


def test_roads_go_round_a_row_of_equipment_instead_of_through_it() -> None:
    crs, sq = square_utm(1000)
    x0, y0, x1, _ = sq.bounds
    grid = grid_for(sq, crs)
    # A row of BESS containers (6.06 × 2.44 m, 3 m apart) across the site, open only at the east end.
    row = [box(x, y0 + 500, x + 6.06, y0 + 502.44) for x in np.arange(x0 + 20, x1 - 120, 9.06)]
    net = route_roads(
        grid=grid,
        slope_deg=slope_deg(grid),
        boundary=sq,
        obstacles=[],
        footprints=[],
        equipment=row,
        terminals=[(x0 + 200, y0 + 800)],
        labels=["substation"],
        root=Point(x0 + 200, y0),
        hub=0,
        spec=SPEC,
    )
    assert net.segments and not net.unreachable
    lines = [g.geometry for g in net.segments]
    assert not any(ln.intersects(c) for ln in lines for c in row)
    # It reaches the terminal itself and detours by the gap (x > the row's east end).
    assert shapely.union_all(lines).distance(Point(x0 + 200, y0 + 800)) < 1e-6
    assert max(ln.bounds[2] for ln in lines) > x1 - 120


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_no_road_centreline_crosses_equipment(profile: str) -> None:
    crs, sq = square_utm(1200)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs, terrain="rolling")
    r = generate_layout(site, grid, LayoutParams(target_capacity_kw=40_000, profile=profile))
    equipment = [to_utm(a.footprint, crs) for a in r.assets if a.asset_type not in PV_TABLES]
    lines = [to_utm(rd.geometry, crs) for rd in r.roads]
    assert equipment and lines
    tree = shapely.STRtree(equipment)
    hits = [(i, j) for i, ln in enumerate(lines) for j in tree.query(ln, predicate="intersects")]
    assert not hits, [(r.roads[i].road_class, r.assets[j].asset_type) for i, j in hits[:5]]


def test_no_road_centreline_crosses_equipment_on_real_terrain(jacksboro: Grid) -> None:
    minx, miny, maxx, maxy = jacksboro.bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    parcel = Point(cx, cy).buffer(900.0, quad_segs=8)
    site = site_from_utm(parcel, jacksboro.crs)
    for profile in ("hybrid", "gas_bess"):
        r = generate_layout(site, jacksboro, LayoutParams(target_capacity_kw=30_000, profile=profile))
        equipment = [to_utm(a.footprint, jacksboro.crs) for a in r.assets if a.asset_type not in PV_TABLES]
        lines = [to_utm(rd.geometry, jacksboro.crs) for rd in r.roads]
        assert lines
        assert not any(ln.intersects(f) for ln in lines for f in equipment), profile
