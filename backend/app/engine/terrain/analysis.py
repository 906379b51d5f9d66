"""Terrain analysis on an elevation `Grid`: slope, aspect, curvature, buildable masks and a summary.

All functions are vectorised numpy on float32 and take a `Grid` in a metric CRS (the site's UTM
zone), so cell sizes are metres. NaN cells (nodata) stay NaN in every derived raster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from rasterio import features
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from app.engine.core.grid import Grid


def _filled(data: np.ndarray) -> np.ndarray:
    """`data` as float32 with NaN cells replaced by the nearest valid cell's value.

    Why: Horn's 3×3 window at a nodata border would otherwise turn a whole ring of valid cells
    into NaN. Borrowing the nearest valid value is what `gdaldem -compute_edges` does in spirit
    (it substitutes the centre cell) and keeps the valid area intact.
    """
    arr = np.asarray(data, dtype=np.float32)
    nan = np.isnan(arr)
    if not nan.any():
        return arr
    if nan.all():
        return np.zeros_like(arr)
    idx = ndimage.distance_transform_edt(nan, return_distances=False, return_indices=True)
    filled: np.ndarray = arr[tuple(idx)]
    return filled


def _padded(arr: np.ndarray) -> np.ndarray:
    """`arr` minus its lowest value, padded by one cell on each side by linear extrapolation.

    Why linear rather than edge-replicating: a plane then has exactly its slope on the border
    cells too, instead of half of it. Why relative to the minimum: float32 differences of
    elevations near 4000 m lose millimetres, which is 0.01° of slope on 1 m cells.
    """
    rows, cols = arr.shape
    out = np.empty((rows + 2, cols + 2), dtype=np.float32)
    ref = float(arr.min()) if arr.size else 0.0
    np.subtract(arr, np.float32(ref if np.isfinite(ref) else 0.0), out=out[1:-1, 1:-1])
    arr = out[1:-1, 1:-1]
    if rows > 1:
        out[0, 1:-1] = 2 * arr[0] - arr[1]
        out[-1, 1:-1] = 2 * arr[-1] - arr[-2]
    else:
        out[0, 1:-1] = arr[0]
        out[-1, 1:-1] = arr[0]
    if cols > 1:
        out[:, 0] = 2 * out[:, 1] - out[:, 2]
        out[:, -1] = 2 * out[:, -2] - out[:, -3]
    else:
        out[:, 0] = out[:, 1]
        out[:, -1] = out[:, 1]
    return out


# Cells per row block of the Horn pass: the block's temporaries (a few MB) stay in cache, and
# peak memory stays at the padded input plus the outputs instead of ~6 full-size temporaries.
BLOCK_CELLS = 1 << 18
_RAD_TO_DEG = np.float32(180.0 / np.pi)


def _prepare(grid: Grid) -> tuple[np.ndarray, float, float, np.ndarray | None]:
    """(padded elevations, x factor, y factor, nodata mask or None) for the Horn pass.

    The factors turn the raw kernel differences into rise per metre towards east / north.
    """
    xres = float(abs(grid.transform.a))
    yres = float(abs(grid.transform.e))
    # A north-up grid has row 0 at the top; a south-up one (e > 0) flips the sign of dz/dy.
    north_sign = 1.0 if grid.transform.e < 0 else -1.0
    nan = np.isnan(grid.data)
    p = _padded(_filled(grid.data))
    return p, 1.0 / (8.0 * xres), north_sign / (8.0 * yres), (nan if nan.any() else None)


def _blocks(rows: int, cols: int) -> list[tuple[int, int]]:
    step = max(1, BLOCK_CELLS // max(cols, 1))
    return [(r, min(r + step, rows)) for r in range(0, rows, step)]


def _horn_block(p: np.ndarray, r0: int, r1: int, fx: float, fy: float) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (east, north) [m/m] of output rows r0..r1 from the padded array `p`."""
    a = p[r0 : r1 + 2]
    # Separable form of Horn's kernel: smooth [1, 2, 1] across, then a central difference.
    # In-place adds avoid the temporaries `2 * x` would allocate (this is the hot path).
    v = a[:-2] + a[2:]
    v += a[1:-1]
    v += a[1:-1]
    dz_dx = v[:, 2:] - v[:, :-2]
    dz_dx *= np.float32(fx)
    h = a[:, :-2] + a[:, 2:]
    h += a[:, 1:-1]
    h += a[:, 1:-1]
    dz_dy = h[:-2] - h[2:]  # top minus bottom = rise towards north on a north-up grid
    dz_dy *= np.float32(fy)
    return dz_dx, dz_dy


def _slope_into(out: np.ndarray, dz_dx: np.ndarray, dz_dy: np.ndarray) -> None:
    np.hypot(dz_dx, dz_dy, out=out)
    np.arctan(out, out=out)
    out *= _RAD_TO_DEG


def _aspect_into(out: np.ndarray, dz_dx: np.ndarray, dz_dy: np.ndarray) -> None:
    """Aspect [degrees clockwise from north] into `out`; overwrites dz_dx and dz_dy."""
    flat = (dz_dx == 0) & (dz_dy == 0)
    # The downslope direction is -gradient; its azimuth clockwise from north is atan2(east, north).
    np.negative(dz_dx, out=dz_dx)
    np.negative(dz_dy, out=dz_dy)
    np.arctan2(dz_dx, dz_dy, out=out)
    out *= _RAD_TO_DEG
    np.add(out, np.float32(360.0), out=out, where=out < 0)
    out += np.float32(0.0)  # turns -0.0 (due north from atan2 of -0) into 0.0
    out[out >= 360.0] = 0.0  # float32 rounding of a tiny negative angle + 360
    out[flat] = np.nan


def _horn(grid: Grid, *, slope: bool, aspect: bool) -> list[np.ndarray]:
    """One blocked Horn pass producing the requested full-size float32 outputs, in the order
    [slope, aspect]."""
    p, fx, fy, nan = _prepare(grid)
    rows, cols = grid.shape
    n_out = int(slope) + int(aspect)
    outs = [np.empty((rows, cols), dtype=np.float32) for _ in range(n_out)]
    for r0, r1 in _blocks(rows, cols):
        dz_dx, dz_dy = _horn_block(p, r0, r1, fx, fy)
        i = 0
        if slope:
            _slope_into(outs[0][r0:r1], dz_dx, dz_dy)
            i = 1
        if aspect:
            _aspect_into(outs[i][r0:r1], dz_dx, dz_dy)
    if nan is not None:
        for o in outs:
            o[nan] = np.nan
    return outs


def slope_deg(grid: Grid) -> np.ndarray:
    """Slope [degrees from horizontal, 0-90] per cell by Horn's method (as `gdaldem slope`).

    grid: elevation [m] in a metric CRS (the site's UTM zone). Returns float32, same shape,
    NaN where the elevation is NaN. Border cells use a linearly extrapolated ring.
    """
    return _horn(grid, slope=True, aspect=False)[0]


def aspect_deg(grid: Grid) -> np.ndarray:
    """Aspect: the direction the slope faces (downhill), clockwise from north [degrees, 0-360).

    0 = north-facing, 90 = east, 180 = south, 270 = west (as `gdaldem aspect`). grid: elevation
    [m] in a metric CRS. Returns float32, NaN on flat cells (no direction) and on nodata.
    """
    return _horn(grid, slope=False, aspect=True)[0]


def slope_aspect_deg(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """(slope_deg, aspect_deg) from one gradient pass; see `slope_deg` and `aspect_deg`."""
    slope, aspect = _horn(grid, slope=True, aspect=True)
    return slope, aspect


def curvature_per_m(grid: Grid) -> np.ndarray:
    """Mean surface curvature as the negative Laplacian of elevation [1/m].

    Positive on convex shapes (ridges, hill tops), negative on concave ones (valleys, hollows),
    0 on planes. Evaluated on a 3×3 window with the grid's cell size [m]; float32, NaN on nodata.
    """
    xres = float(abs(grid.transform.a))
    yres = float(abs(grid.transform.e))
    p = _padded(_filled(grid.data))
    c = p[1:-1, 1:-1]
    d2x = (p[1:-1, :-2] + p[1:-1, 2:] - 2 * c) / np.float32(xres * xres)
    d2y = (p[:-2, 1:-1] + p[2:, 1:-1] - 2 * c) / np.float32(yres * yres)
    out: np.ndarray = -(d2x + d2y)
    out[np.isnan(grid.data)] = np.nan
    return out


def tpi_m(grid: Grid, *, radius_m: float = 100.0) -> np.ndarray:
    """Topographic position index [m]: elevation minus the mean elevation within a square window.

    radius_m: half the window width [m] (at least one cell). Positive on ridges, negative in
    valleys. NaN cells are left out of the neighbourhood means; float32, NaN on nodata.
    """
    cells = max(1, round(radius_m / grid.resolution_m))
    size = 2 * cells + 1
    valid = ~np.isnan(grid.data)
    values = np.where(valid, grid.data, 0).astype(np.float32)
    # Mean over valid neighbours only: sum of values / count of valid cells (both box-filtered).
    total = ndimage.uniform_filter(values, size=size, mode="nearest")
    count = ndimage.uniform_filter(valid.astype(np.float32), size=size, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    out: np.ndarray = (grid.data - mean).astype(np.float32)
    out[~valid] = np.nan
    return out


def buildable_mask(grid: Grid, max_slope_deg: float, *, slope: np.ndarray | None = None) -> np.ndarray:
    """Cells whose slope is at most `max_slope_deg` [degrees]; False on nodata. Boolean, grid shape.

    slope: a precomputed `slope_deg(grid)` to avoid recomputing it.
    """
    s = slope_deg(grid) if slope is None else slope
    # NaN compares False, so nodata is never buildable.
    mask: np.ndarray = s <= np.float32(max_slope_deg)
    return mask


def geometry_mask(grid: Grid, geometry: BaseGeometry | None) -> np.ndarray:
    """Cells whose centre lies inside `geometry` (in the grid's CRS [m]); all True when None."""
    if geometry is None:
        return np.ones(grid.shape, dtype=bool)
    if geometry.is_empty:
        return np.zeros(grid.shape, dtype=bool)
    inside: np.ndarray = features.geometry_mask(
        [geometry], out_shape=grid.shape, transform=grid.transform, invert=True, all_touched=False
    )
    return inside


# Slope classes of the summary and of the slope-class polygons [degrees]: 0-2, 2-5, …, 25-90.
SLOPE_CLASS_EDGES_DEG: tuple[float, ...] = (0.0, 2.0, 5.0, 10.0, 15.0, 25.0, 90.0)
# Slope limits [degrees] reported as buildable shares in the summary.
SLOPE_LIMITS_DEG: tuple[float, ...] = (2.0, 5.0, 10.0, 15.0, 25.0)
# Typical maximum ground slope per asset class [degrees]; profiles may override.


@dataclass(frozen=True, kw_only=True)
class SlopeClass:
    """One slope class. lower_deg/upper_deg [degrees]; area_ha [ha]; share of the site's cells [0-1]."""

    lower_deg: float
    upper_deg: float
    area_ha: float
    share: float

    @property
    def label(self) -> str:
        return f"{self.lower_deg:g}-{self.upper_deg:g}"


@dataclass(frozen=True, kw_only=True)
class TerrainSummary:
    """Terrain statistics over the cells whose centre lies inside the site (the grid where no site).

    Elevations [m]; slopes [degrees]; areas [ha]; shares in [0, 1] of the site's valid cells.
    buildable_share_by_limit: keyed by the slope limit [degrees] as text ("5", "8.5").
    buildable_share_by_asset: keyed by asset type, per the profiles' slope limits or given limits.
    """

    crs: str
    resolution_m: float
    cell_count: int
    nodata_share: float
    area_ha: float
    elevation_min_m: float
    elevation_max_m: float
    elevation_mean_m: float
    slope_mean_deg: float
    slope_max_deg: float
    slope_classes: tuple[SlopeClass, ...]
    buildable_share_by_limit: dict[str, float]
    buildable_share_by_asset: dict[str, float]
    native_resolution_m: float | None = None
    resolution_label: str = ""
    resolution_warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: slope classes carry their "label"; NaN statistics become None."""
        d = asdict(self)
        d["slope_classes"] = [{**asdict(c), "label": c.label} for c in self.slope_classes]
        # JSON has no NaN; an empty site reports null statistics instead.
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in d.items()}


def terrain_summary(
    grid: Grid,
    *,
    site: BaseGeometry | None = None,
    slope_limits_deg: Sequence[float] = SLOPE_LIMITS_DEG,
    asset_slope_limits_deg: Mapping[str, float] | None = None,
    class_edges_deg: Sequence[float] = SLOPE_CLASS_EDGES_DEG,
    slope: np.ndarray | None = None,
    native_resolution_m: float | None = None,
) -> TerrainSummary:
    """Summarise the terrain inside `site` (a polygon in the grid's CRS [m]; None = whole grid).

    Elevation min/max/mean [m], slope mean/max [degrees], the slope histogram per class
    (`class_edges_deg`, upper edge inclusive in the last class) and the share of the site's valid
    cells at or under each slope limit [degrees] and asset-class limit. Statistics are NaN when
    the site has no valid cell. native_resolution_m: the DEM source's own cell size [m] (None when
    unknown or flat); the summary labels the grid with it and warns when the grid is finer.
    """
    inside = geometry_mask(grid, site)
    s = slope_deg(grid) if slope is None else slope
    z = grid.data[inside]
    sv = s[inside]
    valid = ~np.isnan(z)
    z = z[valid]
    sv = sv[valid]
    n_valid = int(z.size)
    n_inside = int(inside.sum())
    cell_ha = grid.resolution_m * abs(float(grid.transform.e)) / 10_000.0
    edges = np.asarray(class_edges_deg, dtype=np.float64)
    counts, _ = np.histogram(sv, bins=edges)
    classes = tuple(
        SlopeClass(
            lower_deg=float(edges[i]),
            upper_deg=float(edges[i + 1]),
            area_ha=float(counts[i] * cell_ha),
            share=float(counts[i] / n_valid) if n_valid else 0.0,
        )
        for i in range(len(edges) - 1)
    )
    if asset_slope_limits_deg is None:
        from app.engine.blocks.profiles import asset_slope_limits

        asset_slope_limits_deg = asset_slope_limits()
    limits = dict(asset_slope_limits_deg)

    def share_under(limit: float) -> float:
        return float(np.count_nonzero(sv <= limit) / n_valid) if n_valid else 0.0

    return TerrainSummary(
        crs=grid.crs,
        resolution_m=grid.resolution_m,
        cell_count=n_inside,
        nodata_share=float(1 - n_valid / n_inside) if n_inside else 0.0,
        area_ha=float(n_inside * cell_ha),
        elevation_min_m=float(z.min()) if n_valid else float("nan"),
        elevation_max_m=float(z.max()) if n_valid else float("nan"),
        elevation_mean_m=float(z.mean(dtype=np.float64)) if n_valid else float("nan"),
        slope_mean_deg=float(sv.mean(dtype=np.float64)) if n_valid else float("nan"),
        slope_max_deg=float(sv.max()) if n_valid else float("nan"),
        slope_classes=classes,
        buildable_share_by_limit={f"{lim:g}": share_under(lim) for lim in slope_limits_deg},
        buildable_share_by_asset={name: share_under(lim) for name, lim in limits.items()},
        native_resolution_m=native_resolution_m,
        resolution_label=resolution_label(grid.resolution_m, native_resolution_m),
        resolution_warning=resolution_warning(grid.resolution_m, native_resolution_m),
    )


# A grid this much finer than its source (ratio) is flagged; below that it is ordinary rounding.
FINER_TOLERANCE = 1.25


def resolution_label(grid_m: float, native_m: float | None) -> str:
    """ "10 m grid resampled from ≈ 93 m source" (grid and source cell sizes [m])."""
    if native_m is None:
        return f"{grid_m:g} m grid"
    return f"{grid_m:g} m grid resampled from ≈ {native_m:.0f} m source"


def resolution_warning(grid_m: float, native_m: float | None) -> str | None:
    """A warning when the grid [m] is finer than its source [m] can resolve, else None."""
    if native_m is None or grid_m * FINER_TOLERANCE >= native_m:
        return None
    return (
        f"The {grid_m:g} m terrain grid is finer than its DEM source (≈ {native_m:.0f} m cells): "
        f"slopes and earthwork reflect terrain detail at ≈ {native_m:.0f} m, not {grid_m:g} m."
    )
