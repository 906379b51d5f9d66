"""The demo terrain: matplotlib's real Jacksboro fault DEM (Tennessee) as a GeoTIFF, and a demo site.

`make run` writes the DEM into DEM_PATH and gives the demo user the site from `demo_site_kml`, so
terrain works offline out of the box. The tests build their fixture with the same code.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine
from matplotlib import cbook
from rasterio.io import MemoryFile
from shapely.geometry import Point, Polygon

DEMO_DEM_FILENAME = "jacksboro.tif"
DEMO_SITE_NAME = "Demo site (Jacksboro, Tennessee)"
# The sample's grid: 3 arc-second cells, west edge and north edge in degrees (WGS84). The
# file's `ymin`/`ymax` labels are swapped, so the north edge is its `ymin` value.
JACKSBORO_CELL_DEG = 3.0 / 3600.0
JACKSBORO_WEST_DEG = -84.41375
JACKSBORO_NORTH_DEG = 36.73291666666667


def jacksboro_elevation() -> np.ndarray:
    """The sample's elevation [m], int16 (344 rows north to south, 403 columns west to east)."""
    # matplotlib returns the loaded NpzFile for .npz samples (typed loosely as IO).
    sample: Any = cbook.get_sample_data("jacksboro_fault_dem.npz")
    with sample as npz:
        elevation: np.ndarray = np.asarray(npz["elevation"], dtype=np.int16)
    return elevation


def jacksboro_transform() -> Affine:
    """Affine transform of the sample grid in EPSG:4326 (degrees), north-up."""
    return Affine(JACKSBORO_CELL_DEG, 0.0, JACKSBORO_WEST_DEG, 0.0, -JACKSBORO_CELL_DEG, JACKSBORO_NORTH_DEG)


def jacksboro_geotiff_bytes() -> bytes:
    """The Jacksboro DEM as an int16 GeoTIFF in EPSG:4326 (elevation [m], nodata -32768)."""
    elevation = jacksboro_elevation()
    rows, cols = elevation.shape
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": "int16",
        "crs": "EPSG:4326",
        "transform": jacksboro_transform(),
        "nodata": -32768,
        "compress": "deflate",
    }
    with MemoryFile() as mem:
        with mem.open(**profile) as ds:
            ds.write(elevation, 1)
        return bytes(mem.read())


def write_demo_dem(dem_path: Path) -> Path:
    """Write the Jacksboro GeoTIFF into the folder `dem_path` unless it is already there.

    Idempotent; the file appears atomically. Returns the GeoTIFF's path.
    """
    dem_path = Path(dem_path)
    dem_path.mkdir(parents=True, exist_ok=True)
    target = dem_path / DEMO_DEM_FILENAME
    if target.is_file() and target.stat().st_size > 0:
        return target
    fd, tmp = tempfile.mkstemp(dir=dem_path, prefix=".tmp-", suffix=".tif")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(jacksboro_geotiff_bytes())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# The demo site sits on the gentlest part of the Jacksboro DEM (slopes mostly under 4°), ~3 km
# from any edge of the DEM. Shapes are given as offsets [m] east/north of this centre (WGS84).
DEMO_CENTER_LON_LAT = (-84.1642, 36.6133)
_M_PER_DEG_LAT = 110_950.0
DEMO_BOUNDARY_OFFSETS_M = ((-450, -350), (450, -350), (450, 200), (250, 350), (-450, 350))
DEMO_WETLAND_OFFSETS_M = ((-300, 120), (-170, 140), (-140, 240), (-260, 270), (-330, 200))
DEMO_ENTRANCE_OFFSET_M = (0, -350)


def _lon_lat(offset_m: tuple[float, float]) -> tuple[float, float]:
    lon0, lat0 = DEMO_CENTER_LON_LAT
    m_per_deg_lon = _M_PER_DEG_LAT * float(np.cos(np.radians(lat0)))
    return (lon0 + offset_m[0] / m_per_deg_lon, lat0 + offset_m[1] / _M_PER_DEG_LAT)


def _ring(offsets: tuple[tuple[int, int], ...]) -> str:
    pts = [_lon_lat(o) for o in (*offsets, offsets[0])]
    return " ".join(f"{lon:.6f},{lat:.6f},0" for lon, lat in pts)


@dataclass(frozen=True, kw_only=True)
class DemoSite:
    """The demo site's geometries in WGS84 (as written into `demo_site_kml`)."""

    boundary: Polygon
    wetland: Polygon
    entrance: Point


def demo_site() -> DemoSite:
    """The demo site's boundary, wetland exclusion and entrance (WGS84, rounded as in the KML)."""

    def poly(offsets: tuple[tuple[int, int], ...]) -> Polygon:
        return Polygon([(round(x, 6), round(y, 6)) for x, y in map(_lon_lat, offsets)])

    lon, lat = _lon_lat(DEMO_ENTRANCE_OFFSET_M)
    return DemoSite(
        boundary=poly(DEMO_BOUNDARY_OFFSETS_M),
        wetland=poly(DEMO_WETLAND_OFFSETS_M),
        entrance=Point(round(lon, 6), round(lat, 6)),
    )


def demo_site_kml() -> bytes:
    """A KML document for the demo site inside the Jacksboro DEM (WGS84).

    Placemarks: "Demo site boundary" (a ~60 ha polygon), "Wetland exclusion" (a ~2 ha polygon
    inside it) and "Site entrance" (a point on the south boundary).
    """
    entrance_lon, entrance_lat = _lon_lat(DEMO_ENTRANCE_OFFSET_M)
    kml = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
  <Document>
    <name>Demo site (Jacksboro, Tennessee)</name>
    <Placemark>
      <name>Demo site boundary</name>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>{_ring(DEMO_BOUNDARY_OFFSETS_M)}</coordinates>
      </LinearRing></outerBoundaryIs></Polygon>
    </Placemark>
    <Placemark>
      <name>Wetland exclusion</name>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>{_ring(DEMO_WETLAND_OFFSETS_M)}</coordinates>
      </LinearRing></outerBoundaryIs></Polygon>
    </Placemark>
    <Placemark>
      <name>Site entrance</name>
      <Point><coordinates>{entrance_lon:.6f},{entrance_lat:.6f},0</coordinates></Point>
    </Placemark>
  </Document>
</kml>
"""
    return kml.encode("utf-8")
