"""Roads within grade: routed with the limit as a constraint, checked against the DEM itself.

Grades are recomputed here from the grid (bilinear samples with `scipy.ndimage.map_coordinates`
along each road's geometry), not read back from the engine's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine
from scipy import ndimage
from shapely.geometry import LineString, Point

from app.dem.demo import demo_site
from app.engine.blocks.profiles import RoadSpec
from app.engine.civil.road_graph import GRADING_ALLOWANCE_PCT
from app.engine.civil.roads import RoadSegment, route_roads
from app.engine.core.crs import to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import Exclusion, LayoutParams, SiteInput
from app.engine.layout import generate_layout
from app.engine.terrain.analysis import slope_deg
from tests.engine.factory import grid_for, site_from_utm, square_utm

RES = 10.0
# Sampling slack [% points]: the router grades edges between cell centres (10-22 m); samples two
# cells apart see the same averages, give or take a kink of the synthetic DEM inside a step and a
# centreline simplified up to half a cell off the cells it was routed on.
SAMPLE_TOL_PCT = 1.0


def _ground_grades(grid: Grid, line: LineString) -> np.ndarray:
    """Grades [%] between samples two cells apart along `line` (UTM): rise over the length of road
    between them, ground from the grid interpolated bilinearly between cell centres."""
    res = grid.resolution_m
    n = max(2, int(np.ceil(line.length / (2 * res))) + 1)
    chain = np.linspace(0.0, line.length, n)
    pts = [line.interpolate(d) for d in chain]
    xs = np.array([p.x for p in pts])
    ys = np.array([p.y for p in pts])
    t = grid.transform
    rows = (t.f - ys) / res - 0.5
    cols = (xs - t.c) / res - 0.5
    z = ndimage.map_coordinates(grid.data.astype(np.float64), [rows, cols], order=1, mode="nearest")
    # Rise per metre of road (along the line, so a sample pair across a bend is not a shortcut).
    return np.asarray(np.abs(np.diff(z)) / np.diff(chain) * 100.0)


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
    """Every segment: design grade within the limit; ground (from the grid) within the limit plus
    the grading allowance, and where the ground is steeper than the limit the road is graded."""
    for seg in segments:
        assert seg.compliant and seg.max_grade_pct <= limit_pct + 1e-6
        ground = _ground_grades(grid, seg.geometry)
        assert ground.max() <= limit_pct + GRADING_ALLOWANCE_PCT + SAMPLE_TOL_PCT, (seg.label, ground.max())
        if ground.max() > limit_pct + SAMPLE_TOL_PCT:
            assert seg.cut_m3 + seg.fill_m3 > 0.0


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


def _cliff_site() -> tuple[SiteInput, Grid, float]:
    """An 800 m square: level to 350 m north of the entry, a 40 % cliff rising 28 m, a plateau."""
    crs, sq = square_utm(800)
    x0, y0, x1, _ = sq.bounds
    g = grid_for(sq, crs, resolution_m=RES)
    ys = g.transform.f - (np.arange(g.shape[0]) + 0.5) * RES
    z = 200.0 + np.clip((ys - y0 - 350.0) * 0.40, 0.0, 28.0)
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
    _check_within_grade(grid, [_utm_segment(rd, grid.crs) for rd in r.roads], 10.0)
    # A user who accepts 25 % roads gets the plateau (17.9 % across the cliff, within 25 %).
    raised = LayoutParams(
        target_capacity_kw=40_000, profile="solar_farm", overrides={"road": {"max_grade_pct": 25}}
    )
    r2 = generate_layout(site, grid, raised)
    assert max(to_utm(a.footprint, grid.crs).bounds[3] for a in r2.assets) > foot_y + 28.0 / 0.4
    assert r2.metrics["noncompliant_road_m"] == 0


def _utm_segment(rd: object, crs: str) -> RoadSegment:
    """A stored road (WGS84) as a `RoadSegment` in UTM, for the grade check."""
    geom = to_utm(rd.geometry, crs)  # type: ignore[attr-defined]
    return RoadSegment(
        geometry=geom,
        road_class=rd.road_class,  # type: ignore[attr-defined]
        width_m=rd.width_m,  # type: ignore[attr-defined]
        length_m=float(geom.length),
        max_grade_pct=rd.max_grade_pct,  # type: ignore[attr-defined]
        cut_m3=rd.cut_m3,  # type: ignore[attr-defined]
        fill_m3=rd.fill_m3,  # type: ignore[attr-defined]
        compliant=rd.compliant,  # type: ignore[attr-defined]
        label=rd.road_class,  # type: ignore[attr-defined]
    )


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
    _check_within_grade(jacksboro, [_utm_segment(rd, jacksboro.crs) for rd in r.roads], 10.0)
