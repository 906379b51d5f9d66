"""The `file` source: a GeoTIFF/COG (or VRT) or a folder of tiles, in any CRS, read with rasterio."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds, transform_geom
from rasterio.windows import Window, from_bounds
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from app.dem.base import GridSpec, require_site_data
from app.dem.raster import read_band_float, warp_into
from app.engine.core.crs import WGS84
from app.engine.core.grid import Grid
from app.errors import DemError, DemNotCovered

RASTER_SUFFIXES = frozenset({".tif", ".tiff", ".vrt"})
# Source cells read beyond the target's footprint so bilinear resampling has its neighbours.
READ_PAD_CELLS = 2


@dataclass(frozen=True, kw_only=True)
class TileInfo:
    """One raster file: its path, CRS (WKT), bounds in that CRS and footprint in WGS84."""

    path: str
    crs_wkt: str
    bounds: tuple[float, float, float, float]
    footprint_wgs84: BaseGeometry


@lru_cache(maxsize=4096)
def _tile_info(path: str, mtime_ns: int, size: int) -> TileInfo | None:
    """Header of one raster (cached per path and modification; the args make the cache key)."""
    del mtime_ns, size
    try:
        with rasterio.open(path) as ds:
            if ds.crs is None:
                return None  # not georeferenced: cannot be placed, skip it
            bounds = tuple(ds.bounds)
            outline = box(*bounds)
            if not ds.crs.is_geographic:
                # Densify so a projected tile's edges stay accurate after reprojection.
                outline = shapely.segmentize(outline, max(ds.res) * 16)
            fp = shape(transform_geom(ds.crs, WGS84, outline.__geo_interface__))
            return TileInfo(path=path, crs_wkt=ds.crs.to_wkt(), bounds=bounds, footprint_wgs84=fp)
    except RasterioError:
        return None


def scan_tiles(dem_path: Path) -> list[TileInfo]:
    """The readable georeferenced rasters at `dem_path` (a file, or a folder searched recursively)."""
    if dem_path.is_file():
        paths = [dem_path]
    elif dem_path.is_dir():
        paths = sorted(p for p in dem_path.rglob("*") if p.suffix.lower() in RASTER_SUFFIXES and p.is_file())
    else:
        return []
    tiles = []
    for p in paths:
        st = p.stat()
        info = _tile_info(str(p), st.st_mtime_ns, st.st_size)
        if info is not None:
            tiles.append(info)
    return tiles


class FileSource:
    """DEM files under `dem_path` (DEM_PATH): GeoTIFF/COG/VRT, one file or a folder of tiles.

    Only the window of each tile that the target grid needs is read; it is reprojected onto the
    target grid with bilinear resampling. Where tiles overlap, the first in path order wins.
    Elevations are taken as metres.
    """

    name = "file"

    def __init__(self, dem_path: Path) -> None:
        self.dem_path = Path(dem_path)

    def fetch(self, spec: GridSpec) -> Grid:
        tiles = scan_tiles(self.dem_path)
        site = spec.site_wgs84
        hits = [t for t in tiles if t.footprint_wgs84.intersects(site)]
        if not hits:
            where = "no DEM files" if not tiles else f"no DEM file of {len(tiles)}"
            raise DemNotCovered(f"{where} under DEM_PATH={self.dem_path} covers this site")
        covered = shapely.union_all([t.footprint_wgs84 for t in hits])
        # A small tolerance: footprints and the site come from different reprojections.
        if not covered.buffer(1e-7).covers(site):
            raise DemNotCovered(
                f"the DEM files under DEM_PATH={self.dem_path} cover only part of this site; "
                "add the missing tiles or use another source"
            )
        out = spec.empty()
        for tile in hits:
            self._paint(tile, spec, out)
        require_site_data(out, spec, f"DEM_PATH={self.dem_path}")
        return spec.grid(out)

    def _paint(self, tile: TileInfo, spec: GridSpec, out: np.ndarray) -> None:
        try:
            with rasterio.open(tile.path) as ds:
                window = _window_for(ds, spec)
                if window is None:
                    return
                src = read_band_float(ds, window)
                warp_into(out, src, src_transform=ds.window_transform(window), src_crs=ds.crs, spec=spec)
        except RasterioError as exc:
            raise DemError(f"could not read DEM file {tile.path}: {exc}") from exc


def _window_for(ds: rasterio.io.DatasetReader, spec: GridSpec) -> Window | None:
    """The window of `ds` under the target grid, padded by READ_PAD_CELLS; None if disjoint."""
    left, bottom, right, top = transform_bounds(spec.crs, ds.crs, *spec.bounds, densify_pts=21)
    w = from_bounds(left, bottom, right, top, transform=ds.transform)
    col0 = max(0, math.floor(w.col_off) - READ_PAD_CELLS)
    row0 = max(0, math.floor(w.row_off) - READ_PAD_CELLS)
    col1 = min(ds.width, math.ceil(w.col_off + w.width) + READ_PAD_CELLS)
    row1 = min(ds.height, math.ceil(w.row_off + w.height) + READ_PAD_CELLS)
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)
