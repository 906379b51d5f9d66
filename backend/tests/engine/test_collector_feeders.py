"""Collector substations for MV feeder length (issue 21 item 6), checked from the output geometry:
a flat 3.2 × 0.8 km strip entered at its west end, 100 MWac, with a 2 km MV feeder limit. Every
MV feeder, measured along its cable LineStrings, is within the limit; each collector is reached
along the roads from the entry and its yard and tie are priced in CAPEX."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
import pytest
from shapely.geometry import LineString, Point, Polygon

from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.types import LayoutParams, LayoutResult
from app.engine.cost.model import estimate_cost
from app.engine.cost.prices import unit_costs
from app.engine.layout import generate_layout
from tests.engine.factory import grid_for, site_from_utm, utm_origin
from tests.engine.test_constructable import _road_graph

LIMIT_M = 2000.0
TARGET_KW = 100_000.0
LENGTH_M, WIDTH_M = 3200.0, 800.0
# A feeder's legs end where the next begins: joined within this [m] (WGS84 round trip).
JOIN_M = 0.05


@pytest.fixture(scope="module")
def strip() -> tuple[LayoutResult, Polygon, Point]:
    crs, x0, y0 = utm_origin()
    parcel = Polygon([(x0, y0), (x0 + LENGTH_M, y0), (x0 + LENGTH_M, y0 + WIDTH_M), (x0, y0 + WIDTH_M)])
    entry = Point(x0 + 1.0, y0 + WIDTH_M / 2)
    site = site_from_utm(parcel, crs, entry=entry)
    params = LayoutParams(
        target_capacity_kw=TARGET_KW, pv={"structure": "fixed"}, electrical={"mv_max_feeder_m": LIMIT_M}
    )
    return generate_layout(site, grid_for(parcel, crs), params), parcel, entry


def _utm(result: LayoutResult, geoms: list[Any]) -> list[Any]:
    return reproject_many(geoms, WGS84, result.crs) if geoms else []


def test_every_mv_feeder_is_within_the_limit_measured_on_its_cables(strip: Any) -> None:
    result, _, _ = strip
    mv = [e for e in result.extras if e["kind"] == "cable" and e["properties"]["level"] == "mv"]
    assert mv
    by_feeder: dict[Any, list[LineString]] = defaultdict(list)
    for e, g in zip(mv, _utm(result, [e["geometry"] for e in mv]), strict=True):
        by_feeder[str(e["properties"]["circuit"]).split(".")[0]].append(g)
    assert len(by_feeder) == len(result.design["electrical"]["single_line"])
    subs = _utm(
        result,
        [a.footprint for a in result.assets if a.asset_type in ("substation", "collector_substation")],
    )
    for circuit, legs in by_feeder.items():
        length = sum(g.length for g in legs)
        assert length <= LIMIT_M + 1.0, (circuit, length)
        # Each feeder starts at a substation (its first leg's start lies in, or by, a yard).
        starts = [Point(g.coords[0]) for g in legs]
        assert min(min(s.distance(y) for y in subs) for s in starts) < 50.0, circuit
    assert result.metrics["constructability"]["max_mv_feeder_m"] <= LIMIT_M + 1.0
    # And within the MV drop limit (1 %, docs/electrical.md) at the end of every feeder.
    assert max(f["drop_pct"] for f in result.design["electrical"]["single_line"]) <= 1.0
    assert result.metrics["constructability"]["unreachable_asset_count"] == 0


def test_far_stations_get_collectors_reached_by_road_and_priced(strip: Any) -> None:
    result, _, entry = strip
    coll = [a for a in result.assets if a.asset_type == "collector_substation"]
    (main,) = [a for a in result.assets if a.asset_type == "substation"]
    assert coll and result.metrics["collector_substation_count"] == len(coll)
    assert result.metrics["total_capacity_kw"] >= 0.95 * TARGET_KW
    yards = _utm(result, [a.footprint for a in coll])
    (mfoot,) = _utm(result, [main.footprint])
    # Reached along the roads from the entry: a path in the road graph from the road end nearest
    # the entry to the road end nearest each yard, which lies within two cells of the yard.
    roads = _utm(result, [r.geometry for r in result.roads])
    g = _road_graph(roads)
    verts = list(g.nodes)

    def nearest(p: Any) -> tuple[float, Any]:
        return min((Point(k[0] / 100, k[1] / 100).distance(p), k) for k in verts)

    d_entry, start = nearest(entry)
    assert d_entry < 30.0
    for y in yards:
        d, k = nearest(y)
        assert d < 25.0
        assert nx.has_path(g, start, k)
    # Each tie joins its collector's yard and the main substation's.
    ties = [e for e in result.extras if e["kind"] == "collector_tie"]
    assert len(ties) == len(coll)
    for tie, y in zip(_utm(result, [t["geometry"] for t in ties]), yards, strict=True):
        ends = [Point(tie.coords[0]), Point(tie.coords[-1])]
        assert min(p.distance(y) for p in ends) < 1.0 and min(p.distance(mfoot) for p in ends) < 1.0
    assert [t["properties"]["reason"] for t in ties] == ["feeder_length"] * len(ties)
    # Priced in CAPEX: a yard and a tie line per collector, the tie at its length and class.
    bom = result.design["bom"]
    cost = estimate_cost(bom, None)
    lines = {ln["item"]: ln for ln in cost["capex"]["lines"]}
    costs = unit_costs()["costs"]
    for k, t in enumerate(ties, start=1):
        assert lines[f"collector substation {k}"]["usd"] == pytest.approx(
            costs["collector_substation_usd_each"]["value"]
        )
        tie = next(ln for name, ln in lines.items() if name.startswith(f"collector tie line {k}"))
        per_km = costs["gen_tie_usd_per_km"]["value"][f"{t['properties']['voltage_kv']:g}"]
        assert tie["usd"] == pytest.approx(t["properties"]["length_m"] / 1000.0 * per_km, rel=1e-3)


def test_a_small_plant_gets_no_collector() -> None:
    crs, x0, y0 = utm_origin()
    parcel = Polygon([(x0, y0), (x0 + 600, y0), (x0 + 600, y0 + 600), (x0, y0 + 600)])
    site = site_from_utm(parcel, crs, entry=Point(x0 + 1.0, y0 + 300))
    result = generate_layout(site, grid_for(parcel, crs), LayoutParams(target_capacity_kw=10_000))
    assert not [a for a in result.assets if a.asset_type == "collector_substation"]
    assert not [e for e in result.extras if e["kind"] == "collector_tie"]
