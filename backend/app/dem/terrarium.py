"""The `terrarium` source: global Terrarium-encoded PNG terrain tiles (XYZ, Web Mercator).

Terrarium encodes elevation [m] as (R × 256 + G + B / 256) − 32768 (the AWS Open Data
"elevation-tiles-prod" set). Tiles are fetched at the zoom whose cell size is closest to the
requested resolution (at most zoom 15), mosaicked in EPSG:3857 and reprojected onto the site grid.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from affine import Affine
from rasterio.warp import transform_bounds

from app.dem.base import GridSpec, require_site_data
from app.dem.http import HttpFetcher
from app.dem.raster import read_png_rgb, warp_into
from app.engine.core.grid import Grid
from app.errors import DemNotCovered

LABEL = "the Terrarium tile server"
WEB_MERCATOR = "EPSG:3857"
ORIGIN_SHIFT_M = 20037508.342789244  # half the Web Mercator world width [m]
MAX_LAT_DEG = 85.05112878
MAX_ZOOM = 15
MAX_TILES = 256  # per site fetch; the zoom is lowered until the tiles fit
FETCH_THREADS = 4


def decode_terrarium(rgb: np.ndarray) -> np.ndarray:
    """Elevation [m] (float32) from a Terrarium RGB array of shape (3, rows, cols), uint8."""
    r, g, b = (rgb[i].astype(np.float32) for i in range(3))
    elevation: np.ndarray = r * 256.0 + g + b / 256.0 - 32768.0
    return elevation


def encode_terrarium(elevation: np.ndarray) -> np.ndarray:
    """Terrarium RGB (3, rows, cols) uint8 from elevation [m]; the inverse of `decode_terrarium`."""
    v = np.clip(np.asarray(elevation, dtype=np.float64) + 32768.0, 0, 65535.99)
    r = np.floor(v / 256.0)
    g = np.floor(v - r * 256.0)
    b = np.floor((v - r * 256.0 - g) * 256.0)
    return np.stack([r, g, b]).astype(np.uint8)


def tile_transform(z: int, x: int, y: int, size_px: int) -> Affine:
    """Transform of XYZ tile (z, x, y) with `size_px` pixels per side, in EPSG:3857 [m]."""
    tile_m = 2 * ORIGIN_SHIFT_M / 2**z
    cell = tile_m / size_px
    return Affine(cell, 0.0, -ORIGIN_SHIFT_M + x * tile_m, 0.0, -cell, ORIGIN_SHIFT_M - y * tile_m)


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    lat = max(-MAX_LAT_DEG, min(MAX_LAT_DEG, lat))
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def zoom_for(resolution_m: float, lat_deg: float) -> int:
    """The smallest zoom whose 256-px tiles have cells no larger than `resolution_m` [m] at
    `lat_deg`, capped at MAX_ZOOM."""
    ground_m_at_z0 = 2 * ORIGIN_SHIFT_M * math.cos(math.radians(lat_deg)) / 256.0
    z = math.ceil(math.log2(max(ground_m_at_z0 / resolution_m, 1.0)))
    return max(0, min(MAX_ZOOM, z))


class TerrariumSource:
    """Terrarium tiles from `url_template` (DEM_TERRARIUM_URL, with {z}, {x}, {y})."""

    name = "terrarium"

    def __init__(
        self, *, url_template: str, timeout_s: float, retries: int, max_bytes: int, backoff_s: float = 0.5
    ) -> None:
        self.url_template = url_template
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_bytes = max_bytes
        self.backoff_s = backoff_s

    def tiles_for(self, spec: GridSpec) -> tuple[int, list[tuple[int, int]]]:
        """The zoom and (x, y) tiles covering the grid."""
        west, south, east, north = transform_bounds(spec.crs, "EPSG:4326", *spec.bounds, densify_pts=21)
        if south > MAX_LAT_DEG or north < -MAX_LAT_DEG:
            raise DemNotCovered("Terrarium tiles do not reach the poles; this site is beyond ±85°")
        z = zoom_for(spec.resolution_m, (south + north) / 2)
        while True:
            x0, y0 = _tile_xy(west, north, z)
            x1, y1 = _tile_xy(east, south, z)
            tiles = [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
            if len(tiles) <= MAX_TILES or z == 0:
                return z, tiles
            z -= 1  # coarser tiles rather than hundreds of requests

    def fetch(self, spec: GridSpec) -> Grid:
        z, tiles = self.tiles_for(spec)
        out = spec.empty()
        with HttpFetcher(
            label=LABEL,
            timeout_s=self.timeout_s,
            retries=self.retries,
            max_bytes=self.max_bytes,
            backoff_s=self.backoff_s,
        ) as http:

            def get(xy: tuple[int, int]) -> bytes | None:
                url = self.url_template.format(z=z, x=xy[0], y=xy[1])
                return http.get(url, missing_ok=True)

            with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
                bodies = list(pool.map(get, tiles))
        if all(b is None for b in bodies):
            raise DemNotCovered("the Terrarium tile server has no tiles for this site")
        for (x, y), body in zip(tiles, bodies, strict=True):
            if body is None:
                continue  # a missing tile leaves NaN; the site check below decides
            elevation = decode_terrarium(read_png_rgb(body))
            warp_into(
                out,
                elevation,
                src_transform=tile_transform(z, x, y, elevation.shape[1]),
                src_crs=WEB_MERCATOR,
                spec=spec,
            )
        require_site_data(out, spec, LABEL)
        return spec.grid(out)
