"""A plant that can be built (issue 21), checked from the output geometry, not from the engine's
own bookkeeping: random parcels cut by random zones of every type.

- no cable or trench inside a zone nothing may cross, none outside the parcel; inside a crossable
  zone only where a road crosses it;
- every crossing at a crossable zone and close to square to it (measured against the strip's own
  direction); no road inside a never-crossed zone;
- every power station, the substation and every table's block reached along the road graph
  (networkx, built from the road features' vertices) from an entry.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.civil.zones import ZONE_RULES
from app.engine.core.crs import WGS84, reproject_many, to_wgs84
from app.engine.core.types import Exclusion, LayoutParams, LayoutResult, SiteInput
from app.engine.layout import generate_layout
from app.errors import NoCapacity, NoGridConnection
from tests.engine.factory import grid_for, square_utm

RES_M = 10.0
# WGS84 round trips move points by millimetres; lengths below this [m] are rounding.
TOL_M = 0.5
# An asset is on a road when its footprint is this close to a reached road [m]: roads are routed
# on the DEM's cells and end at the cell nearest the access point (docs/engine.md).
ACCESS_M = 2.0 * RES_M


def _strip(parcel: Polygon, angle_deg: float, offset: float, width: float) -> Polygon:
    """A strip across the whole parcel at `angle_deg` (from east), through its centre + offset [m]."""
    c = parcel.centroid
    d = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
    n = np.array([-d[1], d[0]])
    o = np.array([c.x, c.y]) + offset * n
    far = 5_000.0
    pts = [
        o - far * d - width / 2 * n,
        o + far * d - width / 2 * n,
        o + far * d + width / 2 * n,
        o - far * d + width / 2 * n,
    ]
    return Polygon([tuple(p) for p in pts]).intersection(parcel)


@st.composite
def sites(draw: Any) -> dict[str, Any]:
    size = draw(st.sampled_from([900.0, 1200.0]))
    crs, parcel = square_utm(size)
    x0, y0, x1, y1 = parcel.bounds
    n_zones = draw(st.integers(1, 2))
    zones = []
    for _ in range(n_zones):
        zones.append(
            {
                "type": draw(st.sampled_from(sorted(ZONE_RULES))),
                "angle": draw(st.floats(0, 180)),
                "offset": draw(st.floats(-0.3 * size, 0.3 * size)),
                "width": draw(st.floats(15, 50)),
            }
        )
    # Entries on the west and east edges (one or both).
    n_entries = draw(st.integers(1, 2))
    ey = [draw(st.floats(y0 + 50, y1 - 50)) for _ in range(n_entries)]
    entries = [Point(x0 + 1.0, ey[0])] + ([Point(x1 - 1.0, ey[1])] if n_entries == 2 else [])
    return {"crs": crs, "parcel": parcel, "zones": zones, "entries": entries}


def _run(case: dict[str, Any], target_kw: float, structure: str) -> tuple[LayoutResult, list[Polygon]]:
    crs, parcel = case["crs"], case["parcel"]
    polys = [_strip(parcel, z["angle"], z["offset"], z["width"]) for z in case["zones"]]
    ex = tuple(
        Exclusion(geometry=to_wgs84(p, crs), zone_type=z["type"])  # type: ignore[arg-type]
        for p, z in zip(polys, case["zones"], strict=True)
        if not p.is_empty
    )
    ent = [to_wgs84(p, crs) for p in case["entries"]]
    site = SiteInput(
        boundary=to_wgs84(parcel, crs),  # type: ignore[arg-type]
        exclusions=ex,
        entry_point=ent[0] if len(ent) == 1 else MultiPoint(ent),
    )
    grid = grid_for(parcel, crs, resolution_m=RES_M)
    params = LayoutParams(target_capacity_kw=target_kw, pv={"structure": structure})
    return generate_layout(site, grid, params), polys


def _utm(result: LayoutResult, geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    return reproject_many(geoms, WGS84, result.crs) if geoms else []


def _road_graph(lines: list[LineString]) -> nx.Graph:
    """Vertices (rounded to 1 cm) joined along each road; a road's end joined to the nearest
    vertex of any road it touches (within TOL_M)."""
    g = nx.Graph()

    def key(p: tuple[float, float]) -> tuple[int, int]:
        return (round(p[0] * 100), round(p[1] * 100))

    for ln in lines:
        c = list(ln.coords)
        for a, b in itertools.pairwise(c):
            g.add_edge(key(a), key(b))
    verts = np.array([(k[0] / 100, k[1] / 100) for k in g.nodes])
    nodes = list(g.nodes)
    for ln in lines:
        for end in (ln.coords[0], ln.coords[-1]):
            d = np.hypot(verts[:, 0] - end[0], verts[:, 1] - end[1])
            for i in np.flatnonzero(d <= TOL_M):
                g.add_edge(key(end), nodes[int(i)])
        for other in lines:
            if other is ln or ln.distance(other) > TOL_M:
                continue
            # A junction in the middle of another road: join at that road's nearest vertex.
            for end in (ln.coords[0], ln.coords[-1]):
                if Point(end).distance(other) <= TOL_M:
                    oc = np.asarray(other.coords)
                    j = int(np.argmin(np.hypot(oc[:, 0] - end[0], oc[:, 1] - end[1])))
                    if math.dist(tuple(oc[j]), end) <= max(TOL_M, RES_M * 1.5):
                        g.add_edge(key(end), key(tuple(oc[j])))
    return g


def _check(result: LayoutResult, case: dict[str, Any], polys: list[Polygon]) -> None:
    parcel: Polygon = case["parcel"]
    types = [z["type"] for z, p in zip(case["zones"], polys, strict=True) if not p.is_empty]
    zones = [p for p in polys if not p.is_empty]
    never = [p for p, t in zip(zones, types, strict=True) if ZONE_RULES[t] == "never"]
    crossable = [
        (p, z)
        for p, z in zip(
            zones, [z for z, p in zip(case["zones"], polys, strict=True) if not p.is_empty], strict=True
        )
        if ZONE_RULES[z["type"]] != "never"
    ]
    roads = [g for g in _utm(result, [r.geometry for r in result.roads])]
    wires = [e for e in result.extras if e["kind"] in ("cable", "trench")]
    wire_geoms = _utm(result, [e["geometry"] for e in wires])
    crossings = [e for e in result.extras if e["kind"] == "crossing"]
    crossing_pts = _utm(result, [e["geometry"] for e in crossings])

    # Cables and trenches: in the parcel, out of never-crossed zones, in crossable ones only at a road.
    road_band = shapely.union_all([r.buffer(10.0) for r in roads]) if roads else Polygon()
    for w, g in zip(wires, wire_geoms, strict=True):
        assert g.difference(parcel.buffer(TOL_M)).length < TOL_M, (w["properties"], "outside the parcel")
        for z in never:
            assert g.intersection(z.buffer(-TOL_M)).length < TOL_M, (w["properties"], "in a no-cross zone")
        for z, _ in crossable:
            off = g.intersection(z.buffer(-TOL_M)).difference(road_band)
            assert off.length < TOL_M, (w["properties"], "crosses a zone away from a road")

    # Roads: none inside never-crossed zones; every piece in a crossable zone is a listed crossing,
    # close to square to the strip.
    for r in roads:
        for z in never:
            assert r.intersection(z.buffer(-TOL_M)).length < TOL_M
    for p, c in zip(crossing_pts, crossings, strict=True):
        assert ZONE_RULES[c["properties"]["zone_type"]] != "never"
        assert any(z.buffer(TOL_M).contains(p) for z, _ in crossable)
    for z, spec in crossable:
        inside = shapely.union_all([r.intersection(z) for r in roads]) if roads else Polygon()
        pieces = [
            g
            for g in shapely.get_parts(
                shapely.line_merge(inside) if inside.geom_type == "MultiLineString" else inside
            )
            if g.length > 1.0
        ]
        for piece in pieces:
            assert any(piece.distance(p) < TOL_M for p in crossing_pts), (
                "a road in a crossable zone with no crossing"
            )
            if ZONE_RULES[spec["type"]] != "right_angle" or piece.length <= 2 * RES_M:
                continue
            a, b = np.asarray(piece.coords[0]), np.asarray(piece.coords[-1])
            chord = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
            off_axis = abs((chord - spec["angle"] + 90.0) % 180.0 - 90.0)
            # Through the strip (ends on either side of its axis): close to square. A road that
            # only clips its edge (squeezed past equipment) must be reported, not hidden.
            t = math.radians(spec["angle"])
            c = case["parcel"].centroid
            side = [
                (-math.sin(t)) * (p[0] - c.x) + math.cos(t) * (p[1] - c.y) - spec["offset"] for p in (a, b)
            ]
            if side[0] * side[1] < 0:
                assert off_axis >= 45.0, f"crossing {off_axis:.0f}° to the strip"
            elif off_axis < 60.0:
                assert any("off square" in p for p in result.metrics["constructability"]["problems"])

    # Reachability along the road graph, from the entries.
    g = _road_graph(roads)
    verts = {n: Point(n[0] / 100, n[1] / 100) for n in g.nodes}
    starts = [n for n, p in verts.items() if any(p.distance(e) <= 1.5 * RES_M for e in case["entries"])]
    if not case["entries"] or not starts:
        # No road at the entry only when nothing needs one.
        assert not result.assets
        return
    reached = set()
    for s in starts:
        reached |= nx.node_connected_component(g, s)
    live = [
        LineString([(a[0] / 100, a[1] / 100), (b[0] / 100, b[1] / 100)])
        for a, b in g.edges
        if a in reached and b in reached
    ]
    live_tree = shapely.STRtree(live) if live else None
    equipment = [a for a in result.assets if "modules" not in a.properties]
    feet = _utm(result, [a.footprint for a in equipment])
    station_block: dict[int, bool] = {}
    for a, f in zip(equipment, feet, strict=True):
        near = live_tree is not None and len(live_tree.query(f, predicate="dwithin", distance=ACCESS_M)) > 0
        assert near, f"{a.asset_type} {a.properties.get('block', '')} has no road from an entry"
        if a.asset_type == "power_station":
            station_block[int(a.properties["block"])] = near
    for t in (a for a in result.assets if "modules" in a.properties):
        assert station_block.get(int(t.properties["block"])), "a table whose power station no road reaches"
    c = result.metrics["constructability"]
    assert c["unreachable_asset_count"] == 0
    assert c["cable_in_no_cross_zone_m"] == 0.0 and c["cable_outside_parcel_m"] == 0.0
    assert c["crossing_count"] == len(crossings)


# No shrinking (each example is a whole plant: shrinking would take minutes); no example database
# (nothing written into the checkout); derandomized, so CI runs the same eight parcels every time (a
# failure prints its case; change the seed locally with --hypothesis-seed to explore others).
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(case=sites(), structure=st.sampled_from(["fixed", "tracker"]))
def test_random_parcels_with_zones_are_constructable(case: dict[str, Any], structure: str) -> None:
    try:
        result, polys = _run(case, 30_000.0, structure)
    except (NoCapacity, NoGridConnection):
        # A parcel too cut up for any plant (or for its substation) is refused by name: not a case.
        assume(False)
        raise
    try:
        _check(result, case, polys)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\ncase: {case}, structure: {structure}") from exc


def test_a_wash_is_crossed_on_a_culvert_and_a_wetland_never() -> None:
    """A parcel cut in two north–south: across a wash the far half is built and reached over one
    culvert, priced in the BOM and CAPEX; across a wetland it stays empty, warned with ha and kWp."""
    out = {}
    for zone_type in ("wash", "wetland"):
        case = {
            "zones": [{"type": zone_type, "angle": 90.0, "offset": 0.0, "width": 40.0}],
            "entries": [],
        }
        crs, parcel = square_utm(1200.0)
        case |= {"crs": crs, "parcel": parcel, "entries": [Point(parcel.bounds[0] + 1.0, parcel.centroid.y)]}
        result, polys = _run(case, 80_000.0, "fixed")
        _check(result, case, polys)
        east = [
            f
            for f in _utm(result, [a.footprint for a in result.assets if "modules" in a.properties])
            if f.centroid.x > parcel.centroid.x + 20
        ]
        out[zone_type] = (result, len(east))
    wash, n_east = out["wash"]
    assert n_east > 0
    crossings = [e for e in wash.extras if e["kind"] == "crossing"]
    assert crossings and all(c["properties"]["crossing"] == "culvert" for c in crossings)
    bom = wash.design["bom"]["crossings"]
    assert bom == [{"zone_type": "wash", "crossing": "culvert", "count": len(crossings)}]
    wetland, n_east = out["wetland"]
    assert n_east == 0
    assert not [e for e in wetland.extras if e["kind"] == "crossing"]
    assert any("ha of buildable land" in w and "kWp" in w for w in wetland.warnings)


def test_crossings_are_priced_in_capex() -> None:
    from app.engine.cost.model import estimate_cost
    from app.engine.cost.prices import unit_costs

    crs, parcel = square_utm(1200.0)
    case = {
        "crs": crs,
        "parcel": parcel,
        "zones": [{"type": "pipeline", "angle": 0.0, "offset": 0.0, "width": 30.0}],
        "entries": [Point(parcel.centroid.x, parcel.bounds[1] + 1.0)],
    }
    result, polys = _run(case, 80_000.0, "fixed")
    _check(result, case, polys)
    n = len([e for e in result.extras if e["kind"] == "crossing"])
    assert n >= 1
    cost = estimate_cost(result.design["bom"], None)
    line = [ln for ln in cost["capex"]["lines"] if ln["item"] == "pipeline crossings"]
    price = unit_costs()["costs"]["zone_crossing_usd_each"]["value"]
    assert line and line[0]["quantity"] == n and line[0]["usd"] == pytest.approx(n * price)
