"""Access roads: least-cost paths over a slope-weighted cost raster, joined as a minimum spanning
tree over least-cost distances.

All coordinates are in the grid's CRS (the site's UTM zone) [m]. The pipeline:
1. cost raster: 1 + 4·(grade/max_grade)² per cell, ×4 under soft footprints (roads prefer the
   aisles), impassable outside the boundary, inside exclusions, on equipment and - in the strict
   pass - where the terrain is steeper than the maximum grade. Cells count as passable only if
   their centre keeps 0.75 cell from every obstacle and every equipment footprint, so any
   centre-to-centre step (at most √2/2 cell from either end) stays clear of them;
2. candidate edges: Delaunay neighbours among the terminals (entry, hub, block access points);
3. edge weights: one `skimage.graph.MCP_Geometric` run per terminal, in a window around it and its
   neighbours, also tracing the paths back;
4. `scipy.sparse.csgraph.minimum_spanning_tree`; pieces left disconnected are joined by one
   full-grid run from the entry's component (strict, then allowing steep cells, which is warned);
5. edges walked outward from the entry, each cut where it meets the network already built, so
   roads never double up; classes: spine (entry to hub and trunks serving a quarter of the
   terminals), spur (to a single terminal), secondary (the rest);
6. each road graded (`road_earthwork`) and split where its design grade crosses the maximum, so
   only the part a truck cannot climb is flagged `compliant=False` (`app.engine.civil.road_grades`).
A road reaches its own terminal by a straight lead-out from the last cell when that stays clear
of every footprint; simplification and the entry lead-in keep the same clearance.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from rasterio import features
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from skimage.graph import MCP_Geometric

from app.engine.blocks.profiles import RoadSpec
from app.engine.civil.earthwork import road_earthwork
from app.engine.civil.road_grades import graded_runs
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


def _cost_rasters(
    grid: Grid,
    slope_deg: np.ndarray,
    passable: np.ndarray,
    footprints: Sequence[Polygon],
    spec: RoadSpec,
    preferred: Sequence[LineString] = (),
    crossable: Sequence[BaseGeometry] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """(strict, soft) cost rasters; np.inf is impassable. Cells a crossable zone touches cost
    `CROSSING_CELL_COST` more, so a road crosses only where it must, and square to the zone."""
    grade = np.tan(np.radians(np.asarray(slope_deg, dtype=np.float64))) * 100.0
    soft = 1.0 + 4.0 * (grade / spec.max_grade_pct) ** 2
    if footprints:
        soft[_cells(grid, footprints)] *= FOOTPRINT_COST_FACTOR
    if preferred:
        # Every cell a reserve's centreline touches, so a thin reserve stays one connected chain.
        lane = _cells(grid, preferred, all_touched=True)
        soft[lane] = (1.0 + 4.0 * (grade[lane] / spec.max_grade_pct) ** 2) * PREFERRED_COST_FACTOR
    if crossable:
        soft[_cells(grid, crossable, all_touched=True)] += CROSSING_CELL_COST
    soft[~passable | ~np.isfinite(grade)] = np.inf
    strict = soft.copy()
    strict[grade > spec.max_grade_pct] = np.inf
    return strict, soft


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
    cost: np.ndarray, rc: np.ndarray, edges: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[float, np.ndarray]]:
    """Least-cost (cost, path cells (m, 2)) for each edge (i, j), from one windowed run per i."""
    nbrs: dict[int, list[int]] = {}
    for i, j in edges:
        nbrs.setdefault(i, []).append(j)
    h, w = cost.shape
    out: dict[tuple[int, int], tuple[float, np.ndarray]] = {}
    for i in sorted(nbrs):
        js = nbrs[i]
        pts = rc[[i, *js]]
        lo = pts.min(axis=0)
        hi = pts.max(axis=0)
        margin = max(WINDOW_MARGIN_CELLS, int(0.5 * max(hi - lo)))
        r0, c0 = max(0, lo[0] - margin), max(0, lo[1] - margin)
        r1, c1 = min(h, hi[0] + margin + 1), min(w, hi[1] + margin + 1)
        mcp = MCP_Geometric(cost[r0:r1, c0:c1], fully_connected=True)
        start = (int(rc[i, 0] - r0), int(rc[i, 1] - c0))
        ends = [(int(rc[j, 0] - r0), int(rc[j, 1] - c0)) for j in js]
        costs, _ = mcp.find_costs([start], ends, find_all_ends=True)
        for j, end in zip(js, ends, strict=True):
            c = float(costs[end])
            if np.isfinite(c):
                path = np.asarray(mcp.traceback(end), dtype=np.int64) + np.array([r0, c0])
                out[(i, j)] = (c, path)
    return out


def _join_components(
    cost: np.ndarray, rc: np.ndarray, labels: np.ndarray, root_label: int
) -> list[tuple[int, int, np.ndarray]]:
    """One full-grid run from every terminal of the root component; for each other component, the
    path from its cheapest terminal. Returns (root-side terminal, other terminal, path)."""
    starts_idx = np.flatnonzero(labels == root_label)
    others = [lab for lab in np.unique(labels) if lab != root_label]
    if not others or len(starts_idx) == 0:
        return []
    mcp = MCP_Geometric(cost, fully_connected=True)
    starts = [(int(rc[i, 0]), int(rc[i, 1])) for i in starts_idx]
    costs, _ = mcp.find_costs(starts)
    cell_to_terminal = {(int(rc[i, 0]), int(rc[i, 1])): int(i) for i in starts_idx}
    out = []
    for lab in others:
        members = np.flatnonzero(labels == lab)
        c = costs[rc[members, 0], rc[members, 1]]
        if not np.isfinite(c).any():
            continue
        k = int(members[int(np.argmin(c))])
        path = np.asarray(mcp.traceback((int(rc[k, 0]), int(rc[k, 1]))), dtype=np.int64)
        a = cell_to_terminal[(int(path[0, 0]), int(path[0, 1]))]
        out.append((a, k, path))
    return out


def _simplified(coords: np.ndarray, keep: np.ndarray, tolerance_m: float, allowed: _Clear) -> LineString:
    """Douglas-Peucker per run between kept vertices; a run that would leave `allowed` stays raw."""
    cut = sorted({0, len(coords) - 1, *np.flatnonzero(keep).tolist()})
    out: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(cut):
        raw = LineString(coords[a : b + 1])
        run = shapely.simplify(raw, tolerance_m, preserve_topology=True)
        if not allowed.covers(run):
            run = raw
        pts = list(run.coords)
        out.extend(pts if not out else pts[1:])
    return LineString(out)


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
) -> RoadNetwork:
    """Route the road network in UTM [m].

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
    can join is warned. Terminals that cannot be
    reached are listed in `unreachable` and warned about. Each segment carries `compliant`
    (design grade within `spec.max_grade_pct`); steep roads are split so only the steep part is
    flagged, and each steep road is warned about.
    """
    warnings: list[str] = []
    res = grid.resolution_m
    passable = _passable(grid, boundary, obstacles, equipment)
    if not passable.any():
        return RoadNetwork(
            segments=[], warnings=["no passable ground for roads"], unreachable=list(range(len(terminals)))
        )
    strict, soft = _cost_rasters(grid, slope_deg, passable, footprints, spec, preferred, crossable)
    # Snap every point to its nearest passable cell (ties resolved by the EDT's scan order).
    _, (nr, nc) = ndimage.distance_transform_edt(~passable, return_indices=True)
    n_term = len(terminals)
    pts = [(root.x, root.y), *terminals, *((p.x, p.y) for p in more_roots)]
    h, w = grid.shape
    gx0, gy0 = float(grid.transform.c), float(grid.transform.f)
    cells = []
    for x, y in pts:
        r = min(max(int(np.floor((gy0 - y) / res)), 0), h - 1)
        c = min(max(int(np.floor((x - gx0) / res)), 0), w - 1)
        cells.append((int(nr[r, c]), int(nc[r, c])))
    # Unique nodes (several terminals may snap to one cell); node 0 is the entry.
    node_of: dict[tuple[int, int], int] = {}
    node_cells: list[tuple[int, int]] = []
    term_node = []
    for cell in cells:
        if cell not in node_of:
            node_of[cell] = len(node_cells)
            node_cells.append(cell)
        term_node.append(node_of[cell])
    rc = np.asarray(node_cells, dtype=np.int64)
    n = len(rc)
    root_node = term_node[0]
    hub_node = term_node[1 + hub]
    edges = _candidate_edges(rc)
    paths = _windowed_paths(strict, rc, edges)
    steep_edges: set[tuple[int, int]] = set()
    if n > 1:
        keys = list(paths)
        rows = np.array([k[0] for k in keys], dtype=np.int64)
        cols = np.array([k[1] for k in keys], dtype=np.int64)
        wts = np.array([max(paths[k][0], 1e-6) for k in keys])
        mst = minimum_spanning_tree(coo_matrix((wts, (rows, cols)), shape=(n, n)).tocsr()).tocoo()
        tree_edges = [(int(a), int(b)) for a, b in zip(mst.row, mst.col, strict=True)]
        tree_paths = {e: paths[e][1] for e in tree_edges}
        # Join disconnected pieces: strict first, then over steep ground.
        for costs, steep in ((strict, False), (soft, True)):
            ends = ([e[0] for e in tree_edges], [e[1] for e in tree_edges])
            adj = coo_matrix((np.ones(len(tree_edges)), ends), shape=(n, n))
            ncomp, lab = connected_components(adj, directed=False)
            if ncomp <= 1:
                break
            for a, b, path in _join_components(costs, rc, lab, int(lab[root_node])):
                tree_edges.append((a, b))
                tree_paths[(a, b)] = path
                if steep:
                    steep_edges.add((a, b))
    else:
        tree_edges, tree_paths = [], {}

    adjacency: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for a, b in tree_edges:
        adjacency.setdefault(a, []).append((b, (a, b)))
        adjacency.setdefault(b, []).append((a, (a, b)))
    parent: dict[int, tuple[int, tuple[int, int]]] = {}
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
    unreachable_nodes = set(range(n)) - seen
    unreachable = [i - 1 for i, node in enumerate(term_node) if 0 < i <= n_term and node in unreachable_nodes]
    lost = [k + 2 for k in range(len(more_roots)) if term_node[1 + n_term + k] in unreachable_nodes]
    if lost:
        warnings.append(
            f"site entr{'y' if len(lost) == 1 else 'ies'} {', '.join(map(str, lost))} cannot be joined "
            "to the plant's roads (cut off by zones no road may cross)"
        )
    if unreachable:
        names = ", ".join(labels[i] for i in unreachable[:5])
        more = f" and {len(unreachable) - 5} more" if len(unreachable) > 5 else ""
        warnings.append(f"no road can reach {len(unreachable)} asset access point(s): {names}{more}")

    # Subtree sizes (terminals served) for classing; spine = entry-to-hub path.
    size = {u: 1 for u in order}
    for u in reversed(order[1:]):
        size[parent[u][0]] += size[u]
    spine_nodes = set()
    u = hub_node
    while u in parent:
        spine_nodes.add(u)
        u = parent[u][0]
    total = max(1, len(order))
    node_label: dict[int, str] = {}
    node_point: dict[int, tuple[float, float]] = {}
    for i, node in enumerate(term_node):
        node_label.setdefault(node, "site entry" if i == 0 or i > n_term else labels[i - 1])
        node_point.setdefault(node, pts[i])

    allowed = _Clear(
        boundary.difference(shapely.union_all(list(obstacles))) if obstacles else boundary, equipment
    )
    on_network = np.zeros(grid.shape, dtype=bool)
    on_network[rc[root_node, 0], rc[root_node, 1]] = True
    x0, y0 = float(grid.transform.c), float(grid.transform.f)
    z_all = grid.data
    # Pass 1: cut every edge where it meets the network built so far (network -> terminal order).
    pieces: list[tuple[int, tuple[int, int], np.ndarray, Point | None]] = []
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
            pieces.append((v, e, path[::-1], reaches_root))
    # Junctions (where a piece starts on another) must survive simplification, or pieces would
    # no longer touch: split there and simplify each run separately (end points are kept).
    junction = np.zeros(grid.shape, dtype=bool)
    for _, _, path, _ in pieces:
        junction[path[0, 0], path[0, 1]] = True
        junction[path[-1, 0], path[-1, 1]] = True
    segments: list[RoadSegment] = []
    entry_joined: set[int] = set()
    limit = spec.max_grade_pct
    for v, e, path, reaches_root in pieces:
        xs = x0 + (path[:, 1] + 0.5) * res
        ys = y0 - (path[:, 0] + 0.5) * res
        coords = np.column_stack([xs, ys])
        chain = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))])
        steep = e in steep_edges
        if v in spine_nodes or size[v] >= max(3, 0.25 * total):
            cls, width = "spine", spec.width_m
        elif size[v] == 1:
            cls, width = "spur", spec.spur_width_m
        else:
            cls, width = "secondary", spec.secondary_width_m
        z = z_all[path[:, 0], path[:, 1]]
        ew = road_earthwork(chain, z, width_m=width, max_grade_pct=None if steep else limit)
        runs = graded_runs(chain, z, ew.design_m, width_m=width, limit_pct=limit, min_compliant_m=2 * res)
        keep = junction[path[:, 0], path[:, 1]]
        for run in runs:
            keep[run.start] = keep[run.end] = True
        name = f"{cls} to {node_label.get(v, 'junction')}"
        first = len(segments)
        for k, run in enumerate(runs):
            line = _simplified(
                coords[run.start : run.end + 1], keep[run.start : run.end + 1], res * 0.5, allowed
            )
            if k == 0 and reaches_root is not None and id(reaches_root) not in entry_joined:
                # Start the road at the exact entry point when the short lead-in stays clear.
                ent = reaches_root
                lead = LineString([(ent.x, ent.y), tuple(coords[0])])
                if ent.distance(Point(coords[0])) > 1e-6 and allowed.covers(lead):
                    line = LineString([(ent.x, ent.y), *line.coords])
                    entry_joined.add(id(ent))
            if k == len(runs) - 1 and v in node_point:
                # End at the terminal's own access point when the lead-out crosses no footprint.
                tx, ty = node_point[v]
                out = LineString([tuple(coords[-1]), (tx, ty)])
                if out.length > 1e-6 and allowed.covers(out):
                    line = LineString([*line.coords, (tx, ty)])
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
        steep_parts = [g for g in segments[first:] if not g.compliant]
        if steep_parts:
            over_m = sum(g.length_m for g in steep_parts)
            worst = max(g.max_grade_pct for g in steep_parts)
            # Never print "10.0% (max 10%)": show the digit that makes the excess visible.
            shown = f"{worst:.1f}" if f"{worst:.1f}" != f"{limit:.1f}" else f"{worst:.2f}"
            warnings.append(
                f"road '{name}' reaches {shown}% grade (max {limit:g}%) over {over_m:,.0f} m: "
                "no compliant route exists"
            )
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
) -> RoadGround:
    """The ground roads can reach from the site entries (UTM [m]), before anything is placed.

    obstacles: zones no road may cross (with their buffers); crossable zones are not obstacles.
    Passable cells are those `route_roads` may use (0.75 cell clear of the boundary and every
    obstacle). With no entry, the piece of ground touching the most `usable` area is taken as
    reached (the road will start from the boundary point nearest the substation). slope_deg: cells
    without a slope (no DEM data) are impassable, as the router's cost raster has them."""
    passable = _passable(grid, boundary, obstacles)
    if slope_deg is not None:
        passable &= np.isfinite(slope_deg)
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
        counts = np.bincount(labels[weight & passable].ravel(), minlength=n + 1)
        counts[0] = 0
        reached.add(int(np.argmax(counts)) if counts.any() else 1)
    return RoadGround(
        labels=ground.labels, reached=frozenset(reached), grid=grid, entry_labels=tuple(at_entries)
    )
