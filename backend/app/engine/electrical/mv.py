"""MV collection: power stations to the substation by radial feeders in trenches along the roads.

The trench network is the road centrelines (noded where they cross) plus a spur from each power
station through its road access point, and from the substation, to the nearest road. Feeders are
daisy chains substation → station → station …, each within its conductor's ampacity and no longer
than `mv_max_feeder_m` along its route: grouping and order are a capacitated vehicle-routing
problem (open routes from the substation, demand = the station's current, capacity = margin × the
largest conductor's ampacity, route length ≤ the limit), solved with Google
OR-Tools' routing solver (Clarke–Wright savings, then optional local search) over shortest
trench distances (scipy's Dijkstra). Each leg is then sized
for the current of the stations beyond it, so feeders taper towards their far end, and upsized
where the feeder's voltage drop would exceed its limit. All coordinates UTM [m].
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from app.engine.electrical.conductors import AL_MV_35KV, Conductor
from app.engine.electrical.params import ElectricalParams

SQRT3 = math.sqrt(3.0)
# Node identity: coordinates rounded to this [m].
SNAP_M = 0.001
# Solver guard: the search normally ends at a local optimum well before this [s].
SOLVER_TIME_LIMIT_S = 10
# A station's spur to the nearest road longer than this [m] is not a spur: the station counts as
# unreachable along the roads and is linked (with a warning) instead.
MAX_SPUR_M = 100.0


@dataclass(frozen=True, kw_only=True)
class MvLeg:
    """One tapered leg of a feeder: path (n, 2) UTM [m], length [m], current [A], conductor, loss [W]."""

    feeder: int
    index: int
    path: np.ndarray
    length_m: float
    current_a: float
    conductor: Conductor
    loss_w: float


@dataclass(frozen=True, kw_only=True)
class MvFeeder:
    """One radial feeder: its blocks from the substation outwards, apparent power [MVA], route length
    [m], STC loss [W], voltage drop at its far end [%]."""

    index: int
    blocks: tuple[int, ...]
    mva: float
    length_m: float
    loss_w: float
    drop_pct: float
    legs: tuple[MvLeg, ...]


@dataclass(frozen=True, kw_only=True)
class MvResult:
    feeders: tuple[MvFeeder, ...]
    trench_lines: list[np.ndarray]
    trench_m: float
    capacity_a: float
    warnings: list[str] = field(default_factory=list)


class _Graph:
    """Undirected trench graph with nodes keyed by snapped coordinates."""

    def __init__(self) -> None:
        self.ids: dict[tuple[int, int], int] = {}
        self.xy: list[tuple[float, float]] = []
        self.edges: dict[tuple[int, int], float] = {}

    def node(self, x: float, y: float) -> int:
        key = (round(x / SNAP_M), round(y / SNAP_M))
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.xy)
            self.xy.append((x, y))
        return i

    def edge(self, a: int, b: int) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        if key not in self.edges:
            (xa, ya), (xb, yb) = self.xy[a], self.xy[b]
            self.edges[key] = math.hypot(xb - xa, yb - ya)

    def matrix(self) -> coo_matrix:
        n = len(self.xy)
        if not self.edges:
            return coo_matrix((n, n))
        ij = np.array(list(self.edges.keys()), dtype=np.int64)
        w = np.array(list(self.edges.values()), dtype=float)
        w = np.maximum(w, 1e-9)  # csgraph treats explicit zeros as missing edges
        return coo_matrix(
            (
                np.concatenate([w, w]),
                (np.concatenate([ij[:, 0], ij[:, 1]]), np.concatenate([ij[:, 1], ij[:, 0]])),
            ),
            shape=(n, n),
        )


@dataclass(frozen=True)
class RoadIndex:
    """The roads as noded straight segments (k, 2, 2) [m] and an STRtree over them (None without
    roads): what `design_mv` snaps to, built once for all of a plant's substations."""

    segments: np.ndarray
    tree: shapely.STRtree | None


def road_index(roads: Sequence[LineString]) -> RoadIndex:
    """`RoadIndex` of road centrelines (UTM [m])."""
    segs = _road_segments(roads)
    return RoadIndex(segs, shapely.STRtree(shapely.linestrings(segs)) if len(segs) else None)


def _build_graph(
    roads: Sequence[LineString] | RoadIndex,
    terminals: list[list[tuple[float, float]]],
    keep_out: Callable[[LineString], bool] | None = None,
) -> tuple[_Graph, list[int], list[str]]:
    """Trench graph; terminals: for each, the chain of points ending where it meets the roads
    (e.g. station → access). Returns the graph and each terminal's node (its first point)."""
    g = _Graph()
    warnings: list[str] = []
    index = roads if isinstance(roads, RoadIndex) else road_index(roads)
    segs, tree = index.segments, index.tree
    splits: dict[int, list[tuple[float, int]]] = {}
    term_nodes: list[int] = []
    for chain in terminals:
        ids = [g.node(*p) for p in chain]
        for a, b in itertools.pairwise(ids):
            g.edge(a, b)
        term_nodes.append(ids[0])
        if tree is None:
            continue
        found = _road_snap(chain[-1], segs, tree, keep_out)
        if found is None:
            continue
        j, t, p = found
        snap = g.node(float(p[0]), float(p[1]))
        g.edge(ids[-1], snap)
        splits.setdefault(j, []).append((t, snap))
    for j, (a, b) in enumerate(segs):
        pts = [(0.0, g.node(float(a[0]), float(a[1])))]
        pts += sorted(splits.get(j, []))
        pts.append((1.0, g.node(float(b[0]), float(b[1]))))
        for (_, u), (_, v) in itertools.pairwise(pts):
            g.edge(u, v)
    linked = _link_components(g, term_nodes)
    if linked:
        warnings.append(
            f"{linked} power station(s) are not reachable along the roads: joined by a straight trench"
        )
    return g, term_nodes, warnings


def _road_segments(roads: Sequence[LineString]) -> np.ndarray:
    """The roads as noded straight segments (k, 2, 2) [m], (0, 2, 2) without roads."""
    lines = [r for r in roads if isinstance(r, LineString) and not r.is_empty and r.length > 0]
    segs = np.zeros((0, 2, 2))
    if lines:
        # Snap-rounding to 1 cm nodes a road that ends a float error short of, or past, another.
        noded = shapely.get_parts(shapely.union_all(lines, grid_size=0.01))
        chunks = []
        for part in noded:
            c = np.asarray(shapely.get_coordinates(part))
            if len(c) >= 2:
                chunks.append(np.stack([c[:-1], c[1:]], axis=1))
        if chunks:
            segs = np.concatenate(chunks)
    return segs


def _road_snap(
    end_xy: tuple[float, float],
    segs: np.ndarray,
    tree: shapely.STRtree,
    keep_out: Callable[[LineString], bool] | None,
) -> tuple[int, float, np.ndarray] | None:
    """Where a terminal's end point joins the roads: (segment index, position along it 0..1, point [m]),
    or None when no road point within MAX_SPUR_M [m] may be reached."""
    end = shapely.points(end_xy)
    near = [int(tree.query_nearest(end)[0])]
    if keep_out is not None:
        # The spur to the nearest road may not cut a zone or leave the parcel: else the nearest
        # road point it may reach.
        near += sorted(
            (int(k) for k in tree.query(end, predicate="dwithin", distance=MAX_SPUR_M)),
            key=lambda k: float(shapely.distance(end, LineString(segs[k]))),
        )
    for j in near:
        a, b = segs[j]
        d = b - a
        t = float(np.clip(np.dot(np.asarray(end_xy) - a, d) / max(float(np.dot(d, d)), 1e-12), 0.0, 1.0))
        p = a + t * d
        if math.dist((float(p[0]), float(p[1])), end_xy) > MAX_SPUR_M:
            break
        if keep_out is None or not keep_out(LineString([end_xy, (float(p[0]), float(p[1]))])):
            return j, t, p
    return None


def _link_components(g: _Graph, term_nodes: list[int]) -> int:
    """Pieces the roads do not join to the substation (term_nodes[0]) get a straight link to its
    component; returns how many were linked."""
    n_comp, labels = connected_components(g.matrix(), directed=False)
    if n_comp <= 1:
        return 0
    xy = np.array(g.xy)
    main = labels[term_nodes[0]]
    main_nodes = np.flatnonzero(labels == main)
    kd = cKDTree(xy[main_nodes])
    linked = 0
    for comp in range(n_comp):
        if comp == main:
            continue
        nodes = np.flatnonzero(labels == comp)
        if not any(labels[t] == comp for t in term_nodes):
            continue
        dist, idx = kd.query(xy[nodes])
        k = int(np.argmin(dist))
        g.edge(int(nodes[k]), int(main_nodes[int(idx[k])]))
        linked += 1
    return linked


def _solve_groups(
    dist: np.ndarray, demand: list[int], capacity: int, solutions: int, max_route_m: float | None = None
) -> list[list[int]]:
    """Open capacitated routes from node 0 (OR-Tools routing), each no longer than `max_route_m`
    [m] when given (raised to the farthest station's own distance, so a solution always exists).
    Returns routes of node indices ≥ 1."""
    # Imported here: OR-Tools' native module costs ~50 ms to load and most commands never route feeders.
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(demand)
    cost = np.rint(dist * 10.0).astype(np.int64)  # decimetres
    cost[:, 0] = 0  # a feeder ends at its last station: returning costs nothing
    vehicles = min(n - 1, math.ceil(sum(demand) / capacity) + 2)
    # Route length cap [dm]: a station beyond the cap on its own gets a feeder of its own length.
    reach = int(cost[0, 1:].max()) if n > 1 else 0
    route_cap = max(int(max_route_m * 10.0), reach) if max_route_m is not None else None
    while True:
        manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
        model = pywrapcp.RoutingModel(manager)
        transit = model.RegisterTransitMatrix(cost.tolist())
        model.SetArcCostEvaluatorOfAllVehicles(transit)
        load = model.RegisterUnaryTransitVector(demand)
        model.AddDimensionWithVehicleCapacity(load, 0, [capacity] * vehicles, True, "current")
        if route_cap is not None:
            model.AddDimension(transit, 0, route_cap, True, "length")
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.SAVINGS
        search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        # A count of solutions, not a time limit, bounds the search: the same input gives the same
        # feeders on any machine. 1 = Clarke–Wright savings alone (within ~0.3% of the local
        # optimum on the 1 GWac benchmark, 40x faster).
        search.solution_limit = solutions
        search.time_limit.seconds = SOLVER_TIME_LIMIT_S
        solution = model.SolveWithParameters(search)
        if solution is not None:
            break
        if vehicles >= n - 1:
            raise RuntimeError("the feeder grouping has no solution")
        vehicles = min(n - 1, vehicles * 2)
    routes: list[list[int]] = []
    for v in range(vehicles):
        idx = model.Start(v)
        route: list[int] = []
        idx = solution.Value(model.NextVar(idx))
        while not model.IsEnd(idx):
            route.append(manager.IndexToNode(idx))
            idx = solution.Value(model.NextVar(idx))
        if route:
            routes.append(route)
    return routes


def _path(pred: np.ndarray, src_row: int, target: int, source: int) -> list[int]:
    out = [target]
    while out[-1] != source:
        p = int(pred[src_row, out[-1]])
        if p < 0:
            raise RuntimeError("trench graph path missing")
        out.append(p)
    return out[::-1]


def design_mv(
    roads: Sequence[LineString] | RoadIndex,
    substation_xy: tuple[float, float],
    stations: Sequence[tuple[float, float]],
    access: Sequence[tuple[float, float]],
    station_kva: Sequence[float],
    params: ElectricalParams,
    keep_out: Callable[[LineString], bool] | None = None,
) -> MvResult:
    """Feeders from the substation to every power station. roads: centrelines (UTM LineStrings);
    stations / access: per block, the station and its road end (UTM [m]); station_kva: apparent
    power of each station [kVA]. keep_out: whether a spur (station or substation to its road) would
    run where cables may not (outside the parcel, through a zone); such a spur goes to the nearest
    road point it may reach. roads may be given as their `road_index` (the same for every
    substation of a plant: built once)."""
    chains: list[list[tuple[float, float]]] = [[(float(substation_xy[0]), float(substation_xy[1]))]]
    for s, a in zip(stations, access, strict=True):
        chain = [(float(s[0]), float(s[1]))]
        if math.dist(s, a) > SNAP_M:
            chain.append((float(a[0]), float(a[1])))
        chains.append(chain)
    g, term, warnings = _build_graph(roads, chains, keep_out)
    mat = g.matrix().tocsr()
    dist_all, pred = dijkstra(mat, directed=False, indices=term, return_predecessors=True)
    dist = dist_all[:, term]
    v_ll = params.mv_voltage_kv * 1000.0
    current = np.asarray(station_kva, dtype=float) * 1000.0 / (SQRT3 * v_ll)
    demand, cap, capacity_a = _demands(current, params, warnings)
    routes = (
        _solve_groups(dist, demand, cap, params.mv_search_solutions, params.mv_max_feeder_m)
        if len(stations)
        else []
    )
    net = _Network(xy=np.array(g.xy), pred=pred, term=term, dist=dist)
    used: set[tuple[int, int]] = set()
    feeders = [
        _feeder(f, route, net, current, station_kva, params, used, warnings) for f, route in enumerate(routes)
    ]
    trench_lines = [np.array([net.xy[a], net.xy[b]]) for a, b in sorted(used)]
    merged: list[np.ndarray] = []
    if trench_lines:
        m = shapely.line_merge(shapely.MultiLineString([t.tolist() for t in trench_lines]))
        merged = [np.asarray(shapely.get_coordinates(p)) for p in shapely.get_parts(m)]
    return MvResult(
        feeders=tuple(feeders),
        trench_lines=merged,
        trench_m=float(sum(g.edges[e] for e in used)),
        capacity_a=capacity_a,
        warnings=warnings,
    )


def _demands(
    current: np.ndarray, params: ElectricalParams, warnings: list[str]
) -> tuple[list[int], int, float]:
    """The routing problem's demands (the substation's 0, then each station's current [0.1 A]) and
    capacity [0.1 A], and the feeder capacity [A] (margin × the largest conductor's ampacity). A
    station drawing more than that is warned and gets its own feeder."""
    largest = AL_MV_35KV[-1]
    capacity_a = params.mv_ampacity_margin * largest.ampacity_a
    demand = [0] + [max(1, math.ceil(c * 10)) for c in current]
    cap = int(capacity_a * 10)
    over = [i for i, d in enumerate(demand) if d > cap]
    if over:
        warnings.append(
            f"{len(over)} power station(s) draw more than one {largest.name} feeder carries "
            f"({capacity_a:.0f} A): each gets its own feeder, over its ampacity"
        )
        demand = [min(d, cap) for d in demand]
    return demand, cap, capacity_a


@dataclass(frozen=True, kw_only=True)
class _Network:
    """The trench graph as the feeders read it: node positions (UTM [m]), Dijkstra predecessors
    and distances [m] between the terminals (`term`: node of the substation, then each station)."""

    xy: np.ndarray
    pred: np.ndarray
    term: list[int]
    dist: np.ndarray


def _feeder(
    f: int,
    route: list[int],
    net: _Network,
    current: np.ndarray,
    station_kva: Sequence[float],
    params: ElectricalParams,
    used: set[tuple[int, int]],
    warnings: list[str],
) -> MvFeeder:
    """Feeder `f` along `route` (terminals, 1-based stations): its legs sized for the current
    beyond them [A] and upsized until the drop is within `vdrop_mv_pct` (else warned); the trench
    edges it uses are added to `used`."""
    r_temp = params.conductor_temp_c
    blocks = [n - 1 for n in route]
    prev = 0
    legs_nodes: list[list[int]] = []
    for node in route:
        legs_nodes.append(_path(net.pred, prev, net.term[node], net.term[prev]))
        prev = node
    leg_current = np.cumsum(current[blocks][::-1])[::-1]
    lengths = np.array([float(net.dist[a, b]) for a, b in zip([0, *route[:-1]], route, strict=True)])
    size = _leg_sizes(leg_current, lengths, params)
    legs = []
    for k, nodes in enumerate(legs_nodes):
        c = AL_MV_35KV[int(size[k])]
        for na, nb in itertools.pairwise(nodes):
            used.add((na, nb) if na < nb else (nb, na))
        legs.append(
            MvLeg(
                feeder=f,
                index=k,
                path=net.xy[nodes],
                length_m=float(lengths[k]),
                current_a=float(leg_current[k]),
                conductor=c,
                loss_w=float(3.0 * leg_current[k] ** 2 * c.r_ohm_per_m(r_temp) * lengths[k]),
            )
        )
    d = _drop_pct(size, leg_current, lengths, params)
    if lengths.sum() > params.mv_max_feeder_m + 1.0:
        warnings.append(
            f"feeder {f + 1} runs {lengths.sum():,.0f} m > the {params.mv_max_feeder_m:,.0f} m "
            "MV feeder limit"
        )
    if d > params.vdrop_mv_pct:
        warnings.append(f"feeder {f + 1} drops {d:.2f}% > {params.vdrop_mv_pct}% at the largest size")
    return MvFeeder(
        index=f,
        blocks=tuple(blocks),
        mva=float(sum(station_kva[b] for b in blocks) / 1000.0),
        length_m=float(lengths.sum()),
        loss_w=float(sum(leg.loss_w for leg in legs)),
        drop_pct=d,
        legs=tuple(legs),
    )


def _leg_sizes(leg_current: np.ndarray, lengths: np.ndarray, params: ElectricalParams) -> np.ndarray:
    """Each leg's conductor (index into AL_MV_35KV): the smallest carrying its current [A] with
    the ampacity margin (else the largest), all stepped up together while the feeder's drop
    exceeds `vdrop_mv_pct` and a larger size exists."""
    amp = np.array([c.ampacity_a for c in AL_MV_35KV])
    size = np.array([int(np.argmax(amp * params.mv_ampacity_margin >= i - 1e-9)) for i in leg_current])
    size[leg_current > amp[-1] * params.mv_ampacity_margin] = len(AL_MV_35KV) - 1
    while (
        _drop_pct(size, leg_current, lengths, params) > params.vdrop_mv_pct
        and (size < len(AL_MV_35KV) - 1).any()
    ):
        size = np.minimum(size + 1, len(AL_MV_35KV) - 1)
    return size


def _drop_pct(
    size: np.ndarray, leg_current: np.ndarray, lengths: np.ndarray, params: ElectricalParams
) -> float:
    """A feeder's voltage drop [%] at the far end: Σ √3 · I · R · L over its legs / V_LL."""
    r = np.array([AL_MV_35KV[s].r_ohm_per_m(params.conductor_temp_c) for s in size])
    v_ll = params.mv_voltage_kv * 1000.0
    return float((SQRT3 * leg_current * r * lengths).sum() / v_ll * 100.0)
