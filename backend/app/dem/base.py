"""What a DEM source is asked for (`GridSpec`) and what it must provide (`DemSource`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import shapely
from affine import Affine
from rasterio import features
from rasterio.warp import transform_geom
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from app.engine.core.crs import WGS84, site_crs, to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import BBox
from app.errors import DemNotCovered, InvalidInput

MIN_RESOLUTION_M = 1.0
MAX_RESOLUTION_M = 100.0
# A grid larger than this would need > 400 MB per float32 raster; ask for a coarser resolution.
MAX_GRID_CELLS = 100_000_000


@dataclass(frozen=True, kw_only=True)
class GridSpec:
    """The grid a source must fill, and the area it must cover.

    crs: the site's UTM CRS; transform: north-up, square cells of `resolution_m` [m];
    width/height: columns/rows; site_wgs84: the site boundary (WGS84) that must have data.
    """

    crs: str
    transform: Affine
    width: int
    height: int
    site_wgs84: BaseGeometry

    @property
    def resolution_m(self) -> float:
        return float(self.transform.a)

    @property
    def bounds(self) -> BBox:
        """(minx, miny, maxx, maxy) of the grid's outer edges in `crs` [m]."""
        x0, y1 = self.transform @ (0, 0)
        x1, y0 = self.transform @ (self.width, self.height)
        return (x0, y0, x1, y1)

    def footprint_wgs84(self) -> BaseGeometry:
        """The grid's outline in WGS84, densified so that its curved edges stay accurate."""
        outline = shapely.segmentize(box(*self.bounds), max(self.resolution_m, 50.0))
        return shape(transform_geom(self.crs, WGS84, outline.__geo_interface__))

    def empty(self) -> np.ndarray:
        """An all-NaN float32 array of the grid's shape."""
        return np.full((self.height, self.width), np.nan, dtype=np.float32)

    def grid(self, data: np.ndarray) -> Grid:
        return Grid(data=data, transform=self.transform, crs=self.crs)

    def site_mask(self) -> np.ndarray:
        """Cells of the grid whose centre lies inside the site (boolean, grid shape)."""
        site = to_utm(self.site_wgs84, self.crs)
        mask: np.ndarray = features.geometry_mask(
            [site], out_shape=(self.height, self.width), transform=self.transform, invert=True
        )
        if not mask.any():
            # A sliver smaller than a cell: fall back to every cell it touches.
            mask = features.geometry_mask(
                [site],
                out_shape=(self.height, self.width),
                transform=self.transform,
                invert=True,
                all_touched=True,
            )
        return mask


def margin_m_for(resolution_m: float) -> float:
    """Extra distance around the site boundary [m]: a few cells so edge slopes see real neighbours."""
    return max(3.0 * resolution_m, 30.0)


def as_geometry(boundary: BaseGeometry | Mapping[str, Any]) -> BaseGeometry:
    """A shapely geometry from a shapely geometry or a GeoJSON geometry / Feature dict (WGS84)."""
    if isinstance(boundary, BaseGeometry):
        return boundary
    if boundary.get("type") == "Feature":
        return shape(boundary["geometry"])
    return shape(boundary)


def grid_spec_for(
    boundary_wgs84: BaseGeometry, resolution_m: float, *, reach_wgs84: BaseGeometry | None = None
) -> GridSpec:
    """The site's terrain grid: its UTM CRS, cells of `resolution_m` [m] snapped to multiples of the
    resolution (so grids of one site always align), covering the boundary plus `margin_m_for`, and
    `reach_wgs84` (e.g. the grid interconnection point, for the gen-tie) when given. The CRS and
    the data checks stay the boundary's.

    Raises InvalidInput for a resolution outside 1-100 m or a grid over `MAX_GRID_CELLS` cells.
    """
    if not (MIN_RESOLUTION_M <= resolution_m <= MAX_RESOLUTION_M) or not math.isfinite(resolution_m):
        raise InvalidInput(
            f"dem_resolution_m must be between {MIN_RESOLUTION_M:g} and {MAX_RESOLUTION_M:g} m, "
            f"got {resolution_m:g}"
        )
    if boundary_wgs84.is_empty:
        raise InvalidInput("the site boundary is empty")
    crs = site_crs(boundary_wgs84)
    minx, miny, maxx, maxy = to_utm(boundary_wgs84, crs).bounds
    if reach_wgs84 is not None and not reach_wgs84.is_empty:
        rx0, ry0, rx1, ry1 = to_utm(reach_wgs84, crs).bounds
        minx, miny, maxx, maxy = min(minx, rx0), min(miny, ry0), max(maxx, rx1), max(maxy, ry1)
    m = margin_m_for(resolution_m)
    r = resolution_m
    x0 = math.floor((minx - m) / r) * r
    y0 = math.floor((miny - m) / r) * r
    x1 = math.ceil((maxx + m) / r) * r
    y1 = math.ceil((maxy + m) / r) * r
    width = round((x1 - x0) / r)
    height = round((y1 - y0) / r)
    if width * height > MAX_GRID_CELLS:
        # Suggest a coarser grid only when there is one to choose.
        advice = (
            "choose a coarser dem_resolution_m"
            if r < MAX_RESOLUTION_M
            else f"that is too large even at the coarsest {MAX_RESOLUTION_M:g} m grid; split the site"
        )
        raise InvalidInput(f"the site needs a {width}×{height} terrain grid at {r:g} m; {advice}")
    return GridSpec(
        crs=crs,
        transform=Affine(r, 0.0, x0, 0.0, -r, y1),
        width=width,
        height=height,
        site_wgs84=boundary_wgs84,
    )


def require_site_data(data: np.ndarray, spec: GridSpec, source_label: str) -> None:
    """Raise DemNotCovered when no cell inside the site has elevation data."""
    inside = spec.site_mask()
    if not np.any(~np.isnan(data[inside])):
        raise DemNotCovered(f"{source_label} has no elevation data for this site")


class DemSource(Protocol):
    """A DEM source. `name` is its DEM_SOURCE name and cache-key prefix.

    fetch: the elevation [m] on `spec` (float32, NaN where nodata). Raises DemNotCovered when the
    source has no data for the site (the next source is tried), DemUnavailable when it should have
    but could not be reached (retry later), DemError for other failures.
    """

    name: str

    def fetch(self, spec: GridSpec) -> Grid: ...
