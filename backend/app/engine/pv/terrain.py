"""Terrain under each table: slopes along / across its row and grading by pile reveal.

Slopes: the least-squares plane through the DEM, bilinearly interpolated (between cell centres)
at a fixed pattern of points on the table — `ALONG_SAMPLES` along its length at its two long
edges. Because the pattern is centred and symmetric, the plane's gradients are plain weighted sums.

Earthwork by pile reveal: piles stand in lines along the table every `pile_spacing_m`; the
structure follows the best-fit line (trackers: one straight torque tube) or plane (fixed tables)
through the ground at its piles. Where the ground departs from that line by more than half the
structure's pile-reveal range, the excess is graded: cut where the ground is too high, fill where
too low, each pile standing for its tributary area (spacing × table depth / pile lines).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from app.engine.core.grid import Grid
from app.engine.pv.design import ResolvedDesign
from app.engine.pv.frame import RowFrame
from app.engine.pv.rows import RowCandidates

ALONG_SAMPLES = 5


@dataclass(frozen=True, kw_only=True)
class TableTerrain:
    """Per table: slope_along_pct / slope_across_pct (signed, + rising toward +u / +v) [%],
    elevation_m (mean ground) [m], piles, cut_m3 / fill_m3 [m³], ok (within the limits and on data)."""

    slope_along_pct: np.ndarray
    slope_across_pct: np.ndarray
    elevation_m: np.ndarray
    piles: np.ndarray
    cut_m3: np.ndarray
    fill_m3: np.ndarray
    ok: np.ndarray


def bilinear(grid: Grid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """DEM elevation [m] at grid-CRS points (x, y), bilinear between cell centres; NaN off the grid."""
    t = grid.transform
    col = (np.asarray(x) - t.c) / t.a - 0.5
    row = (np.asarray(y) - t.f) / t.e - 0.5
    data = np.asarray(grid.data, dtype=np.float64)
    out: np.ndarray = ndimage.map_coordinates(data, [row.ravel(), col.ravel()], order=1, mode="nearest")
    rows, cols = grid.shape
    off = (
        (row.ravel() < -0.5) | (col.ravel() < -0.5) | (row.ravel() > rows - 0.5) | (col.ravel() > cols - 0.5)
    )
    out[off] = np.nan
    return out.reshape(np.shape(x))


def _plane_gradients(
    grid: Grid, frame: RowFrame, c: RowCandidates, fu: np.ndarray, fv: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ground at pattern points (fractions fu of length, fv of depth, centred), and the plane's
    gradients dz/du, dz/dv [m/m] and mean [m] per table."""
    length = c.u_hi - c.u_lo
    depth = c.v_hi - c.v_lo
    uc = (c.u_lo + c.u_hi) / 2
    vc = (c.v_lo + c.v_hi) / 2
    du = fu[None, :] * length[:, None]
    dv = fv[None, :] * depth[:, None]
    x, y = frame.to_grid(uc[:, None] + du, vc[:, None] + dv)
    z = bilinear(grid, x, y)
    mean = z.mean(axis=1)
    gu = ((z - mean[:, None]) * du).sum(axis=1) / np.maximum((du * du).sum(axis=1), 1e-12)
    gv = ((z - mean[:, None]) * dv).sum(axis=1) / np.maximum((dv * dv).sum(axis=1), 1e-12)
    # Summation noise on level ground is not a slope.
    gu = np.where(np.abs(gu) < 1e-9, 0.0, gu)
    gv = np.where(np.abs(gv) < 1e-9, 0.0, gv)
    return z, du, dv, gu, gv


def slope_pattern() -> tuple[np.ndarray, np.ndarray]:
    """The sample pattern (fractions of length along, of depth across) the slopes are fitted on."""
    fu = np.repeat(np.linspace(-0.5, 0.5, ALONG_SAMPLES), 2)
    fv = np.tile(np.array([-0.5, 0.5]), ALONG_SAMPLES)
    return fu, fv


def table_terrain(grid: Grid, frame: RowFrame, c: RowCandidates, rd: ResolvedDesign) -> TableTerrain:
    """Slopes, pile counts and pile-reveal grading of every candidate table (see module docstring)."""
    d = rd.design
    n = len(c)
    if n == 0:
        z0 = np.zeros(0)
        return TableTerrain(
            slope_along_pct=z0, slope_across_pct=z0, elevation_m=z0, piles=z0.astype(int),
            cut_m3=z0, fill_m3=z0, ok=z0.astype(bool),
        )  # fmt: skip
    fu, fv = slope_pattern()
    z, _du, _dv, gu, gv = _plane_gradients(grid, frame, c, fu, fv)
    along = gu * 100.0
    across = gv * 100.0
    finite = np.isfinite(z).all(axis=1)
    if d.structure == "fixed":
        ok = np.degrees(np.arctan(np.hypot(gu, gv))) <= d.max_slope_deg + 1e-9
    else:
        ok = (np.abs(along) <= d.max_slope_along_pct + 1e-9) & (
            np.abs(across) <= d.max_slope_across_pct + 1e-9
        )
    ok &= finite

    # Piles: lines along the table (2 for fixed 2-post frames, 1 for a tracker's torque tube).
    length = c.u_hi - c.u_lo
    lines = 2 if d.structure == "fixed" else 1
    per_line = np.ceil(length / d.pile_spacing_m).astype(np.int64) + 1
    piles = per_line * lines
    p = int(np.ceil(rd.length_m / d.pile_spacing_m)) + 1
    pfu = np.tile(np.linspace(-0.5, 0.5, p), lines)
    pfv = np.repeat(np.array([-0.25, 0.25]) if lines == 2 else np.array([0.0]), p)
    zp, du, dv, pu, pv = _plane_gradients(grid, frame, c, pfu, pfv)
    if lines == 1:
        pv = np.zeros_like(pv)
    fit = zp.mean(axis=1)[:, None] + pu[:, None] * du + pv[:, None] * dv
    dev = zp - fit
    tol = (d.pile_reveal_max_m - d.pile_reveal_min_m) / 2.0
    depth = c.v_hi - c.v_lo
    area = (length / np.maximum(per_line - 1, 1)) * depth / lines  # tributary area per pile [m²]
    cut = (np.clip(dev - tol, 0, None).sum(axis=1) * area) * (per_line / p)
    fill = (np.clip(-dev - tol, 0, None).sum(axis=1) * area) * (per_line / p)
    return TableTerrain(
        slope_along_pct=np.where(finite, along, np.nan),
        slope_across_pct=np.where(finite, across, np.nan),
        elevation_m=z.mean(axis=1),
        piles=piles,
        cut_m3=np.nan_to_num(cut),
        fill_m3=np.nan_to_num(fill),
        ok=ok,
    )
