"""Roads within grade: routed with the limit as a constraint, checked against the DEM itself.

Grades are recomputed here from the grid (bilinear samples with `scipy.ndimage.map_coordinates`
along each road's geometry), not read back from the engine's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from app.dem.demo import demo_site
from app.engine.blocks.profiles import RoadSpec
from app.engine.civil.road_graph import GRADING_ALLOWANCE_PCT
from app.engine.civil.roads import RoadSegment, route_roads
from app.engine.core.crs import to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import Exclusion, LayoutParams, LayoutResult, SiteInput
from app.engine.cost.model import estimate_cost
from app.engine.layout import generate_layout
from app.engine.pv.civil import PERIMETER_INSET_M, Fencing, perimeter_roads
from app.engine.terrain.analysis import slope_deg
from tests.engine.checks import GRADE_SAMPLE_TOL_PCT, check_road_grades, ground_grades_pct
from tests.engine.factory import grid_for, site_from_utm, square_utm

RES = 10.0


def _hillside(
    slope_pct: float, *, foot_m: float = 200.0, rise_m: float = 45.0
) -> tuple[Grid, shapely.Polygon]:
    """A 1,000 m square: level ground to `foot_m` north of its south edge, then a hillside rising
    north at `slope_pct` [%] by `rise_m` [m], then a level plateau."""
    crs, sq = square_utm(1000)
    g = grid_for(sq, crs, resolution_m=RES)
    y0 = sq.bounds[1]
    ys = g.transform.f - (np.arange(g.shape[0]) + 0.5) * RES
    z = 200.0 + np.clip((ys - y0 - foot_m) * slope_pct / 100.0, 0.0, rise_m)
    data = np.repeat(z[:, None], g.shape[1], axis=1).astype(np.float32)
    return Grid(data=data, transform=Affine(*g.transform[:6]), crs=crs), sq


def _route(grid: Grid, sq: shapely.Polygon, limit_pct: float, plateau_y_m: float = 650.0) -> tuple:
    x0, y0, x1, _ = sq.bounds
    cx = (x0 + x1) / 2
    entry, target = Point(cx, y0 + 100.0), (cx, y0 + plateau_y_m)
    net = route_roads(
        grid=grid,
        slope_deg=slope_deg(grid),
        boundary=sq,
        obstacles=[],
        footprints=[],
        terminals=[target],
        labels=["substation"],
        root=entry,
        hub=0,
        spec=RoadSpec(max_grade_pct=limit_pct),
    )
    return net, entry.distance(Point(target))


def _check_within_grade(grid: Grid, segments: list[RoadSegment], limit_pct: float) -> None:
    check_road_grades(
        grid, [(s.geometry, s.max_grade_pct, s.cut_m3 + s.fill_m3, s.compliant) for s in segments], limit_pct
    )


def test_a_hillside_steeper_than_the_limit_is_climbed_within_grade_by_a_longer_road() -> None:
    grid, sq = _hillside(15.0)
    net, straight_m = _route(grid, sq, 10.0)
    assert not net.unreachable and net.segments
    length = sum(s.length_m for s in net.segments)
    # Climbing 45 m at no more than 12 % takes ≥ 375 m where the fall line takes 300 m.
    assert length > straight_m + 0.8 * (45.0 / 0.12 - 300.0)
    _check_within_grade(grid, net.segments, 10.0)
    assert not net.warnings


def test_raising_the_limit_gives_a_shorter_road() -> None:
    grid, sq = _hillside(15.0)
    net10, straight_m = _route(grid, sq, 10.0)
    net16, _ = _route(grid, sq, 16.0)
    len10 = sum(s.length_m for s in net10.segments)
    len16 = sum(s.length_m for s in net16.segments)
    assert not net16.unreachable
    assert len16 < len10
    assert len16 == pytest.approx(straight_m, rel=0.05)  # straight up the 15 % hillside
    _check_within_grade(grid, net16.segments, 16.0)


def test_a_plateau_above_a_cliff_no_road_can_climb_is_unreachable() -> None:
    # 40 %: even a knight move across it (27° off the contour) climbs at 17.9 % > 10 + 2.
    grid, sq = _hillside(40.0, rise_m=40.0)
    net, _ = _route(grid, sq, 10.0)
    assert net.unreachable == [0]
    assert not net.segments
    assert any("no road can reach 1 asset access point" in w and "grade" in w for w in net.warnings)


def _cliff_site(slope: float = 0.40, rise_m: float = 28.0) -> tuple[SiteInput, Grid, float]:
    """An 800 m square: level to 350 m north of the entry, a cliff rising north at `slope` by
    `rise_m` [m], a plateau."""
    crs, sq = square_utm(800)
    x0, y0, x1, _ = sq.bounds
    g = grid_for(sq, crs, resolution_m=RES)
    ys = g.transform.f - (np.arange(g.shape[0]) + 0.5) * RES
    z = 200.0 + np.clip((ys - y0 - 350.0) * slope, 0.0, rise_m)
    grid = Grid(
        data=np.repeat(z[:, None], g.shape[1], axis=1).astype(np.float32),
        transform=Affine(*g.transform[:6]),
        crs=crs,
    )
    return site_from_utm(sq, crs, entry=Point((x0 + x1) / 2, y0)), grid, y0 + 350.0


def test_land_above_a_cliff_gets_no_assets_and_a_warning_unless_the_limit_is_raised() -> None:
    site, grid, foot_y = _cliff_site()
    params = LayoutParams(target_capacity_kw=40_000, profile="solar_farm")
    r = generate_layout(site, grid, params)
    tops = [to_utm(a.footprint, grid.crs).bounds[3] for a in r.assets]
    assert tops and max(tops) <= foot_y + RES  # nothing on the cliff or the plateau
    assert any("ha of buildable land" in w and "kWp" in w and "10% road grade" in w for w in r.warnings)
    assert r.metrics["noncompliant_road_m"] == 0
    check_road_grades(grid, _layout_roads(r, grid.crs), 10.0)
    # A user who accepts 25 % roads gets the plateau (17.9 % across the cliff, within 25 %).
    raised = LayoutParams(
        target_capacity_kw=40_000, profile="solar_farm", overrides={"road": {"max_grade_pct": 25}}
    )
    r2 = generate_layout(site, grid, raised)
    assert max(to_utm(a.footprint, grid.crs).bounds[3] for a in r2.assets) > foot_y + 28.0 / 0.4
    assert r2.metrics["noncompliant_road_m"] == 0


def test_grading_a_road_to_its_limit_is_earthwork_in_the_metrics_the_bom_and_the_capex() -> None:
    # A 15 % hillside between the entry and a plateau: the roads up it are graded to 10 %.
    site, grid, _ = _cliff_site(slope=0.15, rise_m=45.0)
    r = generate_layout(site, grid, LayoutParams(target_capacity_kw=40_000, profile="solar_farm"))
    check_road_grades(grid, _layout_roads(r, grid.crs), 10.0)
    roads_m3 = sum(rd.cut_m3 + rd.fill_m3 for rd in r.roads)
    climbs = [rd for rd in r.roads if max(ground_grades_pct(grid, to_utm(rd.geometry, grid.crs))) > 10.5]
    assert climbs and all(rd.cut_m3 + rd.fill_m3 > 0 for rd in climbs)
    assert r.metrics["constructability"]["graded_road_m3"] == pytest.approx(roads_m3, abs=0.1)
    grading = r.design["bom"]["grading"]
    assert grading["roads_m3"] == pytest.approx(roads_m3, abs=0.06)
    cost = estimate_cost(r.design["bom"], 40_000.0)
    (line,) = [x for x in cost["capex"]["lines"] if x["key"] == "earthwork_usd_per_m3"]
    assert line["quantity"] == pytest.approx(grading["total_m3"], abs=0.1)
    assert line["usd"] == pytest.approx(grading["total_m3"] * 8.0, abs=1.0)


def _layout_roads(r: LayoutResult, crs: str) -> list[tuple[BaseGeometry, float, float, bool]]:
    """A layout's roads in UTM with their design grade [%], cut + fill [m³] and flag."""
    return [
        (to_utm(rd.geometry, crs), rd.max_grade_pct, rd.cut_m3 + rd.fill_m3, rd.compliant) for rd in r.roads
    ]


def test_the_hilly_demo_site_has_no_road_over_its_grade_limit(jacksboro: Grid) -> None:
    demo = demo_site()
    site = SiteInput(
        boundary=demo.boundary,
        exclusions=(Exclusion(geometry=demo.wetland, buffer_m=10.0, zone_type="wetland"),),
        entry_point=demo.entrance,
    )
    r = generate_layout(site, jacksboro, LayoutParams(target_capacity_kw=20_000, profile="solar_farm"))
    assert r.roads
    assert r.metrics["noncompliant_road_m"] == 0
    check_road_grades(jacksboro, _layout_roads(r, jacksboro.crs), 10.0)


def test_the_perimeter_track_is_left_out_where_its_ground_is_too_steep_to_grade() -> None:
    """The perimeter track is the one road not from the router (it follows the fence): across a
    30 % bank it stops either side, so every stretch it keeps is within the limit plus the grading
    allowance (ground recomputed from the grid), and the metres left out are reported."""
    grid, sq = _hillside(30.0, foot_m=400.0, rise_m=30.0)  # the bank: 100 m deep, 400-500 m north
    x0, y0, _, _ = sq.bounds
    area = shapely.box(x0 + 200.0, y0 + 200.0, x0 + 800.0, y0 + 800.0)
    fencing = Fencing(fences=[], areas=[area], gates=[])
    tracks, dropped_m = perimeter_roads(fencing, sq, grid, width_m=5.0, max_grade_pct=10.0)
    ring_m = area.buffer(-PERIMETER_INSET_M, join_style="mitre").exterior.length
    assert len(tracks) == 2  # the low and the high side of the bank
    kept_m = sum(t.length_m for t in tracks)
    # Both sides cross the bank (100 m of it each), cut at samples about a cell apart.
    assert 200.0 - 2 * RES <= dropped_m <= 200.0 + 4 * RES
    assert kept_m == pytest.approx(ring_m - dropped_m, abs=1e-6)
    for t in tracks:
        assert t.compliant and t.road_class == "perimeter"
        grades = ground_grades_pct(grid, t.geometry)
        assert grades.max() <= 10.0 + GRADING_ALLOWANCE_PCT + GRADE_SAMPLE_TOL_PCT
    # On level ground the whole ring is kept, as one track.
    flat = Grid(data=np.full_like(grid.data, 200.0), transform=grid.transform, crs=grid.crs)
    whole, none_m = perimeter_roads(fencing, sq, flat, width_m=5.0, max_grade_pct=10.0)
    assert none_m == 0.0 and len(whole) == 1
    assert whole[0].length_m == pytest.approx(ring_m)
