"""`generate_layout`: the layout engine's stages in order (docs/engine.md, "Pipeline")."""

from __future__ import annotations

import numpy as np
import shapely

from app.engine.core.gc_passes import fewer_gc_passes
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams, LayoutResult, ProgressFn, SiteInput
from app.engine.electrical.params import parse_electrical_params
from app.engine.electrical.routes import CableLimits
from app.engine.layout.access import drop_unreached, route_access_roads
from app.engine.layout.civil import connect_to_grid, find_zone_crossings, level_pads
from app.engine.layout.context import PlantState, SiteFrame, access_entries, access_tol_m
from app.engine.layout.documents import (
    Documents,
    assess_constructability,
    design_plant_documents,
)
from app.engine.layout.generation import (
    add_feeder_collectors,
    check_capacity,
    design_pv,
    place_blocks,
    require_generation,
)
from app.engine.layout.outputs import layout_metrics, output_assets, output_roads
from app.engine.layout.pv_civil import fit_pv_to_roads
from app.engine.layout.site import analyse_site, validate_input
from app.engine.wind.collection import CollectionChecks, CollectionSite, with_collection
from app.engine.wind.layout import TURBINE_ASSET, plan_wind, with_wind_layout
from app.engine.wind.params import parse_wind_params
from app.engine.wind.resource import WindResource


def generate_layout(
    site: SiteInput,
    grid: Grid,
    params: LayoutParams,
    *,
    progress: ProgressFn | None = None,
    wind_resource: WindResource | None = None,
) -> LayoutResult:
    """Lay out a plant on a site.

    site: boundary, exclusions, entry and interconnection points in WGS84. grid: elevation [m] in
    the site's UTM CRS (`site_crs(boundary)`), covering the boundary plus a margin; a `flat_grid`
    when terrain is off. params: target capacity [kW AC], profile, strategy, setback [m], PV design,
    overrides. progress: called as progress(stage, percent) at stage boundaries; it may raise to abort.
    PV is designed table by table (`app.engine.pv`); other assets are placed as blocks.
    Raises `InvalidInput` for a bad target, profile, strategy, design or override, and
    `NoCapacity` when no generating capacity fits (the message says what the terrain offers).
    wind_resource: the site's wind climate; turbines (profiles with them) are spaced along its
    prevailing direction (app/engine/wind/layout.py).
    Runs with fewer garbage-collector passes (`core/gc_passes.py`: a plant's objects stay alive
    until the result is built, so the default passes free nothing; ≈ −10 % at 1 GWac).
    """
    with fewer_gc_passes():
        return _generate_layout(site, grid, params, progress=progress, wind_resource=wind_resource)


def _generate_layout(
    site: SiteInput,
    grid: Grid,
    params: LayoutParams,
    *,
    progress: ProgressFn | None,
    wind_resource: WindResource | None,
) -> LayoutResult:
    """`generate_layout`'s work (arguments as there)."""

    def report(stage: str, pct: float) -> None:
        if progress is not None:
            progress(stage, pct)

    profile, weights = validate_input(site, grid, params)
    wind_plan = plan_wind(profile, parse_wind_params(params.wind), wind_resource)
    if wind_plan is not None:
        profile = wind_plan.profile
    report("analysing_terrain", 0.0)
    frame, site_warnings, unreached_m2 = analyse_site(site, grid, params, profile, weights)
    report("placing_assets", 10.0)
    centre_areas = wind_plan.centre_areas(frame.boundary) if wind_plan is not None else None
    state = place_blocks(frame, site_warnings, unreached_m2, centre_areas)
    design_pv(frame, state, report)
    require_generation(frame, state)
    add_feeder_collectors(frame, state)
    report("routing_roads", 40.0)
    network = route_access_roads(frame, state)
    if network is not None:
        drop_unreached(state, network)
    fit_pv_to_roads(frame, state)
    connect_to_grid(frame, state, report)
    crossings = find_zone_crossings(frame, state)
    total_kw = check_capacity(frame, state)
    report("computing_earthwork", 75.0)
    pads = level_pads(frame, state)
    report("finalising", 90.0)
    out = output_assets(frame, state, pads)
    roads = output_roads(frame, state)
    metrics = layout_metrics(frame, state, out.assets, roads, total_kw)
    docs = design_plant_documents(frame, state, out, crossings, total_kw, metrics, report)
    metrics["constructability"] = assess_constructability(frame, state, crossings, docs)
    if docs.design:
        # The design document (PV plants) carries the section too; gas / BESS layouts have none.
        docs.design["constructability"] = metrics["constructability"]
    report("finalising", 100.0)
    result = LayoutResult(
        assets=out.assets,
        roads=roads,
        metrics=metrics,
        warnings=tuple(state.warnings),
        crs=frame.crs,
        extras=tuple(docs.extras),
        design=docs.design,
        plant=state.pv.plant if state.pv is not None else None,
    )
    result = with_wind_layout(result, wind_plan)
    if wind_plan is not None:
        result = with_collection(result, _collection_site(frame, state, docs, wind_plan.block))
    return result


def _collection_site(frame: SiteFrame, state: PlantState, docs: Documents, block: str) -> CollectionSite:
    """What the turbines' MV collection needs from the layout (UTM [m]): roads, substation, each
    turbine block's centre and road access, the PV MV trenches it may share, the cable limits and
    what the constructability check of the collection reads (the PV check's inputs)."""
    pv_trenches = tuple(
        np.asarray(c["geometry"]["coordinates"], dtype=float)
        for c in docs.cables
        if c["properties"].get("kind") == "trench" and c["properties"].get("level") == "mv"
    )
    return CollectionSite(
        roads=tuple(r.geometry for r in state.roads),
        substation_xy=state.hub_centre,
        turbine_blocks=tuple((b.centre, b.access) for b in state.placement.blocks if b.name == block),
        pv_trenches=pv_trenches,
        keep_out=CableLimits(frame.boundary, [z.geometry for z in frame.zones]).blocks,
        params=parse_electrical_params(frame.params.electrical),
        checks=_collection_checks(frame, state),
    )


def _collection_checks(frame: SiteFrame, state: PlantState) -> CollectionChecks | None:
    """The constructability inputs of the turbines' collection (UTM [m]); None without a substation."""
    comps = state.placement.components
    hub = [c.polygon for c in comps if c.block_index == state.hub_index]
    if not hub:
        return None
    return CollectionChecks(
        boundary=frame.boundary,
        never_zones=tuple(z.geometry for z in frame.zones if not z.crossable),
        crossable_zones=tuple(z.geometry for z in frame.zones if z.crossable),
        entries=tuple(access_entries(frame, state)),
        turbine_pads=tuple(c.polygon for c in comps if c.asset_type == TURBINE_ASSET),
        substation=shapely.union_all(hub),
        access_tol_m=access_tol_m(frame),
    )
