"""Vector views of terrain: contour lines, slope-class polygons and buildable polygons.

Inputs are a `Grid` (elevation [m] in the site's UTM CRS) and the site polygon in that CRS;
outputs are shapely geometries in WGS84 (EPSG:4326), clipped to the site, ready for GeoJSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from rasterio import features
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from skimage import measure

from app.engine.core.crs import to_wgs84
from app.engine.core.grid import Grid
from app.engine.terrain.analysis import SLOPE_CLASS_EDGES_DEG, buildable_mask, slope_deg
from app.errors import InvalidInput

# More contour levels than this is a request for an unreadable map (and a slow one).
MAX_CONTOUR_LEVELS = 500


@dataclass(frozen=True, kw_only=True)
class Contour:
    """All contour lines at one elevation. elevation_m [m]; geometry: WGS84 MultiLineString."""

    elevation_m: float
    geometry: MultiLineString


@dataclass(frozen=True, kw_only=True)
class SlopeClassArea:
    """Where the slope lies in [lower_deg, upper_deg) [degrees]. geometry: WGS84; area_ha [ha]."""

    lower_deg: float
    upper_deg: float
    geometry: MultiPolygon
    area_ha: float

    @property
    def label(self) -> str:
        return f"{self.lower_deg:g}-{self.upper_deg:g}"


def _as_multi_line(geom: BaseGeometry) -> MultiLineString:
    lines = [g for g in shapely.get_parts(geom) if isinstance(g, LineString) and not g.is_empty]
    return MultiLineString(lines)


def _as_multi_polygon(geom: BaseGeometry) -> MultiPolygon:
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(polys)


def contour_lines(
    grid: Grid, *, interval_m: float, site: BaseGeometry | None = None, simplify_m: float | None = None
) -> list[Contour]:
    """Contour lines every `interval_m` [m] (levels at multiples of it), clipped to `site`.

    site: polygon in the grid's CRS [m] (None = the whole grid). Lines are traced through cell
    centres (marching squares) and simplified by `simplify_m` [m] (default: a quarter cell), then
    returned in WGS84, one entry per level that has lines, lowest first.
    Raises InvalidInput for a non-positive interval or more than MAX_CONTOUR_LEVELS levels.
    """
    if not interval_m > 0 or not math.isfinite(interval_m):
        raise InvalidInput("interval_m must be a positive number of metres")
    data = grid.data
    valid = ~np.isnan(data)
    if site is not None:
        # Trace only around the site: the clip below trims the rest anyway.
        minx, miny, maxx, maxy = site.bounds
        inv = ~grid.transform
        c0, r0 = inv @ (minx, maxy)
        c1, r1 = inv @ (maxx, miny)
        r_lo, r_hi = max(0, math.floor(min(r0, r1)) - 2), min(grid.shape[0], math.ceil(max(r0, r1)) + 2)
        c_lo, c_hi = max(0, math.floor(min(c0, c1)) - 2), min(grid.shape[1], math.ceil(max(c0, c1)) + 2)
    else:
        r_lo, r_hi, c_lo, c_hi = 0, grid.shape[0], 0, grid.shape[1]
    sub = data[r_lo:r_hi, c_lo:c_hi]
    sub_valid = valid[r_lo:r_hi, c_lo:c_hi]
    if sub.size == 0 or not sub_valid.any():
        return []
    zmin, zmax = float(np.nanmin(sub)), float(np.nanmax(sub))
    first = math.ceil(zmin / interval_m)
    last = math.floor(zmax / interval_m)
    if last - first + 1 > MAX_CONTOUR_LEVELS:
        raise InvalidInput(
            f"interval_m={interval_m:g} gives {last - first + 1} contour levels over "
            f"{zmax - zmin:.0f} m of relief; use an interval of at least "
            f"{math.ceil((zmax - zmin) / MAX_CONTOUR_LEVELS)} m"
        )
    filled = np.where(sub_valid, sub, zmin).astype(np.float64)
    # Per-row/column ranges let each level trace only the band of rows/columns it crosses.
    row_min, row_max = (
        np.nanmin(np.where(sub_valid, sub, np.inf), axis=1),
        np.nanmax(np.where(sub_valid, sub, -np.inf), axis=1),
    )
    # A level can pass between two rows without lying inside either row's range (a slope rising
    # due north): widen each row's range to cover the gap to the next row.
    row_min[:-1] = np.minimum(row_min[:-1], row_min[1:])
    row_max[:-1] = np.maximum(row_max[:-1], row_max[1:])
    tol = grid.resolution_m / 4 if simplify_m is None else simplify_m
    # Cell centres: row/col index i maps to i + 0.5 in the grid's pixel space.
    t = grid.transform
    out: list[Contour] = []
    for k in range(first, last + 1):
        level = k * interval_m
        rows = np.nonzero((row_min <= level) & (row_max >= level))[0]
        if rows.size == 0:
            continue
        ra, rb = max(0, int(rows[0]) - 1), min(sub.shape[0], int(rows[-1]) + 2)
        paths = measure.find_contours(filled[ra:rb], level, mask=sub_valid[ra:rb])  # type: ignore[no-untyped-call]
        lines = []
        for p in paths:
            if len(p) < 2:
                continue
            cols = p[:, 1] + c_lo + 0.5
            rws = p[:, 0] + ra + r_lo + 0.5
            xs = t.a * cols + t.b * rws + t.c
            ys = t.d * cols + t.e * rws + t.f
            lines.append(LineString(np.column_stack([xs, ys])))
        if not lines:
            continue
        geom: BaseGeometry = MultiLineString(lines)
        if site is not None:
            geom = geom.intersection(site)
        if tol > 0:
            geom = geom.simplify(tol)
        multi = _as_multi_line(geom)
        if multi.is_empty:
            continue
        out.append(Contour(elevation_m=level, geometry=_as_multi_line(to_wgs84(multi, grid.crs))))
    return out


def _polygons_of(mask: np.ndarray, grid: Grid, site: BaseGeometry | None, simplify_m: float) -> MultiPolygon:
    """The cells where `mask` is True as polygons in the grid's CRS, clipped to `site`."""
    polys = [
        shape(geom)
        for geom, value in features.shapes(
            mask.astype(np.uint8), mask=mask, transform=grid.transform, connectivity=4
        )
        if value == 1
    ]
    if not polys:
        return MultiPolygon()
    # Polygons from `shapes` do not overlap, so a plain MultiPolygon is valid without a union.
    geom: BaseGeometry = MultiPolygon(polys)
    if site is not None:
        geom = geom.intersection(site)
    if simplify_m > 0:
        geom = geom.simplify(simplify_m, preserve_topology=True)
    return _as_multi_polygon(geom)


def _sieved(classes: np.ndarray, valid: np.ndarray, min_cells: int) -> np.ndarray:
    if min_cells <= 1:
        return classes
    sieved: np.ndarray = features.sieve(classes, size=min_cells, mask=valid, connectivity=4)
    return sieved


def slope_class_polygons(
    grid: Grid,
    *,
    site: BaseGeometry | None = None,
    class_edges_deg: Sequence[float] = SLOPE_CLASS_EDGES_DEG,
    min_area_m2: float = 0.0,
    simplify_m: float | None = None,
    slope: np.ndarray | None = None,
) -> list[SlopeClassArea]:
    """Polygons per slope class [degrees] (edges `class_edges_deg`, last class upper-inclusive).

    site: polygon in the grid's CRS [m] to clip to (None = the whole grid). Patches smaller than
    `min_area_m2` [m²] are merged into their neighbours (sieve) so the map stays readable.
    Geometries are WGS84; area_ha is measured in the grid's CRS after clipping. Classes with no
    area are included with an empty geometry.
    """
    s = slope_deg(grid) if slope is None else slope
    edges = np.asarray(class_edges_deg, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise InvalidInput("slope classes must be at least two increasing slopes in degrees")
    valid = ~np.isnan(s)
    # Class index 1..n; 0 marks nodata. `right=False` puts a slope on an edge in the upper class.
    idx = np.digitize(np.where(valid, s, 0), edges[1:-1], right=False).astype(np.int32) + 1
    idx[~valid] = 0
    cell_m2 = grid.resolution_m * abs(grid.transform.e)
    idx = _sieved(idx, valid, math.ceil(min_area_m2 / cell_m2) if min_area_m2 > 0 else 0)
    tol = grid.resolution_m / 4 if simplify_m is None else simplify_m
    out = []
    for i in range(len(edges) - 1):
        local = _polygons_of(idx == i + 1, grid, site, tol)
        out.append(
            SlopeClassArea(
                lower_deg=float(edges[i]),
                upper_deg=float(edges[i + 1]),
                geometry=_as_multi_polygon(to_wgs84(local, grid.crs)) if not local.is_empty else local,
                area_ha=float(local.area / 10_000.0),
            )
        )
    return out


def buildable_polygons(
    grid: Grid,
    *,
    max_slope_deg: float,
    site: BaseGeometry | None = None,
    min_area_m2: float = 0.0,
    simplify_m: float | None = None,
    slope: np.ndarray | None = None,
) -> MultiPolygon:
    """Where the slope is at most `max_slope_deg` [degrees], as WGS84 polygons clipped to `site`.

    site: polygon in the grid's CRS [m] (None = the whole grid). Buildable patches smaller than
    `min_area_m2` [m²] are dropped, and so are equally small unbuildable holes (sieve).
    """
    if not 0 <= max_slope_deg <= 90:
        raise InvalidInput("max_slope_deg must be between 0 and 90 degrees")
    s = slope_deg(grid) if slope is None else slope
    mask = buildable_mask(grid, max_slope_deg, slope=s)
    valid = ~np.isnan(s)
    cell_m2 = grid.resolution_m * abs(grid.transform.e)
    if min_area_m2 > 0:
        cls = _sieved(mask.astype(np.int32) + 1, valid, math.ceil(min_area_m2 / cell_m2))
        mask = (cls == 2) & valid
    tol = grid.resolution_m / 4 if simplify_m is None else simplify_m
    local = _polygons_of(mask, grid, site, tol)
    return _as_multi_polygon(to_wgs84(local, grid.crs)) if not local.is_empty else local
