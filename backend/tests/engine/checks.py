"""Independent checks of the engine's hard constraints, in the site's UTM CRS [m]."""

from __future__ import annotations

import math

import numpy as np
import shapely
from rasterio import features
from scipy import ndimage
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from app.engine.blocks.profiles import load_profile
from app.engine.civil.road_graph import GRADING_ALLOWANCE_PCT
from app.engine.core.crs import to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams, LayoutResult, SiteInput

TOL_M = 1e-3  # WGS84 round-trip noise
# The engine's slope is Horn's 3x3 operator (as gdaldem); the check's is a plain central difference.
# Both estimate the same gradient on a smooth surface; they differ by the weighting of the diagonal
# cells and at the border (Horn extrapolates a ring, np.gradient takes a one-sided difference).
SLOPE_TOL_DEG = 1.0
PV_TABLES = ("pv_table", "tracker")
# Slack [% points] on a road's ground grade sampled from the grid: the router grades edges between
# cell centres and their midpoints (1-2.2 cells); samples two cells apart see other averages where
# the terrain bends inside a step (real DEMs at 30 m do), and a centreline simplified (or snapped to
# its reserve) may run up to half a cell off the cells it was routed on (the engine keeps the routed
# line where the drawn one would climb more than 0.5 point steeper, on its own one-cell samples).
GRADE_SAMPLE_TOL_PCT = 2.5


def ground_grades_pct(grid: Grid, line: BaseGeometry) -> np.ndarray:
    """Grades [%] between samples two cells apart along `line` (grid CRS): the ground's rise over
    the length of road between them (along the line, so a pair across a bend is no shortcut), the
    ground interpolated bilinearly between cell centres (`scipy.ndimage.map_coordinates`)."""
    res = grid.resolution_m
    n = max(2, int(np.ceil(line.length / (2 * res))) + 1)
    chain = np.linspace(0.0, line.length, n)
    pts = [line.interpolate(d) for d in chain]
    xs = np.array([p.x for p in pts])
    ys = np.array([p.y for p in pts])
    t = grid.transform
    rows = (t.f - ys) / res - 0.5
    cols = (xs - t.c) / res - 0.5
    z = ndimage.map_coordinates(grid.data.astype(np.float64), [rows, cols], order=1, mode="nearest")
    return np.asarray(np.abs(np.diff(z)) / np.maximum(np.diff(chain), 1e-9) * 100.0)


def check_road_grades(
    grid: Grid, roads: list[tuple[BaseGeometry, float, float, bool]], limit_pct: float
) -> None:
    """Every road (UTM line, engine's design grade [%], cut + fill [m³], compliant): compliant with
    a design grade within `limit_pct`; its ground from the grid (`ground_grades_pct`) within the
    limit plus the grading allowance; and graded (cut or fill) where the ground is steeper than
    the limit."""
    end_m = 1.5 * grid.resolution_m
    for line, design_pct, graded_m3, compliant in roads:
        assert compliant and design_pct <= limit_pct + 1e-6, (design_pct, limit_pct)
        if line.length <= 2 * end_m:
            continue
        # Not the last 1.5 cells at either end: a road joins the exact entry or access point by a
        # straight lead of up to about a cell (graded with it, not routed), so there the ground is
        # whatever lies between the point and the nearest passable cell.
        ground = ground_grades_pct(grid, substring(line, end_m, line.length - end_m))
        if not len(ground) or not np.isfinite(ground).all():
            continue
        worst = float(ground.max())
        at = int(np.argmax(ground))
        assert worst <= limit_pct + GRADING_ALLOWANCE_PCT + GRADE_SAMPLE_TOL_PCT, (
            f"ground grade {worst:.2f}% (limit {limit_pct:g}%) on sample step {at + 1} of {len(ground)} "
            f"of a {line.length:.0f} m road: {shapely.to_wkt(line, rounding_precision=1)}"
        )
        if worst > limit_pct + GRADE_SAMPLE_TOL_PCT:
            assert graded_m3 > 0.0, (worst, limit_pct)


def central_difference_slope_deg(grid: Grid) -> np.ndarray:
    """Slope [degrees from horizontal] per cell of a north-up elevation grid [m], recomputed here
    independently of the engine: arctan(hypot(dz/dx, dz/dy)) with numpy central differences."""
    cell = grid.resolution_m
    dz_dy, dz_dx = np.gradient(grid.data.astype(np.float64), cell, cell)
    return np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))


def check_hard_constraints(site: SiteInput, grid: Grid, params: LayoutParams, result: LayoutResult) -> None:
    """Assert every hard constraint of the issue on `result`."""
    crs = grid.crs
    profile = load_profile(params.profile, params.overrides)
    boundary = to_utm(site.boundary, crs)
    rings = boundary.boundary
    feet = [to_utm(a.footprint, crs) for a in result.assets]
    # 1. Inside the boundary minus the setback.
    for f, a in zip(feet, result.assets, strict=True):
        assert boundary.buffer(TOL_M).contains(f), a.asset_type
        assert rings.distance(f) >= params.setback_m - TOL_M, (a.asset_type, rings.distance(f))
    # 2. Outside every exclusion plus its buffer.
    for ex in site.exclusions:
        g = to_utm(ex.geometry, crs)
        for f in feet:
            assert g.distance(f) >= ex.buffer_m - TOL_M
    # 3. Pairwise clearance.
    if len(feet) > 1:
        # PV tables (pv_table / tracker) are not profile asset types: they keep the other asset's
        # clearance (the pair needs the larger of the two) and no clearance among themselves.
        specs = profile.asset_types
        clr = np.array(
            [specs[a.asset_type].clearance_m if a.asset_type in specs else 0.0 for a in result.assets]
        )
        tree = shapely.STRtree(feet)
        src, dst = tree.query(feet, predicate="dwithin", distance=float(clr.max()))
        keep = src < dst
        src, dst = src[keep], dst[keep]
        d = shapely.distance(np.asarray(feet, dtype=object)[src], np.asarray(feet, dtype=object)[dst])
        need = np.maximum(clr[src], clr[dst])
        assert np.all(d >= need - TOL_M), (d - need).min()
    # Turbines: centre spacing of at least the crosswind rotor-diameter spacing.
    for block in profile.blocks:
        if block.spacing_rotor_diameters is None:
            continue
        t = block.components[0].asset_type
        rd = profile.asset_types[t].rotor_diameter_m or 0.0
        cs = [f.centroid for f, a in zip(feet, result.assets, strict=True) if a.asset_type == t]
        for i in range(len(cs)):
            for j in range(i + 1, len(cs)):
                assert cs[i].distance(cs[j]) >= min(block.spacing_rotor_diameters) * rd - TOL_M
    # 4. Slope on every cell the pad touches below the asset's limit.
    slope = central_difference_slope_deg(grid)
    for f, a in zip(feet, result.assets, strict=True):
        if a.asset_type not in profile.asset_types:
            continue  # PV tables follow the PV design's own slope limits (app.engine.pv)
        m = features.geometry_mask(
            [f], out_shape=grid.shape, transform=grid.transform, invert=True, all_touched=True
        )
        lim = profile.asset_types[a.asset_type].max_slope_deg
        s = slope[m]
        assert s.size > 0 and np.all(s <= lim + SLOPE_TOL_DEG), (a.asset_type, float(np.nanmax(s)), lim)
        assert a.slope_deg <= lim + 1e-4
        # The engine reports the steepest cell under the pad; the touched cells are a superset of
        # the cells it weighs, so its figure cannot exceed the recomputed maximum by more than the
        # difference between the two methods.
        assert a.slope_deg <= float(np.nanmax(s)) + SLOPE_TOL_DEG, (
            a.asset_type,
            a.slope_deg,
            float(np.nanmax(s)),
        )
    # 5. Roads inside the boundary, outside exclusions (and their buffers).
    for r in result.roads:
        line = to_utm(r.geometry, crs)
        assert boundary.buffer(TOL_M).covers(line)
        for ex in site.exclusions:
            assert to_utm(ex.geometry, crs).distance(line) >= ex.buffer_m - TOL_M
    # Within grade: no completed layout carries a road over its limit (after grading).
    limit = profile.road.max_grade_pct
    check_road_grades(
        grid,
        [(to_utm(r.geometry, crs), r.max_grade_pct, r.cut_m3 + r.fill_m3, r.compliant) for r in result.roads],
        limit,
    )
    assert result.metrics["noncompliant_road_m"] == 0
    # 6. No road centreline crosses equipment (PV tables give way to roads instead).
    eq_idx = [i for i, a in enumerate(result.assets) if a.asset_type not in PV_TABLES]
    if eq_idx and result.roads:
        tree = shapely.STRtree([feet[i] for i in eq_idx])
        for r in result.roads:
            hit = tree.query(to_utm(r.geometry, crs), predicate="intersects")
            assert len(hit) == 0, (r.road_class, [result.assets[eq_idx[j]].asset_type for j in hit])
    # Capacity: at or above the target by less than one generating asset, or warned with numbers.
    cap = result.metrics["total_capacity_kw"]
    target = params.target_capacity_kw
    # PV capacity is spread over many tables: equal up to float summation order.
    assert math.isclose(cap, sum(a.capacity_kw for a in result.assets), rel_tol=1e-9, abs_tol=1e-6)
    gen_caps = [s.capacity_kw for s in profile.asset_types.values() if s.generating]
    if cap >= target - 1e-6:
        assert cap - target < max(gen_caps)
        placed_caps = {a.capacity_kw for a in result.assets if a.capacity_kw > 0}
        assert cap - target < max(placed_caps)
    else:
        msg = result.warnings[0]
        assert f"{cap:,.0f}" in msg and f"{target:,.0f}" in msg
