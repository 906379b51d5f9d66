"""Civil works of the PV field: tables that give way to roads, fences around the array areas, gates.

Fence: the array areas are the tables and power stations grown by FENCE_OFFSET_M, merged where
they come within twice that of each other, holes filled, clipped to the parcel; one fence runs
round each area. A gate stands where a road crosses the fence (the first crossing of each road),
or, for an area no road crosses, on its fence nearest the road network.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, substring

from app.engine.civil.earthwork import road_earthwork
from app.engine.civil.road_grades import ground_profile, is_compliant
from app.engine.civil.road_graph import GRADING_ALLOWANCE_PCT
from app.engine.civil.roads import RoadSegment
from app.engine.core.grid import Grid

# Fence offset from the outermost tables [m]: a 5 m perimeter maintenance track inside the fence.
FENCE_OFFSET_M = 7.5
# Tables of a row this close [m] count as one run for the fence and the road cost raster (spans
# the access corridors, so a fence does not zig-zag into every reserve).
FENCE_MERGE_M = 15.0
# Clear distance between a road's edge and a table [m].
ROAD_TABLE_CLEARANCE_M = 0.5


@dataclass(frozen=True, kw_only=True)
class Fencing:
    """Fence outlines (UTM LineStrings), the fenced areas (Polygons) and gates (Points)."""

    fences: list[LineString]
    areas: list[Polygon]
    gates: list[Point]

    @property
    def length_m(self) -> float:
        return float(sum(f.length for f in self.fences))

    @property
    def area_ha(self) -> float:
        return float(sum(a.area for a in self.areas)) / 10_000.0


def tables_on_roads(
    tables: Sequence[Polygon], roads: Sequence[LineString], widths_m: Sequence[float]
) -> np.ndarray:
    """Indices of `tables` that a road (centreline, carriageway width [m]) runs over or too near."""
    if not tables or not roads:
        return np.zeros(0, dtype=np.int64)
    tree = shapely.STRtree(np.asarray(tables, dtype=object))
    hits: set[int] = set()
    for road, w in zip(roads, widths_m, strict=True):
        band = road.buffer(w / 2 + ROAD_TABLE_CLEARANCE_M, cap_style="flat")
        hits.update(int(i) for i in tree.query(band, predicate="intersects"))
    return np.asarray(sorted(hits), dtype=np.int64)


def fence_arrays(
    footprints: Sequence[Polygon], boundary: BaseGeometry, roads: Sequence[LineString]
) -> Fencing:
    """Fence round the array areas of `footprints` inside `boundary`, gates on `roads` (UTM [m])."""
    if not footprints:
        return Fencing(fences=[], areas=[], gates=[])
    grown = shapely.buffer(np.asarray(footprints, dtype=object), FENCE_OFFSET_M, join_style="mitre")
    merged = (
        shapely.union_all(grown)
        .buffer(FENCE_OFFSET_M, join_style="mitre")
        .buffer(-FENCE_OFFSET_M, join_style="mitre")
    )
    merged = shapely.make_valid(merged.intersection(boundary))
    areas = [
        Polygon(p.exterior)
        for p in getattr(merged, "geoms", [merged])
        if isinstance(p, Polygon) and not p.is_empty and p.area > 1.0
    ]
    fences = [LineString(a.exterior.coords) for a in areas]
    network = shapely.union_all(list(roads)) if roads else None
    gates: list[Point] = []
    for fence in fences:
        got = False
        for road in roads:
            x = road.intersection(fence)
            pts = [g for g in getattr(x, "geoms", [x]) if isinstance(g, Point) and not g.is_empty]
            if pts:
                # The crossing nearest the road's start (its site-entry end).
                gates.append(min(pts, key=lambda p: road.project(p)))
                got = True
        if not got and network is not None and not network.is_empty:
            gates.append(nearest_points(fence, network)[0])
    return Fencing(fences=fences, areas=areas, gates=_dedupe(gates))


def _dedupe(points: list[Point], tol_m: float = 5.0) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if all(p.distance(q) > tol_m for q in out):
            out.append(p)
    return out


def snap_to_corridors(line: LineString, corridors: Sequence[LineString], tol_m: float) -> LineString:
    """`line` with each vertex within `tol_m` [m] of a road reserve's centreline moved onto it.

    Why: roads are routed on the DEM grid, so a road following a reserve zig-zags by up to half a
    cell; on the centreline it stays clear of the tables either side."""
    if not corridors or line.is_empty:
        return line
    tree = shapely.STRtree(np.asarray(corridors, dtype=object))
    out = []
    for x, y in line.coords:
        p = Point(x, y)
        i = tree.query_nearest(p, max_distance=tol_m)
        if len(i):
            c = corridors[int(i[0])]
            q = c.interpolate(c.project(p))
            out.append((q.x, q.y))
        else:
            out.append((x, y))
    dedup = [out[0]] + [pt for a, pt in itertools.pairwise(out) if pt != a]
    return LineString(dedup) if len(dedup) >= 2 else line


# Perimeter track: its centreline this far inside the fence [m] (a 5 m track in the 7.5 m margin).
PERIMETER_INSET_M = 3.5


def perimeter_roads(
    fencing: Fencing, boundary: BaseGeometry, grid: Grid, *, width_m: float, max_grade_pct: float
) -> tuple[list[RoadSegment], float]:
    """A perimeter track inside each fence (UTM [m]), graded along its centreline like any road:
    cut / fill [m³], design grade [%], and `compliant` when within `max_grade_pct`.

    Where the ground along the track climbs more than the router's grading allowance over the
    limit (`GRADING_ALLOWANCE_PCT`; samples one cell apart, `ground_profile`) the track is left
    out, as the router never lays a road there (issue 21): grading counts only up to that. Also
    returns the length left out [m] (for the warning)."""
    out: list[RoadSegment] = []
    dropped_m = 0.0
    for area in fencing.areas:
        inner = area.buffer(-PERIMETER_INSET_M, join_style="mitre")
        for poly in getattr(inner, "geoms", [inner]):
            if not isinstance(poly, Polygon) or poly.is_empty:
                continue
            ring = LineString(poly.exterior.coords)
            if not boundary.covers(ring):
                continue
            parts = _within_grade(ring, grid, max_grade_pct + GRADING_ALLOWANCE_PCT)
            dropped_m += float(ring.length) - sum(float(p.length) for p in parts)
            out.extend(_graded_track(p, grid, width_m=width_m, max_grade_pct=max_grade_pct) for p in parts)
    return out, dropped_m


def _graded_track(line: LineString, grid: Grid, *, width_m: float, max_grade_pct: float) -> RoadSegment:
    """The perimeter track along `line` (UTM [m]) graded to `max_grade_pct` [%] (samples half a
    cell apart, nearest-cell ground)."""
    step = max(grid.resolution_m / 2, 1.0)
    d = np.arange(0.0, line.length + step, step).clip(max=line.length)
    pts = shapely.line_interpolate_point(line, d)
    z = grid.sample(shapely.get_x(pts), shapely.get_y(pts)).astype(float)
    ew = road_earthwork(d, z, width_m=width_m, max_grade_pct=max_grade_pct)
    return RoadSegment(
        geometry=line,
        road_class="perimeter",
        width_m=width_m,
        length_m=float(line.length),
        max_grade_pct=ew.max_grade_pct,
        cut_m3=ew.cut_m3,
        fill_m3=ew.fill_m3,
        compliant=is_compliant(ew.max_grade_pct, max_grade_pct),
        label="perimeter track",
    )


def _within_grade(ring: LineString, grid: Grid, max_pct: float) -> list[LineString]:
    """The stretches of the closed `ring` (UTM [m]) whose ground climbs at most `max_pct` [%]
    between samples one cell apart; the whole ring when it all does, and no stretch shorter than
    two cells (not a usable track)."""
    chain, z = ground_profile(grid, ring)
    with np.errstate(invalid="ignore"):
        bad = np.abs(np.diff(z)) / np.maximum(np.diff(chain), 1e-9) * 100.0 > max_pct
    if not bad.any():
        return [ring]
    n = len(bad)
    # Walk the steps once round, starting after a steep one, so a stretch may wrap past the start.
    first = int(np.flatnonzero(bad)[0]) + 1
    length = float(ring.length)
    twice = LineString(list(ring.coords) + list(ring.coords)[1:])
    out: list[LineString] = []
    start: float | None = None
    for k in range(first, first + n + 1):
        i = k % n
        at = float(chain[i]) + (length if k >= n else 0.0)
        if k < first + n and not bad[i]:
            start = at if start is None else start
            continue
        if start is not None and at - start >= 2 * grid.resolution_m:
            out.append(substring(twice, start, at))
        start = None
    return out
