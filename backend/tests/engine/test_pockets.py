"""Pockets too small for a useful group are left empty unless they touch a road (issue 21 item 4).

Found by rendering a hilly 50 MWac plant on the Jacksboro DEM: seven pieces of 1–9 tables stood
90–450 m from any road. Recomputed here from the output geometry alone: the array's pieces are
the table footprints grown by half the widest regular gap and unioned; each piece's modules come
from the tables' properties; the smallest useful group is one combiner's strings at the string
length the electrical design reports.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point

from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from tests.engine.factory import site_from_utm

# Widest regular gap inside an array [m] (8 m corridor + 1 m, as constructability counts pieces).
GAP_M = 9.0
ROAD_M = 30.0


def test_no_small_pocket_stands_away_from_the_roads(jacksboro: Grid) -> None:
    minx, miny, maxx, maxy = jacksboro.bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    parcel = Point(cx, cy).buffer(1400, quad_segs=6)
    zone = Point(cx + 300, cy - 200).buffer(180)
    site = site_from_utm(parcel, jacksboro.crs, [(zone, 10.0)])
    r = generate_layout(site, jacksboro, LayoutParams(target_capacity_kw=50_000))
    tables = [a for a in r.assets if "modules" in a.properties]
    feet = reproject_many([a.footprint for a in tables], WGS84, r.crs)
    modules = np.array([int(a.properties["modules"]) for a in tables])
    strings = r.design["electrical"]["stringing"]
    group = r.design["electrical"]["params"]["strings_per_combiner"] * strings["modules_per_string"]
    grown = shapely.union_all([shapely.buffer(f, GAP_M / 2, join_style="mitre") for f in feet])
    pieces = list(getattr(grown, "geoms", [grown]))
    roads = shapely.union_all(reproject_many([x.geometry for x in r.roads], WGS84, r.crs))
    tree = shapely.STRtree(feet)
    assert len(pieces) > 3  # hilly land: the array is in several pieces
    for piece in pieces:
        idx = tree.query(piece, predicate="intersects")
        near_road = min(feet[int(i)].distance(roads) for i in idx) <= ROAD_M
        assert near_road or modules[idx].sum() >= group, (len(idx), piece.distance(roads))
    assert any("pockets too small" in w for w in r.warnings)
