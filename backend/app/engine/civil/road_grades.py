"""Road grade compliance: split a graded centreline where its design grade crosses the limit.

A truck cannot climb a road steeper than the profile's maximum grade, so only the steep part of a
road is flagged, not the whole road. Distances in metres along the centreline, grades in percent,
volumes in m³ (the same model as `app.engine.civil.earthwork.road_earthwork`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from app.engine.core.grid import Grid

# Grades are compared with this slack [%]: a design clamped to exactly the limit is compliant.
GRADE_TOL_PCT = 1e-6
# A road's drawn line (simplified, or snapped onto its reserve) may climb ground this much steeper
# [% points] than the cells it was routed on (`ground_grade_pct`), else the routed line is kept.
GRADE_SLACK_PCT = 0.5


def is_compliant(max_grade_pct: float, limit_pct: float) -> bool:
    """Whether a road whose steepest design grade is `max_grade_pct` [%] meets `limit_pct` [%].

    The one rule used by the engine and by anything re-deriving the flag from stored grades."""
    return bool(max_grade_pct <= limit_pct + GRADE_TOL_PCT)


@dataclass(frozen=True, kw_only=True)
class GradeRun:
    """Samples start..end (inclusive) of a centreline: steepest grade [%], volumes [m³], flag."""

    start: int
    end: int
    max_grade_pct: float
    cut_m3: float
    fill_m3: float
    compliant: bool


def graded_runs(
    distance_m: np.ndarray,
    ground_m: np.ndarray,
    design_m: np.ndarray,
    *,
    width_m: float,
    limit_pct: float,
    min_compliant_m: float,
) -> list[GradeRun]:
    """Split a graded centreline into runs of steps that all meet, or all exceed, `limit_pct`.

    distance_m: chainage of each sample [m]; ground_m: natural ground [m] (NaN allowed);
    design_m: the design profile [m] (`RoadEarthwork.design_m`); width_m: road width [m].
    A compliant run shorter than `min_compliant_m` [m] next to a steep one is counted as steep:
    a few level metres between two climbs do not make a usable road, and erring this way never
    hides a steep step. The runs' volumes add up to the whole road's (each step carries half of
    each end sample's depth).
    """
    s = np.asarray(distance_m, dtype=np.float64)
    d = np.asarray(design_m, dtype=np.float64)
    n = len(s)
    if n < 2:
        return [
            GradeRun(start=0, end=max(n - 1, 0), max_grade_pct=0.0, cut_m3=0.0, fill_m3=0.0, compliant=True)
        ]
    z = np.asarray(ground_m, dtype=np.float64)
    if not np.isfinite(z).all():
        good = np.isfinite(z)
        z = np.interp(s, s[good], z[good]) if good.any() else d.copy()
    ds = np.diff(s)
    grade = np.abs(np.diff(d)) / np.maximum(ds, 1e-9) * 100.0
    ok = grade <= limit_pct + GRADE_TOL_PCT
    depth = z - d
    cut_step = (np.clip(depth[:-1], 0, None) + np.clip(depth[1:], 0, None)) * ds / 2 * width_m
    fill_step = (np.clip(-depth[:-1], 0, None) + np.clip(-depth[1:], 0, None)) * ds / 2 * width_m

    def runs_of(flags: np.ndarray) -> list[tuple[int, int, bool]]:
        """Maximal runs of equal flags over steps: (first step, last step, flag)."""
        edges = np.flatnonzero(np.diff(flags.astype(np.int8))) + 1
        starts = np.concatenate([[0], edges])
        ends = np.concatenate([edges - 1, [len(flags) - 1]])
        return [(int(a), int(b), bool(flags[a])) for a, b in zip(starts, ends, strict=True)]

    runs = runs_of(ok)
    if len(runs) > 1:
        flags = ok.copy()
        for a, b, good_run in runs:
            if good_run and float(s[b + 1] - s[a]) < min_compliant_m:
                flags[a : b + 1] = False
        runs = runs_of(flags)
    return [
        GradeRun(
            start=a,
            end=b + 1,
            max_grade_pct=float(grade[a : b + 1].max()),
            cut_m3=float(cut_step[a : b + 1].sum()),
            fill_m3=float(fill_step[a : b + 1].sum()),
            compliant=good_run,
        )
        for a, b, good_run in runs
    ]


def ground_grade_pct(grid: Grid, line: BaseGeometry) -> float:
    """The steepest natural-ground grade [%] along `line` (grid CRS, UTM [m]): rise between samples
    about one cell apart (ground bilinear between cell centres), over the length of line between
    them. Used to keep a road's drawn line (e.g. snapped onto its reserve) no steeper than the line
    it was routed and graded on. 0 for a line shorter than a cell or off the data."""
    length = float(line.length)
    res = grid.resolution_m
    if length < res:
        return 0.0
    chain = np.linspace(0.0, length, int(np.ceil(length / res)) + 1)
    pts = shapely.line_interpolate_point(line, chain)
    t = grid.transform
    rows = (float(t.f) - shapely.get_y(pts)) / res - 0.5
    cols = (shapely.get_x(pts) - float(t.c)) / res - 0.5
    z = ndimage.map_coordinates(grid.data, [rows, cols], order=1, mode="nearest", cval=np.nan)
    grade = np.abs(np.diff(z)) / np.diff(chain) * 100.0
    grade = grade[np.isfinite(grade)]
    return float(grade.max()) if len(grade) else 0.0
