"""Earthwork: levelled pads under assets and graded road centrelines.

Volumes are in m³, elevations in m, in the grid's CRS (the site's UTM zone). The DEM is treated as
piecewise constant per cell, so the volumes are exact for that surface.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from app.engine.core.grid import Grid


@dataclass(frozen=True, kw_only=True)
class PadEarthwork:
    """Per-pad values, each an array with one entry per polygon.

    elevation_m: area-weighted mean natural ground [m]; slope_deg: steepest cell under the pad
    [degrees]; pad_elevation_m: levelled pad [m]; cut_m3 / fill_m3: volumes [m³].
    """

    elevation_m: np.ndarray
    slope_deg: np.ndarray
    pad_elevation_m: np.ndarray
    cut_m3: np.ndarray
    fill_m3: np.ndarray


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The level minimising sum(w * |v - level|): the weighted median (the median when weights are
    equal). Returns NaN for no positive weight."""
    keep = weights > 0
    if not keep.any():
        return float("nan")
    v, w = values[keep], weights[keep]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    half = cum[-1] / 2.0
    i = int(np.searchsorted(cum, half))
    # Exactly half the weight below: every level between two values is optimal; take the middle.
    if i + 1 < len(v) and math.isclose(cum[i], half, rel_tol=1e-12):
        return float((v[i] + v[i + 1]) / 2.0)
    return float(v[i])


def cell_weights(grid: Grid, polygon: Polygon) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells overlapped by `polygon` (UTM [m]) and the overlap area of each [m²]: (rows, cols, area).

    Axis-aligned rectangles get exact overlaps analytically; other shapes use shapely intersections.
    """
    t = grid.transform
    res = grid.resolution_m
    x0, y0 = float(t.c), float(t.f)
    h, w = grid.shape
    minx, miny, maxx, maxy = polygon.bounds
    c0 = max(0, int(np.floor((minx - x0) / res)))
    c1 = min(w, int(np.floor((maxx - x0) / res)) + 1)
    r0 = max(0, int(np.floor((y0 - maxy) / res)))
    r1 = min(h, int(np.floor((y0 - miny) / res)) + 1)
    if c1 <= c0 or r1 <= r0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    cols = np.arange(c0, c1)
    rows = np.arange(r0, r1)
    cx0 = x0 + cols * res
    ry1 = y0 - rows * res
    if abs(polygon.area - (maxx - minx) * (maxy - miny)) <= 1e-6 * max(polygon.area, 1.0):
        ox = np.clip(np.minimum(cx0 + res, maxx) - np.maximum(cx0, minx), 0, None)
        oy = np.clip(np.minimum(ry1, maxy) - np.maximum(ry1 - res, miny), 0, None)
        area = np.outer(oy, ox)
    else:
        xx, yy = np.meshgrid(cx0, ry1)
        boxes = shapely.box(xx, yy - res, xx + res, yy)
        area = shapely.area(shapely.intersection(boxes, polygon))
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    keep = area > 1e-9
    return rr[keep], cc[keep], np.asarray(area)[keep]


def pad_earthwork(
    grid: Grid,
    slope_deg: np.ndarray,
    polygons: Sequence[Polygon],
    grading: Sequence[tuple[str, float]] | None = None,
) -> PadEarthwork:
    """Grade each footprint over the DEM cells it covers.

    grid: elevation [m] in UTM; slope_deg: the grid's slope [degrees]; polygons: footprints in the
    grid's CRS. grading: per polygon (mode, tolerance_m); default ("level", 0) for all.
    "level": a flat pad at the elevation minimising cut + fill (the weighted median).
    "follow": a plane fitted to the ground (least squares); only ground further than tolerance_m [m]
    from that plane is cut or filled (piled racking follows the ground's slope).
    Cut and fill are area-weighted depth sums [m³]; NaN cells are ignored.
    """
    n = len(polygons)
    out = {k: np.full(n, np.nan) for k in ("elev", "slope", "pad")}
    cut = np.zeros(n)
    fill = np.zeros(n)
    z_all = grid.data
    for i, poly in enumerate(polygons):
        rr, cc, area = cell_weights(grid, poly)
        z = z_all[rr, cc].astype(np.float64)
        ok = np.isfinite(z)
        if not ok.any():
            continue
        z, a = z[ok], area[ok]
        mean = float(np.sum(z * a) / np.sum(a))
        out["elev"][i] = mean
        s = slope_deg[rr[ok], cc[ok]]
        out["slope"][i] = float(np.nanmax(s)) if np.isfinite(s).any() else np.nan
        mode, tolerance_m = grading[i] if grading is not None else ("level", 0.0)
        if mode == "follow":
            depth = z - _fitted_plane(grid, rr[ok], cc[ok], z, a)
            out["pad"][i] = mean  # the plane passes through the weighted mean at the centroid
        else:
            level = weighted_median(z, a)
            depth = z - level
            out["pad"][i] = level
        cut[i] = float(np.sum(np.clip(depth - tolerance_m, 0, None) * a))
        fill[i] = float(np.sum(np.clip(-depth - tolerance_m, 0, None) * a))
    return PadEarthwork(
        elevation_m=out["elev"], slope_deg=out["slope"], pad_elevation_m=out["pad"], cut_m3=cut, fill_m3=fill
    )


def _fitted_plane(grid: Grid, rows: np.ndarray, cols: np.ndarray, z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares plane z = a + b·x + c·y through cell centres; its value at each cell [m]."""
    res = grid.resolution_m
    x = cols * res  # a local frame keeps the normal equations well conditioned
    y = -rows * res
    if len(z) < 3:
        return np.full(len(z), float(np.sum(z * w) / np.sum(w)))
    design = np.column_stack([np.ones_like(x, dtype=np.float64), x - x.mean(), y - y.mean()])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], z * sw, rcond=None)
    plane: np.ndarray = design @ coef
    return plane


@dataclass(frozen=True, kw_only=True)
class RoadEarthwork:
    """A graded centreline: design profile [m], max design grade [%], volumes [m³]."""

    design_m: np.ndarray
    max_grade_pct: float
    cut_m3: float
    fill_m3: float


def road_earthwork(
    distance_m: np.ndarray, ground_m: np.ndarray, *, width_m: float, max_grade_pct: float | None
) -> RoadEarthwork:
    """Grade a road along its centreline.

    distance_m: chainage of each sample [m] (increasing); ground_m: natural ground there [m].
    The design line is the ground smoothed over three samples (a road does not follow every DEM
    step) and, when `max_grade_pct` is given, limited to that grade by a backward-forward clamp (so
    the road is built compliant by cutting and filling). Volumes are depth × width × sample length.
    """
    z = np.asarray(ground_m, dtype=np.float64)
    s = np.asarray(distance_m, dtype=np.float64)
    n = len(z)
    if n < 2:
        return RoadEarthwork(design_m=z.copy(), max_grade_pct=0.0, cut_m3=0.0, fill_m3=0.0)
    if not np.isfinite(z).all():
        good = np.isfinite(z)
        z = np.interp(s, s[good], z[good]) if good.any() else np.zeros(n)
    d = z.copy()
    if n >= 3:
        d[1:-1] = (z[:-2] + z[1:-1] + z[2:]) / 3.0
    ds = np.diff(s)
    if max_grade_pct is not None:
        g = max_grade_pct / 100.0
        for i in range(1, n):  # forward
            lim = g * ds[i - 1]
            d[i] = min(max(d[i], d[i - 1] - lim), d[i - 1] + lim)
        for i in range(n - 2, -1, -1):  # backward: every pair now satisfies the grade
            lim = g * ds[i]
            d[i] = min(max(d[i], d[i + 1] - lim), d[i + 1] + lim)
    grade = np.abs(np.diff(d)) / np.maximum(ds, 1e-9) * 100.0
    # Each sample stands for half the distance to each neighbour.
    seg = np.zeros(n)
    seg[:-1] += ds / 2
    seg[1:] += ds / 2
    depth = z - d
    cut = float(np.sum(np.clip(depth, 0, None) * seg) * width_m)
    fill = float(np.sum(np.clip(-depth, 0, None) * seg) * width_m)
    return RoadEarthwork(design_m=d, max_grade_pct=float(grade.max()), cut_m3=cut, fill_m3=fill)
