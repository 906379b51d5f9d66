"""The wind step of the pipeline: the site's wind resource (the CLI's file, else the one uploaded
for the site) and the wind energy of the designed turbines (app/engine/wind/outputs.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
