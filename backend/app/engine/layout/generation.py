"""Stages 4-5: the fixed blocks (substation, BESS, turbines, ...) and the table-level PV plant."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.mix import mix_warnings, overshoot_warning
from app.engine.blocks.placement import QUAD_SEGS, Placer, SiteRaster, arc_safe
from app.engine.civil.collector_groups import plan_feeder_collectors
from app.engine.civil.collectors import (
    COLLECTOR_MAX_SLOPE_DEG,
    TIE_MARGIN_M,
    add_to_placement,
    block_sinks,
    plan_collectors,
    served_area,
    used_collectors,
)
from app.engine.civil.gentie import voltage_class_kv
from app.engine.civil.right_of_way import row_strips
from app.engine.core.crs import to_utm
from app.engine.electrical.params import parse_electrical_params
from app.engine.layout.context import PlantState, Report, SiteFrame
from app.engine.layout.site import crop_grid, reached_land
from app.engine.pv.offer import no_capacity_message
from app.engine.pv.plant import design_pv_plant, without_tables
from app.errors import NoCapacity


def place_blocks(
    frame: SiteFrame,
    warnings: list[str],
    unreached_m2: float,
    centre_areas: dict[str, BaseGeometry] | None = None,
) -> PlantState:
    """Stage 4: place the profile's fixed blocks (`Placer.place`; the substation first, aimed at
    the interconnection point when there is one). PV blocks are left to `design_pv`. Starts the
    plant state with `warnings` (the site's) followed by the placer's. centre_areas: per block
    name, where its origin must lie [UTM] (turbines on the wind plan's lattice)."""
    pv_block = frame.pv_block
    placer = Placer(
        profile=frame.profile,
        weights=frame.weights,
        raster=frame.raster,
        usable=frame.usable,
        entry=frame.entry,
        skip=frozenset({pv_block}) if pv_block is not None else frozenset(),
        centre_areas=centre_areas,
    )
    if frame.site.interconnection_point is not None:
        poi = to_utm(frame.site.interconnection_point, frame.crs)
        placer.hub_target = (poi.x, poi.y)
    placement = placer.place(frame.params.target_capacity_kw)
    return PlantState(
        placement=placement,
        hub_index=next((i for i, b in enumerate(placement.blocks) if b.hub), None),
        hub_xy=placer.hub_target,
        warnings=warnings + list(placement.warnings),
        unreached_m2=unreached_m2,
    )


def design_pv(frame: SiteFrame, state: PlantState, report: Report) -> None:
    """Stage 5: lay PV tables (`design_pv_plant`) for the AC target the fixed blocks left, on the
    reached land clear of the equipment and its clearance, and only where a cable can reach the
    substation. Sets `state.pv`; warns the buildable land left empty for want of access."""
    params, pv_design, grid = frame.params, frame.pv_design, frame.grid
    placement = state.placement
    if pv_design is not None:
        pv_target = params.target_capacity_kw - placement.capacity_kw
        if pv_target > 1e-6:
            report("placing_pv_tables", 20.0)
            taken = [
                c.polygon.buffer(arc_safe(max(c.clearance_m, 3.0)), quad_segs=QUAD_SEGS)
                for c in placement.components
            ]
            area = frame.usable.difference(shapely.union_all(taken)) if taken else frame.usable
            blocks = placement.blocks
            hub = blocks[state.hub_index].centre if state.hub_index is not None else state.hub_xy
            if hub is not None:
                area = _cabled_area(frame, state, area, hub)
            if state.collectors:
                # No table under a tie line: its right-of-way as wide as the class of a line
                # carrying the whole PV target (what a tie carries is at most that).
                kv = voltage_class_kv(pv_target)
                strips = row_strips([c.tie for c in state.collectors], [kv] * len(state.collectors))
                area = area.difference(shapely.union_all(strips))
            centre = frame.site.boundary.centroid
            station = frame.profile.asset_types["power_station"]
            pv = design_pv_plant(
                area=area,
                grid=grid,
                design=pv_design,
                lon_lat=(centre.x, centre.y),
                target_ac_kw=pv_target,
                weights=frame.weights,
                density=params.strategy == "density",
                hub_xy=hub,
                station_ok=_pad_check(frame.raster, station.max_slope_deg),
                station_clearance_m=station.clearance_m,
                regions=[c.region for c in state.collectors],
            )
            # Only collectors that serve a block are built (placed as equipment: roads reach them).
            state.collectors = used_collectors(state.collectors, [b.station for b in pv.plant.blocks])
            add_to_placement(placement, state.collectors)
            state.pv = pv
            state.warnings.extend(pv.warnings)
            if state.unreached_m2 > 0 and not area.is_empty:
                kwp_est = pv.offered_kwp * state.unreached_m2 / area.area
                state.warnings.append(
                    f"{state.unreached_m2 / 1e4:,.1f} ha of buildable land (about {kwp_est:,.0f} kWp) has "
                    "no road access from an entry, or no cable route to the substation (cut off by zones "
                    "nothing may cross, or by ground steeper than the "
                    f"{frame.profile.road.max_grade_pct:g}% road grade limit): left empty"
                )
    if state.unreached_m2 > 0 and state.pv is None:
        state.warnings.append(
            f"{state.unreached_m2 / 1e4:,.1f} ha of buildable land has no road access from an entry "
            "(cut off by zones no road may cross, or by ground steeper than the "
            f"{frame.profile.road.max_grade_pct:g}% road grade limit): left empty"
        )


def add_feeder_collectors(frame: SiteFrame, state: PlantState) -> None:
    """Stage 5b: collector substations for power stations too far from the main substation for an
    MV feeder within `mv_max_feeder_m` (`plan_feeder_collectors`; issue 21 item 6), among the
    stations the main substation would feed. Each is placed as equipment (roads reach it), its
    yard's tables removed (the blocks are topped up after the roads) and appended to
    `state.collectors`. Nothing to do without PV or a substation."""
    pv = state.pv
    if pv is None or state.hub_centre is None or not pv.plant.blocks:
        return
    blocks = pv.plant.blocks
    sinks = block_sinks([b.station for b in blocks], state.collectors)
    main = [b for b, s in zip(blocks, sinks, strict=True) if s == 0]
    if not main:
        return
    placement = state.placement
    plan = plan_feeder_collectors(
        stations=[b.station for b in main],
        dc_kwp=[b.dc_kwp for b in main],
        table_polygons=[t.polygon for t in pv.plant.tables],
        table_kwp=[t.dc_kwp for t in pv.plant.tables],
        hub=state.hub_centre,
        limit_m=parse_electrical_params(frame.params.electrical).mv_max_feeder_m,
        usable=frame.usable,
        boundary=frame.boundary,
        grid=crop_grid(frame.site_grid, frame.boundary.buffer(TIE_MARGIN_M).bounds),
        obstacles=frame.keepouts,
        equipment=[c.polygon for c in placement.components] + [s for s in pv.stations if not s.is_empty],
        pad_ok=_pad_check(frame.raster, COLLECTOR_MAX_SLOPE_DEG),
    )
    state.warnings.extend(plan.warnings)
    if not plan.collectors:
        return
    # Positions, not indices, from here to fit_pv_to_roads, which re-indexes once (`reindexed`).
    state.pv = without_tables(pv, plan.drop_tables, reindex=False)
    add_to_placement(placement, plan.collectors)
    state.collectors = [*state.collectors, *plan.collectors]


def _cabled_area(
    frame: SiteFrame, state: PlantState, area: BaseGeometry, hub: tuple[float, float]
) -> BaseGeometry:
    """The part of `area` (UTM) a PV cable can reach the substation at `hub` [m] from, plus the
    regions of the collector substations planned for the land cut off from it (issue 21: roads
    reach it, cables cannot). Sets `state.collectors`; adds the land left out to
    `state.unreached_m2` [m²]."""
    grid = frame.grid
    # PV cables cross no zone that roads may not cross: only the ground the substation stands
    # on (and what roads join to it) can feed it.
    hub_area, cut_m2 = reached_land(area, frame.ground.around(Point(hub).buffer(grid.resolution_m)))
    state.collectors = plan_collectors(
        cut_off=area.difference(hub_area),
        ground=frame.ground,
        hub=hub,
        boundary=frame.boundary,
        grid=crop_grid(frame.site_grid, frame.boundary.buffer(TIE_MARGIN_M).bounds),
        obstacles=frame.keepouts,
        never=[z.geometry for z in frame.zones if not z.crossable],
        equipment=[c.polygon for c in state.placement.components],
        pad_ok=_pad_check(frame.raster, COLLECTOR_MAX_SLOPE_DEG),
    )
    if state.collectors:
        hub_area, cut_m2 = served_area(area, hub_area, state.collectors)
    state.unreached_m2 += cut_m2
    return hub_area


def require_generation(frame: SiteFrame, state: PlantState) -> None:
    """Raise `NoCapacity` (saying what the terrain offers) when no generating capacity fits."""
    if state.generating_kw <= 0:
        limit = frame.profile.road.max_grade_pct
        cut = (
            f"; a further {state.unreached_m2 / 1e4:,.1f} ha has no road from an entry (zones no road may "
            f"cross, or ground steeper than the {limit:g}% road grade limit)"
            if state.unreached_m2 > 0
            else ""
        )
        raise NoCapacity(
            no_capacity_message(frame.grid, frame.slope, frame.usable, frame.pv_design, frame.profile) + cut
        )


def check_capacity(frame: SiteFrame, state: PlantState) -> float:
    """The plant's generating capacity [kW AC] once roads and cables have had their say; warns a
    shortfall and an overshoot first (the plant is not the size asked for), then the generation
    mix against the shares asked for. Raises `NoCapacity` when nothing is left."""
    warnings = state.warnings
    total_kw = state.generating_kw
    if total_kw <= 0:
        # Everything was left out (no road, no legal cable route): no plant, not an empty success.
        raise NoCapacity(
            "no generating capacity left: no road or legal cable route reaches any of it: "
            + "; ".join(warnings[-3:])
        )
    target = frame.params.target_capacity_kw
    if total_kw < target - 1e-6:
        warnings.insert(0, _shortfall_warning(state, total_kw, target))
    pv_kw = state.pv.plant.ac_kw if state.pv is not None else 0.0
    profile, placement, pv_block = frame.profile, state.placement, frame.pv_block
    over = overshoot_warning(profile, target, placement, pv_block=pv_block, pv_kw=pv_kw)
    if over is not None:
        # First, like a shortfall: the plant is not the size asked for.
        warnings.insert(0, over)
    warnings.extend(mix_warnings(profile, target, placement, pv_block=pv_block, pv_kw=pv_kw))
    return total_kw


def _shortfall_warning(state: PlantState, total_kw: float, target_kw: float) -> str:
    """Why the plant is short of its target [kW AC]: no room, or — when buildable PV tables were
    left unused — the road, reachability and cable rules, whose own warnings give the kWp each took
    (the buildable area is never blamed for what the rules left out)."""
    head = f"target not reached: placed {total_kw:,.0f} kW of the {target_kw:,.0f} kW target"
    pv = state.pv
    spare_kwp = 0.0
    if pv is not None and pv.spare is not None and len(pv.spare[0]):
        module_kwp = pv.plant.design.design.module.power_w / 1000.0
        spare_kwp = float(np.sum(pv.spare[0].modules)) * module_kwp
    if spare_kwp <= 0.0:
        return f"{head}; the buildable area has no room for more"
    return (
        f"{head}; buildable land for {spare_kwp:,.0f} kWp is left unused: the tables the road, "
        "reachability and cable rules took out (see the warnings below) could not be replaced "
        "without splitting blocks or breaking the cable-length limits"
    )


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
