"""Wind turbine layout rules: the prevailing wind from the resource, spacing in rotor diameters
along and across it, and the tip-height setback from the parcel boundary.

The turbines are placed by the block placer (`app.engine.blocks.placement`) like every other
block, so the slope limit of the pad, exclusion zones, the clearance to other equipment and the
road reachability are the same rules; this module only sets, for the profile's turbine block:
- the turbine (footprint capacity = rated power, rotor diameter),
- the lattice rotation = the prevailing direction (its v axis points along the wind, so rows
  stand across it) and its pitch = across_wind_d × D by along_wind_d × D,
- the area tower centres must lie in: the boundary shrunk by setback_tip_heights × tip height.
PV rows and BESS are placed after the turbines around their pads (clearance of the pad asset).

Prevailing direction: the sector with the most energy for this turbine (frequency × mean power
of the sector at hub height), not the most frequent one — a frequent light wind makes little energy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.profiles import Profile
from app.engine.core.crs import to_utm
from app.engine.core.types import LayoutResult
from app.engine.wind.energy import power_kw
from app.engine.wind.params import WindParams
from app.engine.wind.resource import WindResource, at_hub, bin_centres, sector_index
from app.engine.wind.turbines import REF_AIR_DENSITY

TURBINE_ASSET = "wind_turbine"
# The per-turbine properties the exports carry (GeoJSON always; KMZ balloons and DXF XDATA by name).
TURBINE_PROPERTIES: tuple[tuple[str, str, str, int], ...] = (
    ("turbine_id", "Turbine", "", 0),
    ("hub_height_m", "Hub height", "m", 1),
    ("rotor_diameter_m", "Rotor diameter", "m", 1),
    ("rated_kw", "Rated power", "kW", 0),
    ("gross_aep_mwh", "Gross AEP", "MWh/yr", 0),
    ("net_aep_mwh", "Net AEP (P50)", "MWh/yr", 0),
    ("wake_loss_pct", "Wake loss", "%", 2),
)


def sector_energy(hub: WindResource, params: WindParams) -> np.ndarray:
    """Share of one turbine's free-stream energy per sector (sums to 1) at standard air density."""
    t = params.turbine
    if hub.kind == "weibull":
        assert hub.weibull_a_m_s is not None and hub.weibull_k is not None
        v = np.linspace(0.0, float(t.wind_speed_m_s[-1]), 2001)
        p = power_kw(t, v, REF_AIR_DENSITY)
        e = np.array(
            [
                np.trapezoid(p * (k / a) * (v / a) ** (k - 1) * np.exp(-((v / a) ** k)), v)
                for a, k in zip(hub.weibull_a_m_s, hub.weibull_k, strict=True)
            ]
        )
        e = hub.frequency * e
    elif hub.kind == "tab":
        assert hub.bin_upper_m_s is not None and hub.bin_freq is not None
        e = hub.frequency * (hub.bin_freq @ power_kw(t, bin_centres(hub.bin_upper_m_s), REF_AIR_DENSITY))
    else:
        assert hub.speed_m_s is not None and hub.direction_deg is not None
        idx = sector_index(hub.direction_deg, len(hub.sector_deg))
        e = np.bincount(
            idx, weights=power_kw(t, hub.speed_m_s, REF_AIR_DENSITY), minlength=len(hub.sector_deg)
        )
    total = float(e.sum())
    out: np.ndarray = e / total if total > 0 else np.asarray(hub.frequency, dtype=float)
    return out


def prevailing_deg(resource: WindResource, params: WindParams) -> float:
    """The energy-prevailing wind direction [° from north, where the wind comes from]."""
    hub = at_hub(resource, params.turbine.hub_height_m, params.shear_exponent)
    return float(resource.sector_deg[int(np.argmax(sector_energy(hub, params)))])


@dataclass(frozen=True, kw_only=True)
class WindPlan:
    """How the profile's turbines are laid out: the profile set up for the turbine and rule, the
    prevailing direction (None without a resource) and the setback [m]."""

    params: WindParams
    profile: Profile
    block: str
    prevailing_deg: float | None
    setback_m: float

    def centre_areas(self, boundary: BaseGeometry) -> dict[str, BaseGeometry]:
        """{turbine block: where tower centres may stand} (UTM [m]): inside the boundary shrunk by
        the tip-height setback."""
        return {self.block: boundary.buffer(-self.setback_m) if self.setback_m > 0 else boundary}

    def spacing(self) -> dict[str, Any]:
        """design["wind"]["spacing"]."""
        return {
            "along_wind_d": self.params.along_wind_d,
            "across_wind_d": self.params.across_wind_d,
            "prevailing_deg": self.prevailing_deg,
            "setback_tip_heights": self.params.setback_tip_heights,
            "setback_m": round(self.setback_m, 1),
            "rotation_deg": self.params.rotation_deg,
        }


def plan_wind(profile: Profile, params: WindParams, resource: WindResource | None) -> WindPlan | None:
    """The plan for the profile's turbine block, or None when the profile has no turbines.
    Without a resource the rows face north-south (prevailing unknown, said in the design)."""
    block = next(
        (b for b in profile.blocks if any(c.asset_type == TURBINE_ASSET for c in b.components)), None
    )
    if block is None:
        return None
    t = params.turbine
    prevailing = prevailing_deg(resource, params) if resource is not None else None
    data = profile.model_dump()
    spec = data["asset_types"][TURBINE_ASSET]
    spec.update(
        capacity_kw=t.rated_kw,
        rotor_diameter_m=t.rotor_diameter_m,
        source=f"{t.source}; foundation + crane hardstand {spec['width_m']:g} × {spec['length_m']:g} m",
    )
    for b in data["blocks"]:
        if b["name"] == block.name:
            b["spacing_rotor_diameters"] = (params.across_wind_d, params.along_wind_d)
            rot = params.rotation_deg if params.rotation_deg is not None else (prevailing or 0.0)
            b["rotations_deg"] = [rot % 180.0]
            if params.share is not None and b.get("share") is not None:
                b["share"] = params.share
    return WindPlan(
        params=params,
        profile=Profile.model_validate(data),
        block=block.name,
        prevailing_deg=prevailing,
        setback_m=params.setback_tip_heights * t.tip_height_m,
    )


def turbine_centres(polygons: list[BaseGeometry]) -> np.ndarray:
    """Tower positions (n, 2) [m]: the centres of the turbine pads (UTM)."""
    if not polygons:
        return np.zeros((0, 2))
    return np.asarray(shapely.get_coordinates(shapely.centroid(np.asarray(polygons, dtype=object))))


def wind_layout_document(plan: WindPlan, centres: np.ndarray) -> dict[str, Any]:
    """design["wind"] before the energy step: turbine, spacing and turbine positions (UTM [m])."""
    return {
        "turbine": plan.params.turbine.document(),
        "spacing": plan.spacing(),
        "turbines": [
            {"id": f"T{i + 1:02d}", "x_m": round(float(x), 2), "y_m": round(float(y), 2)}
            for i, (x, y) in enumerate(centres)
        ],
    }


def with_wind_layout(result: LayoutResult, plan: WindPlan | None) -> LayoutResult:
    """The layout result with its turbines described: each turbine asset gets its id, hub height,
    rotor and rated power; a "crane_pad" feature per turbine (the pad's hardstand, WGS84);
    metrics turbine_count and wind_capacity_kw; design["wind"] with the turbine, the spacing rule
    and the tower positions (UTM [m], the result's CRS) the energy step reads."""
    if plan is None:
        return result
    t = plan.params.turbine
    idx = [i for i, a in enumerate(result.assets) if a.asset_type == TURBINE_ASSET]
    pads = [result.assets[i].footprint for i in idx]
    centres = turbine_centres([to_utm(p, result.crs) for p in pads])
    assets = list(result.assets)
    for n, i in enumerate(idx):
        props = {
            **assets[i].properties,
            "turbine_id": f"T{n + 1:02d}",
            "turbine": t.name,
            "hub_height_m": t.hub_height_m,
            "rotor_diameter_m": t.rotor_diameter_m,
            "rated_kw": round(t.rated_kw, 1),
        }
        assets[i] = replace(assets[i], properties=props)
    extras = list(result.extras) + [
        {
            "kind": "crane_pad",
            "geometry": pad,
            "properties": {
                "turbine_id": f"T{n + 1:02d}",
                "area_m2": round(float(to_utm(pad, result.crs).area), 1),
            },
        }
        for n, pad in enumerate(pads)
    ]
    metrics = {
        **result.metrics,
        "turbine_count": len(idx),
        "wind_capacity_kw": len(idx) * t.rated_kw,
    }
    design = {**result.design, "wind": wind_layout_document(plan, centres)}
    return replace(result, assets=tuple(assets), extras=tuple(extras), metrics=metrics, design=design)
