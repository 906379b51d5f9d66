"""The row frame: rows laid in true-north directions on a UTM grid (grid convergence corrected).

u runs along the rows, v across them (v = u turned 90° clockwise). The map between grid (x, y)
and frame (u, v) is a symmetric orthogonal matrix, so it is its own inverse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer
from shapely import affinity
from shapely.geometry.base import BaseGeometry


def true_north_grid_azimuth_deg(crs: str, lon: float, lat: float) -> float:
    """Grid azimuth of true north at (lon, lat) in the projected `crs` [° cw from grid north].

    A direction with true azimuth α has grid azimuth α + this angle (the negative of the
    meridian convergence as surveyors sign it)."""
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x0, y0 = t.transform(lon, lat)
    x1, y1 = t.transform(lon, min(lat + 0.01, 89.99))
    return math.degrees(math.atan2(x1 - x0, y1 - y0))


@dataclass(frozen=True)
class RowFrame:
    """Rows running at grid azimuth `phi_deg` [° cw from grid north] about origin (x0, y0) [m]."""

    phi_deg: float
    x0: float
    y0: float

    @property
    def _sc(self) -> tuple[float, float]:
        p = math.radians(self.phi_deg)
        return math.sin(p), math.cos(p)

    def to_frame(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid (x, y) [m] → frame (u, v) [m]."""
        s, c = self._sc
        dx, dy = np.asarray(x) - self.x0, np.asarray(y) - self.y0
        return dx * s + dy * c, dx * c - dy * s

    def to_grid(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame (u, v) [m] → grid (x, y) [m]."""
        s, c = self._sc
        u, v = np.asarray(u), np.asarray(v)
        return u * s + v * c + self.x0, u * c - v * s + self.y0

    def to_uv(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) grid points [m] → (n, 2) frame points (u, v) [m]."""
        p = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.column_stack(self.to_frame(p[:, 0], p[:, 1]))

    def to_xy(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2) frame points (u, v) [m] → (n, 2) grid points [m]."""
        p = np.asarray(uv, dtype=float).reshape(-1, 2)
        return np.column_stack(self.to_grid(p[:, 0], p[:, 1]))

    def geometry_to_frame(self, geom: BaseGeometry) -> BaseGeometry:
        """A grid-CRS geometry expressed in frame coordinates (u as x, v as y)."""
        s, c = self._sc
        moved = affinity.translate(geom, -self.x0, -self.y0)
        return affinity.affine_transform(moved, [s, c, c, -s, 0.0, 0.0])
