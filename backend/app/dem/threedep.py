"""The `3dep` source: USGS 3DEP elevation through the ArcGIS ImageServer `exportImage` (GeoTIFF)."""

from __future__ import annotations

import math

import shapely
from shapely.geometry import box

from app.dem.base import GridSpec, require_site_data
from app.dem.http import HttpFetcher
from app.dem.raster import warp_geotiff_bytes_into
from app.engine.core.grid import Grid
from app.errors import DemError, DemNotCovered, DemUnavailable

LABEL = "3DEP"
# Areas 3DEP serves, (minx, miny, maxx, maxy) in WGS84 degrees: the 48 states, Alaska (both sides
# of the antimeridian), Hawaii, Puerto Rico and the US Virgin Islands, Guam and the Marianas.
US_COVERAGE_WGS84 = shapely.union_all(
    [
        box(-125.0, 24.3, -66.8, 49.5),
        box(-180.0, 51.0, -129.9, 71.5),
        box(172.0, 51.0, 180.0, 53.1),
        box(-160.6, 18.8, -154.7, 22.4),
        box(-68.0, 17.6, -64.5, 18.6),
        box(144.5, 13.2, 146.1, 20.6),
    ]
)
# exportImage refuses images larger than the service's limit (4000+ px); stay under it per request.
MAX_REQUEST_PX = 4000
TIFF_MAGIC = (b"II*\x00", b"MM\x00*")


class ThreeDepSource:
    """3DEP for sites in the United States, requested directly in the site's UTM grid.

    url: the exportImage endpoint (DEM_3DEP_URL). Larger grids are fetched in blocks of at most
    MAX_REQUEST_PX × MAX_REQUEST_PX pixels and mosaicked.
    """

    name = "3dep"

    def __init__(
        self, *, url: str, timeout_s: float, retries: int, max_bytes: int, backoff_s: float = 0.5
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_bytes = max_bytes
        self.backoff_s = backoff_s

    def fetch(self, spec: GridSpec) -> Grid:
        if not US_COVERAGE_WGS84.intersects(spec.site_wgs84):
            raise DemNotCovered("3DEP covers the United States only; this site is outside it")
        epsg = spec.crs.split(":")[-1]
        out = spec.empty()
        r = spec.resolution_m
        x0, _, _, y1 = spec.bounds
        with HttpFetcher(
            label=LABEL,
            timeout_s=self.timeout_s,
            retries=self.retries,
            max_bytes=self.max_bytes,
            backoff_s=self.backoff_s,
        ) as http:
            for row0 in range(0, spec.height, MAX_REQUEST_PX):
                for col0 in range(0, spec.width, MAX_REQUEST_PX):
                    w = min(MAX_REQUEST_PX, spec.width - col0)
                    h = min(MAX_REQUEST_PX, spec.height - row0)
                    left, top = x0 + col0 * r, y1 - row0 * r
                    params = {
                        "bbox": f"{left},{top - h * r},{left + w * r},{top}",
                        "bboxSR": epsg,
                        "imageSR": epsg,
                        "size": f"{w},{h}",
                        "format": "tiff",
                        "pixelType": "F32",
                        "noDataInterpretation": "esriNoDataMatchAny",
                        "interpolation": "RSP_BilinearInterpolation",
                        "f": "image",
                    }
                    body = http.get(self.url, params=params)
                    assert body is not None  # missing_ok is False: a 404 raised
                    if not body.startswith(TIFF_MAGIC):
                        # ArcGIS reports some errors as a 200 with a JSON body.
                        snippet = body[:200].decode("utf-8", "replace")
                        if "error" in snippet.lower():
                            raise DemUnavailable(
                                f"Failed to fetch DEM data: 3DEP answered with an error: {snippet}"
                            )
                        raise DemError("Failed to fetch DEM data: 3DEP did not return a GeoTIFF")
                    warp_geotiff_bytes_into(out, body, spec, label=LABEL)
        # Some servers fill nodata with -3.4e38 without tagging it as nodata: treat it as NaN.
        out[out < -1e30] = math.nan
        require_site_data(out, spec, LABEL)
        return spec.grid(out)
