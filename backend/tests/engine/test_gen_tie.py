"""The gen-tie: routed from the substation to the interconnection point, drawn, and priced per km."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapely.geometry import LineString, Point, box

from app.engine.civil.gentie import voltage_class_kv
from app.engine.core.crs import to_utm, to_wgs84
from app.engine.core.types import LayoutParams, LayoutResult
from app.engine.cost.model import estimate_cost
from app.engine.cost.prices import default_costs
from app.engine.layout import generate_layout
from tests.engine.factory import grid_for, site_from_utm, square_utm

PARAMS = LayoutParams(target_capacity_kw=20_000, profile="solar_farm")


def _layout(poi_dx_m: float | None, *, zone: bool = False, grid_reach_m: float | None = None) -> tuple:
    """A 1 km square parcel; the interconnection point `poi_dx_m` east of its east edge (None: no point);
    `zone`: a no-go zone across the straight way; the flat grid covers the point unless
    `grid_reach_m` limits it to that far east of the parcel."""
    crs, sq = square_utm(1000)
    _, y0, x1, _ = sq.bounds
    zone_utm = box(x1 + 200, y0 + 150, x1 + 400, y0 + 850)
    site = site_from_utm(sq, crs, exclusions=[(zone_utm, 10.0)] if zone else [])
    poi = Point(x1 + poi_dx_m, y0 + 500) if poi_dx_m is not None else None
    if poi is not None:
        site = replace(site, interconnection_point=to_wgs84(poi, crs))
    reach = grid_reach_m if grid_reach_m is not None else (poi_dx_m or 0.0) + 50
    grid = grid_for(sq.union(box(x1, y0, x1 + reach, y0 + 1000)), crs)
    return crs, poi, zone_utm, generate_layout(site, grid, PARAMS)


def _gen_tie(result: LayoutResult, crs: str) -> tuple[LineString, dict]:
    (feature,) = [e for e in result.extras if e["kind"] == "gen_tie"]
    return to_utm(feature["geometry"], crs), feature["properties"]


def _substation(result: LayoutResult, crs: str) -> Point:
    (sub,) = [to_utm(a.footprint, crs) for a in result.assets if a.asset_type == "substation"]
    return sub.centroid


def test_gen_tie_runs_from_the_interconnection_point_to_the_substation() -> None:
    crs, poi, _, r = _layout(600.0)
    line, props = _gen_tie(r, crs)
    assert Point(line.coords[0]).distance(poi) < 0.01
    assert Point(line.coords[-1]).distance(_substation(r, crs)) < 0.5
    assert r.metrics["gen_tie_length_m"] == pytest.approx(line.length, abs=0.2)
    assert props["length_m"] == pytest.approx(line.length, abs=0.2)
    assert props["voltage_kv"] == voltage_class_kv(r.metrics["total_capacity_kw"]) == 69
    # Open flat ground: close to the straight line (grid steps and the way out of the array).
    assert line.length < 1.25 * poi.distance(_substation(r, crs))
    assert not any("gen-tie" in w for w in r.warnings)


def test_gen_tie_goes_around_a_no_go_zone() -> None:
    crs, poi, zone, r = _layout(600.0, zone=True)
    line, _ = _gen_tie(r, crs)
    straight = LineString([poi, _substation(r, crs)])
    assert straight.intersects(zone)  # the zone is in the way
    assert not line.intersects(zone.buffer(10.0))  # zone plus its 10 m buffer
    assert line.length > straight.length + 200.0


def test_a_longer_gen_tie_costs_more_by_its_length_times_the_cited_rate() -> None:
    rate = default_costs()["costs"]["gen_tie_usd_per_km"]["value"]["69"]
    priced = []
    for dx in (300.0, 1500.0):
        crs, _, _, r = _layout(dx)
        line, _ = _gen_tie(r, crs)  # recomputed from the drawn geometry
        cost = estimate_cost(r.design["bom"], 40_000.0)
        (tie,) = [x for x in cost["capex"]["lines"] if x["key"] == "gen_tie_usd_per_km"]
        assert tie["usd"] == pytest.approx(line.length / 1000.0 * rate, rel=1e-3)
        assert cost["warnings"] == []
        priced.append((line.length, tie["usd"], cost["capex_usd"]))
    (short_m, short_usd, short_capex), (long_m, long_usd, long_capex) = priced
    assert long_m > short_m + 1000.0
    assert long_usd > short_usd and long_capex > short_capex


def test_no_interconnection_point_means_no_line_and_a_warned_zero_length() -> None:
    _, _, _, r = _layout(None)
    assert not [e for e in r.extras if e["kind"] == "gen_tie"]
    assert r.metrics["gen_tie_length_m"] == 0.0
    cost = estimate_cost(r.design["bom"], 40_000.0)
    (tie,) = [x for x in cost["capex"]["lines"] if x["key"] == "gen_tie_usd_per_km"]
    assert tie["usd"] == 0.0
    assert any("no interconnection point" in w for w in cost["warnings"])


def test_a_point_beyond_the_terrain_grid_is_reached_straight_and_warned() -> None:
    crs, poi, _, r = _layout(900.0, grid_reach_m=300.0)
    line, props = _gen_tie(r, crs)
    assert Point(line.coords[0]).distance(poi) < 0.01
    assert props["straight_m"] > 500.0
    assert any("beyond the terrain grid" in w and "drawn straight" in w for w in r.warnings)


def test_no_route_around_the_zones_is_a_warned_straight_line() -> None:
    from app.engine.civil.gentie import route_gen_tie
    from app.engine.terrain.analysis import slope_deg

    crs, sq = square_utm(1000)
    x0, y0, x1, y1 = sq.bounds
    grid = grid_for(sq, crs)
    # The substation sits in a pocket closed on all sides by a no-go ring.
    ring = box(x0 + 300, y0 + 300, x0 + 700, y0 + 700).difference(box(x0 + 400, y0 + 400, x0 + 600, y0 + 600))
    tie = route_gen_tie(
        grid=grid,
        slope_deg=slope_deg(grid),
        substation_xy=(x0 + 500, y0 + 500),
        poi_xy=(x1 - 50, y1 - 50),
        obstacles=[ring],
    )
    assert list(tie.geometry.coords) == [(x1 - 50, y1 - 50), (x0 + 500, y0 + 500)]
    assert tie.straight_m == pytest.approx(tie.length_m)
    assert any("no route" in w and "straight line" in w for w in tie.warnings)
