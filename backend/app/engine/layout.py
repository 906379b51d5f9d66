"""The layout engine's entry point: site + terrain + parameters -> placed assets, roads, metrics.

Pure: no database, HTTP, queue or files. Inputs and outputs are WGS84 (EPSG:4326); all computing
happens in the grid's CRS, the site's UTM zone. The same input always gives the same output.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import shapely
from affine import Affine
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from app.engine.blocks.mix import mix_warnings, overshoot_warning
from app.engine.blocks.placement import QUAD_SEGS, Placer, SiteRaster, arc_safe, site_keepouts, usable_area
from app.engine.blocks.profiles import load_profile
from app.engine.blocks.strategies import get_strategy
from app.engine.civil.collectors import (
    COLLECTOR_MAX_SLOPE_DEG,
    TIE_MARGIN_M,
    Collector,
    add_to_placement,
    block_sinks,
    collector_features,
    collector_metrics,
    plan_collectors,
    route_roads_by_sink,
    served_area,
    sink_routing,
    used_collectors,
)
from app.engine.civil.constructability import constructability
from app.engine.civil.earthwork import pad_earthwork
from app.engine.civil.gentie import GenTie, route_gen_tie, voltage_class_kv
from app.engine.civil.roads import RoadGround, road_ground, route_roads
from app.engine.civil.zones import CROSSING_COST_KEYS, Zone, find_crossings
from app.engine.core.crs import WGS84, reproject_many, to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams, LayoutResult, PlacedAsset, PlacedRoad, ProgressFn, SiteInput
from app.engine.cost.prices import parse_cost, unit_costs
from app.engine.electrical.bom import SiteExtras
from app.engine.electrical.design import dc_collection, design_electrical
from app.engine.electrical.params import parse_electrical_params
from app.engine.electrical.routes import CableLimits, illegal_tables, too_long_tables
from app.engine.pv.civil import (
    FENCE_MERGE_M,
    Fencing,
    fence_arrays,
    perimeter_roads,
    snap_to_corridors,
    tables_on_roads,
)
from app.engine.pv.compact import regrouped
from app.engine.pv.design import parse_design
from app.engine.pv.offer import no_capacity_message, slope_limit_deg
from app.engine.pv.outputs import (
    cable_features,
    electrical_metrics,
    fence_features,
    pv_document,
    pv_metrics,
    station_props,
    table_assets,
)
from app.engine.pv.plant import PvLayout, design_pv_plant, row_runs, topped_up, trimmed, without_tables
from app.engine.terrain.analysis import slope_deg
from app.engine.terrain.areas import area_metrics
from app.errors import InvalidInput, NoCapacity

# Road section: 150 mm crushed-aggregate base on 150 mm compacted subbase over geotextile, the
# unpaved site-road section of utility PV plants (e.g. US FHWA low-volume road guidance).
ROAD_BUILDUP_DEPTH_M = 0.30
# Cable checks: design the DC collection, drop the tables whose cables cannot reach their station
# legally, and design again, at most this many times (one pass almost always suffices).
MAX_CABLE_PASSES = 3
MAX_PRUNE_PASSES = 12
# Tables whose string or feeder run is over its limit are dropped (and replaced nearer the station)
# only while they hold at most this share of the DC in a pass [-].
MAX_LENGTH_PRUNE_SHARE = 0.005
# Equipment within this many DEM cells of a road reached from an entry is reached: roads are
# routed on the DEM's cells and end at the access point's nearest passable cell.
ACCESS_TOL_CELLS = 2.0


def _reached_land(usable: BaseGeometry, ground: RoadGround) -> tuple[BaseGeometry, float]:
    """The parts of `usable` (UTM) a road from an entry can reach, and the area left out [m²]."""
    parts = [p for p in shapely.get_parts(usable) if not p.is_empty]
    keep = [p for p in parts if ground.reaches(p)]
    if len(keep) == len(parts):
        return usable, 0.0
    lost = float(sum(p.area for p in parts) - sum(p.area for p in keep))
    return (shapely.union_all(keep) if keep else Polygon()), lost


def _legal_cables(
    pv: PvLayout,
    boundary: BaseGeometry,
    zones: list[Zone],
    electrical: dict[str, Any] | None,
    blocked: list[Polygon],
    warnings: list[str],
) -> tuple[PvLayout, Any]:
    """`pv` without the tables whose string or feeder route would leave the parcel or enter a
    zone (DC / LV cables cross no zone: only roads do, with the MV trench), blocks topped up again
    from spare tables (not within 0.5 m of `blocked`: roads, equipment) and checked again; the net
    loss warned with kWp. Also returns the last DC collection when it passed (for the electrical
    design of the same plant), else None."""
    if not pv.plant.tables or not pv.plant.blocks:
        return pv, None
    prm = parse_electrical_params(electrical)
    limits = CableLimits(boundary, [z.geometry for z in zones])
    before = pv.plant.dc_kwp
    n_drop = 0
    clean = None
    # Top-up passes first; then pruning only, which ends (the tables only shrink) once the design
    # has settled (dropping tables regroups strings, so a pass may uncover new routes to check).
    for k in range(MAX_CABLE_PASSES + MAX_PRUNE_PASSES):
        if not pv.plant.tables or not pv.plant.blocks:
            break
        collected = dc_collection(pv.plant, prm)
        # Strings ≤ 400 m and DC / LV feeders ≤ 1,000 m are rules too (routes.too_long_tables),
        # enforced in the passes that top blocks up again (pruning alone would not converge).
        bad = illegal_tables(collected[2], collected[0], limits)
        if k < MAX_CABLE_PASSES:
            long_ = too_long_tables(collected[2])
            # A block too spread out for its devices needs splitting, which pruning cannot do:
            # beyond a small share the long runs stay (reported as constructability problems).
            share = sum(pv.plant.tables[int(i)].dc_kwp for i in long_) / max(pv.plant.dc_kwp, 1e-9)
            if share <= MAX_LENGTH_PRUNE_SHARE:
                bad = np.union1d(bad, long_)
        if not len(bad):
            clean = collected
            break
        n_drop += len(bad)
        pv = without_tables(pv, bad)
        if k < MAX_CABLE_PASSES - 1:
            pv = trimmed(topped_up(pv, blocked, 0.5))
    if clean is not None and n_drop:
        # Once clean, blocks left short take tables touching them when that stays clean.
        more = topped_up(pv, blocked, 0.5, touching_only=True)
        if more is not pv:
            again = dc_collection(more.plant, prm)
            if not len(np.union1d(illegal_tables(again[2], again[0], limits), too_long_tables(again[2]))):
                pv, clean = more, again
    lost = before - pv.plant.dc_kwp
    if n_drop:
        warnings.append(
            f"{n_drop} tables left out ({max(lost, 0.0):,.0f} kWp net of spare tables taken instead): "
            "their cables could not reach the power station without leaving the parcel, crossing an "
            "exclusion zone or running longer than the string (400 m) or feeder (1,000 m) limit"
        )
    return pv, clean


def _block_groups(pv: PvLayout, collectors: list[Collector]) -> dict[int, int]:
    """Block index → the substation its feeder ends at (0 main, k collector k)."""
    sinks = block_sinks([b.station for b in pv.plant.blocks], collectors)
    return {b.index: s for b, s in zip(pv.plant.blocks, sinks, strict=True)}


def _keep_ends(routed: LineString, snapped: LineString) -> LineString:
    """`snapped` with the routed line's end points kept (a short link where snapping moved one):
    roads meet at their ends, so moving one alone would cut the network apart."""
    a, b = routed.coords[0], routed.coords[-1]
    pts = list(snapped.coords)
    if Point(pts[0]).distance(Point(a)) > 1e-6:
        pts.insert(0, a)
    if Point(pts[-1]).distance(Point(b)) > 1e-6:
        pts.append(b)
    return LineString(pts)


def _boxes_uv(pv: PvLayout | None) -> np.ndarray:
    """Each table's rectangle in the row frame (n, 4): u_lo, u_hi, v_lo, v_hi [m]."""
    if pv is None or not pv.plant.tables:
        return np.zeros((0, 4))
    n = len(pv.plant.tables)
    xy = shapely.get_coordinates(np.asarray([t.polygon for t in pv.plant.tables], dtype=object))
    u, v = pv.frame.to_frame(xy[:, 0], xy[:, 1])
    u, v = np.asarray(u).reshape(n, -1), np.asarray(v).reshape(n, -1)
    return np.column_stack([u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)])


def _root_on_ground(boundary: BaseGeometry, ground: RoadGround, hub: Point, res: float) -> Point:
    """The boundary point nearest `hub` from which the reached ground can be entered (UTM [m]);
    the nearest boundary point at all when none is found."""
    polys = list(boundary.geoms) if hasattr(boundary, "geoms") else [boundary]
    rings = MultiLineString([p.exterior for p in polys if isinstance(p, Polygon)])
    fallback = nearest_points(rings, hub)[0]
    step = max(res / 2.0, 1.0)
    pts = [ring.interpolate(d) for ring in rings.geoms for d in np.arange(0.0, ring.length, step)]
    for p in sorted(pts, key=lambda q: q.distance(hub)):
        if ground.reaches(p.buffer(1.5 * res)):
            return p
    return fallback


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


def _pad_check(raster: SiteRaster, limit_deg: float) -> Callable[[list[Polygon]], np.ndarray]:
    """Whether footprints (UTM) stand on ground no steeper than `limit_deg` [°] on every grid cell
    their bounding box touches (a superset of the cells they touch), and on the grid."""

    def check(polys: list[Polygon]) -> np.ndarray:
        b = np.asarray([p.bounds for p in polys], dtype=float).reshape(-1, 4)
        r0, r1, c0, c1, on = raster.cells(b[:, 0], b[:, 1], b[:, 2], b[:, 3])
        bad = raster.box_sum(raster.i_bad[float(limit_deg)], r0, r1, c0, c1)
        out: np.ndarray = on & (bad == 0)
        return out

    return check


def _finite(v: float) -> float:
    return float(v) if math.isfinite(v) else 0.0


def generate_layout(
    site: SiteInput, grid: Grid, params: LayoutParams, *, progress: ProgressFn | None = None
) -> LayoutResult:
    """Lay out a plant on a site.

    site: boundary, exclusions, entry and interconnection points in WGS84. grid: elevation [m] in
    the site's UTM CRS (`site_crs(boundary)`), covering the boundary plus a margin; a `flat_grid`
    when terrain is off. params: target capacity [kW AC], profile, strategy, setback [m], PV design,
    overrides. progress: called as progress(stage, percent) at stage boundaries; it may raise to abort.
    PV is designed table by table (`app.engine.pv`); other assets are placed as blocks.
    Raises `InvalidInput` for a bad target, profile, strategy, design or override, and
    `NoCapacity` when no generating capacity fits (the message says what the terrain offers).
    """
    _validate(site, grid, params)
    profile = load_profile(params.profile, params.overrides)
    weights = get_strategy(params.strategy)

    def report(stage: str, pct: float) -> None:
        if progress is not None:
            progress(stage, pct)

    crs = grid.crs
    report("analysing_terrain", 0.0)
    boundary, keepouts = site_keepouts(site, crs)
    warnings_pre: list[str] = []
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
    # The gen-tie may leave the parcel: it is routed on the grid as given (before cropping).
    site_grid = grid
    grid = _crop(grid, boundary.bounds)
    slope = slope_deg(grid)
    entries = [to_utm(p, crs) for p in site.entry_points]
    if road_obstacles and entries:
        # An entry inside a zone no road may cross is moved to the nearest ground outside it.
        blocked_zone = shapely.union_all(road_obstacles)
        for i, p in enumerate(entries):
            if blocked_zone.covers(p):
                open_ground = boundary.difference(blocked_zone)
                if not open_ground.is_empty:
                    q = nearest_points(open_ground, p)[0]
                    warnings_pre.append(
                        f"site entry {i + 1} lies inside a zone no road may cross: the road starts "
                        f"{q.distance(p):,.0f} m away, outside it"
                    )
                    entries[i] = q
    entry_utm: Point | None = entries[0] if entries else None
    # Reachability is a design rule: land no road from an entry can reach gets no assets.
    ground = road_ground(grid, boundary, road_obstacles, entries, usable_all, slope)
    usable, unreached_m2 = _reached_land(usable_all, ground)
    limits = {float(a.max_slope_deg) for a in profile.asset_types.values()} | {COLLECTOR_MAX_SLOPE_DEG}
    raster = SiteRaster(grid, slope, usable, limits)

    pv_block = next(
        (b.name for b in profile.blocks if any(c.asset_type == "pv_block" for c in b.components)), None
    )
    pv_design = parse_design({**profile.pv, **(params.pv or {})}) if pv_block is not None else None

    report("placing_assets", 10.0)
    placer = Placer(
        profile=profile,
        weights=weights,
        raster=raster,
        usable=usable,
        entry=entry_utm,
        skip=frozenset({pv_block}) if pv_block is not None else frozenset(),
    )
    if site.interconnection_point is not None:
        poi = to_utm(site.interconnection_point, crs)
        placer.hub_target = (poi.x, poi.y)
    placement = placer.place(params.target_capacity_kw)
    warnings = warnings_pre + list(placement.warnings)
    hub_index = next((i for i, b in enumerate(placement.blocks) if b.hub), None)

    pv: PvLayout | None = None
    collectors: list[Collector] = []
    if pv_design is not None:
        pv_target = params.target_capacity_kw - placement.capacity_kw
        if pv_target > 1e-6:
            report("placing_pv_tables", 20.0)
            taken = [
                c.polygon.buffer(arc_safe(max(c.clearance_m, 3.0)), quad_segs=QUAD_SEGS)
                for c in placement.components
            ]
            area = usable.difference(shapely.union_all(taken)) if taken else usable
            hub = placement.blocks[hub_index].centre if hub_index is not None else placer.hub_target
            if hub is not None:
                # PV cables cross no zone that roads may not cross: only the ground the
                # substation stands on (and what roads join to it) can feed it.
                whole = area
                area, cut_m2 = _reached_land(area, ground.around(Point(hub).buffer(grid.resolution_m)))
                # Collector substations (issue 21 item 6) for the land roads reach and cables cannot.
                collectors = plan_collectors(
                    cut_off=whole.difference(area), ground=ground, hub=hub, boundary=boundary,
                    grid=_crop(site_grid, boundary.buffer(TIE_MARGIN_M).bounds), obstacles=keepouts,
                    never=[z.geometry for z in zones if not z.crossable],
                    equipment=[c.polygon for c in placement.components],
                    pad_ok=_pad_check(raster, COLLECTOR_MAX_SLOPE_DEG),
                )  # fmt: skip
                area, cut_m2 = served_area(whole, area, collectors) if collectors else (area, cut_m2)
                unreached_m2 += cut_m2
            centre = site.boundary.centroid
            pv = design_pv_plant(
                area=area,
                grid=grid,
                design=pv_design,
                lon_lat=(centre.x, centre.y),
                target_ac_kw=pv_target,
                weights=weights,
                density=params.strategy == "density",
                hub_xy=hub,
                station_ok=_pad_check(raster, profile.asset_types["power_station"].max_slope_deg),
                station_clearance_m=profile.asset_types["power_station"].clearance_m,
                regions=[c.region for c in collectors],
            )
            # Only collectors that serve a block are built (placed as equipment: roads reach them).
            collectors = used_collectors(collectors, [b.station for b in pv.plant.blocks])
            add_to_placement(placement, collectors)
            warnings.extend(pv.warnings)
            if unreached_m2 > 0 and not area.is_empty:
                kwp_est = pv.offered_kwp * unreached_m2 / area.area
                warnings.append(
                    f"{unreached_m2 / 1e4:,.1f} ha of buildable land (about {kwp_est:,.0f} kWp) has no road "
                    "access from an entry, or no cable route to the substation (cut off by zones nothing may "
                    "cross): left empty"
                )
    if unreached_m2 > 0 and pv is None:
        warnings.append(
            f"{unreached_m2 / 1e4:,.1f} ha of buildable land has no road access from an entry "
            "(cut off by zones no road may cross): left empty"
        )

    def generating_kw() -> float:
        return placement.capacity_kw + (pv.plant.ac_kw if pv is not None else 0.0)

    if generating_kw() <= 0:
        raise NoCapacity(no_capacity_message(grid, slope, usable, pv_design, profile))

    report("routing_roads", 40.0)
    stations = [s for s in pv.stations if not s.is_empty] if pv is not None else []
    pv_blocks = list(pv.plant.blocks) if pv is not None else []
    road_segments = []
    root: Point | None = None
    # Rows merged across corridors: the reserves stay cheap (preferred) over the merged runs.
    runs = row_runs(pv, max_gap_m=FENCE_MERGE_M) if pv is not None else []
    if hub_index is not None:
        hub_centre = Point(placement.blocks[hub_index].centre)
        more_roots = entries[1:]
        if entry_utm is None:
            # No site entry: the boundary point nearest the substation on the ground it stands on.
            root = _root_on_ground(boundary, ground, hub_centre, grid.resolution_m)
        else:
            # The first entry on the substation's ground is the root; the others join its network.
            hub_labels = ground.labels_at(hub_centre.buffer(grid.resolution_m))
            k = next((i for i, lab in enumerate(ground.entry_labels) if lab in hub_labels), 0)
            root, more_roots = entries[k], entries[:k] + entries[k + 1 :]
        # With collectors: one network per substation, each from an entry on its ground.
        sink_args = sink_routing(placement, [b.access for b in pv_blocks], collectors, ground, entries)
        network = (partial(route_roads_by_sink, **sink_args) if collectors else route_roads)(
            grid=grid,
            slope_deg=slope,
            boundary=boundary,
            obstacles=road_obstacles,
            crossable=road_crossable,
            more_roots=more_roots,
            # Roads never cross equipment; PV tables only cost more (they give way to roads below).
            equipment=[c.polygon for c in placement.components] + stations,
            footprints=runs,
            terminals=[b.access for b in placement.blocks] + [b.access for b in pv_blocks],
            labels=[f"{b.name} #{i + 1}" for i, b in enumerate(placement.blocks)]
            + [f"power station {b.index + 1}" for b in pv_blocks],
            root=root,
            hub=hub_index,
            spec=profile.road,
            preferred=pv.corridors if pv is not None else (),
        )
        road_segments = network.segments
        if pv is not None:
            tol = 0.75 * grid.resolution_m
            kit = shapely.STRtree([c.polygon for c in placement.components] + stations)
            snapped = []
            for r in road_segments:
                g = _keep_ends(r.geometry, snap_to_corridors(r.geometry, pv.corridors, tol))
                # Keep the routed line where snapping would clip a piece of equipment.
                ok = len(kit.query(g, predicate="intersects")) == 0 and boundary.covers(g)
                snapped.append(replace(r, geometry=g, length_m=float(g.length)) if ok else r)
            road_segments = snapped
        warnings.extend(network.warnings)
        # Reachability is a rule: what no road reaches is left out, never drawn as built.
        n_fixed = len(placement.blocks)
        dead = set(network.unreachable)
        if hub_index in dead:
            raise NoCapacity(
                "no road from the site entry can reach the substation (zones no road may cross, equipment "
                "or ground without terrain data cut it off): move the entry or add one on the "
                "substation's side, or change the zone types"
            )
        dead_fixed = {i for i in dead if i < n_fixed and i != hub_index}
        if dead_fixed:
            gone = [c for c in placement.components if c.block_index in dead_fixed]
            placement.components = [c for c in placement.components if c.block_index not in dead_fixed]
            lost_kw = sum(c.capacity_kw for c in gone)
            warnings.append(f"{len(dead_fixed)} block(s) no road can reach were left out ({lost_kw:,.0f} kW)")
        dead_pv = {pv_blocks[i - n_fixed].index for i in dead if i >= n_fixed}
        if pv is not None and dead_pv:
            drop_t = np.asarray([t.index for t in pv.plant.tables if t.block in dead_pv], dtype=np.int64)
            lost = sum(pv.plant.tables[int(i)].dc_kwp for i in drop_t)
            warnings.append(
                f"{len(dead_pv)} inverter block(s) whose power station no road can reach were left out "
                f"({lost:,.0f} kWp)"
            )
            pv = without_tables(pv, drop_t)

    fencing = Fencing(fences=[], areas=[], gates=[])
    collected = None
    if pv is not None:
        lines = [r.geometry for r in road_segments]
        drop = tables_on_roads(
            [t.polygon for t in pv.plant.tables], lines, [r.width_m for r in road_segments]
        )
        if len(drop):
            lost = sum(pv.plant.tables[int(i)].dc_kwp for i in drop)
            warnings.append(f"{len(drop)} tables ({lost:,.0f} kWp) gave way to access roads")
            pv = without_tables(pv, drop)
        bands = [r.geometry.buffer(r.width_m / 2, cap_style="flat") for r in road_segments]
        blocked = bands + [c.polygon for c in placement.components] + stations
        groups = _block_groups(pv, collectors)
        pv = regrouped(topped_up(pv, blocked, 0.5), groups)
        # Touching tables first; others only where a block still falls short (the target first).
        pv = topped_up(trimmed(pv), blocked, 0.5)
        pv, collected = _legal_cables(pv, boundary, zones, params.electrical, blocked, warnings)
        fencing = fence_arrays(row_runs(pv, max_gap_m=FENCE_MERGE_M) + stations, boundary, lines)
        if pv_design is not None and pv_design.perimeter_road:
            road_segments = road_segments + perimeter_roads(
                fencing,
                boundary,
                grid,
                width_m=pv_design.internal_road_width_m,
                max_grade_pct=profile.road.max_grade_pct,
            )

    gen_tie: GenTie | None = None
    if hub_index is not None and site.interconnection_point is not None:
        report("routing_gen_tie", 70.0)
        gen_tie = _gen_tie(
            site_grid,
            boundary,
            to_utm(site.interconnection_point, crs),
            placement.blocks[hub_index].centre,
            keepouts,
            [c.polygon for c in placement.components] + stations,
            row_runs(pv, max_gap_m=FENCE_MERGE_M) if pv is not None else [],
        )
        if gen_tie is not None:
            warnings.extend(gen_tie.warnings)

    # The crossing prices: the request's unit-cost overrides, parsed as the cost model does (its
    # `price_usd_per_mwh` is the NPV's, not a unit cost).
    costs = unit_costs(parse_cost(params.cost).overrides)["costs"]
    crossings = find_crossings(
        [r.geometry for r in road_segments],
        zones,
        {rule: float(costs[key]["value"]) for rule, key in CROSSING_COST_KEYS.items()},
    )
    crossing_counts = Counter((c.zone_type, c.rule) for c in crossings)

    total_kw = generating_kw()
    if total_kw <= 0:
        # Everything was left out (no road, no legal cable route): no plant, not an empty success.
        raise NoCapacity(
            "no generating capacity left: no road or legal cable route reaches any of it: "
            + "; ".join(warnings[-3:])
        )
    if total_kw < params.target_capacity_kw - 1e-6:
        warnings.insert(
            0,
            (
                f"target not reached: placed {total_kw:,.0f} kW of the {params.target_capacity_kw:,.0f} kW "
                "target; the buildable area has no room for more"
            ),
        )
    pv_kw = pv.plant.ac_kw if pv is not None else 0.0
    target = params.target_capacity_kw
    over = overshoot_warning(profile, target, placement, pv_block=pv_block, pv_kw=pv_kw)
    if over is not None:
        # First, like a shortfall: the plant is not the size asked for.
        warnings.insert(0, over)
    warnings.extend(mix_warnings(profile, target, placement, pv_block=pv_block, pv_kw=pv_kw))

    report("computing_earthwork", 75.0)
    specs = profile.asset_types
    pads_polys = [c.polygon for c in placement.components] + stations
    grading = [
        (specs[c.asset_type].grading, specs[c.asset_type].grading_tolerance_m)
        if c.asset_type in specs
        else ("level", 0.0)  # collector substations: a level yard
        for c in placement.components
    ] + [("level", 0.0)] * len(stations)
    pads = pad_earthwork(grid, slope, pads_polys, grading)

    report("finalising", 90.0)
    foot_wgs = reproject_many(pads_polys, crs, WGS84)
    road_wgs = reproject_many([r.geometry for r in road_segments], crs, WGS84)
    n_comp = len(placement.components)
    st_props = station_props(pv) if pv is not None else []
    st_rot = pv.station_rotation_deg if pv is not None else 0.0
    live_blocks = {b.index for b in pv.plant.blocks} if pv is not None else set()
    station_blocks = [i for i, s in enumerate(pv.stations) if not s.is_empty] if pv is not None else []
    props_by_block = {p["block"] - 1: p for p in st_props}
    assets_list: list[PlacedAsset] = []
    for i, poly in enumerate(foot_wgs):
        if i < n_comp:
            c = placement.components[i]
            asset_type, rot, cap, sto, props = c.asset_type, c.rotation_deg, c.capacity_kw, c.storage_kwh, {}
        else:
            b = station_blocks[i - n_comp]
            if b not in live_blocks:
                continue
            asset_type, rot, cap, sto = "power_station", st_rot, 0.0, 0.0
            props = dict(props_by_block.get(b, {"block": b + 1}))
        assets_list.append(
            PlacedAsset(
                asset_type=asset_type,
                footprint=poly,
                rotation_deg=rot,
                capacity_kw=cap,
                storage_kwh=sto,
                elevation_m=_finite(pads.elevation_m[i]),
                slope_deg=_finite(pads.slope_deg[i]),
                pad_elevation_m=_finite(pads.pad_elevation_m[i]),
                cut_m3=float(pads.cut_m3[i]),
                fill_m3=float(pads.fill_m3[i]),
                properties=props,
            )
        )
    pad_cut = float(sum(a.cut_m3 for a in assets_list))
    pad_fill = float(sum(a.fill_m3 for a in assets_list))
    if pv is not None:
        assets_list.extend(table_assets(pv, crs))
    assets = tuple(assets_list)
    roads = tuple(
        PlacedRoad(
            geometry=road_wgs[i],
            road_class=r.road_class,
            width_m=r.width_m,
            length_m=r.length_m,
            max_grade_pct=r.max_grade_pct,
            cut_m3=r.cut_m3,
            fill_m3=r.fill_m3,
            compliant=r.compliant,
        )
        for i, r in enumerate(road_segments)
    )
    parcel_ha = boundary.area / 10_000.0
    gen_limits = {
        name: float(a.max_slope_deg)
        for name, a in profile.asset_types.items()
        if a.generating and name != pv_block
    }
    if pv_design is not None:
        gen_limits["pv"] = slope_limit_deg(pv_design)
    areas = area_metrics(
        usable,
        grid,
        slope,
        gen_limits or None,
        capacity_kw=total_kw,
        dc_capacity_kwp=pv.plant.dc_kwp if pv is not None else None,
    )
    metrics: dict[str, Any] = {
        "total_capacity_kw": total_kw,
        "storage_kwh": float(sum(a.storage_kwh for a in assets)),
        "asset_count": len(assets),
        "counts_by_type": dict(sorted(Counter(a.asset_type for a in assets).items())),
        "road_length_m": float(sum(r.length_m for r in roads)),
        "noncompliant_road_m": float(sum(r.length_m for r in roads if not r.compliant)),
        # Road build-up (docs/engine.md): the carriageway's aggregate layers over its whole length.
        "road_area_m2": float(sum(r.length_m * r.width_m for r in roads)),
        "road_buildup_m3": float(sum(r.length_m * r.width_m for r in roads) * ROAD_BUILDUP_DEPTH_M),
        "cut_volume_m3": float(sum(a.cut_m3 for a in assets) + sum(r.cut_m3 for r in roads)),
        "fill_volume_m3": float(sum(a.fill_m3 for a in assets) + sum(r.fill_m3 for r in roads)),
        "parcel_area_ha": parcel_ha,
        # The line to the grid: 0 without an interconnection point (the cost then says so).
        "gen_tie_length_m": gen_tie.length_m if gen_tie is not None else 0.0,
        "gen_tie_voltage_kv": voltage_class_kv(total_kw),
        **areas,
        "target_capacity_kw": float(params.target_capacity_kw),
        # Placed over target [%]: > 0 over (whole units, warned beyond 5 %), < 0 short (warned).
        "capacity_over_target_pct": 100.0 * (total_kw - target) / target,
    }
    design: dict[str, Any] = {}
    extras: list[dict[str, Any]] = []
    cable_docs: list[dict[str, Any]] = []
    single_line: list[dict[str, Any]] = []
    if pv is not None:
        metrics.update(pv_metrics(pv, fencing, parcel_ha))
        metrics["pv_capacity_kw"] = pv.plant.ac_kw
        design["pv"] = pv_document(pv)
        extras = fence_features(fencing, crs)
        if pv.plant.tables and pv.plant.blocks and hub_index is not None:
            report("designing_electrical", 92.0)
            electrical = design_electrical(
                pv.plant,
                road_segments,
                placement.blocks[hub_index].centre,
                params.electrical,
                SiteExtras(
                    fence_m=fencing.length_m,
                    gates=len(fencing.gates),
                    road_cut_m3=float(sum(r.cut_m3 for r in road_segments)),
                    road_fill_m3=float(sum(r.fill_m3 for r in road_segments)),
                    pad_cut_m3=pad_cut,
                    pad_fill_m3=pad_fill,
                    crossings=tuple(sorted(crossing_counts.items())),
                ),
                collected=collected,
                keep_out=CableLimits(boundary, [z.geometry for z in zones]).blocks,
                collectors=[c.centre for c in collectors],
                block_sink=block_sinks([b.station for b in pv.plant.blocks], collectors),
            )
            doc = electrical.to_document()
            design["electrical"] = doc["electrical"]
            design["bom"] = {
                **doc["bom"],
                "gen_tie": _gen_tie_quantities(
                    gen_tie, total_kw, has_point=site.interconnection_point is not None
                ),
            }
            cable_docs = doc.get("cables", []) + doc.get("trenches", [])
            single_line = doc["electrical"].get("single_line", [])
            extras += cable_features(cable_docs, crs)
            metrics.update(electrical_metrics(doc))
    if gen_tie is not None:
        extras = [*extras, _gen_tie_feature(gen_tie, crs, total_kw)]
    if collectors:
        extras += collector_features(collectors, crs, pv.plant if pv is not None else None)
        metrics.update(collector_metrics(collectors, pv.plant if pv is not None else None, design))
    if crossings:
        pts = reproject_many([c.point for c in crossings], crs, WGS84)
        extras += [
            {"kind": "crossing", "geometry": g, "properties": c.properties()}
            for g, c in zip(pts, crossings, strict=True)
        ]
    metrics["crossing_count"] = len(crossings)
    metrics["crossing_cost_usd"] = round(sum(c.cost_usd for c in crossings), 2)
    tables = pv.plant.tables if pv is not None else ()
    metrics["constructability"] = constructability(
        roads=road_segments,
        entries=[root] if root is not None and not entries else entries,
        equipment=[c.polygon for c in placement.components],
        table_centres=np.asarray([t.centre for t in tables], dtype=float).reshape(-1, 2),
        table_boxes_uv=_boxes_uv(pv),
        table_dc_kwp=[t.dc_kwp for t in tables],
        table_blocks=[t.block for t in tables],
        block_station={b.index: pv.stations[b.index] for b in pv.plant.blocks} if pv is not None else {},
        row_gap_m=(pv.plant.design.pitch_m - pv.plant.design.depth_m) if pv is not None else 0.0,
        cables=cable_docs,
        single_line=single_line,
        boundary=boundary,
        never_zones=[z.geometry for z in zones if not z.crossable],
        crossable_zones=[z.geometry for z in zones if z.crossable],
        crossings=crossings,
        access_tol_m=ACCESS_TOL_CELLS * grid.resolution_m,
        road_limit_pct=profile.road.max_grade_pct,
    )
    if design:
        # The design document (PV plants) carries the section too; gas / BESS layouts have none.
        design["constructability"] = metrics["constructability"]
    # A plant nobody could build as drawn is never a plain success: each problem is a warning too.
    warnings.extend(f"not constructable as drawn: {p}" for p in metrics["constructability"]["problems"])
    report("finalising", 100.0)
    return LayoutResult(
        assets=assets,
        roads=roads,
        metrics=metrics,
        warnings=tuple(warnings),
        crs=crs,
        extras=tuple(extras),
        design=design,
        plant=pv.plant if pv is not None else None,
    )


def _gen_tie(
    grid: Grid,
    boundary: BaseGeometry,
    poi: Point,
    substation_xy: tuple[float, float],
    keepouts: list[BaseGeometry],
    equipment: list[Polygon],
    rows: list[Polygon],
) -> GenTie | None:
    """The gen-tie from the interconnection point `poi` to the substation (UTM [m]), or None when the
    point is the substation's own centre. Routed on `grid` cropped to the parcel and the point."""
    if poi.distance(Point(substation_xy)) < 1.0:
        return None
    minx, miny, maxx, maxy = boundary.bounds
    area = _crop(grid, (min(minx, poi.x), min(miny, poi.y), max(maxx, poi.x), max(maxy, poi.y)))
    sub = Point(substation_xy)
    return route_gen_tie(
        grid=area,
        slope_deg=slope_deg(area),
        substation_xy=substation_xy,
        poi_xy=(poi.x, poi.y),
        obstacles=keepouts,
        # The line leaves from the substation: its own pad is not in the way.
        equipment=[e for e in equipment if not e.covers(sub)],
        footprints=rows,
    )


def _gen_tie_quantities(gen_tie: GenTie | None, ac_kw: float, *, has_point: bool) -> dict[str, Any]:
    """The gen-tie's bill-of-quantities entry: length [m], voltage class [kV] and whether the site
    has an interconnection point (without one the length is 0 and the cost warns)."""
    return {
        "length_m": round(gen_tie.length_m, 1) if gen_tie is not None else 0.0,
        "voltage_kv": voltage_class_kv(ac_kw),
        "interconnection_point": has_point,
    }


def _gen_tie_feature(gen_tie: GenTie, crs: str, ac_kw: float) -> dict[str, Any]:
    """The gen-tie as a layout feature (`kind: "gen_tie"`, WGS84), with its length and voltage."""
    (line,) = reproject_many([gen_tie.geometry], crs, WGS84)
    return {
        "kind": "gen_tie",
        "geometry": line,
        "properties": {
            "length_m": round(gen_tie.length_m, 1),
            "voltage_kv": voltage_class_kv(ac_kw),
            "straight_m": round(gen_tie.straight_m, 1),
        },
    }
