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
from shapely.ops import substring

from app.engine.core.grid import Grid

# Grades are compared with this slack [%]: a design clamped to exactly the limit is compliant.
GRADE_TOL_PCT = 1e-6
# A road's drawn line (simplified, or snapped onto its reserve) may climb ground this much steeper
# [% points] than the cells it was routed on (`ground_grade_pct`), else the routed line is kept.
GRADE_SLACK_PCT = 0.5
# A road joins its exact entry or access point by a straight lead from the nearest passable cell
# (0.75 cell clear of the boundary and of equipment, plus up to 0.71 cell to that cell's centre):
# up to this many cells [-] at either end of a road lie on whatever ground the point stands on,
# not on routed cells. The drawn line is compared with the routed one away from these ends only:
# a steep lead must not license a steep step anywhere else on the road.
LEAD_CELLS = 1.5


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


def ground_grade_pct(
    grid: Grid, line: BaseGeometry, *, skip_start_m: float = 0.0, skip_end_m: float = 0.0
) -> float:
    """The steepest natural-ground grade [%] along `line` (grid CRS, UTM [m]): rise between samples
    about one cell apart (ground bilinear between cell centres), over the length of line between
    them. Used to keep a road's drawn line (e.g. snapped onto its reserve) no steeper than the line
    it was routed and graded on. skip_start_m / skip_end_m: length [m] left out at the line's start
    / end (its leads, `LEAD_CELLS`); what is left of a line, however short, is measured end to end
    (a road's middle metre on a steep cell edge is steep). 0 when nothing is left or off the
    data."""
    if skip_start_m > 0.0 or skip_end_m > 0.0:
        if float(line.length) - skip_start_m - skip_end_m <= 1e-6:
            return 0.0
        line = substring(line, skip_start_m, float(line.length) - skip_end_m)
    if float(line.length) <= 1e-6:
        return 0.0
    chain, z = ground_profile(grid, line)
    grade = np.abs(np.diff(z)) / np.diff(chain) * 100.0
    grade = grade[np.isfinite(grade)]
    return float(grade.max()) if len(grade) else 0.0


def ground_profile(grid: Grid, line: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Chainage [m] of samples about one cell apart along `line` (grid CRS, UTM [m], both ends
    included) and the natural ground there [m], bilinear between cell centres (nearest cell
    beyond the outer centres)."""
    length = float(line.length)
    res = grid.resolution_m
    chain = np.linspace(0.0, length, max(1, int(np.ceil(length / res))) + 1)
    pts = shapely.line_interpolate_point(line, chain)
    t = grid.transform
    rows = (float(t.f) - shapely.get_y(pts)) / res - 0.5
    cols = (shapely.get_x(pts) - float(t.c)) / res - 0.5
    z = ndimage.map_coordinates(grid.data, [rows, cols], order=1, mode="nearest", cval=np.nan)
    return chain, np.asarray(z, dtype=np.float64)
