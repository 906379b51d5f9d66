"""The wind step of the pipeline: the site's wind resource (the CLI's file, else the one uploaded
for the site) and the wind energy of the designed turbines (app/engine/wind/outputs.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from app.engine.core.types import LayoutParams, LayoutResult
from app.engine.wind.outputs import with_wind_energy
from app.engine.wind.resource import WindResource
from app.storage.base import Storage

if TYPE_CHECKING:
    from app.engine.core.grid import Grid
    from app.pipeline.run import DesignInput


def site_wind(job: DesignInput, storage: Storage | None) -> WindResource | None:
    """The wind resource uploaded for the job's site, or None (always None without storage: the CLI
    gives its file as --wind, and loads nothing it does not need)."""
    if storage is None:
        return None
    from app.wind.file import load_site_wind

    return load_site_wind(storage, job.site_id)


def with_wind(
    result: LayoutResult,
    resource: WindResource | None,
    params: LayoutParams,
    grid: Grid,
    *,
    simulate: bool = True,
) -> tuple[LayoutResult, np.ndarray | None]:
    """The result with its wind energy and the farm's hourly net power [MW] (8760,) for the storage
    dispatch (None without turbines or a resource). The air density is the ISA value at the grid's
    mean elevation (sea level on flat ground, terrain off)."""
    z = np.asarray(grid.data, dtype=float)
    elevation = float(np.nanmean(z)) if np.isfinite(z).any() else 0.0
    return with_wind_energy(result, resource, params, elevation_m=elevation, simulate=simulate)


def optimise_wind(
    job: DesignInput, params: LayoutParams, grid: Grid, resource: WindResource | None
) -> tuple[LayoutParams, dict[str, Any] | None]:
    """The parameters with the turbine lattice's rotation the orientation search chose, and
    design["wind"]["optimisation"] (app/engine/wind/optimise.py) — unchanged and None when the search
    is off (`wind.optimise_s` 0, the default), without a resource or without turbines."""
    from app.engine.layout import generate_layout
    from app.engine.wind.energy import air_density, wind_energy
    from app.engine.wind.layout import prevailing_deg
    from app.engine.wind.optimise import optimisation_document, search_orientation
    from app.engine.wind.params import parse_wind_params
    from app.engine.wind.resource import at_hub

    wp = parse_wind_params(params.wind)
    if wp.optimise_s <= 0 or resource is None or wp.rotation_deg is not None:
        return params, None
    hub = at_hub(resource, wp.turbine.hub_height_m, wp.shear_exponent)
    z = np.asarray(grid.data, dtype=float)
    rho = air_density(float(np.nanmean(z)) if np.isfinite(z).any() else 0.0)

    def evaluate(rotation_deg: float) -> tuple[int, float]:
        result = generate_layout(job.site, grid, with_rotation(params, rotation_deg), wind_resource=resource)
        turbines = (result.design.get("wind") or {}).get("turbines") or []
        if not turbines:
            return 0, 0.0
        xy = np.array([[t["x_m"], t["y_m"]] for t in turbines], dtype=float)
        e = wind_energy(wp.turbine, hub, xy[:, 0], xy[:, 1], density=rho, shear=wp.shear_exponent)
        return len(turbines), e.gross_mwh * (1.0 - e.farm_wake_loss_pct / 100.0)

    best, candidates = search_orientation(evaluate, prevailing_deg(resource, wp), wp.optimise_s)
    if not any(c.turbines for c in candidates):
        return params, None
    return with_rotation(params, best), optimisation_document(best, candidates, wp.optimise_s)


def with_rotation(params: LayoutParams, rotation_deg: float | None) -> LayoutParams:
    """`params` with the turbine lattice rotated to `rotation_deg` [°] (unchanged for None)."""
    if rotation_deg is None:
        return params
    return replace(params, wind={**(params.wind or {}), "rotation_deg": rotation_deg})


def with_optimisation(result: LayoutResult, optimisation: dict[str, Any] | None) -> LayoutResult:
    """The result with design["wind"]["optimisation"] when the orientation search ran."""
    if optimisation is None or "wind" not in result.design:
        return result
    design = {**result.design, "wind": {**result.design["wind"], "optimisation": optimisation}}
    return replace(result, design=design)
