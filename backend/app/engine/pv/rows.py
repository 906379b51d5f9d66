"""Candidate tables: rows across the buildable area, cut exactly where the area's edges cross them.

In the row frame (u along rows, v across) a row is the strip v ∈ [v_lo, v_lo + depth]. A table may
sit at u ∈ [s, s + length] only if no edge of the buildable area crosses that part of the strip
and it lies inside: so the free stretches of a row are the gaps between the u-ranges of the edge
pieces inside the strip, kept when their midpoint is inside the area. Access corridors (road
reserves perpendicular to the rows) split the rows into bays; tables are packed from the bay side
that touches a corridor, so power stations can sit at a corridor. Computed per row phase; the
phase that fits the most DC wins (see `plant.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.engine.pv.design import MODULE_GAP_M, ResolvedDesign
from app.engine.pv.frame import RowFrame

EPS_M = 0.01


@dataclass(frozen=True, kw_only=True)
class Corridors:
    """Road reserves across the rows: bays of `bay_m` of tables between corridors of `width_m` [m],
    the first corridor starting at u = `u0_m` (frame)."""

    bay_m: float
    width_m: float
    u0_m: float

    def bays(self, a: float, b: float) -> list[tuple[float, float, bool, bool]]:
        """The parts of [a, b] (frame u [m]) outside corridors, with whether each touches a corridor
        on its low / high side."""
        period = self.bay_m + self.width_m
        out = []
        j0 = math.floor((a - self.u0_m) / period)
        j1 = math.floor((b - self.u0_m) / period)
        for j in range(j0, j1 + 1):
            lo = self.u0_m + j * period + self.width_m
            hi = self.u0_m + (j + 1) * period
            s, e = max(a, lo), min(b, hi)
            if e - s > EPS_M:
                out.append((s, e, s == lo, e == hi))
        return out


@dataclass(frozen=True, kw_only=True)
class RowCandidates:
    """Candidate tables in frame coordinates [m]: u-extent, row strip, modules per table."""

    u_lo: np.ndarray
    u_hi: np.ndarray
    v_lo: np.ndarray
    v_hi: np.ndarray
    row: np.ndarray  # row index
    modules: np.ndarray
    at_corridor: np.ndarray  # the table's low (-1) / high (+1) end touches a corridor, 0 neither

    def __len__(self) -> int:
        return len(self.u_lo)


def _segments(area: BaseGeometry, frame: RowFrame) -> np.ndarray:
    """Every ring edge of `area` as rows (u1, v1, u2, v2) in the frame [m]."""
    polys = [g for g in getattr(area, "geoms", [area]) if g.geom_type == "Polygon" and not g.is_empty]
    out = []
    for p in polys:
        for ring in (p.exterior, *p.interiors):
            xy = np.asarray(ring.coords)
            u, v = frame.to_frame(xy[:, 0], xy[:, 1])
            out.append(np.column_stack([u[:-1], v[:-1], u[1:], v[1:]]))
    return np.concatenate(out) if out else np.zeros((0, 4))


def _blocked(seg: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """u-ranges (k, 2) of the edge pieces inside the band v ∈ [lo, hi]."""
    u1, v1, u2, v2 = seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3]
    dv = v2 - v1
    flat = np.abs(dv) < 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        ta = np.where(flat, -np.inf, (lo - v1) / dv)
        tb = np.where(flat, np.inf, (hi - v1) / dv)
    t0 = np.maximum(0.0, np.minimum(ta, tb))
    t1 = np.minimum(1.0, np.maximum(ta, tb))
    inside_flat = flat & (v1 >= lo) & (v1 <= hi)
    t0 = np.where(flat, np.where(inside_flat, 0.0, 1.0), t0)
    t1 = np.where(flat, np.where(inside_flat, 1.0, 0.0), t1)
    keep = t0 <= t1
    ua = u1[keep] + t0[keep] * (u2[keep] - u1[keep])
    ub = u1[keep] + t1[keep] * (u2[keep] - u1[keep])
    return np.column_stack([np.minimum(ua, ub), np.maximum(ua, ub)])


def _gaps(blocked: np.ndarray) -> list[tuple[float, float]]:
    """Open stretches between merged blocked u-ranges."""
    if len(blocked) < 2:
        return []
    order = np.argsort(blocked[:, 0])
    b = blocked[order]
    gaps = []
    end = b[0, 1]
    for lo, hi in b[1:]:
        if lo > end:
            gaps.append((float(end), float(lo)))
        end = max(end, hi)
    return gaps


def _fit(
    a: float, b: float, low_corridor: bool, high_corridor: bool, rd: ResolvedDesign
) -> list[tuple[float, float, int, int]]:
    """Tables packed in [a, b] (frame u [m]): (start, end, modules, corridor side)."""
    d = rd.design
    gap = d.row_end_clearance_m
    length = rd.length_m
    span = b - a - 2 * EPS_M
    n = math.floor((span + gap) / (length + gap)) if span >= length else 0
    sizes = [(length, d.n_along)] * n
    if d.structure == "tracker":
        rest = span - n * (length + gap)  # a partial tracker follows the last full one after a gap
        side = d.module.width_m if d.orientation == "portrait" else d.module.length_m
        m = math.floor((rest - 1.0 + MODULE_GAP_M) / (side + MODULE_GAP_M))
        unit = max(1, d.n_along // 3)
        m = (m // unit) * unit
        if m >= d.min_tracker_fraction * d.n_along and m > 0:
            sizes.append((m * side + (m - 1) * MODULE_GAP_M + 1.0, m))
    if not sizes:
        return []
    total = sum(s for s, _ in sizes) + gap * (len(sizes) - 1)
    # Pack against the corridor so the end table can host a power station and rows end on the road.
    start = b - EPS_M - total if (high_corridor and not low_corridor) else a + EPS_M
    out = []
    pos = start
    for size, m in sizes:
        t0, t1 = pos, pos + size
        flag = -1 if low_corridor and t0 - a < 0.1 else 1 if high_corridor and b - t1 < 0.1 else 0
        out.append((t0, t1, m * d.n_across, flag))
        pos += size + gap
    return out


def row_candidates(
    area: BaseGeometry, frame: RowFrame, rd: ResolvedDesign, corridors: Corridors, phase: float
) -> RowCandidates:
    """Candidate tables over `area` (grid CRS [m]) for a row phase in [0, 1) of the pitch."""
    seg = _segments(area, frame)
    empty = np.zeros(0)
    if len(seg) == 0:
        return RowCandidates(
            u_lo=empty, u_hi=empty, v_lo=empty, v_hi=empty, row=empty.astype(int),
            modules=empty.astype(int), at_corridor=empty.astype(int),
        )  # fmt: skip
    vmin = float(min(seg[:, 1].min(), seg[:, 3].min()))
    vmax = float(max(seg[:, 1].max(), seg[:, 3].max()))
    depth = rd.depth_m
    seg_lo = np.minimum(seg[:, 1], seg[:, 3])
    seg_hi = np.maximum(seg[:, 1], seg[:, 3])
    gaps: list[tuple[float, float, float, int]] = []
    k = 0
    v_lo = vmin + EPS_M + phase * rd.pitch_m
    while v_lo + depth <= vmax:
        v_hi = v_lo + depth
        near = (seg_lo <= v_hi) & (seg_hi >= v_lo)
        for a, b in _gaps(_blocked(seg[near], v_lo, v_hi)):
            if b - a >= min(rd.length_m * rd.design.min_tracker_fraction, rd.length_m) - 1e-9:
                gaps.append((a, b, v_lo, k))
        v_lo += rd.pitch_m
        k += 1
    if gaps:
        g = np.asarray(gaps)
        mx, my = frame.to_grid((g[:, 0] + g[:, 1]) / 2, g[:, 2] + depth / 2)
        inside = shapely.contains_xy(area, mx, my)
        gaps = [gaps[i] for i in np.flatnonzero(inside)]
    cols: dict[str, list[float]] = {k: [] for k in ("u_lo", "u_hi", "v_lo", "row", "modules", "side")}
    for a, b, vl, row in gaps:
        for s, e, lo_c, hi_c in corridors.bays(a, b):
            for t0, t1, m, flag in _fit(s, e, lo_c, hi_c, rd):
                cols["u_lo"].append(t0)
                cols["u_hi"].append(t1)
                cols["v_lo"].append(vl)
                cols["row"].append(row)
                cols["modules"].append(m)
                cols["side"].append(flag)
    vl_arr = np.asarray(cols["v_lo"], dtype=float)
    return RowCandidates(
        u_lo=np.asarray(cols["u_lo"], dtype=float),
        u_hi=np.asarray(cols["u_hi"], dtype=float),
        v_lo=vl_arr,
        v_hi=vl_arr + depth,
        row=np.asarray(cols["row"], dtype=np.int64),
        modules=np.asarray(cols["modules"], dtype=np.int64),
        at_corridor=np.asarray(cols["side"], dtype=np.int64),
    )


def corridor_layout(area: BaseGeometry, frame: RowFrame, rd: ResolvedDesign) -> Corridors:
    """Road reserves across the rows: fixed tables in bays of 8 tables, trackers in bays of two
    trackers (each tracker ends on a corridor), corridors one road plus 1.5 m shoulders wide."""
    d = rd.design
    per_bay = 8 if d.structure == "fixed" else 2
    bay = per_bay * (rd.length_m + d.row_end_clearance_m) - d.row_end_clearance_m + 2 * EPS_M + 0.05
    width = d.internal_road_width_m + 3.0
    minx, _miny, _maxx, _maxy = frame.geometry_to_frame(area).bounds
    return Corridors(bay_m=bay, width_m=width, u0_m=minx - width)


def table_polygons(c: RowCandidates, frame: RowFrame) -> np.ndarray:
    """Plan footprints of candidate tables as shapely polygons in the grid CRS [m]."""
    us = np.stack([c.u_lo, c.u_hi, c.u_hi, c.u_lo], axis=1)
    vs = np.stack([c.v_lo, c.v_lo, c.v_hi, c.v_hi], axis=1)
    x, y = frame.to_grid(us, vs)
    out: np.ndarray = shapely.polygons(np.stack([x, y], axis=-1))
    return out
