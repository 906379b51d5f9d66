"""Access roads: least-cost paths over a graph of grid cells whose edges carry their own grade,
joined as a minimum spanning tree over least-cost distances; every road within its grade limit.

All coordinates are in the grid's CRS (the site's UTM zone) [m]. The pipeline:
1. the graph (`app.engine.civil.road_graph`): each cell joined to its 8 neighbours and, where the
   ground asks for it, its 8 knight-move neighbours; an edge costs its run × (node factor × (1 +
   (grade/max)²) + crossing surcharge) plus the grading that brings it to the limit; an edge more
   than the grading allowance over the limit is forbidden. Node factor ×4 under soft footprints
   (roads prefer the aisles), ×0.3 along road reserves, impassable outside the boundary, inside
   exclusions and on equipment. Cells count as passable only if their centre keeps 0.75 cell from
   every obstacle and every equipment footprint (a knight move also needs the two cells it cuts
   through), so any step stays clear of them;
2. candidate edges: Delaunay neighbours among the terminals (entry, hub, block access points);
3. edge weights: one `scipy.sparse.csgraph.dijkstra` run per terminal, in a window around it and
   its neighbours, also tracing the paths back;
4. `scipy.sparse.csgraph.minimum_spanning_tree`; pieces left disconnected are joined by one
   full-grid run from the entry's component; a terminal still cut off (by zones, or by ground no
   road within grade climbs) is unreachable. Only the gen-tie (`steep_fallback`) is then laid over
   the steep ground, flagged and warned;
5. edges walked outward from the entry, each cut where it meets the network already built, so
   roads never double up; classes: spine (entry to hub and trunks serving a quarter of the
   terminals), spur (to a single terminal), secondary (the rest);
6. each road, with its leads to the exact entry / access point, graded (`road_earthwork`, clamped
   to the maximum grade: cut / fill counted) and split where its design grade crosses the maximum,
   so only a steep fallback's steep part is flagged `compliant=False` (`app.engine.civil.road_grades`).
A road reaches its own terminal by a straight lead-out from the last cell when that stays clear
of every footprint; simplification and the entry lead-in keep the same clearance, and simplifying
never moves a road onto steeper ground.
"""

from __future__ import annotations

import copy
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from rasterio import features
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.profiles import RoadSpec
from app.engine.civil.earthwork import road_earthwork
from app.engine.civil.road_grades import GRADE_SLACK_PCT, LEAD_CELLS, graded_runs, ground_grade_pct
from app.engine.civil.road_graph import RoadGraph, grade_components
from app.engine.civil.zones import CROSSING_CELL_COST
from app.engine.core.grid import Grid

FOOTPRINT_COST_FACTOR = 4.0
# Road reserves left for roads through PV fields: cheaper than open ground, so routes follow them.
PREFERRED_COST_FACTOR = 0.3
WINDOW_MARGIN_CELLS = 12


@dataclass(frozen=True, kw_only=True)
class RoadSegment:
    """One road in UTM: geometry [m], class, width [m], length [m], grade [%], volumes [m³].

    compliant: the steepest design grade is within the profile's maximum (a truck can climb it)."""

    geometry: LineString
    road_class: str
    width_m: float
    length_m: float
    max_grade_pct: float
    cut_m3: float
    fill_m3: float
    compliant: bool
    label: str

    @property
    def steep(self) -> bool:
        return not self.compliant


@dataclass(frozen=True, kw_only=True)
class RoadNetwork:
    segments: list[RoadSegment]
    warnings: list[str]
    unreachable: list[int]  # terminal indices that could not be connected


def _passable(
    grid: Grid,
    boundary: BaseGeometry,
    obstacles: Sequence[BaseGeometry],
    equipment: Sequence[BaseGeometry] = (),
) -> np.ndarray:
    res = grid.resolution_m
    inner = boundary.buffer(-0.75 * res)
    if inner.is_empty:
        return np.zeros(grid.shape, dtype=bool)
    ok: np.ndarray = features.geometry_mask(
        [inner], out_shape=grid.shape, transform=grid.transform, invert=True, all_touched=False
    )
    if obstacles:
        grown = shapely.union_all([o.buffer(0.75 * res) for o in obstacles])
        if not grown.is_empty:
            ok &= features.geometry_mask(
                [grown], out_shape=grid.shape, transform=grid.transform, invert=False, all_touched=False
            )
    if equipment:
        # Mitred: a rectangle grown with square corners contains its true (rounded) reach.
        grown_eq = shapely.buffer(np.asarray(equipment, dtype=object), 0.75 * res, join_style="mitre")
        ok &= ~_cells(grid, grown_eq)
    return ok


def _cells(grid: Grid, geoms: Iterable[BaseGeometry], *, all_touched: bool = False) -> np.ndarray:
    """Boolean mask of the grid cells the geometries (grid CRS) cover: cells whose centre lies
    inside, or every cell they touch with `all_touched`; all False when there are none."""
    shapes = [(g, 1) for g in geoms if not g.is_empty]
    if not shapes:
        return np.zeros(grid.shape, dtype=bool)
    mask: np.ndarray = features.rasterize(
        shapes, out_shape=grid.shape, transform=grid.transform, fill=0, all_touched=all_touched, dtype="uint8"
    ).astype(bool)
    return mask


class _Clear:
    """Where a centreline may run: inside `allowed` and crossing no equipment footprint."""

    def __init__(self, allowed: BaseGeometry, equipment: Sequence[BaseGeometry]) -> None:
        self.allowed = allowed
        shapely.prepare(allowed)
        self.tree = shapely.STRtree(list(equipment)) if equipment else None

    def covers(self, line: BaseGeometry) -> bool:
        if not self.allowed.covers(line):
            return False
        return self.tree is None or len(self.tree.query(line, predicate="intersects")) == 0


def _road_graph(
    grid: Grid,
    passable: np.ndarray,
    footprints: Sequence[Polygon],
    spec: RoadSpec,
    preferred: Sequence[LineString],
    crossable: Sequence[BaseGeometry],
    *,
    forbid_over_grade: bool = True,
) -> RoadGraph:
    """The router's graph (`app.engine.civil.road_graph`): node factor 1, ×4 under soft footprints,
    0.3 along road reserves, inf where impassable; cells a crossable zone touches cost
    `CROSSING_CELL_COST` more per metre, so a road crosses only where it must, and square to the zone."""
    factor = np.ones(grid.shape, dtype=np.float64)
    if footprints:
        factor[_cells(grid, footprints)] = FOOTPRINT_COST_FACTOR
    if preferred:
        # Every cell a reserve's centreline touches, so a thin reserve stays one connected chain.
        factor[_cells(grid, preferred, all_touched=True)] = PREFERRED_COST_FACTOR
    factor[~passable] = np.inf
    surcharge = np.zeros(grid.shape, dtype=np.float64)
    if crossable:
        surcharge[_cells(grid, crossable, all_touched=True)] = CROSSING_CELL_COST
    return RoadGraph(
        grid.data,
        factor,
        surcharge,
        resolution_m=grid.resolution_m,
        limit_pct=spec.max_grade_pct,
        width_m=spec.width_m,
        forbid_over_grade=forbid_over_grade,
    )


def _candidate_edges(rc: np.ndarray) -> list[tuple[int, int]]:
    n = len(rc)
    if n < 2:
        return []
    if n <= 4:
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    try:
        # No joggle ("QJ"): it would make the graph depend on Qhull's random numbers.
        simp = Delaunay(rc.astype(float)).simplices
        e = np.concatenate([simp[:, [0, 1]], simp[:, [1, 2]], simp[:, [0, 2]]])
    except (QhullError, ValueError):
        # Degenerate (e.g. all terminals in one row): every pair when few, else 8 nearest.
        if n <= 60:
            return [(i, j) for i in range(n) for j in range(i + 1, n)]
        _, nn = cKDTree(rc.astype(float)).query(rc.astype(float), k=9)
        e = np.stack([np.repeat(np.arange(n), 8), nn[:, 1:].ravel()], axis=1)
    e = np.sort(e, axis=1)
    e = np.unique(e, axis=0)
    return [(int(a), int(b)) for a, b in e if a != b]


def _windowed_paths(
    graph: RoadGraph, rc: np.ndarray, edges: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[float, np.ndarray]]:
    """Least-cost (cost, path cells (m, 2)) for each edge (i, j), from one windowed run per i."""
    nbrs: dict[int, list[int]] = {}
    for i, j in edges:
        nbrs.setdefault(i, []).append(j)
    h, w = graph.shape
    out: dict[tuple[int, int], tuple[float, np.ndarray]] = {}
    for i in sorted(nbrs):
        js = nbrs[i]
        pts = rc[[i, *js]]
        lo = pts.min(axis=0)
        hi = pts.max(axis=0)
        margin = max(WINDOW_MARGIN_CELLS, int(0.5 * max(hi - lo)))
        window = (
            int(max(0, lo[0] - margin)),
            int(min(h, hi[0] + margin + 1)),
            int(max(0, lo[1] - margin)),
            int(min(w, hi[1] + margin + 1)),
        )
        ends = [(int(rc[j, 0]), int(rc[j, 1])) for j in js]
        found = graph.paths([(int(rc[i, 0]), int(rc[i, 1]))], ends, window)
        for j, hit in zip(js, found, strict=True):
            if hit is not None:
                out[(i, j)] = hit
    return out


def _join_components(
    graph: RoadGraph, rc: np.ndarray, labels: np.ndarray, root_label: int
) -> list[tuple[int, int, np.ndarray]]:
    """One full-grid run from every terminal of the root component; for each other component, the
    path from its cheapest terminal. Returns (root-side terminal, other terminal, path)."""
    starts_idx = np.flatnonzero(labels == root_label)
    others = [lab for lab in np.unique(labels) if lab != root_label]
    if not others or len(starts_idx) == 0:
        return []
    starts = [(int(rc[i, 0]), int(rc[i, 1])) for i in starts_idx]
    found = graph.paths(starts, [(int(r), int(c)) for r, c in rc])
    cell_to_terminal = {cell: int(i) for cell, i in zip(starts, starts_idx, strict=True)}
    out = []
    for lab in others:
        members = [int(k) for k in np.flatnonzero(labels == lab) if found[int(k)] is not None]
        if not members:
            continue
        k = min(members, key=lambda m: (found[m] or (np.inf,))[0])
        hit = found[k]
        assert hit is not None
        path = hit[1]
        a = cell_to_terminal[(int(path[0, 0]), int(path[0, 1]))]
        out.append((a, k, path))
    return out


def _simplified(
    coords: np.ndarray, keep: np.ndarray, tolerance_m: float, allowed: _Clear, grid: Grid, limit_pct: float
) -> LineString:
    """Douglas-Peucker per run between kept vertices; a run that would leave `allowed`, or climb
    steeper ground than the cells it was routed on (`ground_grade_pct`, + 0.5 point, unless within
    `limit_pct`), stays raw. Grades are compared away from the line's ends (`LEAD_CELLS`): a lead to
    the exact entry or access point may stand on steep ground, and must not license a steep
    shortcut elsewhere."""
    cut = sorted({0, len(coords) - 1, *np.flatnonzero(keep).tolist()})
    chain = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    lead_m = LEAD_CELLS * grid.resolution_m
    out: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(cut):
        raw = LineString(coords[a : b + 1])
        run = shapely.simplify(raw, tolerance_m, preserve_topology=True)
        skip = {
            "skip_start_m": max(0.0, lead_m - float(chain[a])),
            "skip_end_m": max(0.0, float(chain[b]) - (float(chain[-1]) - lead_m)),
        }
        simpler = len(run.coords) < b + 1 - a
        if simpler and (not allowed.covers(run) or _steeper(grid, run, raw, limit_pct, skip)):
            run = raw
        pts = list(run.coords)
        out.extend(pts if not out else pts[1:])
    return LineString(out)


def _steeper(
    grid: Grid, line: LineString, routed: LineString, limit_pct: float, skip: dict[str, float]
) -> bool:
    """Whether `line` climbs steeper ground (`ground_grade_pct`, with the `skip` lengths [m] left
    out at its ends) than the `routed` line, beyond `limit_pct` [%] and `GRADE_SLACK_PCT`. The
    routed line's grade is only measured when `line` is steeper than the limit: within it, the
    answer is no whatever the routed line's grade."""
    grade = ground_grade_pct(grid, line, **skip)
    if grade <= limit_pct + GRADE_SLACK_PCT:
        return False
    return grade > max(ground_grade_pct(grid, routed, **skip), limit_pct) + GRADE_SLACK_PCT


def _snap_nodes(ground: RoadSite, pts: Sequence[tuple[float, float]]) -> tuple[np.ndarray, list[int]]:
    """Snap each point (x, y) [m] to its nearest passable cell (ties resolved by the EDT's scan
    order; a passable cell is its own nearest, so the EDT is only computed when some point's cell
    is impassable). Returns the unique node cells (n, 2) and each point's node (several points may
    share one cell)."""
    grid, passable = ground.grid, ground.passable
    res = grid.resolution_m
    h, w = grid.shape
    gx0, gy0 = float(grid.transform.c), float(grid.transform.f)
    node_of: dict[tuple[int, int], int] = {}
    node_cells: list[tuple[int, int]] = []
    term_node = []
    for x, y in pts:
        r = min(max(int(np.floor((gy0 - y) / res)), 0), h - 1)
        c = min(max(int(np.floor((x - gx0) / res)), 0), w - 1)
        if passable[r, c]:
            cell = (r, c)
        else:
            nr, nc = ground.nearest()
            cell = (int(nr[r, c]), int(nc[r, c]))
        if cell not in node_of:
            node_of[cell] = len(node_cells)
            node_cells.append(cell)
        term_node.append(node_of[cell])
    return np.asarray(node_cells, dtype=np.int64), term_node


Edge = tuple[int, int]


def _spanning_tree(
    graph: RoadGraph, rc: np.ndarray, root_node: int, fallback: Callable[[], RoadGraph] | None
) -> tuple[list[Edge], dict[Edge, np.ndarray], set[Edge]]:
    """Tree edges over the nodes, their path cells, and the edges laid over forbidden (too steep)
    ground by the `fallback` graph (only when one is given: the gen-tie's steep fallback)."""
    n = len(rc)
    if n <= 1:
        return [], {}, set()
    paths = _windowed_paths(graph, rc, _candidate_edges(rc))
    keys = list(paths)
    rows = np.array([k[0] for k in keys], dtype=np.int64)
    cols = np.array([k[1] for k in keys], dtype=np.int64)
    wts = np.array([max(paths[k][0], 1e-6) for k in keys])
    mst = minimum_spanning_tree(coo_matrix((wts, (rows, cols)), shape=(n, n)).tocsr()).tocoo()
    tree_edges = [(int(a), int(b)) for a, b in zip(mst.row, mst.col, strict=True)]
    tree_paths = {e: paths[e][1] for e in tree_edges}
    steep_edges: set[Edge] = set()
    # Join disconnected pieces: within grade first, then (fallback only) over steep ground.
    passes: list[tuple[Callable[[], RoadGraph], bool]] = [(lambda: graph, False)]
    if fallback is not None:
        passes.append((fallback, True))
    for make, steep in passes:
        ends = ([e[0] for e in tree_edges], [e[1] for e in tree_edges])
        adj = coo_matrix((np.ones(len(tree_edges)), ends), shape=(n, n))
        ncomp, lab = connected_components(adj, directed=False)
        if ncomp <= 1:
            break
        for a, b, path in _join_components(make(), rc, lab, int(lab[root_node])):
            tree_edges.append((a, b))
            tree_paths[(a, b)] = path
            if steep:
                steep_edges.add((a, b))
    return tree_edges, tree_paths, steep_edges


def _tree_order(tree_edges: list[Edge], root_node: int) -> tuple[dict[int, tuple[int, Edge]], list[int]]:
    """Breadth-first from the root: each reached node's (parent, edge) and the visiting order."""
    adjacency: dict[int, list[tuple[int, Edge]]] = {}
    for a, b in tree_edges:
        adjacency.setdefault(a, []).append((b, (a, b)))
        adjacency.setdefault(b, []).append((a, (a, b)))
    parent: dict[int, tuple[int, Edge]] = {}
    order = [root_node]
    seen = {root_node}
    queue = deque([root_node])
    while queue:
        u = queue.popleft()
        for v, e in sorted(adjacency.get(u, [])):
            if v not in seen:
                seen.add(v)
                parent[v] = (u, e)
                order.append(v)
                queue.append(v)
    return parent, order


def _reach_warnings(
    term_node: list[int], reached: set[int], n_term: int, labels: Sequence[str], limit_pct: float
) -> tuple[list[int], list[str]]:
    """Terminal indices no road reaches, and the warnings for them and for lost site entries
    (points: entry, terminals, further entries, as `term_node` lists them)."""
    warnings: list[str] = []
    unreachable = [i - 1 for i, node in enumerate(term_node) if 0 < i <= n_term and node not in reached]
    lost = [k + 2 for k, node in enumerate(term_node[1 + n_term :]) if node not in reached]
    if lost:
        warnings.append(
            f"site entr{'y' if len(lost) == 1 else 'ies'} {', '.join(map(str, lost))} cannot be joined "
            f"to the plant's roads (cut off by zones no road may cross, or by ground no road within "
            f"{limit_pct:g}% grade can climb)"
        )
    if unreachable:
        names = ", ".join(labels[i] for i in unreachable[:5])
        more = f" and {len(unreachable) - 5} more" if len(unreachable) > 5 else ""
        warnings.append(
            f"no road can reach {len(unreachable)} asset access point(s) (zones no road may cross, or "
            f"ground no road within {limit_pct:g}% grade can climb): {names}{more}"
        )
    return unreachable, warnings


def _road_classes(
    order: list[int], parent: dict[int, tuple[int, Edge]], hub_node: int, spec: RoadSpec
) -> dict[int, tuple[str, float]]:
    """(class, width [m]) of the road to each node: spine on the entry-to-hub path and trunks
    serving a quarter of the terminals (or three), spur to a single terminal, secondary otherwise."""
    size = {u: 1 for u in order}
    for u in reversed(order[1:]):
        size[parent[u][0]] += size[u]
    spine_nodes = set()
    u = hub_node
    while u in parent:
        spine_nodes.add(u)
        u = parent[u][0]
    total = max(1, len(order))
    out: dict[int, tuple[str, float]] = {}
    for v in order[1:]:
        if v in spine_nodes or size[v] >= max(3, 0.25 * total):
            out[v] = ("spine", spec.width_m)
        elif size[v] == 1:
            out[v] = ("spur", spec.spur_width_m)
        else:
            out[v] = ("secondary", spec.secondary_width_m)
    return out


def _node_names(
    term_node: list[int], pts: Sequence[tuple[float, float]], labels: Sequence[str], n_term: int
) -> tuple[dict[int, str], dict[int, tuple[float, float]]]:
    """Each node's name (the first point snapped to it: "site entry" or its terminal's label) and
    that point (x, y) [m]."""
    node_label: dict[int, str] = {}
    node_point: dict[int, tuple[float, float]] = {}
    for i, node in enumerate(term_node):
        node_label.setdefault(node, "site entry" if i == 0 or i > n_term else labels[i - 1])
        node_point.setdefault(node, pts[i])
    return node_label, node_point


@dataclass(frozen=True, kw_only=True)
class _Piece:
    """One road piece: the node it serves, its tree edge, path cells (network side first) and the
    entry it starts at (when it leaves the root itself)."""

    node: int
    edge: Edge
    path: np.ndarray
    entry: Point | None


def _pieces(
    order: list[int],
    parent: dict[int, tuple[int, Edge]],
    tree_paths: dict[Edge, np.ndarray],
    rc: np.ndarray,
    root_node: int,
    root: Point,
    shape: tuple[int, int],
) -> list[_Piece]:
    """Cut every tree edge where it meets the network built so far (network -> terminal order), so
    roads never double up."""
    on_network = np.zeros(shape, dtype=bool)
    on_network[rc[root_node, 0], rc[root_node, 1]] = True
    out: list[_Piece] = []
    for v in order[1:]:
        u, e = parent[v]
        path = tree_paths[e]
        if tuple(path[0]) != tuple(rc[v]):
            path = path[::-1]  # orient child -> parent
        hit = on_network[path[:, 0], path[:, 1]]
        stop = int(np.argmax(hit)) if hit.any() else len(path) - 1
        reaches_root = root if u == root_node and stop == len(path) - 1 else None
        path = path[: stop + 1]
        on_network[path[:, 0], path[:, 1]] = True
        if len(path) >= 2:
            out.append(_Piece(node=v, edge=e, path=path[::-1], entry=reaches_root))
    return out


def _with_lead(
    grid: Grid,
    coords: np.ndarray,
    z: np.ndarray,
    keep: np.ndarray,
    point: tuple[float, float],
    *,
    at_start: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The centreline (coords [m], ground z [m], kept-vertex flags) with `point` added at its start
    or end; the point's ground is its cell's elevation (NaN off the grid: interpolated when graded)."""
    zp = grid.sample(np.array([point[0]]), np.array([point[1]])).astype(np.float64)
    p = np.asarray([point], dtype=np.float64)
    if at_start:
        return np.vstack([p, coords]), np.concatenate([zp, z]), np.concatenate([[True], keep])
    return np.vstack([coords, p]), np.concatenate([z, zp]), np.concatenate([keep, [True]])


@dataclass(kw_only=True)
class _Draw:
    """What turning a piece into road segments needs: the grid, where centrelines may run, the
    cells to keep when simplifying (junctions), each node's name and point, the road limit."""

    grid: Grid
    allowed: _Clear
    junction: np.ndarray
    node_label: dict[int, str]
    node_point: dict[int, tuple[float, float]]
    limit_pct: float
    entry_joined: set[int]


def _piece_segments(
    piece: _Piece, road_class: tuple[str, float], steep: bool, draw: _Draw
) -> tuple[list[RoadSegment], list[str]]:
    """Grade one piece (`road_earthwork`, clamped to the limit unless laid `steep`), split it where
    its design grade crosses the limit, simplify each run and join the entry / terminal points."""
    grid, res, limit = draw.grid, draw.grid.resolution_m, draw.limit_pct
    path, v = piece.path, piece.node
    xs = float(grid.transform.c) + (path[:, 1] + 0.5) * res
    ys = float(grid.transform.f) - (path[:, 0] + 0.5) * res
    coords = np.column_stack([xs, ys])
    z = grid.data[path[:, 0], path[:, 1]].astype(np.float64)
    keep = draw.junction[path[:, 0], path[:, 1]]
    # Straight leads from the exact entry point / to the terminal's own access point, when they
    # stay clear: graded with the road (their ground is the cell under each point).
    ent = piece.entry
    lead_in = LineString([(ent.x, ent.y), coords[0]]) if ent is not None else None
    if (
        ent is not None
        and lead_in is not None
        and id(ent) not in draw.entry_joined
        and lead_in.length > 1e-6
        and draw.allowed.covers(lead_in)
    ):
        draw.entry_joined.add(id(ent))
        coords, z, keep = _with_lead(grid, coords, z, keep, (ent.x, ent.y), at_start=True)
    if v in draw.node_point:
        tx, ty = draw.node_point[v]
        out = LineString([coords[-1], (tx, ty)])
        if out.length > 1e-6 and draw.allowed.covers(out):
            coords, z, keep = _with_lead(grid, coords, z, keep, (tx, ty), at_start=False)
    chain = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    cls, width = road_class
    ew = road_earthwork(chain, z, width_m=width, max_grade_pct=None if steep else limit)
    runs = graded_runs(chain, z, ew.design_m, width_m=width, limit_pct=limit, min_compliant_m=2 * res)
    for run in runs:
        keep[run.start] = keep[run.end] = True
    name = f"{cls} to {draw.node_label.get(v, 'junction')}"
    segments: list[RoadSegment] = []
    for run in runs:
        line = _simplified(
            coords[run.start : run.end + 1],
            keep[run.start : run.end + 1],
            res * 0.5,
            draw.allowed,
            grid,
            limit,
        )
        segments.append(
            RoadSegment(
                geometry=line,
                road_class=cls,
                width_m=width,
                length_m=float(line.length),
                max_grade_pct=run.max_grade_pct,
                cut_m3=run.cut_m3,
                fill_m3=run.fill_m3,
                compliant=run.compliant,
                label=name if run.compliant else f"{name} (over {limit:g}% grade)",
            )
        )
    steep_parts = [g for g in segments if not g.compliant]
    if not steep_parts:
        return segments, []
    over_m = sum(g.length_m for g in steep_parts)
    worst = max(g.max_grade_pct for g in steep_parts)
    # Never print "10.0% (max 10%)": show the digit that makes the excess visible.
    shown = f"{worst:.1f}" if f"{worst:.1f}" != f"{limit:.1f}" else f"{worst:.2f}"
    return segments, [
        f"road '{name}' reaches {shown}% grade (max {limit:g}%) over {over_m:,.0f} m: "
        "no compliant route exists"
    ]


def route_roads(
    *,
    grid: Grid,
    slope_deg: np.ndarray,
    boundary: BaseGeometry,
    obstacles: Sequence[BaseGeometry],
    footprints: Sequence[Polygon],
    terminals: Sequence[tuple[float, float]],
    labels: Sequence[str],
    root: Point,
    hub: int,
    spec: RoadSpec,
    preferred: Sequence[LineString] = (),
    equipment: Sequence[BaseGeometry] = (),
    crossable: Sequence[BaseGeometry] = (),
    more_roots: Sequence[Point] = (),
    steep_fallback: bool = False,
) -> RoadNetwork:
    """Route the road network in UTM [m], every edge within `spec.max_grade_pct` after grading.

    terminals: access points (x, y) to connect; labels: their names for warnings; root: the site
    entry; hub: index into `terminals` of the substation's access point; obstacles: exclusion zones
    (with their buffers) roads must avoid; equipment: footprints no road centreline may cross
    (substation, power stations, BESS, O&M, turbines...; cells within 0.75 cell of one are
    impassable, and a road reaches its own terminal by a straight lead-out only when that crosses
    none); footprints: soft footprints roads may cross at a higher cost; preferred: road reserve
    centrelines (through PV fields) routes should follow (lower cost); crossable: zones roads may
    cross at a cost per cell (`app.engine.civil.zones`), not in `obstacles`; more_roots: further site
    entries, each joined to the network like a terminal (MV cables follow the roads, so every road
    must lead to the substation: an entry is a way in, not a network of its own); an entry no road
    can join is warned. slope_deg: the grid's slope [°]; cells without one (no DEM data) are
    impassable. Grades are the roads' own (`app.engine.civil.road_graph`): a terminal reached only
    over ground steeper than the limit after grading is listed in `unreachable` and warned about;
    with `steep_fallback` (the gen-tie: an overhead line) it is joined over the steep ground
    instead, and that road is flagged `compliant=False` and warned about (only the steep part).
    """
    ground = RoadSite(
        grid=grid, slope_deg=slope_deg, boundary=boundary, obstacles=obstacles, footprints=footprints,
        spec=spec, preferred=preferred, equipment=equipment, crossable=crossable,
    )  # fmt: skip
    return route_on(
        ground, terminals=terminals, labels=labels, root=root, hub=hub, more_roots=more_roots,
        steep_fallback=steep_fallback,
    )  # fmt: skip


class RoadSite:
    """What `route_roads` derives from the site before it routes: the passable cells, the cost
    graph (and its steep-fallback twin, built when first asked for) and where a centreline may run.
    Built once, it serves every network routed over the same ground, obstacles, equipment,
    footprints and reserves (`route_roads_by_group`: one network per substation group); nothing in
    it changes while routing. Arguments as `route_roads` (UTM [m])."""

    def __init__(
        self,
        *,
        grid: Grid,
        slope_deg: np.ndarray,
        boundary: BaseGeometry,
        obstacles: Sequence[BaseGeometry],
        footprints: Sequence[Polygon],
        spec: RoadSpec,
        preferred: Sequence[LineString] = (),
        equipment: Sequence[BaseGeometry] = (),
        crossable: Sequence[BaseGeometry] = (),
    ) -> None:
        self.grid, self.spec = grid, spec
        self.boundary, self.obstacles, self.equipment = boundary, obstacles, equipment
        self.footprints, self.preferred, self.crossable = footprints, preferred, crossable
        self.passable = _passable(grid, boundary, obstacles, equipment) & np.isfinite(slope_deg)
        self.graph = (
            _road_graph(grid, self.passable, footprints, spec, preferred, crossable)
            if self.passable.any()
            else None
        )
        self._steep: RoadGraph | None = None
        self._allowed: _Clear | None = None
        self._area: BaseGeometry | None = None
        self._nearest: tuple[np.ndarray, np.ndarray] | None = None

    def with_equipment(self, more: Sequence[BaseGeometry]) -> RoadSite:
        """This site with further equipment footprints `more` (UTM [m]): the site `RoadSite` builds
        with `equipment` + `more`, derived without building its graph again (the cells the
        footprints make impassable have their edges removed, `RoadGraph.without`; a cell is
        impassable when any footprint covers it, so footprints may be added one set at a time)."""
        if not more:
            return self
        # Grown as `_passable` grows equipment.
        res = self.grid.resolution_m
        grown = shapely.buffer(np.asarray(list(more), dtype=object), 0.75 * res, join_style="mitre")
        blocked = self.passable & _cells(self.grid, grown)
        out = copy.copy(self)
        out.equipment = [*self.equipment, *more]
        out.passable = self.passable & ~blocked
        out.graph = self.graph.without(blocked) if self.graph is not None and out.passable.any() else None
        out._steep = None
        out._allowed = None
        out._nearest = None
        return out

    def nearest(self) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's nearest passable cell (rows, cols; the EDT's, computed once)."""
        if self._nearest is None:
            _, (nr, nc) = ndimage.distance_transform_edt(~self.passable, return_indices=True)
            self._nearest = (nr, nc)
        return self._nearest

    def steep(self) -> RoadGraph:
        """The graph that keeps edges over the grade limit (priced): the gen-tie's fallback."""
        if self._steep is None:
            self._steep = _road_graph(
                self.grid, self.passable, self.footprints, self.spec, self.preferred, self.crossable,
                forbid_over_grade=False,
            )  # fmt: skip
        return self._steep

    def allowed(self) -> _Clear:
        """Where a centreline may run: the parcel outside the obstacles, crossing no equipment."""
        if self._allowed is None:
            if self._area is None:
                # Shared with the sites derived from this one (`with_equipment`): same parcel.
                obstacles, boundary = self.obstacles, self.boundary
                self._area = (
                    boundary.difference(shapely.union_all(list(obstacles))) if obstacles else boundary
                )
            self._allowed = _Clear(self._area, self.equipment)
        return self._allowed


def route_on(
    ground: RoadSite,
    *,
    terminals: Sequence[tuple[float, float]],
    labels: Sequence[str],
    root: Point,
    hub: int,
    more_roots: Sequence[Point] = (),
    steep_fallback: bool = False,
) -> RoadNetwork:
    """`route_roads` over a `RoadSite` already built (arguments as there)."""
    graph, grid, spec = ground.graph, ground.grid, ground.spec
    if graph is None:
        return RoadNetwork(
            segments=[], warnings=["no passable ground for roads"], unreachable=list(range(len(terminals)))
        )
    n_term = len(terminals)
    pts = [(root.x, root.y), *terminals, *((p.x, p.y) for p in more_roots)]
    rc, term_node = _snap_nodes(ground, pts)
    root_node, hub_node = term_node[0], term_node[1 + hub]
    tree_edges, tree_paths, steep_edges = _spanning_tree(
        graph, rc, root_node, ground.steep if steep_fallback else None
    )
    parent, order = _tree_order(tree_edges, root_node)
    unreachable, warnings = _reach_warnings(term_node, set(order), n_term, labels, spec.max_grade_pct)
    classes = _road_classes(order, parent, hub_node, spec)
    node_label, node_point = _node_names(term_node, pts, labels, n_term)
    pieces = _pieces(order, parent, tree_paths, rc, root_node, root, grid.shape)
    # Junctions (where a piece starts on another) must survive simplification, or pieces would
    # no longer touch: split there and simplify each run separately (end points are kept).
    junction = np.zeros(grid.shape, dtype=bool)
    for piece in pieces:
        junction[piece.path[[0, -1], 0], piece.path[[0, -1], 1]] = True
    draw = _Draw(
        grid=grid,
        allowed=ground.allowed(),
        junction=junction,
        node_label=node_label,
        node_point=node_point,
        limit_pct=spec.max_grade_pct,
        entry_joined=set(),
    )
    segments: list[RoadSegment] = []
    for piece in pieces:
        segs, warns = _piece_segments(piece, classes[piece.node], piece.edge in steep_edges, draw)
        segments.extend(segs)
        warnings.extend(warns)
    return RoadNetwork(segments=segments, warnings=warnings, unreachable=unreachable)


@dataclass(frozen=True, kw_only=True)
class RoadGround:
    """Where roads can go (UTM grid cells): `labels` numbers the 8-connected pieces of passable
    ground (0 = impassable), `reached` the labels an entry reaches."""

    labels: np.ndarray
    reached: frozenset[int]
    grid: Grid
    # The label of each entry's piece of ground, in the order the entries were given.
    entry_labels: tuple[int, ...] = ()

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        res = self.grid.resolution_m
        h, w = self.labels.shape
        r = min(max(int(np.floor((float(self.grid.transform.f) - y) / res)), 0), h - 1)
        c = min(max(int(np.floor((x - float(self.grid.transform.c)) / res)), 0), w - 1)
        return r, c

    def reaches(self, geom: BaseGeometry) -> bool:
        """Whether any passable cell `geom` touches is on reached ground."""
        return bool(self.labels_at(geom))

    def around(self, geom: BaseGeometry) -> RoadGround:
        """The same ground, reached only where `geom` touches reached ground (e.g. the substation's
        piece of ground: what its cables can reach without crossing a zone no road crosses)."""
        return replace(self, reached=frozenset(self.labels_at(geom)))

    def unreached_land(self) -> BaseGeometry:
        """The cells (squares, grid CRS) of passable ground on pieces no entry reaches: cut off by
        zones, or by ground steeper than the road grade limit; empty when there are none."""
        mask = (self.labels > 0) & ~np.isin(self.labels, list(self.reached))
        if not mask.any():
            return Polygon()
        polys = [
            shape(geom)
            for geom, _ in features.shapes(mask.astype(np.uint8), mask=mask, transform=self.grid.transform)
        ]
        return shapely.union_all(polys)

    def labels_at(self, geom: BaseGeometry) -> set[int]:
        """The reached labels of the passable cells `geom` touches."""
        if geom.is_empty or not self.reached:
            return set()
        res = self.grid.resolution_m
        minx, miny, maxx, maxy = geom.bounds
        r0, c0 = self.cell_of(minx - res, maxy + res)
        r1, c1 = self.cell_of(maxx + res, miny - res)
        window = self.labels[r0 : r1 + 1, c0 : c1 + 1]
        t = self.grid.transform
        sub = features.geometry_mask(
            [geom],
            out_shape=window.shape,
            transform=type(t)(res, 0.0, t.c + c0 * res, 0.0, -res, t.f - r0 * res),
            invert=True,
            all_touched=True,
        )
        found = window[sub]
        return {int(v) for v in np.unique(found[np.isin(found, list(self.reached))])}


def road_ground(
    grid: Grid,
    boundary: BaseGeometry,
    obstacles: Sequence[BaseGeometry],
    entries: Sequence[Point],
    usable: BaseGeometry | None = None,
    slope_deg: np.ndarray | None = None,
    max_grade_pct: float | None = None,
) -> RoadGround:
    """The ground roads can reach from the site entries (UTM [m]), before anything is placed.

    obstacles: zones no road may cross (with their buffers); crossable zones are not obstacles.
    Passable cells are those `route_roads` may use (0.75 cell clear of the boundary and every
    obstacle). With no entry, the piece of ground touching the most `usable` area is taken as
    reached (the road will start from the boundary point nearest the substation). slope_deg: cells
    without a slope (no DEM data) are impassable, as the router has them. max_grade_pct: the road
    grade limit [%]: ground joined only over steeper ground (after the router's grading allowance)
    is a piece of its own (`app.engine.civil.road_graph.grade_components`); None: 8-connected
    pieces, whatever their grade."""
    passable = _passable(grid, boundary, obstacles)
    if slope_deg is not None:
        passable &= np.isfinite(slope_deg)
    if max_grade_pct is not None:
        labels, n = grade_components(
            grid.data, passable, resolution_m=grid.resolution_m, limit_pct=max_grade_pct
        )
    else:
        labels, n = ndimage.label(passable, structure=np.ones((3, 3), dtype=bool))
    ground = RoadGround(labels=labels.astype(np.int32), reached=frozenset(), grid=grid)
    if n == 0:
        return ground
    reached: set[int] = set()
    at_entries: list[int] = []
    if entries:
        _, (nr, nc) = ndimage.distance_transform_edt(~passable, return_indices=True)
        for p in entries:
            r, c = ground.cell_of(p.x, p.y)
            at_entries.append(int(labels[nr[r, c], nc[r, c]]))
        reached.update(at_entries)
    else:
        weight = (
            features.geometry_mask(
                [usable], out_shape=grid.shape, transform=grid.transform, invert=True, all_touched=True
            )
            if usable is not None and not usable.is_empty
            else passable
        )
        if slope_deg is not None and max_grade_pct is not None:
            # The piece with the most gentle usable land (a steep slope threaded by contour roads
            # holds no plant), when there is any.
            gentle = weight & (
                np.nan_to_num(slope_deg, nan=90.0) <= np.degrees(np.arctan(max_grade_pct / 100.0))
            )
            weight = gentle if (gentle & passable).any() else weight
        counts = np.bincount(labels[weight & passable].ravel(), minlength=n + 1)
        counts[0] = 0
        reached.add(int(np.argmax(counts)) if counts.any() else 1)
    return RoadGround(
        labels=ground.labels, reached=frozenset(reached), grid=grid, entry_labels=tuple(at_entries)
    )
