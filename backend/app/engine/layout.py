"""The layout engine's entry point: site + terrain + parameters -> placed assets, roads, metrics.

Pure: no database, HTTP, queue or files. Inputs and outputs are WGS84 (EPSG:4326); all computing
happens in the grid's CRS, the site's UTM zone. The same input always gives the same output.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import shapely
from affine import Affine
from shapely.geometry import MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from app.engine.crs import WGS84, reproject_many, to_utm
from app.engine.earthwork import pad_earthwork
from app.engine.grid import Grid
from app.engine.placement import QUAD_SEGS, Placer, SiteRaster, arc_safe, usable_area
from app.engine.profiles import load_profile
from app.engine.roads import route_roads
from app.engine.strategies import get_strategy
from app.engine.terrain import slope_deg
from app.engine.types import LayoutParams, LayoutResult, PlacedAsset, PlacedRoad, ProgressFn, SiteInput
from app.errors import InvalidInput


def _validate(site: SiteInput, grid: Grid, params: LayoutParams) -> None:
    target = params.target_capacity_kw
    if not isinstance(target, int | float) or not math.isfinite(target) or target <= 0:
        raise InvalidInput("target_capacity_kw must be a positive number")
    if not math.isfinite(params.setback_m) or params.setback_m < 0:
        raise InvalidInput("setback_m must be zero or positive")
    if not isinstance(site.boundary, Polygon | MultiPolygon) or site.boundary.is_empty:
        raise InvalidInput("the boundary must be a non-empty Polygon or MultiPolygon")
    for ex in site.exclusions:
        if not math.isfinite(ex.buffer_m) or ex.buffer_m < 0:
            raise InvalidInput("exclusion buffer_m must be zero or positive")
    if grid.data.ndim != 2 or grid.data.size == 0:
        raise InvalidInput("the terrain grid is empty")


def _crop(grid: Grid, bounds: tuple[float, float, float, float], margin_cells: int = 3) -> Grid:
    """The part of a north-up `grid` covering `bounds` (UTM [m]) plus `margin_cells` on each side.

    Why: callers may pass a DEM much larger than the site; everything downstream scales with cells.
    The margin keeps Horn's 3×3 slope window on real data at the boundary."""
    t = grid.transform
    if t.b != 0 or t.d != 0 or t.e >= 0:
        return grid
    res = grid.resolution_m
    rows, cols = grid.shape
    minx, miny, maxx, maxy = bounds
    c0 = max(0, math.floor((minx - t.c) / res) - margin_cells)
    c1 = min(cols, math.floor((maxx - t.c) / res) + 1 + margin_cells)
    r0 = max(0, math.floor((t.f - maxy) / res) - margin_cells)
    r1 = min(rows, math.floor((t.f - miny) / res) + 1 + margin_cells)
    if c1 <= c0 or r1 <= r0 or (c0, r0, c1, r1) == (0, 0, cols, rows):
        return grid
    transform = Affine(res, 0.0, t.c + c0 * res, 0.0, -res, t.f - r0 * res)
    return Grid(data=grid.data[r0:r1, c0:c1], transform=transform, crs=grid.crs)


def _finite(v: float) -> float:
    return float(v) if math.isfinite(v) else 0.0


def generate_layout(
    site: SiteInput, grid: Grid, params: LayoutParams, *, progress: ProgressFn | None = None
) -> LayoutResult:
    """Lay out a plant on a site.

    site: boundary, exclusions and entry point in WGS84. grid: elevation [m] in the site's UTM CRS
    (`site_crs(boundary)`), covering the boundary plus a margin; a `flat_grid` when terrain is off.
    params: target capacity [kW], profile, strategy, setback [m], overrides.
    progress: called as progress(stage, percent) at stage boundaries; it may raise to abort.
    Raises `InvalidInput` for a bad target, profile, strategy or override.
    """
    _validate(site, grid, params)
    profile = load_profile(params.profile, params.overrides)
    weights = get_strategy(params.strategy)

    def report(stage: str, pct: float) -> None:
        if progress is not None:
            progress(stage, pct)

    crs = grid.crs
    report("analysing_terrain", 0.0)
    boundary: BaseGeometry = to_utm(site.boundary, crs)
    if not boundary.is_valid:
        boundary = shapely.make_valid(boundary)
    keepouts = [
        to_utm(ex.geometry, crs).buffer(arc_safe(ex.buffer_m), quad_segs=QUAD_SEGS) for ex in site.exclusions
    ]
    keepouts = [shapely.make_valid(k) if not k.is_valid else k for k in keepouts]
    usable = usable_area(boundary, params.setback_m, keepouts)
    grid = _crop(grid, boundary.bounds)
    slope = slope_deg(grid)
    limits = {float(a.max_slope_deg) for a in profile.asset_types.values()}
    raster = SiteRaster(grid, slope, usable, limits)
    entry_utm: Point | None = to_utm(site.entry_point, crs) if site.entry_point is not None else None

    report("placing_assets", 10.0)
    placer = Placer(profile=profile, weights=weights, raster=raster, usable=usable, entry=entry_utm)
    placement = placer.place(params.target_capacity_kw)
    warnings = list(placement.warnings)
    total_kw = placement.capacity_kw
    if total_kw < params.target_capacity_kw - 1e-6:
        warnings.insert(
            0,
            (
                f"target not reached: placed {total_kw:,.0f} kW of the {params.target_capacity_kw:,.0f} kW "
                "target; the buildable area has no room for more"
            ),
        )

    report("routing_roads", 40.0)
    hub_index = next((i for i, b in enumerate(placement.blocks) if b.hub), None)
    road_segments = []
    if hub_index is not None and len(placement.blocks) > 0:
        hub_centre = Point(placement.blocks[hub_index].centre)
        if entry_utm is None:
            # No site entry: the boundary point nearest the substation.
            polys = list(boundary.geoms) if hasattr(boundary, "geoms") else [boundary]
            rings = MultiLineString([p.exterior for p in polys if isinstance(p, Polygon)])
            root = nearest_points(rings, hub_centre)[0]
        else:
            root = entry_utm
        network = route_roads(
            grid=grid,
            slope_deg=slope,
            boundary=boundary,
            obstacles=keepouts,
            footprints=[c.polygon for c in placement.components],
            terminals=[b.access for b in placement.blocks],
            labels=[f"{b.name} #{i + 1}" for i, b in enumerate(placement.blocks)],
            root=root,
            hub=hub_index,
            spec=profile.road,
        )
        road_segments = network.segments
        warnings.extend(network.warnings)
    elif placement.blocks:
        warnings.append("no substation could be placed, so no roads were routed")

    report("computing_earthwork", 75.0)
    specs = profile.asset_types
    grading = [
        (specs[c.asset_type].grading, specs[c.asset_type].grading_tolerance_m) for c in placement.components
    ]
    pads = pad_earthwork(grid, slope, [c.polygon for c in placement.components], grading)

    report("finalising", 90.0)
    foot_wgs = reproject_many([c.polygon for c in placement.components], crs, WGS84)
    road_wgs = reproject_many([r.geometry for r in road_segments], crs, WGS84)
    assets = tuple(
        PlacedAsset(
            asset_type=c.asset_type,
            footprint=foot_wgs[i],
            rotation_deg=c.rotation_deg,
            capacity_kw=c.capacity_kw,
            storage_kwh=c.storage_kwh,
            elevation_m=_finite(pads.elevation_m[i]),
            slope_deg=_finite(pads.slope_deg[i]),
            pad_elevation_m=_finite(pads.pad_elevation_m[i]),
            cut_m3=float(pads.cut_m3[i]),
            fill_m3=float(pads.fill_m3[i]),
        )
        for i, c in enumerate(placement.components)
    )
    roads = tuple(
        PlacedRoad(
            geometry=road_wgs[i],
            road_class=r.road_class,
            width_m=r.width_m,
            length_m=r.length_m,
            max_grade_pct=r.max_grade_pct,
            cut_m3=r.cut_m3,
            fill_m3=r.fill_m3,
        )
        for i, r in enumerate(road_segments)
    )
    buildable_ha = usable.area / 10_000.0
    metrics: dict[str, Any] = {
        "total_capacity_kw": total_kw,
        "storage_kwh": float(sum(a.storage_kwh for a in assets)),
        "asset_count": len(assets),
        "counts_by_type": dict(sorted(Counter(a.asset_type for a in assets).items())),
        "road_length_m": float(sum(r.length_m for r in roads)),
        "cut_volume_m3": float(sum(a.cut_m3 for a in assets) + sum(r.cut_m3 for r in roads)),
        "fill_volume_m3": float(sum(a.fill_m3 for a in assets) + sum(r.fill_m3 for r in roads)),
        "buildable_area_ha": buildable_ha,
        "capacity_density_kw_per_ha": total_kw / buildable_ha if buildable_ha > 0 else 0.0,
        "target_capacity_kw": float(params.target_capacity_kw),
    }
    report("finalising", 100.0)
    return LayoutResult(assets=assets, roads=roads, metrics=metrics, warnings=tuple(warnings), crs=crs)
