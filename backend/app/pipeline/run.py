"""The one layout pipeline: site + parameters + terrain + weather + progress -> result.

terrain (the site's DEM grid, or flat ground) -> the engine's layout (`generate_layout`) -> the
terrain's provenance in the metrics -> the energy yield and cost (`with_energy_and_cost`).

The worker (`app.jobs.runner`), the synchronous API path (`app.api.routes.layouts`),
`sitelayouts generate` and `sitelayouts study` all call `run_pipeline`, so a layout's metrics,
warnings and provenance do not depend on where it was computed. Its result is checked against the
typed result document (`app.engine.core.document`) before it is returned. No database access here: the
callers read their inputs and store (or print) the result.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.config import Settings
from app.engine.core.document import check_result
from app.engine.core.progress import scaled
from app.engine.core.types import LayoutParams, LayoutResult, ProgressFn, SiteInput
from app.storage.base import Storage

if TYPE_CHECKING:
    import numpy as np

    from app.engine.core.grid import Grid

STAGE_FETCHING_DEM = "fetching_dem"
STAGE_ENERGY = "simulating_energy"
STAGE_PRICING = "pricing"
STAGE_SAVING = "saving"

TERRAIN_NOT_ASSESSED = (
    "Terrain was not used (use_terrain off): ground slopes and earthwork were not assessed; "
    "the layout assumes flat ground and cut/fill volumes are zero."
)


@dataclass(frozen=True, kw_only=True)
class DesignInput:
    """Everything the pipeline needs about one layout.

    site_id: the key of the site's terrain and weather caches ("cli" for a file on the command line).
    layout_id: the stored layout, when there is one (None for the CLI).
    """

    site_id: uuid.UUID | str
    site: SiteInput
    params: LayoutParams
    layout_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class Terrain:
    """The site's elevation grid [m] in its UTM CRS, and the name of the source it came from."""

    grid: Grid
    source: str


@dataclass(frozen=True, kw_only=True)
class Designed:
    """The pipeline's output: the engine's result (metrics with provenance, energy, cost) and the
    terrain it was designed on (the exports' hillshade and slope maps use it)."""

    result: LayoutResult
    terrain: Terrain


def params_from_document(doc: Mapping[str, Any]) -> LayoutParams:
    """The engine's parameters from a stored / validated parameter document (a layout's `params`
    JSON column, or a study variant's generate body as JSON); missing fields take the defaults."""
    return LayoutParams(
        target_capacity_kw=float(doc["target_capacity_kw"]),
        profile=str(doc.get("profile", "solar_farm")),
        strategy=str(doc.get("strategy", "balanced")),
        setback_m=float(doc.get("setback_m", 15.0)),
        dem_resolution_m=float(doc.get("dem_resolution_m", 30.0)),
        use_terrain=bool(doc.get("use_terrain", True)),
        overrides=dict(doc.get("overrides") or {}),
        pv=dict(doc["pv"]) if doc.get("pv") else None,
        electrical=dict(doc["electrical"]) if doc.get("electrical") else None,
        losses=dict(doc["losses"]) if doc.get("losses") else None,
        cost=dict(doc["cost"]) if doc.get("cost") else None,
        wind=dict(doc["wind"]) if doc.get("wind") else None,
        storage=dict(doc["storage"]) if doc.get("storage") else None,
        gas=dict(doc["gas"]) if doc.get("gas") else None,
    )


def load_terrain(
    job: DesignInput,
    *,
    settings: Settings,
    storage: Storage | None,
) -> Terrain:
    """The site's grid at the job's `dem_resolution_m` [m] from DEM_SOURCE (flat when
    `use_terrain` is off); `storage` caches it (None: no cache)."""
    from app.dem.service import load_site_grid

    grid, source = load_site_grid(
        boundary_wgs84=job.site.boundary,
        site_id=str(job.site_id),
        resolution_m=job.params.dem_resolution_m,
        use_terrain=job.params.use_terrain,
        settings=settings,
        storage=storage,
        # The gen-tie is routed over terrain up to the interconnection point, outside the parcel too.
        reach_wgs84=job.site.interconnection_point,
    )
    return Terrain(grid=grid, source=source)


def run_pipeline(
    job: DesignInput,
    *,
    settings: Settings,
    storage: Storage | None,
    progress: ProgressFn,
    terrain: Terrain | None = None,
    weather: Any = None,
    wind: Any = None,
    simulate: bool = True,
) -> Designed:
    """Design, simulate and price one layout.

    terrain: an already loaded grid for this site and resolution (a study's variants share one);
    None loads it (`load_terrain`).
    weather: a parsed weather year (the CLI's --weather FILE); None -> WEATHER_SOURCE.
    wind: a parsed wind resource (the CLI's --wind FILE); None -> the site's uploaded one, if any.
    simulate: False (the CLI's --no-energy) prices the plant without a yield.
    progress: called with (stage, percent 0-100), only forwards: terrain 2 %, the engine's own
    stages 5-90 %, energy or pricing 92 %, saving 95 % (the caller stores or writes the result).
    """
    from app.pipeline import hybrid
    from app.pipeline.wind import optimise_wind, site_wind, with_optimisation, with_rotation

    progress(STAGE_FETCHING_DEM, 2.0)
    if terrain is None:
        terrain = load_terrain(job, settings=settings, storage=storage)
    wind_resource = wind if wind is not None else site_wind(job, storage)
    params = hybrid.layout_params(job.params)
    # The turbine lattice's orientation search (off by default): once, before the designs.
    params, optimisation = optimise_wind(job, params, terrain.grid, wind_resource)
    rotation = (params.wind or {}).get("rotation_deg") if optimisation else None
    step = {
        "settings": settings,
        "storage": storage,
        "weather": weather,
        "wind": wind_resource,
        "simulate": simulate,
    }
    result, wind_hourly_mw = _design(job, params, terrain, progress=progress, **step)
    # Storage sized to its target over the PV + wind year; the BESS blocks follow the sized MWh
    # (a second layout when the count differs); gas fills what the battery cannot.
    result, blocks = hybrid.with_storage_and_gas(result, params, wind_hourly_mw=wind_hourly_mw)
    if blocks is not None and blocks != hybrid.placed_blocks(result):
        params = with_rotation(hybrid.layout_params(job.params, blocks=blocks), rotation)
        stage = STAGE_ENERGY if simulate else STAGE_PRICING

        def hold(_stage: str, _pct: float) -> None:
            progress(stage, 92.0)  # only forwards: the second design holds the bar

        again, wind_hourly_mw = _design(job, params, terrain, progress=hold, **step)
        result, _ = hybrid.with_storage_and_gas(again, params, wind_hourly_mw=wind_hourly_mw)
    result = with_optimisation(result, optimisation)
    # The result document's contract (app/engine/core/document.py): every metric and design key
    # declared; STRICT_RESULT_DOCUMENT decides whether an undeclared one fails the job or is logged.
    check_result(result.metrics, result.design, strict=settings.strict_result_document)
    progress(STAGE_SAVING, 95.0)
    return Designed(result=result, terrain=terrain)


def _design(
    job: DesignInput,
    params: LayoutParams,
    terrain: Terrain,
    *,
    settings: Settings,
    storage: Storage | None,
    progress: ProgressFn,
    weather: Any,
    wind: Any,
    simulate: bool,
) -> tuple[LayoutResult, np.ndarray | None]:
    """The engine's layout for `params`, its terrain provenance, wind energy, energy yield and cost;
    with the wind farm's hourly net power [MW] (8760,) for the storage dispatch (None: no wind)."""
    from app.engine.layout import generate_layout
    from app.pipeline.wind import with_wind
    from app.pipeline.yield_cost import with_energy_and_cost

    result = generate_layout(
        job.site, terrain.grid, params, progress=scaled(progress, 5.0, 90.0), wind_resource=wind
    )
    result = with_terrain_provenance(
        result, job, source=terrain.source, grid_resolution_m=terrain.grid.resolution_m, settings=settings
    )
    progress(STAGE_ENERGY if simulate else STAGE_PRICING, 92.0)
    # Wind energy (turbines and a resource) first: its hourly power feeds the storage dispatch.
    result, wind_hourly_mw = with_wind(result, wind, params, terrain.grid, simulate=simulate)
    result = with_energy_and_cost(
        result,
        site_id=str(job.site_id),
        site=job.site,
        settings=settings,
        storage=storage,
        losses=params.losses,
        cost=params.cost,
        weather=weather,
        simulate=simulate,
        wind_hourly_mw=wind_hourly_mw,
    )
    return result, wind_hourly_mw


def with_terrain_provenance(
    result: LayoutResult, job: DesignInput, *, source: str, grid_resolution_m: float, settings: Settings
) -> LayoutResult:
    """The result with what its terrain was: metrics `dem_source`, `dem_resolution_m` (analysis
    grid [m]) and `dem_native_resolution_m` (the source's own cell size [m], None if unknown or
    flat), `dem_resolution_label`; warnings when terrain was off or the grid is finer than its source.
    """
    from app.dem.resolution import native_resolution, resolution_label, resolution_warning

    native = native_resolution(source, job.site.boundary, resolution_m=grid_resolution_m, settings=settings)
    native_m = native.resolution_m if native is not None else None
    metrics = {
        **result.metrics,
        "dem_source": source,
        "dem_resolution_m": grid_resolution_m,
        "dem_native_resolution_m": native_m,
        "dem_resolution_label": resolution_label(grid_resolution_m, native_m),
        "terrain_assessed": job.params.use_terrain,
    }
    warnings = list(result.warnings)
    if not job.params.use_terrain:
        warnings.append(TERRAIN_NOT_ASSESSED)
    else:
        finer = resolution_warning(grid_resolution_m, native_m)
        if finer is not None:
            warnings.append(finer)
    return replace(result, metrics=metrics, warnings=tuple(warnings))
