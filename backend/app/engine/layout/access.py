"""Stage 6: the road network from the site entries, and reachability (what no road reaches is
left out, never drawn as built)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, substring

from app.engine.civil.collector_groups import cut_off_sink_routing, feeder_group_routing, route_roads_by_group
from app.engine.civil.collectors import ASSET_TYPE as COLLECTOR_ASSET
from app.engine.civil.collectors import route_roads_by_sink
from app.engine.civil.road_grades import GRADE_SLACK_PCT, LEAD_CELLS, ground_grade_pct
from app.engine.civil.roads import RoadGround, RoadNetwork, RoadSegment, route_roads
from app.engine.layout.context import PlantState, SiteFrame
from app.engine.pv.civil import FENCE_MERGE_M, snap_to_corridors
from app.engine.pv.plant import PvLayout, row_runs, without_tables
from app.errors import NoCapacity

# A road end this close to another road [m] is a junction on it (the router's lines meet exactly;
# the constructability check joins lines within 0.5 m).
JUNCTION_TOL_M = 0.05


def route_access_roads(frame: SiteFrame, state: PlantState) -> RoadNetwork | None:
    """Route roads (`route_roads`) from the entries to every block's access point and power
    station, snapped to the PV access corridors. Sets `state.stations`, `state.roads` and
    `state.root`; returns the network (None when no substation was placed: no roads)."""
    pv, grid = state.pv, frame.grid
    state.stations = [s for s in pv.stations if not s.is_empty] if pv is not None else []
    if state.hub_index is None:
        return None
    placement = state.placement
    pv_blocks = list(pv.plant.blocks) if pv is not None else []
    # Rows merged across corridors: the reserves stay cheap (preferred) over the merged runs.
    runs = row_runs(pv, max_gap_m=FENCE_MERGE_M) if pv is not None else []
    hub_centre = Point(placement.blocks[state.hub_index].centre)
    more_roots = frame.entries[1:]
    if frame.entry is None:
        # No site entry: the boundary point nearest the substation on the ground it stands on.
        root = _root_on_ground(frame.boundary, frame.ground, hub_centre, grid.resolution_m)
    else:
        # The first entry on the substation's ground is the root; the others join its network.
        hub_labels = frame.ground.labels_at(hub_centre.buffer(grid.resolution_m))
        k = next((i for i, lab in enumerate(frame.ground.entry_labels) if lab in hub_labels), 0)
        root, more_roots = frame.entries[k], frame.entries[:k] + frame.entries[k + 1 :]
    state.root = root
    # With collectors for land cut off from the main substation: one network per substation, each
    # from an entry on its ground (collectors for feeder length then join the main network). With
    # collectors for feeder length alone: one network per substation's group, each joining the
    # roads before it (its MV feeders follow it to its collector).
    station_access = [b.access for b in pv_blocks]
    route: Callable[..., RoadNetwork] = route_roads
    if any(c.reason == "cut_off" for c in state.collectors):
        route = partial(
            route_roads_by_sink,
            **cut_off_sink_routing(placement, station_access, state.collectors, frame.ground, frame.entries),
        )
    elif state.collectors:
        route = partial(
            route_roads_by_group,
            **feeder_group_routing(
                placement, [b.station for b in pv_blocks], state.collectors, state.hub_index
            ),
        )
    network = route(
        grid=grid,
        slope_deg=frame.slope,
        boundary=frame.boundary,
        obstacles=frame.road_obstacles,
        crossable=frame.road_crossable,
        more_roots=more_roots,
        # Roads never cross equipment; PV tables only cost more (they give way to roads below).
        equipment=state.equipment,
        footprints=runs,
        terminals=[b.access for b in placement.blocks] + [b.access for b in pv_blocks],
        labels=[f"{b.name} #{i + 1}" for i, b in enumerate(placement.blocks)]
        + [f"power station {b.index + 1}" for b in pv_blocks],
        root=root,
        hub=state.hub_index,
        spec=frame.profile.road,
        preferred=pv.corridors if pv is not None else (),
    )
    state.roads = network.segments
    if pv is not None:
        limit = frame.profile.road.max_grade_pct
        state.roads = _snapped(state.roads, pv, state.equipment, frame, 0.75 * grid.resolution_m, limit)
    state.warnings.extend(network.warnings)
    return network


def drop_unreached(state: PlantState, network: RoadNetwork) -> None:
    """Leave out the fixed blocks and PV inverter blocks no road reaches (warned with kW / kWp).
    Raises `NoCapacity` when no road reaches the substation."""
    placement, pv = state.placement, state.pv
    pv_blocks = list(pv.plant.blocks) if pv is not None else []
    n_fixed = len(placement.blocks)
    dead = set(network.unreachable)
    if state.hub_index in dead:
        raise NoCapacity(
            "no road from the site entry can reach the substation (zones no road may cross, equipment "
            "or ground without terrain data cut it off): move the entry or add one on the "
            "substation's side, or change the zone types"
        )
    dead_fixed = {i for i in dead if i < n_fixed and i != state.hub_index}
    if dead_fixed:
        gone = [c for c in placement.components if c.block_index in dead_fixed]
        placement.components = [c for c in placement.components if c.block_index not in dead_fixed]
        lost_kw = sum(c.capacity_kw for c in gone)
        state.warnings.append(
            f"{len(dead_fixed)} block(s) no road can reach were left out ({lost_kw:,.0f} kW)"
        )
        # A collector no road reaches is not built: its power stations feed the main substation.
        coll = [i for i, b in enumerate(placement.blocks) if b.name == COLLECTOR_ASSET]
        state.collectors = [c for c, i in zip(state.collectors, coll, strict=True) if i not in dead_fixed]
    dead_pv = {pv_blocks[i - n_fixed].index for i in dead if i >= n_fixed}
    if pv is not None and dead_pv:
        drop_t = np.flatnonzero([t.block in dead_pv for t in pv.plant.tables]).astype(np.int64)
        lost = sum(pv.plant.tables[int(i)].dc_kwp for i in drop_t)
        state.warnings.append(
            f"{len(dead_pv)} inverter block(s) whose power station no road can reach were left out "
            f"({lost:,.0f} kWp)"
        )
        state.pv = without_tables(pv, drop_t, reindex=False)


def _snapped(
    roads: list[RoadSegment],
    pv: PvLayout,
    equipment: list[Polygon],
    frame: SiteFrame,
    tol: float,
    limit_pct: float,
) -> list[RoadSegment]:
    """`roads` snapped to the PV access corridors within `tol` [m], ends kept; a road keeps its
    routed line where snapping would clip a piece of `equipment`, leave the boundary or climb
    steeper ground than the routed (and graded) line, beyond `limit_pct` [%]. Grades are compared
    away from the road's ends (`LEAD_CELLS`): a steep lead to an entry or access point must not
    license a steep snapped step elsewhere (issue 21)."""
    kit = shapely.STRtree(equipment)
    lead = LEAD_CELLS * frame.grid.resolution_m
    ends = shapely.points(
        np.asarray([c for r in roads for c in (r.geometry.coords[0], r.geometry.coords[-1])], dtype=float)
    )
    end_tree = shapely.STRtree(ends)
    snapped = []
    for r in roads:
        g = _snapped_between_junctions(r.geometry, _junctions(r.geometry, ends, end_tree), pv.corridors, tol)
        if g.equals_exact(r.geometry, 0.0):
            # Snapping moved nothing: the road is kept as routed whatever the checks say.
            snapped.append(r)
            continue
        ok = len(kit.query(g, predicate="intersects")) == 0 and frame.boundary.covers(g)
        if ok:
            grade = ground_grade_pct(frame.grid, g, skip_start_m=lead, skip_end_m=lead)
            # Within the limit it is ok whatever the routed line's grade (not measured then).
            ok = grade <= limit_pct + GRADE_SLACK_PCT or grade <= (
                max(ground_grade_pct(frame.grid, r.geometry, skip_start_m=lead, skip_end_m=lead), limit_pct)
                + GRADE_SLACK_PCT
            )
        snapped.append(replace(r, geometry=g, length_m=float(g.length)) if ok else r)
    return snapped


def _junctions(line: LineString, ends: np.ndarray, tree: shapely.STRtree) -> list[float]:
    """Distances along `line` [m] of the other roads' end points (`ends`, points indexed by
    `tree`) that lie on it away from its own ends: a branch road starts part-way along its parent
    (issue 21: the network stays joined)."""
    # Candidates by bounding box, then the exact distance test.
    minx, miny, maxx, maxy = line.bounds
    pad = 2 * JUNCTION_TOL_M
    cand = ends[tree.query(shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad))]
    near = cand[shapely.distance(line, cand) <= JUNCTION_TOL_M]
    at = sorted({round(float(d), 6) for d in shapely.line_locate_point(line, near)})
    return [d for d in at if JUNCTION_TOL_M < d < line.length - JUNCTION_TOL_M]


def _snapped_between_junctions(
    line: LineString, junctions: list[float], corridors: list[LineString], tol: float
) -> LineString:
    """`line` snapped to the PV corridors piece by piece between its junctions [m along it], each
    piece with its ends kept, so a branch that starts at a junction still touches the line."""
    cuts = [0.0, *junctions, float(line.length)]
    coords: list[tuple[float, ...]] = []
    for a, b in itertools.pairwise(cuts):
        piece = substring(line, a, b)
        if piece.geom_type != "LineString" or piece.length <= 0.0:
            continue
        part = list(_keep_ends(piece, snap_to_corridors(piece, corridors, tol)).coords)
        coords.extend(part[1:] if coords else part)
    return LineString(coords) if len(coords) >= 2 else line


def _keep_ends(routed: LineString, snapped: LineString) -> LineString:
    """`snapped` with the routed line's end points kept (a short link where snapping moved one):
    roads meet at their ends, so moving one alone would cut the network apart."""
    a, b = routed.coords[0], routed.coords[-1]
    pts = list(snapped.coords)
    if Point(pts[0]).distance(Point(a)) > 1e-6:
        pts.insert(0, a)
    if Point(pts[-1]).distance(Point(b)) > 1e-6:
        pts.append(b)
    return LineString(pts)


def _root_on_ground(boundary: BaseGeometry, ground: RoadGround, hub: Point, res: float) -> Point:
    """The boundary point nearest `hub` from which the reached ground can be entered (UTM [m]);
    the nearest boundary point at all when none is found."""
    polys = list(boundary.geoms) if hasattr(boundary, "geoms") else [boundary]
    rings = MultiLineString([p.exterior for p in polys if isinstance(p, Polygon)])
    fallback = nearest_points(rings, hub)[0]
    step = max(res / 2.0, 1.0)
    pts = [ring.interpolate(d) for ring in rings.geoms for d in np.arange(0.0, ring.length, step)]
    for p in sorted(pts, key=lambda q: q.distance(hub)):
        if ground.reaches(p.buffer(1.5 * res)):
            return p
    return fallback
