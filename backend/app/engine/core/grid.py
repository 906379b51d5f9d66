"""A georeferenced elevation grid: the one raster type the engine passes around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine

from app.engine.core.types import BBox


@dataclass(frozen=True, kw_only=True)
class Grid:
    """A north-up float32 raster with its georeferencing.

    data: elevation [m] (or any per-cell value), shape (rows, cols), NaN where nodata.
    transform: affine transform from (col, row) to (x, y) in `crs`; square cells.
    crs: the grid's CRS as an authority string, normally the site's UTM zone ("EPSG:326xx").
    """

    data: np.ndarray
    transform: Affine
    crs: str

    @property
    def resolution_m(self) -> float:
        """Cell size [m] (cells are square)."""
        return float(abs(self.transform.a))

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.data.shape[0]), int(self.data.shape[1]))

    @property
    def bounds(self) -> BBox:
        """(minx, miny, maxx, maxy) of the grid's outer edges, in `crs` [m]."""
        rows, cols = self.shape
        x0, y0 = self.transform * (0, 0)
        x1, y1 = self.transform * (cols, rows)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def with_data(self, data: np.ndarray) -> Grid:
        """A grid on the same georeferencing with other cell values."""
        if data.shape != self.data.shape:
            raise ValueError(f"shape {data.shape} differs from grid shape {self.data.shape}")
        return Grid(data=data, transform=self.transform, crs=self.crs)

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Nearest-cell values at points (x, y) in `crs` [m]; NaN outside the grid."""
        inv = ~self.transform
        cols, rows = inv * (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        c = np.floor(cols).astype(np.int64)
        r = np.floor(rows).astype(np.int64)
        h, w = self.shape
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        out = np.full(np.shape(c), np.nan, dtype=np.float32)
        out[inside] = self.data[r[inside], c[inside]]
        return out


def flat_grid(bounds: BBox, *, resolution_m: float, crs: str, elevation_m: float = 0.0) -> Grid:
    """A constant-elevation grid covering `bounds` (minx, miny, maxx, maxy) in `crs` [m]."""
    minx, miny, maxx, maxy = bounds
    cols = max(1, int(np.ceil((maxx - minx) / resolution_m)))
    rows = max(1, int(np.ceil((maxy - miny) / resolution_m)))
    transform = Affine(resolution_m, 0.0, minx, 0.0, -resolution_m, maxy)
    return Grid(data=np.full((rows, cols), elevation_m, dtype=np.float32), transform=transform, crs=crs)
