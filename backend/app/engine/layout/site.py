"""Stages 1-3: validate the input, analyse the terrain, and find the buildable land roads reach."""

from __future__ import annotations

import math

import shapely
from affine import Affine
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from app.engine.blocks.placement import SiteRaster, site_keepouts, usable_area
from app.engine.blocks.profiles import Profile, load_profile
from app.engine.blocks.strategies import StrategyWeights, get_strategy
from app.engine.civil.collectors import COLLECTOR_MAX_SLOPE_DEG
from app.engine.civil.roads import RoadGround, road_ground
from app.engine.civil.zones import Zone
from app.engine.core.crs import to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams, SiteInput
from app.engine.layout.context import SiteFrame
from app.engine.pv.design import parse_design
from app.engine.terrain.analysis import slope_deg
from app.errors import InvalidInput


def validate_input(site: SiteInput, grid: Grid, params: LayoutParams) -> tuple[Profile, StrategyWeights]:
    """Stage 1: check the input and load the profile (with its overrides) and the strategy.

    Raises `InvalidInput` (422) naming the problem: target not a positive number, negative setback
    or buffer, boundary not a non-empty Polygon / MultiPolygon, empty grid, unknown profile,
    strategy or override."""
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
    return load_profile(params.profile, params.overrides), get_strategy(params.strategy)


def analyse_site(
    site: SiteInput,
    grid: Grid,
    params: LayoutParams,
    profile: Profile,
    weights: StrategyWeights,
) -> tuple[SiteFrame, list[str], float]:
    """Stages 2-3: terrain (grid cropped to the boundary, slope [°]), zones, entries and the
    buildable land a road from an entry reaches (reachability is a design rule: land no road can
    reach gets no assets). Returns the frame, its warnings (entries moved out of zones) and the
    buildable area no road reaches [m²]. Raises `InvalidInput` for a bad PV design."""
    crs = grid.crs
    boundary, keepouts = site_keepouts(site, crs)
    zones = [
        Zone(
            geometry=shapely.make_valid(to_utm(ex.geometry, crs)),
            keepout=k,
            zone_type=ex.zone_type,
            name=ex.name,
        )
        for ex, k in zip(site.exclusions, keepouts, strict=True)
    ]
    # Roads may cross crossable zones (at a cost, square to them); never the others.
    road_obstacles = [z.keepout for z in zones if not z.crossable]
    road_crossable = [z.keepout for z in zones if z.crossable]
    usable_all = usable_area(boundary, params.setback_m, keepouts)
    cropped = crop_grid(grid, boundary.bounds)
    slope = slope_deg(cropped)
    warnings: list[str] = []
    entries = _entries_outside(
        [to_utm(p, crs) for p in site.entry_points], boundary, road_obstacles, warnings
    )
    ground = road_ground(
        cropped, boundary, road_obstacles, entries, usable_all, slope, profile.road.max_grade_pct
    )
    usable, unreached_m2 = reached_land(usable_all, ground)
    # Collector substations' pads (issue 21) are checked on the same raster.
    limits = {float(a.max_slope_deg) for a in profile.asset_types.values()} | {COLLECTOR_MAX_SLOPE_DEG}
    pv_block = next(
        (b.name for b in profile.blocks if any(c.asset_type == "pv_block" for c in b.components)), None
    )
    frame = SiteFrame(
        site=site,
        params=params,
        profile=profile,
        weights=weights,
        crs=crs,
        site_grid=grid,
        grid=cropped,
        slope=slope,
        boundary=boundary,
        keepouts=keepouts,
        zones=zones,
        road_obstacles=road_obstacles,
        road_crossable=road_crossable,
        entries=entries,
        ground=ground,
        usable=usable,
        raster=SiteRaster(cropped, slope, usable, limits),
        pv_block=pv_block,
        pv_design=parse_design({**profile.pv, **(params.pv or {})}) if pv_block is not None else None,
    )
    return frame, warnings, unreached_m2


def _entries_outside(
    entries: list[Point], boundary: BaseGeometry, road_obstacles: list[BaseGeometry], warnings: list[str]
) -> list[Point]:
    """`entries` (UTM) with each one inside a zone no road may cross moved to the nearest ground
    outside it (warned with the distance [m])."""
    if not (road_obstacles and entries):
        return entries
    entries = list(entries)
    blocked_zone = shapely.union_all(road_obstacles)
    for i, p in enumerate(entries):
        if blocked_zone.covers(p):
            open_ground = boundary.difference(blocked_zone)
            if not open_ground.is_empty:
                q = nearest_points(open_ground, p)[0]
                warnings.append(
                    f"site entry {i + 1} lies inside a zone no road may cross: the road starts "
                    f"{q.distance(p):,.0f} m away, outside it"
                )
                entries[i] = q
    return entries


def reached_land(usable: BaseGeometry, ground: RoadGround) -> tuple[BaseGeometry, float]:
    """The parts of `usable` (UTM) a road from an entry can reach, and the area left out [m²]."""
    # Ground reached only over zones or over ground steeper than the road grade limit is cut first.
    off = ground.unreached_land()
    parts = [
        p for p in shapely.get_parts(usable.difference(off) if not off.is_empty else usable) if not p.is_empty
    ]
    keep = [p for p in parts if ground.reaches(p)]
    lost = float(usable.area - sum(p.area for p in keep))
    if lost < 1.0:  # [m²]: nothing (or a sliver of a cell) left out
        return usable, 0.0
    return (shapely.union_all(keep) if keep else Polygon()), lost


def crop_grid(grid: Grid, bounds: tuple[float, float, float, float], margin_cells: int = 3) -> Grid:
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
