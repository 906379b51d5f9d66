"""The row frame: coordinates along (u) and across (v) the PV rows, in the site's UTM CRS [m].

Cables follow rows and the trenches at right angles to them, so routes are simplest in this frame;
`to_xy` turns them back into UTM.
"""

from __future__ import annotations

import math

import numpy as np


class RowFrame:
    """Rotation between UTM (x east, y north) [m] and the row frame (u along rows, v across) [m].

    row_azimuth_deg: the direction rows run [° clockwise from true north]."""

    def __init__(self, row_azimuth_deg: float) -> None:
        a = math.radians(row_azimuth_deg)
        self.eu = (math.sin(a), math.cos(a))
        self.ev = (math.cos(a), -math.sin(a))

    def to_uv(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) UTM points → (n, 2) row-frame points [m]."""
        m = np.array([[self.eu[0], self.ev[0]], [self.eu[1], self.ev[1]]])
        out: np.ndarray = np.asarray(xy, dtype=float) @ m
        return out

    def to_xy(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2) row-frame points → (n, 2) UTM points [m]."""
        m = np.array([[self.eu[0], self.eu[1]], [self.ev[0], self.ev[1]]])
        out: np.ndarray = np.asarray(uv, dtype=float) @ m
        return out


def polyline_length(points: np.ndarray) -> float:
    """Length of a polyline given as (n, 2) points [m]."""
    if len(points) < 2:
        return 0.0
    return float(np.hypot(*np.diff(points, axis=0).T).sum())
