"""The road router's graph: grid cells joined to 16 neighbours, each edge priced by its own grade.

A road's grade is the rise along the road, not the terrain's steepest slope: across a hillside a
road climbs at a fraction of it. So the graph's edges join each cell (grid CRS, UTM [m]) to its 8
neighbours and its 8 knight-move neighbours ((±1, ±2), (±2, ±1): a climb at 27° off the contour,
where the 8-neighbourhood's gentlest climb is at 45°; only where some 8-neighbour step climbs more
than half the limit, `KNIGHT_FROM`), and each edge's grade is its own:
|Δz| / run [%] over the steeper half of the edge, the DEM's ground bilinear between cell centres
(`edge_grade`).

An edge steeper than the road's limit is graded down to it when the excess is at most
`GRADING_ALLOWANCE_PCT` points (cut at the high end, fill at the low end: the edge is priced with
that earthwork); a steeper edge is forbidden, so routes take switchbacks or go round, and ground
reached only over forbidden edges is unreachable. Edge cost [m-equivalent]:

    run · (mean node factor · (1 + GRADE_COST_WEIGHT·(grade/limit)²) + mean node surcharge)
      + grading volume [m³] · GRADING_M_PER_M3

where the node factor is 1 on open ground, ×4 under soft footprints, 0.3 along road reserves; the
node surcharge is the crossing cost of a crossable zone; impassable cells have an infinite factor.
A knight move also needs the two cells its centreline passes through to be passable (their factors
join the mean), so it never cuts the corner of an obstacle.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

# Grade excess [% points] a road is graded away by cut and fill along one edge (10-22 m at a 10 m
# grid): at most 0.2-0.45 m at either end, within a site road's subgrade preparation. A design
# choice (docs/engine.md "Roads within grade"); steeper ground is forbidden.
GRADING_ALLOWANCE_PCT = 2.0
# Weight of the grade in an edge's cost: a metre of road at the limit costs twice a level one, so
# routes prefer gentle ground but do not wind across a slope a straight road may climb.
GRADE_COST_WEIGHT = 1.0
# Road-metres one m³ of grading costs: earthwork 8 USD/m³ ÷ (road 25 USD/m² × 6 m) (docs/cost.md
# defaults), so the router weighs grading against a detour in the same money.
GRADING_M_PER_M3 = 8.0 / (25.0 * 6.0)

# Knight moves join cells where some 8-neighbour step climbs more than this share of the limit.
KNIGHT_FROM = 0.5

# (dr, dc) of the 16 neighbours; for knight moves, the two cells their centreline crosses.
OFFSETS: tuple[tuple[int, int], ...] = (
    (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1),
    (-1, -2), (-1, 2), (1, -2), (1, 2), (-2, -1), (-2, 1), (2, -1), (2, 1),
)  # fmt: skip


def _crossed(dr: int, dc: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The two cells a knight move's centreline crosses (None for an 8-neighbour move)."""
    if abs(dr) == 1 and abs(dc) == 2:
        return (0, dc // 2), (dr, dc // 2)
    if abs(dr) == 2 and abs(dc) == 1:
        return (dr // 2, 0), (dr // 2, dc)
    return None


def _shifted(a: np.ndarray, dr: int, dc: int, fill: float) -> np.ndarray:
    """b[r, c] = a[r + dr, c + dc], `fill` outside the array."""
    h, w = a.shape
    out = np.full_like(a, fill)
    rs, re = max(0, -dr), min(h, h - dr)
    cs, ce = max(0, -dc), min(w, w - dc)
    if rs < re and cs < ce:
        out[rs:re, cs:ce] = a[rs + dr : re + dr, cs + dc : ce + dc]
    return out


def edge_grade(z: np.ndarray, dr: int, dc: int, run_m: float) -> np.ndarray:
    """Grade (fraction) of the edge from each cell to its neighbour at (dr, dc), `run_m` [m] long:
    the steeper half of the edge, the ground at its midpoint interpolated bilinearly (the mean of
    the cells around it), so a diagonal or knight move does not step over a bump between its ends.
    NaN where either end (or a cell beside the midpoint) has no data or lies off the grid."""
    zb = _shifted(z, dr, dc, np.nan)
    if abs(dr) + abs(dc) == 1:
        return np.asarray(np.abs(zb - z) / run_m)  # bilinear ground is linear between the centres
    if abs(dr) == 1 and abs(dc) == 1:
        mid = (z + zb + _shifted(z, dr, 0, np.nan) + _shifted(z, 0, dc, np.nan)) / 4.0
    else:
        crossed = _crossed(dr, dc)
        assert crossed is not None
        mid = (_shifted(z, *crossed[0], np.nan) + _shifted(z, *crossed[1], np.nan)) / 2.0
    return np.asarray(np.maximum(np.abs(mid - z), np.abs(zb - mid)) / (run_m / 2.0))


class RoadGraph:
    """Edge costs of the 16-connected grid graph (float32, (16, rows, cols), inf: no edge) and
    least-cost paths over a window of it (`scipy.sparse.csgraph.dijkstra`)."""

    def __init__(
        self,
        elevation_m: np.ndarray,
        factor: np.ndarray,
        surcharge: np.ndarray,
        *,
        resolution_m: float,
        limit_pct: float,
        width_m: float,
        forbid_over_grade: bool = True,
    ) -> None:
        """elevation_m: DEM [m] (NaN: no data, impassable); factor: node cost factor (inf:
        impassable); surcharge: node cost added per metre (crossable zones); limit_pct: the road's
        maximum grade [%]; width_m: road width for the grading volume [m]; forbid_over_grade:
        False keeps edges steeper than limit + allowance (priced, no grading: a steep fallback)."""
        z = np.asarray(elevation_m, dtype=np.float64)
        f = np.where(np.isfinite(z), np.asarray(factor, dtype=np.float64), np.inf)
        s = np.asarray(surcharge, dtype=np.float64)
        self.shape = (int(z.shape[0]), int(z.shape[1]))
        self.weights = np.full((len(OFFSETS), *self.shape), np.inf, dtype=np.float32)
        g_lim = limit_pct / 100.0
        steepest = np.zeros(self.shape)  # steepest 8-neighbour step from each cell
        any_surcharge = bool(s.any())
        for k, (dr, dc) in enumerate(OFFSETS):
            run = resolution_m * float(np.hypot(dr, dc))
            grade = edge_grade(z, dr, dc, run)
            if k < 8:
                steepest = np.fmax(steepest, grade)
            else:
                # Knight moves only where the ground asks for them (a step from either end climbs
                # more than half the limit): on gentler ground the 8-neighbourhood keeps every road
                # well within grade, and the search has half the edges.
                with np.errstate(invalid="ignore"):
                    needed = (steepest > KNIGHT_FROM * g_lim) | (
                        _shifted(steepest, dr, dc, 0.0) > KNIGHT_FROM * g_lim
                    )
                if not needed.any():
                    continue  # no knight edge of this offset anywhere (flat ground): all inf
                grade = np.where(needed, grade, np.nan)
            fs = [f, _shifted(f, dr, dc, np.inf)]
            ss = [s, _shifted(s, dr, dc, 0.0)]
            crossed = _crossed(dr, dc)
            if crossed is not None:
                fs += [_shifted(f, *crossed[0], np.inf), _shifted(f, *crossed[1], np.inf)]
                ss += [_shifted(s, *crossed[0], 0.0), _shifted(s, *crossed[1], 0.0)]
            with np.errstate(invalid="ignore"):
                # The cost formula above, term by term in the same order (the same floats), leaving
                # out the terms that add exactly nothing: a zero surcharge, no grading below the
                # limit, a unit grade weight (costs are positive, inf or NaN: x + 0.0 == x).
                f_sum = fs[0] + fs[1]
                for more in fs[2:]:
                    f_sum += more
                steep = (grade / g_lim) ** 2
                if GRADE_COST_WEIGHT != 1.0:
                    steep = GRADE_COST_WEIGHT * steep
                per_m = f_sum / len(fs) * (1.0 + steep)
                if any_surcharge:
                    s_sum = ss[0] + ss[1]
                    for more in ss[2:]:
                        s_sum += more
                    per_m += s_sum / len(ss)
                cost = run * per_m
                if (grade > g_lim).any():
                    excess = np.clip(grade - g_lim, 0.0, None) * run
                    # Cut e/2 at the top, fill e/2 at the bottom, each a wedge over half the run.
                    cost += excess * run / 4.0 * width_m * GRADING_M_PER_M3
                bad = ~np.isfinite(cost)
                if forbid_over_grade:
                    bad |= grade * 100.0 > limit_pct + GRADING_ALLOWANCE_PCT
            cost[bad] = np.inf
            self.weights[k] = cost
        self._knights = np.isfinite(self.weights[8:]).any(axis=0)
        self._node_major: np.ndarray | None = None
        self._knight_sat: np.ndarray | None = None

    def without(self, blocked: np.ndarray) -> RoadGraph:
        """This graph with the cells `blocked` (bool (rows, cols)) made impassable: every edge that
        starts or ends on one, or (a knight move) crosses one, removed. The same graph as one built
        with an infinite factor on those cells (such an edge's cost is inf or NaN there, so it is
        forbidden), without pricing every edge again."""
        out = object.__new__(RoadGraph)
        out.shape = self.shape
        out.weights = self.weights.copy()
        for k, (dr, dc) in enumerate(OFFSETS):
            touched = blocked | _shifted(blocked, dr, dc, False)
            crossed = _crossed(dr, dc)
            if crossed is not None:
                touched |= _shifted(blocked, *crossed[0], False) | _shifted(blocked, *crossed[1], False)
            out.weights[k][touched] = np.inf
        out._knights = np.isfinite(out.weights[8:]).any(axis=0)
        out._node_major = None
        out._knight_sat = None
        return out

    def _slots(self) -> np.ndarray:
        """The edge weights node-major ((rows, cols, k) float32, built once): k = 8 when no knight
        edge exists anywhere (their slots would all be inf), else 16."""
        if self._node_major is None:
            k = 16 if self._knights.any() else 8
            self._node_major = np.ascontiguousarray(np.moveaxis(self.weights[:k], 0, -1))
        return self._node_major

    def _has_knights(self, r0: int, r1: int, c0: int, c1: int) -> bool:
        """Whether any cell of the window has a knight edge (a summed-area table of the cells
        that do, built once)."""
        if self._knight_sat is None:
            sat = np.zeros((self.shape[0] + 1, self.shape[1] + 1), dtype=np.int64)
            sat[1:, 1:] = self._knights.astype(np.int64).cumsum(axis=0).cumsum(axis=1)
            self._knight_sat = sat
        s = self._knight_sat
        return bool(s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0] > 0)

    def _csr(self, r0: int, r1: int, c0: int, c1: int) -> csr_matrix:
        """The window rows r0:r1, cols c0:c1 as a CSR graph of the edges that exist (finite
        weight, neighbour inside the window), each node's edges in `OFFSETS` order. Without a
        knight edge in the window only the 8 neighbour slots are scanned: the same graph."""
        h, w = r1 - r0, c1 - c0
        slots = self._slots()
        k = 16 if slots.shape[2] == 16 and self._has_knights(r0, r1, c0, c1) else 8
        sub = slots[r0:r1, c0:c1, :k]
        valid = np.isfinite(sub)
        for j, (dr, dc) in enumerate(OFFSETS[:k]):
            # Rows / columns whose neighbour at (dr, dc) falls outside the window.
            valid[(slice(h - dr, h) if dr > 0 else slice(0, -dr)), :, j] = False
            valid[:, (slice(w - dc, w) if dc > 0 else slice(0, -dc)), j] = False
        delta = np.array([dr * w + dc for dr, dc in OFFSETS[:k]], dtype=np.int32)
        idx = (np.arange(h * w, dtype=np.int32)[:, None] + delta).reshape(h, w, k)[valid]
        data = sub[valid].astype(np.float64)
        indptr = np.zeros(h * w + 1, dtype=np.int32)
        # Edges so far after each node's last slot (a running count over the node-major slots).
        indptr[1:] = np.cumsum(valid.ravel(), dtype=np.int32)[k - 1 :: k]
        return csr_matrix((data, idx, indptr), shape=(h * w, h * w))

    def paths(
        self,
        starts: list[tuple[int, int]],
        ends: list[tuple[int, int]],
        window: tuple[int, int, int, int] | None = None,
    ) -> list[tuple[float, np.ndarray] | None]:
        """Least cost [m-equivalent] and path cells ((m, 2) rows, cols, start first) from the
        nearest of `starts` to each of `ends`, within `window` (r0, r1, c0, c1; default: the whole
        grid); None for an end no path reaches."""
        r0, r1, c0, c1 = window if window is not None else (0, self.shape[0], 0, self.shape[1])
        w = c1 - c0
        graph = self._csr(r0, r1, c0, c1)
        src = [(r - r0) * w + (c - c0) for r, c in starts]
        dist, pred, _ = dijkstra(graph, indices=src, min_only=True, return_predecessors=True)
        # Walked one cell at a time: a memoryview gives Python ints without converting the array.
        back = np.ascontiguousarray(pred).data
        out: list[tuple[float, np.ndarray] | None] = []
        for r, c in ends:
            node = (r - r0) * w + (c - c0)
            if not np.isfinite(dist[node]):
                out.append(None)
                continue
            chain = [node]
            while back[chain[-1]] >= 0:
                chain.append(back[chain[-1]])
            cells = np.asarray(chain[::-1], dtype=np.int64)
            out.append((float(dist[node]), np.column_stack([cells // w + r0, cells % w + c0])))
        return out


def grade_components(
    elevation_m: np.ndarray, passable: np.ndarray, *, resolution_m: float, limit_pct: float
) -> tuple[np.ndarray, int]:
    """Pieces of `passable` ground a road within `limit_pct` [%] (after grading, as `RoadGraph`
    allows) joins: labels (int32, 0 where impassable, 1..n) and n. Elevation [m], NaN impassable."""
    z = np.asarray(elevation_m, dtype=np.float64)
    ok = np.asarray(passable, dtype=bool) & np.isfinite(z)
    h, w = ok.shape
    max_grade = (limit_pct + GRADING_ALLOWANCE_PCT) / 100.0
    forward = [(dr, dc) for dr, dc in OFFSETS if (dr, dc) > (0, 0)]
    steep = False
    for dr, dc in forward[:4]:  # the 8-neighbour moves
        with np.errstate(invalid="ignore"):
            over = edge_grade(z, dr, dc, resolution_m * float(np.hypot(dr, dc))) > max_grade
        steep = steep or bool((over & ok & _shifted(ok, dr, dc, False)).any())
    if not steep:
        # Every 8-neighbour step is within grade: the pieces are the 8-connected ones (a knight
        # move joins nothing its two crossed cells do not already join).
        labels8, n8 = ndimage.label(ok, structure=np.ones((3, 3), dtype=bool))
        return labels8.astype(np.int32), int(n8)
    own = np.arange(h * w, dtype=np.int32).reshape(h, w)
    # One slot per forward neighbour (one direction of each pair is enough for weak connectivity);
    # a slot with no edge points back at its own node (a self-loop joins nothing).
    idx = np.repeat(own[..., None], len(forward), axis=2)
    for k, (dr, dc) in enumerate(forward):
        both = ok & _shifted(ok, dr, dc, False)
        crossed = _crossed(dr, dc)
        if crossed is not None:
            both &= _shifted(ok, *crossed[0], False) & _shifted(ok, *crossed[1], False)
        with np.errstate(invalid="ignore"):
            both &= edge_grade(z, dr, dc, resolution_m * float(np.hypot(dr, dc))) <= max_grade
        idx[..., k][both] = own[both] + (dr * w + dc)
    n = h * w
    indptr = np.arange(0, n * len(forward) + 1, len(forward), dtype=np.int32)
    graph = csr_matrix((np.ones(n * len(forward)), idx.ravel(), indptr), shape=(n, n))
    _, comp = connected_components(graph, directed=True, connection="weak")
    # Renumber the passable cells' components 1..n (impassable cells are singletons: label 0).
    uniq, inv = np.unique(comp[ok.ravel()], return_inverse=True)
    labels = np.zeros(h * w, dtype=np.int32)
    labels[ok.ravel()] = inv.astype(np.int32) + 1
    return labels.reshape(h, w), len(uniq)
