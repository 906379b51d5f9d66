"""Collector substations for MV feeder length: power stations too far from the main substation for
an MV feeder within `mv_max_feeder_m` are grouped, and each group far from the main substation
gets a collector substation near its DC-weighted centre (docs/engine.md, "Collector substations").

The groups are a weighted k-means (Lloyd's algorithm, weights = each block's DC [kWp]) over the
power stations with one centre held at the main substation, seeded by farthest-point insertion
(Gonzalez) so it is deterministic; k is the smallest (up to `MAX_GROUPS`) whose every station's
estimated feeder route to its group's centre is within the limit. The estimate is the station's
path from the centre along the group's Euclidean minimum spanning tree (the roads are such a
tree, and the feeders follow them) × `ROUTE_FACTOR`, plus `SPUR_ALLOWANCE_M` and `SITE_SEARCH_M`
(the yard may sit that far from the centre). Each collector's yard (as `civil/collectors.py`'s)
goes on buildable ground within `SITE_SEARCH_M` of its centre, clear of equipment, where it
displaces the least PV (tables under the yard and its clearance are removed; the blocks are
topped up again later). Its tie line to the main substation is the cut-off collectors'
(`collectors.TieRouter`). All geometry UTM [m].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.placement import Placement
from app.engine.civil.collectors import (
    ASSET_TYPE,
    COLLECTOR_CLEARANCE_M,
    COLLECTOR_LENGTH_M,
    COLLECTOR_WIDTH_M,
    SITE_STEP_M,
    Collector,
    TieRouter,
    block_sinks,
)
from app.engine.civil.roads import RoadGround, RoadNetwork, RoadSegment, RoadSite, route_on
from app.engine.core.grid import Grid

# A road between two terminals of the spanning tree runs on the terrain grid's cells (8-connected
# paths, ≤ 1.08 × the straight line) and round equipment and PV tables: 1.15 × the tree [-].
ROUTE_FACTOR = 1.15
# The spurs at both ends (station to road, substation to road: ≤ 100 m each in `electrical/mv.py`,
# typically far less) [m].
SPUR_ALLOWANCE_M = 150.0
# The collector's yard may stand this far from its group's centre [m] (where it displaces least PV).
SITE_SEARCH_M = 250.0
# Most groups tried (the main substation's and 31 collectors') [-].
MAX_GROUPS = 32
LLOYD_ITERATIONS = 50
# Lost PV [kWp] a yard one metre farther from its centre is worth: 100 m ≈ 5 kWp (ten modules), so
# a yard moves to spare a table but not to spare a module.
KWP_PER_M = 0.05


@dataclass(frozen=True, kw_only=True)
class StationGroups:
    """Per station its group (0 = the main substation's), each group's centre (k, 2) [m], and
    whether every station's estimated route is within the limit."""

    labels: np.ndarray
    centres: np.ndarray
    within: bool


def station_reach_m(limit_m: float) -> float:
    """How far [m] along a group's spanning tree (see `tree_reach_m`) a station may lie from its
    substation for its feeder route to be estimated within `limit_m` [m]."""
    return max((limit_m - SPUR_ALLOWANCE_M - SITE_SEARCH_M) / ROUTE_FACTOR, 0.0)


def tree_reach_m(sink: np.ndarray, xy: np.ndarray) -> float:
    """The farthest station from `sink` along the Euclidean minimum spanning tree of the sink and
    the stations `xy` (UTM [m]). Why a tree: the roads are a spanning tree over their terminals
    (`civil/roads.py`) and the MV feeders follow them, so a station's feeder route is its path
    in that tree, which on a field of evenly spaced stations may wind several times the
    straight line (a 1.5 GWac square: 18 km feeders to stations 2.5 km away)."""
    if not len(xy):
        return 0.0
    pts = np.vstack([sink[None, :], xy])
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    tree = minimum_spanning_tree(np.maximum(d, 1e-6) * (1.0 - np.eye(len(pts))))
    return float(dijkstra(tree, directed=False, indices=0).max())


def _lloyd(xy: np.ndarray, w: np.ndarray, hub: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted k-means with centre 0 fixed at `hub`, seeded by farthest-point insertion."""
    centres = [hub]
    for _ in range(1, k):
        d = np.min(np.hypot(*(xy[:, None, :] - np.asarray(centres)[None, :, :]).transpose(2, 0, 1)), axis=1)
        centres.append(xy[int(np.argmax(d))])
    c = np.asarray(centres, dtype=float)
    labels = np.zeros(len(xy), dtype=np.int64)
    for _ in range(LLOYD_ITERATIONS):
        d = np.hypot(xy[:, None, 0] - c[None, :, 0], xy[:, None, 1] - c[None, :, 1])
        new = np.argmin(d, axis=1)
        moved = c.copy()
        for j in range(1, k):
            m = new == j
            if m.any():
                moved[j] = np.average(xy[m], axis=0, weights=w[m])
        if np.array_equal(new, labels) and np.allclose(moved, c):
            break
        labels, c = new, moved
    d = np.hypot(xy[:, None, 0] - c[None, :, 0], xy[:, None, 1] - c[None, :, 1])
    return np.argmin(d, axis=1), c


def group_stations(
    stations: Sequence[tuple[float, float]],
    dc_kwp: Sequence[float],
    hub: tuple[float, float],
    limit_m: float,
) -> StationGroups:
    """The fewest groups (main substation's first) whose stations all lie within
    `station_reach_m(limit_m)` of their centre along the group's spanning tree (`tree_reach_m`,
    UTM [m]); `MAX_GROUPS` groups when none do."""
    xy = np.asarray(stations, dtype=float).reshape(-1, 2)
    w = np.maximum(np.asarray(dc_kwp, dtype=float), 1e-6)
    h = np.asarray(hub, dtype=float)
    reach = station_reach_m(limit_m)
    labels, centres = np.zeros(len(xy), dtype=np.int64), h[None, :]
    for k in range(1, min(MAX_GROUPS, max(len(xy), 1)) + 1):
        labels, centres = _lloyd(xy, w, h, k) if k > 1 else (labels, centres)
        if all(tree_reach_m(centres[j], xy[labels == j]) <= reach for j in range(k)):
            return StationGroups(labels=labels, centres=centres, within=True)
    return StationGroups(labels=labels, centres=centres, within=False)


def _yard_site(
    centre: tuple[float, float],
    usable: BaseGeometry,
    blocked: shapely.STRtree,
    tables: shapely.STRtree,
    table_kwp: np.ndarray,
    pad_ok: Callable[[list[Polygon]], np.ndarray],
) -> tuple[Polygon, np.ndarray] | None:
    """The yard within `SITE_SEARCH_M` of `centre` on `usable` land whose ground passes `pad_ok`,
    its clearance clear of `blocked` footprints, displacing the least PV (with `KWP_PER_M` per
    metre from the centre); and the indices of the tables it displaces. None when none fits."""
    off = np.arange(-SITE_SEARCH_M, SITE_SEARCH_M + 1e-6, SITE_STEP_M)
    dx, dy = (a.ravel() for a in np.meshgrid(off, off))
    near = np.hypot(dx, dy) <= SITE_SEARCH_M
    cx, cy = centre[0] + dx[near], centre[1] + dy[near]
    hw, hl = COLLECTOR_WIDTH_M / 2, COLLECTOR_LENGTH_M / 2
    boxes = shapely.box(cx - hw, cy - hl, cx + hw, cy + hl)
    shapely.prepare(usable)
    ok = shapely.contains(usable, boxes)
    ok &= np.asarray(pad_ok(list(boxes)), dtype=bool)
    best: tuple[float, int, np.ndarray] | None = None
    for i in np.flatnonzero(ok):
        zone = boxes[i].buffer(COLLECTOR_CLEARANCE_M, join_style="mitre")
        if len(blocked.query(zone, predicate="intersects")):
            continue
        hit = tables.query(zone, predicate="intersects")
        score = float(table_kwp[hit].sum()) + KWP_PER_M * float(np.hypot(dx[near][i], dy[near][i]))
        if best is None or score < best[0]:
            best = (score, int(i), np.asarray(hit, dtype=np.int64))
    if best is None:
        return None
    return boxes[best[1]], best[2]


def _access(yard: Polygon, toward: tuple[float, float]) -> tuple[float, float]:
    """The road access point of `yard`: the middle of its side facing `toward`, half a clearance out."""
    c = yard.centroid
    hw, hl = COLLECTOR_WIDTH_M / 2, COLLECTOR_LENGTH_M / 2
    dx, dy = toward[0] - c.x, toward[1] - c.y
    gap = COLLECTOR_CLEARANCE_M / 2
    if abs(dx) * hl >= abs(dy) * hw:
        return (float(c.x + np.sign(dx or 1.0) * (hw + gap)), float(c.y))
    return (float(c.x), float(c.y + np.sign(dy or 1.0) * (hl + gap)))


@dataclass(frozen=True, kw_only=True)
class FeederCollectors:
    """The collectors planned for feeder length, the PV tables their yards displace (indices), and
    warnings (groups left to the main substation, a limit no grouping meets)."""

    collectors: list[Collector]
    drop_tables: np.ndarray
    warnings: list[str]


def plan_feeder_collectors(
    *,
    stations: Sequence[tuple[float, float]],
    dc_kwp: Sequence[float],
    table_polygons: Sequence[Polygon],
    table_kwp: Sequence[float],
    hub: tuple[float, float],
    limit_m: float,
    usable: BaseGeometry,
    boundary: BaseGeometry,
    grid: Grid,
    obstacles: Sequence[BaseGeometry],
    equipment: Sequence[BaseGeometry],
    pad_ok: Callable[[list[Polygon]], np.ndarray],
) -> FeederCollectors:
    """Collectors for the power stations (centres, DC [kWp]) that feed the main substation at
    `hub` when some lie too far for an MV feeder of `limit_m` [m]; none when all are near enough.

    usable: buildable land (a yard stands on it); grid: the terrain the ties are routed on;
    obstacles: every zone with its buffer (no tie crosses one); equipment: footprints no yard or
    tie may cross (fixed components and power stations). Each collector's region is its group's
    Voronoi cell (around the group centres, the main substation's included), so
    `collectors.block_sinks` assigns each station to the nearest substation's group."""
    groups = group_stations(stations, dc_kwp, hub, limit_m)
    warnings: list[str] = []
    if not groups.within:
        warnings.append(
            f"MV feeders: {MAX_GROUPS - 1} collector substations do not bring every power station "
            f"within the {limit_m:,.0f} m feeder limit"
        )
    k = len(groups.centres)
    if k <= 1:
        return FeederCollectors(collectors=[], drop_tables=np.zeros(0, dtype=np.int64), warnings=warnings)
    xy = np.asarray(stations, dtype=float).reshape(-1, 2)
    w = np.asarray(dc_kwp, dtype=float)
    kwp = np.asarray(table_kwp, dtype=float)
    table_tree = shapely.STRtree(list(table_polygons))
    taken: list[BaseGeometry] = list(equipment)
    sites: list[tuple[Polygon, np.ndarray]] = []
    for j in range(1, k):
        m = groups.labels == j
        centre = (
            tuple(np.average(xy[m], axis=0, weights=np.maximum(w[m], 1e-6)))
            if m.any()
            else tuple(groups.centres[j])
        )
        site = _yard_site(
            (float(centre[0]), float(centre[1])), usable, shapely.STRtree(taken), table_tree, kwp, pad_ok
        )
        if site is None:
            warnings.append(
                f"no ground for collector substation yard near ({centre[0]:.0f}, {centre[1]:.0f}): its "
                "power stations feed the main substation"
            )
            continue
        sites.append(site)
        taken.append(site[0])
    # The regions: Voronoi cells around the substations actually sited (the main one first).
    seeds = [Point(hub), *(s[0].centroid for s in sites)]
    extent = shapely.box(*boundary.buffer(1_000.0).bounds)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=extent))
    out: list[Collector] = []
    drop: list[np.ndarray] = []
    router = TieRouter(grid, hub, obstacles, equipment)
    for yard, hit in sites:
        c = yard.centroid
        cell = next((p for p in cells if p.covers(c)), None)
        others = [s[0] for s in sites if s[0] is not yard]
        tie = router.tie((c.x, c.y), others)
        if tie is None or cell is None:
            warnings.append(
                f"no tie line route from the collector substation at ({c.x:.0f}, {c.y:.0f}) to the main "
                "substation: its power stations feed the main substation"
            )
            continue
        out.append(
            Collector(
                footprint=yard,
                centre=(float(c.x), float(c.y)),
                access=_access(yard, hub),
                region=cell.intersection(extent).difference(yard.buffer(COLLECTOR_CLEARANCE_M)),
                tie=tie,
                tie_m=float(tie.length),
                tie_outside_parcel_m=float(tie.difference(boundary).length),
                reason="feeder_length",
            )
        )
        drop.append(hit)
    idx = np.unique(np.concatenate(drop)) if drop else np.zeros(0, dtype=np.int64)
    return FeederCollectors(collectors=out, drop_tables=idx, warnings=warnings)


def cut_off_sink_routing(
    placement: Placement,
    station_access: Sequence[tuple[float, float]],
    collectors: Sequence[Collector],
    ground: RoadGround,
    entries: Sequence[Point],
) -> dict[str, Any]:
    """The `route_roads_by_sink` arguments for a plant whose collectors include feeder-length ones: those
    stand on the main substation's ground and join its road network (sink 0), so only the cut-off
    collectors' land gets a network of its own. Collector blocks in `placement` are in
    `collectors` order."""
    cut = [c for c in collectors if c.reason == "cut_off"]
    terminals = [b.access for b in placement.blocks] + list(station_access)
    sinks = block_sinks(terminals, cut)
    blocks = [i for i, b in enumerate(placement.blocks) if b.name == ASSET_TYPE]
    coll: list[int] = []
    for i, c in zip(blocks, collectors, strict=True):
        if c.reason == "cut_off":
            coll.append(i)
            sinks[i] = len(coll)
        else:
            sinks[i] = 0
    return {"sinks": sinks, "collector_terminals": coll, "ground": ground, "entries": list(entries)}


def feeder_group_routing(
    placement: Placement,
    stations: Sequence[tuple[float, float]],
    collectors: Sequence[Collector],
    hub: int,
) -> dict[str, Any]:
    """The extra arguments of `route_roads_by_group` for the layout's terminals (the placed blocks'
    accesses, then the power stations'): per terminal its substation (0 main, k collector k,
    1-based), each collector's own access terminal. A power station's access goes with its
    station's centre (`stations`), as its MV feeder does (`block_sinks` on the centres): an access
    across a region's edge from its station would put the station's road in another group's
    network. Collector blocks in `placement` are in `collectors` order."""
    groups = block_sinks([b.access for b in placement.blocks], collectors)
    groups += block_sinks(stations, collectors)
    groups[hub] = 0
    coll = [i for i, b in enumerate(placement.blocks) if b.name == ASSET_TYPE]
    for k, i in enumerate(coll):
        groups[i] = k + 1
    return {"groups": groups, "collector_terminals": coll}


def _join_point(segments: Sequence[RoadSegment], xy: tuple[float, float], fallback: Point) -> Point:
    """The end of a road in `segments` nearest `xy` (UTM [m]): a group's network starts there, so
    the two networks share that point (roads keep their ends when snapped to the PV corridors,
    not their inner vertices). `fallback` without roads."""
    ends = [p for s in segments for p in (s.geometry.coords[0], s.geometry.coords[-1])]
    if not ends:
        return fallback
    e = np.asarray(ends, dtype=float)
    i = int(np.argmin(np.hypot(e[:, 0] - xy[0], e[:, 1] - xy[1])))
    return Point(float(e[i, 0]), float(e[i, 1]))


def route_roads_by_group(
    *,
    terminals: Sequence[tuple[float, float]],
    labels: Sequence[str],
    hub: int,
    root: Point,
    more_roots: Sequence[Point],
    groups: Sequence[int],
    collector_terminals: Sequence[int],
    **kwargs: Any,
) -> RoadNetwork:
    """`route_roads` for the main substation's group from the entry, then once per feeder-length
    collector's group (its collector as hub) rooted at the end of the roads already routed
    nearest its collector, so it joins them (every road still leads to an entry).

    Why not one network: the roads are a spanning tree over the terminals, and the MV feeders
    follow them; between a collector and its power stations a path through one plant-wide tree
    may detour kilometres (via a branch near the main substation), while each group's own tree
    stays within the group. Unreachable indices refer to `terminals` (UTM [m])."""
    segments: list[RoadSegment] = []
    warnings: list[str] = []
    unreachable: list[int] = []
    # The ground and cost graph are the same for every group: built once (the graph of a 1 GWac
    # site costs ~0.15 s CPU).
    steep_fallback = bool(kwargs.pop("steep_fallback", False))
    ground: RoadSite | None = None
    for k in range(len(collector_terminals) + 1):
        ids = [i for i, g in enumerate(groups) if g == k]
        if not ids:
            continue
        if k == 0:
            r, extra, h = root, more_roots, ids.index(hub)
        else:
            r = _join_point(segments, terminals[collector_terminals[k - 1]], root)
            extra, h = (), ids.index(collector_terminals[k - 1])
        ground = ground if ground is not None else RoadSite(**kwargs)
        net = route_on(
            ground,
            terminals=[terminals[i] for i in ids],
            labels=[labels[i] for i in ids],
            hub=h,
            root=r,
            more_roots=extra,
            steep_fallback=steep_fallback,
        )
        segments += net.segments
        warnings += net.warnings
        unreachable += [ids[j] for j in net.unreachable]
    return RoadNetwork(segments=segments, warnings=warnings, unreachable=sorted(unreachable))
