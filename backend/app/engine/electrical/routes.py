"""Where cables may go: DC / LV routes checked against the parcel and the exclusion zones.

String cables and DC / LV feeders run inside the parcel and never through an exclusion zone (of
any type: only roads cross crossable zones, and the MV cables in the road trench with them, at a
crossing). A table whose string route, or whose device's feeder, leaves the parcel or enters a
zone cannot be connected as designed: `illegal_tables` names those tables so the layout drops
them (and designs again). Geometries in UTM [m]; routes in the row frame (`RowFrame`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.engine.electrical.dc import DcResult
from app.engine.pv.frame import RowFrame

# Issue 21 / docs/engine.md: string cables follow their rows for at most 400 m; DC or LV feeders
# run in trenches for at most 1,000 m (else the block is too spread out for its station).
MAX_STRING_RUN_M = 400.0
MAX_DC_FEEDER_M = 1000.0
# A route touching a zone's edge or the boundary within this [m] is not inside it (rounding).
EDGE_TOL_M = 0.05


class CableLimits:
    """The parcel a cable must stay inside and the zones it must stay out of (UTM [m])."""

    def __init__(self, boundary: BaseGeometry, zones: Sequence[BaseGeometry]) -> None:
        self.inside = boundary.buffer(EDGE_TOL_M)
        shapely.prepare(self.inside)
        parts = [shapely.get_parts(z.buffer(-EDGE_TOL_M)) for z in zones if not z.is_empty]
        flat = [p for ps in parts for p in ps if not p.is_empty]
        self.tree = shapely.STRtree(flat) if flat else None

    def bad(self, lines: np.ndarray) -> np.ndarray:
        """Boolean per line (shapely LineStrings): leaves the parcel or enters a zone."""
        out: np.ndarray = ~shapely.covers(self.inside, lines)
        if self.tree is not None and len(lines):
            hit = self.tree.query(lines, predicate="intersects")[0]
            out[hit] = True
        return out

    def blocks(self, line: BaseGeometry) -> bool:
        """Whether one line leaves the parcel or enters a zone."""
        return bool(self.bad(np.asarray([line], dtype=object))[0])


def _lines(frame: RowFrame, starts_uv: np.ndarray, ends_uv: np.ndarray) -> np.ndarray:
    a = frame.to_xy(starts_uv)
    b = frame.to_xy(ends_uv)
    out: np.ndarray = shapely.linestrings(np.stack([a, b], axis=1))
    return out


def too_long_tables(
    dc: DcResult, max_string_m: float = MAX_STRING_RUN_M, max_feeder_m: float = MAX_DC_FEEDER_M
) -> np.ndarray:
    """Plant table indices whose string route (table → aisle → device, row frame) is longer than
    `max_string_m` [m], or whose device's DC / LV feeder is longer than `max_feeder_m` [m]: the
    length rules are enforced, not only reported (the layout drops these tables and tops the
    block up from tables nearer its station)."""
    if len(dc.string_device) == 0:
        return np.zeros(0, dtype=np.int64)
    dev = dc.string_device
    route = np.abs(dc.string_uv[:, 1] - dc.device_uv[dev, 1]) + np.abs(
        dc.string_uv[:, 0] - dc.device_uv[dev, 0]
    )
    bad = (route > max_string_m + EDGE_TOL_M) | (dc.feeder_route_m[dev] > max_feeder_m + EDGE_TOL_M)
    return np.unique(dc.string_table[bad]).astype(np.int64)


def illegal_tables(dc: DcResult, frame: RowFrame, limits: CableLimits) -> np.ndarray:
    """Plant table indices whose string route (table → aisle → device) or whose device's feeder
    (device → along the aisle → spine → station) leaves the parcel or enters a zone. (Run lengths
    are reported against `MAX_STRING_RUN_M` / `MAX_DC_FEEDER_M`, not pruned here: dropping tables
    moves the devices: `too_long_tables` enforces the length rules, and the layout stops pruning
    after a bounded number of passes.)

    Each device's strings first share one test: the rectangle (row frame) spanning all their
    routes. Only the strings of devices whose rectangle is not clear are tested one by one."""
    if len(dc.string_device) == 0:
        return np.zeros(0, dtype=np.int64)
    su, sv = dc.string_uv[:, 0], dc.string_uv[:, 1]
    dev = dc.string_device
    nd = len(dc.device_uv)
    du, dv = dc.device_uv[dev, 0], dc.device_uv[dev, 1]
    f = dc.feeder_uv
    # First one rectangle per block, spanning all its strings, devices and feeders: on open land
    # every block's is clear and nothing more is built.
    blk = np.asarray(dc.device_block, dtype=np.int64)
    nb = int(blk.max(initial=-1)) + 1
    pts_u = np.concatenate([su, f[:, :, 0].ravel()])
    pts_v = np.concatenate([sv, f[:, :, 1].ravel()])
    pts_b = np.concatenate([blk[dev], np.repeat(blk, f.shape[1])])
    dirty_block = _dirty_rects(frame, limits, pts_u, pts_v, pts_b, nb)
    # Then one per device (its strings' routes), and the strings one by one only where needed.
    dirty = (
        _dirty_rects(
            frame, limits, np.concatenate([su, du]), np.concatenate([sv, dv]), np.concatenate([dev, dev]), nd
        )
        & dirty_block[blk]
    )
    bad_string = np.zeros(len(dev), dtype=bool)
    check = np.flatnonzero(dirty[dev])
    if len(check):
        down = _lines(frame, np.stack([su[check], sv[check]], 1), np.stack([su[check], dv[check]], 1))
        along = _lines(frame, np.stack([su[check], dv[check]], 1), np.stack([du[check], dv[check]], 1))
        bad_string[check] |= limits.bad(down) | limits.bad(along)
    bad_device = np.zeros(nd, dtype=bool)
    fd = np.flatnonzero(dirty_block[blk])
    if len(fd):
        bad_device[fd] = limits.bad(_lines(frame, f[fd, 0], f[fd, 1])) | limits.bad(
            _lines(frame, f[fd, 1], f[fd, 2])
        )
    bad = bad_string | bad_device[dev]
    return np.unique(dc.string_table[bad]).astype(np.int64)


def _dirty_rects(
    frame: RowFrame, limits: CableLimits, u: np.ndarray, v: np.ndarray, group: np.ndarray, n: int
) -> np.ndarray:
    """Per group (0..n-1): whether the row-frame rectangle spanning its points (u, v [m]) leaves
    the parcel or enters a zone (a route between them, axis-aligned in the row frame, stays inside
    the rectangle: a clear one clears them all). Groups without points are clear."""
    u_lo = np.full(n, np.inf)
    u_hi = np.full(n, -np.inf)
    v_lo = np.full(n, np.inf)
    v_hi = np.full(n, -np.inf)
    np.minimum.at(u_lo, group, u)
    np.maximum.at(u_hi, group, u)
    np.minimum.at(v_lo, group, v)
    np.maximum.at(v_hi, group, v)
    used = np.isfinite(u_lo)
    out = np.zeros(n, dtype=bool)
    if not used.any():
        return out
    ul, uh, vl, vh = u_lo[used], u_hi[used], v_lo[used], v_hi[used]
    corners = np.stack(
        [np.stack([ul, vl], 1), np.stack([uh, vl], 1), np.stack([uh, vh], 1), np.stack([ul, vh], 1)], axis=1
    )
    xy = frame.to_xy(corners.reshape(-1, 2)).reshape(-1, 4, 2)
    # A degenerate rectangle (one string on the device's own line) is still a valid line test.
    rects = shapely.polygons(xy)
    out[used] = limits.bad(rects) | ~shapely.is_valid(rects)
    return out


def length_inside(lines: Sequence[BaseGeometry], area: BaseGeometry) -> float:
    """Total length [m] of `lines` inside `area` (UTM)."""
    if area.is_empty or not lines:
        return 0.0
    shapely.prepare(area)
    arr = np.asarray(lines, dtype=object)
    hit = shapely.intersects(area, arr)
    if not hit.any():
        return 0.0
    return float(shapely.length(shapely.intersection(arr[hit], area)).sum())
