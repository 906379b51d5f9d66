"""Stages 8-10: the gen-tie to the interconnection point, the zone crossings, the pad earthwork."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.civil.earthwork import PadEarthwork, pad_earthwork
from app.engine.civil.gentie import GenTie, route_gen_tie, voltage_class_kv
from app.engine.civil.zones import CROSSING_COST_KEYS, CrossingSite, find_crossings
from app.engine.core.crs import WGS84, reproject_many, to_utm
from app.engine.core.grid import Grid
from app.engine.cost.prices import parse_cost, unit_costs
from app.engine.layout.context import PlantState, Report, SiteFrame
from app.engine.layout.site import crop_grid
from app.engine.pv.civil import FENCE_MERGE_M
from app.engine.pv.plant import row_runs
from app.engine.terrain.analysis import slope_deg


def connect_to_grid(frame: SiteFrame, state: PlantState, report: Report) -> None:
    """Stage 8: route the gen-tie from the interconnection point to the substation on the
    uncropped terrain (`route_gen_tie`), when the site has a point and a substation was placed.
    Sets `state.gen_tie` and adds its warnings."""
    poi_wgs = frame.site.interconnection_point
    if state.hub_index is None or poi_wgs is None:
        return
    report("routing_gen_tie", 70.0)
    pv = state.pv
    state.gen_tie = _gen_tie(
        frame.site_grid,
        frame.boundary,
        to_utm(poi_wgs, frame.crs),
        state.placement.blocks[state.hub_index].centre,
        frame.keepouts,
        state.equipment,
        row_runs(pv, max_gap_m=FENCE_MERGE_M) if pv is not None else [],
    )
    if state.gen_tie is not None:
        state.warnings.extend(state.gen_tie.warnings)


def find_zone_crossings(frame: SiteFrame, state: PlantState) -> list[CrossingSite]:
    """Stage 9: every place a road crosses a crossable zone, priced at the request's unit costs."""
    # The crossing prices: the request's unit-cost overrides, parsed as the cost model does (its
    # `price_usd_per_mwh` is the NPV's, not a unit cost).
    costs = unit_costs(parse_cost(frame.params.cost).overrides)["costs"]
    return find_crossings(
        [r.geometry for r in state.roads],
        frame.zones,
        {rule: float(costs[key]["value"]) for rule, key in CROSSING_COST_KEYS.items()},
    )


def level_pads(frame: SiteFrame, state: PlantState) -> PadEarthwork:
    """Stage 10: cut and fill under each fixed component (levelled or following the ground, as its
    asset type says; collector substations levelled) and each power station (levelled), in
    `state.equipment` order."""
    specs = frame.profile.asset_types
    comps = state.placement.components
    grading = [
        (specs[c.asset_type].grading, specs[c.asset_type].grading_tolerance_m)
        if c.asset_type in specs
        else ("level", 0.0)  # collector substations: a level yard
        for c in comps
    ] + [("level", 0.0)] * len(state.stations)
    return pad_earthwork(frame.grid, frame.slope, state.equipment, grading)


def _gen_tie(
    grid: Grid,
    boundary: BaseGeometry,
    poi: Point,
    substation_xy: tuple[float, float],
    keepouts: list[BaseGeometry],
    equipment: list[Polygon],
    rows: list[Polygon],
) -> GenTie | None:
    """The gen-tie from the interconnection point `poi` to the substation (UTM [m]), or None when the
    point is the substation's own centre. Routed on `grid` cropped to the parcel and the point."""
    if poi.distance(Point(substation_xy)) < 1.0:
        return None
    minx, miny, maxx, maxy = boundary.bounds
    area = crop_grid(grid, (min(minx, poi.x), min(miny, poi.y), max(maxx, poi.x), max(maxy, poi.y)))
    sub = Point(substation_xy)
    return route_gen_tie(
        grid=area,
        slope_deg=slope_deg(area),
        substation_xy=substation_xy,
        poi_xy=(poi.x, poi.y),
        obstacles=keepouts,
        # The line leaves from the substation: its own pad is not in the way.
        equipment=[e for e in equipment if not e.covers(sub)],
        footprints=rows,
    )


def gen_tie_quantities(gen_tie: GenTie | None, ac_kw: float, *, has_point: bool) -> dict[str, Any]:
    """The gen-tie's bill-of-quantities entry: length [m], voltage class [kV] and whether the site
    has an interconnection point (without one the length is 0 and the cost warns)."""
    return {
        "length_m": round(gen_tie.length_m, 1) if gen_tie is not None else 0.0,
        "voltage_kv": voltage_class_kv(ac_kw),
        "interconnection_point": has_point,
    }


def gen_tie_feature(gen_tie: GenTie, crs: str, ac_kw: float) -> dict[str, Any]:
    """The gen-tie as a layout feature (`kind: "gen_tie"`, WGS84), with its length and voltage."""
    (line,) = reproject_many([gen_tie.geometry], crs, WGS84)
    return {
        "kind": "gen_tie",
        "geometry": line,
        "properties": {
            "length_m": round(gen_tie.length_m, 1),
            "voltage_kv": voltage_class_kv(ac_kw),
            "straight_m": round(gen_tie.straight_m, 1),
        },
    }
