"""What the terrain offers when nothing fits: the message of a failed layout names the binding
constraint and the hectares within the structure's limits, so the user knows what to change."""

from __future__ import annotations

import math

import numpy as np
from rasterio import features
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.profiles import Profile
from app.engine.core.grid import Grid
from app.engine.pv.design import PvDesign


def slope_limit_deg(design: PvDesign) -> float:
    """The structure's ground-slope limit as one angle [°] (trackers: the stricter of along/across)."""
    if design.structure == "fixed":
        return design.max_slope_deg
    return math.degrees(math.atan(min(design.max_slope_along_pct, design.max_slope_across_pct) / 100.0))


def no_capacity_message(
    grid: Grid, slope_deg: np.ndarray, usable: BaseGeometry, design: PvDesign | None, profile: Profile
) -> str:
    """Why no generating capacity fits: usable hectares, hectares under the slope limit, largest pocket."""
    usable_ha = usable.area / 10_000.0
    if usable.is_empty or usable_ha <= 0:
        return (
            "no generating capacity fits: nothing is left of the parcel after the setback and exclusions "
            "(usable area 0 ha); reduce setback_m or the exclusion buffers"
        )
    if design is not None:
        limit = slope_limit_deg(design)
        what = f"{design.structure} structures (ground slope ≤ {limit:.1f}°)"
    else:
        limit = min(float(a.max_slope_deg) for a in profile.asset_types.values() if a.generating)
        what = f"generating assets (ground slope ≤ {limit:.1f}°)"
    inside = features.geometry_mask([usable], out_shape=grid.shape, transform=grid.transform, invert=True)
    ok = inside & (np.nan_to_num(slope_deg, nan=90.0) <= limit)
    cell_ha = grid.resolution_m**2 / 10_000.0
    labels, n = ndimage.label(ok)
    largest = float(np.bincount(labels.ravel())[1:].max()) * cell_ha if n else 0.0
    return (
        f"no generating capacity fits: of {usable_ha:,.1f} ha usable, "
        f"{ok.sum() * cell_ha:,.1f} ha lie within "
        f"the slope limit of {what} in {n} pocket(s), the largest {largest:,.2f} ha — too small or too "
        "fragmented for one table / block; raise the slope limit, choose trackers or smaller tables, or "
        "reduce setback_m"
    )
