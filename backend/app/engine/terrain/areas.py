"""Land areas of a layout: usable (geometry) versus buildable (geometry and terrain).

Two numbers that used to be one ("buildable area" meant the polygon after setback and exclusions,
however steep the ground):

- usable area: boundary − setback − exclusion zones (with their buffers); pure geometry.
- buildable area: the part of the usable area whose ground slope is within the generating assets'
  slope limits (the steepest limit among them: land any of them could take).

Densities are quoted on the buildable area: that is the land a design can actually cover, so a
steep parcel no longer looks sparsely used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from rasterio import features
from shapely.geometry.base import BaseGeometry

from app.engine.core.grid import Grid

M2_PER_HA = 10_000.0


def _inside(grid: Grid, geometry: BaseGeometry) -> np.ndarray:
    """Cells whose centre is inside `geometry`; every touched cell for slivers under one cell."""
    mask: np.ndarray = features.geometry_mask(
        [geometry], out_shape=grid.shape, transform=grid.transform, invert=True
    )
    if not mask.any():
        mask = features.geometry_mask(
            [geometry], out_shape=grid.shape, transform=grid.transform, invert=True, all_touched=True
        )
    return mask


def slope_limit_deg(max_slope_deg: float | Mapping[str, float] | None) -> float | None:
    """One slope limit [degrees] from a limit or a per-asset-type mapping (its largest value)."""
    if max_slope_deg is None:
        return None
    if isinstance(max_slope_deg, Mapping):
        values = [float(v) for v in max_slope_deg.values() if v is not None and math.isfinite(float(v))]
        return max(values) if values else None
    return float(max_slope_deg)


def area_metrics(
    usable_utm: BaseGeometry,
    grid: Grid | None,
    slope_deg: np.ndarray | None,
    max_slope_deg: float | Mapping[str, float] | None,
    *,
    capacity_kw: float | None = None,
    dc_capacity_kwp: float | None = None,
) -> dict[str, Any]:
    """Usable and buildable area [ha] of a site, and densities on the buildable area.

    usable_utm: boundary − setback − exclusions (with buffers), in the grid's UTM CRS [m].
    grid / slope_deg: the terrain grid and its per-cell slope [degrees] (same shape); None, or a
        None limit, means terrain was not assessed and buildable = usable.
    max_slope_deg: the generating assets' slope limit [degrees], or a mapping asset type -> limit
        (land within the steepest of them counts).
    capacity_kw (AC) / dc_capacity_kwp: placed capacity, for the densities.

    The buildable area is the usable polygon's exact area times the share of its cells (by cell
    centre) whose slope is within the limit; nodata cells are not buildable. So buildable ≤ usable
    always, and equals it on flat ground.

    Returns usable_area_ha, buildable_area_ha, buildable_share (0-1), slope_limit_deg (or None),
    and, when a capacity is given, capacity_density_kw_per_ha (AC kW per buildable ha) and
    mwdc_per_ha_buildable (MWp per buildable ha); a density is 0.0 when there is no buildable land.
    """
    usable_ha = 0.0 if usable_utm.is_empty else float(usable_utm.area) / M2_PER_HA
    limit = slope_limit_deg(max_slope_deg)
    share = 1.0
    if usable_ha > 0 and grid is not None and slope_deg is not None and limit is not None:
        if slope_deg.shape != grid.shape:
            raise ValueError(f"slope shape {slope_deg.shape} differs from grid shape {grid.shape}")
        inside = _inside(grid, usable_utm)
        n_inside = int(np.count_nonzero(inside))
        # NaN compares False: nodata cells are never buildable.
        ok = int(np.count_nonzero(slope_deg[inside] <= limit))
        share = ok / n_inside if n_inside else 0.0
    buildable_ha = usable_ha * share
    out: dict[str, Any] = {
        "usable_area_ha": usable_ha,
        "buildable_area_ha": buildable_ha,
        "buildable_share": share if usable_ha > 0 else 0.0,
        "slope_limit_deg": limit,
    }
    if capacity_kw is not None:
        out["capacity_density_kw_per_ha"] = capacity_kw / buildable_ha if buildable_ha > 0 else 0.0
    if dc_capacity_kwp is not None:
        out["mwdc_per_ha_buildable"] = dc_capacity_kwp / 1000.0 / buildable_ha if buildable_ha > 0 else 0.0
    return out
