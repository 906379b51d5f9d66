"""What a DEM source really resolves: its native cell size beside the analysis grid's.

The analysis grid (`dem_resolution_m`, e.g. 10 m) is a resampling of the source. A 10 m grid
resampled from the bundled 3 arc-second DEM (≈ 75 × 93 m cells at 36.7°N) still only knows the
terrain at ≈ 90 m: slopes are smoothed and small features are invisible. So every terrain
number carries the source's native resolution, and a grid finer than its source is flagged.

Native cell sizes per source:
- file: the pixel size of the first DEM file covering the site; geographic (degree) pixels are
  converted to metres at the site's latitude (east-west shrinks with cos(latitude)).
- terrarium: the fetched tiles' pixel size (256-px Web-Mercator tiles at the zoom used), but no
  finer than the data under the tiles: 10 m (USGS 3DEP/NED) in the United States, 30 m
  (SRTM 1 arc-second) elsewhere, per the Mapzen/Tilezen "joerd" data sources.
- 3dep: 1/3 arc-second (≈ 10 m), the seamless 3DEP layer the ImageServer serves.
- flat: None (no terrain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from app.config import Settings
from app.engine.terrain.analysis import resolution_label, resolution_warning

# Metres per degree of latitude (mean; WGS84 varies 110.6-111.7 km).
M_PER_DEG_LAT = 111_320.0
THREEDEP_NATIVE_M = 10.0
__all__ = ["NativeResolution", "native_resolution", "resolution_label", "resolution_warning"]
TERRARIUM_FLOOR_US_M = 10.0
TERRARIUM_FLOOR_WORLD_M = 30.0


@dataclass(frozen=True, kw_only=True)
class NativeResolution:
    """A source's cell size at the site [m]: east-west `cell_x_m`, north-south `cell_y_m`."""

    source: str
    cell_x_m: float
    cell_y_m: float

    @property
    def resolution_m(self) -> float:
        """The coarser side [m]: the detail the source cannot resolve below."""
        return max(self.cell_x_m, self.cell_y_m)


def _deg_cells_to_m(dx_deg: float, dy_deg: float, lat_deg: float) -> tuple[float, float]:
    return (
        abs(dx_deg) * M_PER_DEG_LAT * math.cos(math.radians(lat_deg)),
        abs(dy_deg) * M_PER_DEG_LAT,
    )


def _file_native(dem_path: Path, site_wgs84: BaseGeometry) -> tuple[float, float] | None:
    import rasterio

    from app.dem.file import scan_tiles

    lat = site_wgs84.centroid.y
    for tile in scan_tiles(dem_path):
        if not tile.footprint_wgs84.intersects(site_wgs84):
            continue
        with rasterio.open(tile.path) as ds:
            dx, dy = ds.res
            if ds.crs is not None and ds.crs.is_geographic:
                return _deg_cells_to_m(dx, dy, lat)
            factor = ds.crs.linear_units_factor[1] if ds.crs is not None else 1.0
            return abs(dx) * factor, abs(dy) * factor
    return None


def _terrarium_native(site_wgs84: BaseGeometry, resolution_m: float) -> tuple[float, float]:
    from app.dem.base import grid_spec_for
    from app.dem.terrarium import ORIGIN_SHIFT_M, TerrariumSource
    from app.dem.threedep import US_COVERAGE_WGS84

    spec = grid_spec_for(site_wgs84, resolution_m)
    z, _ = TerrariumSource(url_template="", timeout_s=1, retries=0, max_bytes=0).tiles_for(spec)
    lat = site_wgs84.centroid.y
    px = 2 * ORIGIN_SHIFT_M * math.cos(math.radians(lat)) / 256.0 / 2**z
    floor = TERRARIUM_FLOOR_US_M if US_COVERAGE_WGS84.covers(site_wgs84) else TERRARIUM_FLOOR_WORLD_M
    return max(px, floor), max(px, floor)


def native_resolution(
    source: str, site_wgs84: BaseGeometry, *, resolution_m: float, settings: Settings
) -> NativeResolution | None:
    """The native cell size of `source` (a DEM_SOURCE name) at the site, or None (flat, unknown).

    site_wgs84: the site boundary (WGS84); resolution_m: the analysis grid's cell size [m]
    (Terrarium's zoom depends on it). Never raises for an unreadable file: None instead.
    """
    cells: tuple[float, float] | None
    try:
        if source == "file":
            cells = _file_native(Path(settings.dem_path), site_wgs84)
        elif source == "terrarium":
            cells = _terrarium_native(site_wgs84, resolution_m)
        elif source == "3dep":
            cells = (THREEDEP_NATIVE_M, THREEDEP_NATIVE_M)
        else:
            cells = None
    except Exception:  # a label must never break a layout or a summary
        return None
    if cells is None:
        return None
    return NativeResolution(source=source, cell_x_m=cells[0], cell_y_m=cells[1])
