"""Roads stay joined where a branch leaves its parent part-way along it (issue 21).

Found by rendering a hilly 50 MWac plant on the Jacksboro DEM: snapping roads to the PV access
corridors kept each road's own ends but moved the parent's vertex where a branch started, so the
drawn network fell into three pieces and 1,130 assets had no road from the entry. The network is
recomputed here from the road geometry alone: lines join where they touch within 0.5 m.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import Point

from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from tests.engine.factory import site_from_utm

JOIN_M = 0.5


def _components(lines: list[shapely.LineString]) -> int:
    g = nx.Graph()
    g.add_nodes_from(range(len(lines)))
    tree = shapely.STRtree(lines)
    a, b = tree.query(np.asarray(lines, dtype=object), predicate="dwithin", distance=JOIN_M)
    g.add_edges_from(zip(a.tolist(), b.tolist(), strict=True))
    return nx.number_connected_components(g)


def test_branch_roads_stay_on_their_parent_after_snapping(jacksboro: Grid) -> None:
    minx, miny, maxx, maxy = jacksboro.bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    parcel = Point(cx, cy).buffer(1400, quad_segs=6)
    zone = Point(cx + 300, cy - 200).buffer(180)
    site = site_from_utm(parcel, jacksboro.crs, [(zone, 10.0)])
    result = generate_layout(site, jacksboro, LayoutParams(target_capacity_kw=50_000))
    lines = reproject_many([r.geometry for r in result.roads], WGS84, result.crs)
    assert len(lines) > 3
    assert _components(lines) == 1
    # Every power station stands within reach of that one network.
    network = shapely.union_all(lines)
    stations = [a for a in result.assets if a.asset_type == "power_station"]
    feet = reproject_many([a.footprint for a in stations], WGS84, result.crs)
    assert stations
    assert max(f.distance(network) for f in feet) <= 1.5 * jacksboro.resolution_m
    assert result.metrics["constructability"]["unreachable_asset_count"] == 0
