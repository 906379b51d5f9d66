"""The wind plant's energy on a layout result: metrics, design["wind"], turbine properties, the
bill of quantities' wind entry, and the hourly net power for storage dispatch (HYBRID_CONTRACT.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from app.engine.core.types import LayoutParams, LayoutResult, PlacedAsset
from app.engine.wind.collection import annual_loss_pct
from app.engine.wind.energy import (
    ELECTRICAL_LOSS_PCT,
    WAKE_MODEL,
    WindEnergy,
    air_density,
    hourly_net_power_mw,
    wind_energy,
)
from app.engine.wind.layout import TURBINE_ASSET
from app.engine.wind.params import parse_wind_params
from app.engine.wind.resource import WindResource, at_hub, rose, summary
from app.engine.wind.turbines import Turbine

# A time series covering fewer hours of the year than this is said to be a partial year (~11 months).
PARTIAL_YEAR_HOURS = 8000
NO_WIND_RESOURCE = (
    "no wind resource: wind energy not computed (upload one with POST /api/sites/{id}/wind or --wind FILE)"
)


def with_wind_energy(
    result: LayoutResult,
    resource: WindResource | None,
    params: LayoutParams,
    *,
    elevation_m: float,
    simulate: bool = True,
) -> tuple[LayoutResult, np.ndarray | None]:
    """The result with its wind energy (when it has turbines and a resource), and the farm's hourly
    net power [MW] (8760,) — None without turbines or a resource (then a warning says so).

    elevation_m: mean site elevation [m a.s.l.] for the air density (ISA). simulate: False (the
    CLI's --no-energy) adds only the bill of quantities' wind entry."""
    doc = result.design.get("wind")
    if doc is None:
        return result, None
    metrics = dict(result.metrics)
    design = dict(result.design)
    warnings = list(result.warnings)
    bom = design.get("bom")
    n = len(doc["turbines"])
    if isinstance(bom, dict):
        pad_m2 = sum(float(e["properties"]["area_m2"]) for e in result.extras if e.get("kind") == "crane_pad")
        design["bom"] = {**bom, "wind": _bom(doc, n, pad_m2)}
    if not simulate:
        # Said in the wind section too, so "no wind energy" never reads as "no resource".
        design["wind"] = {**doc, "energy_note": "energy yield not simulated: no wind AEP computed"}
        return replace(result, design=design), None
    if resource is None:
        warnings.append(NO_WIND_RESOURCE)
        return replace(result, metrics=metrics, design=design, warnings=tuple(warnings)), None
    wp = parse_wind_params(params.wind)
    t = wp.turbine
    hub = at_hub(resource, t.hub_height_m, wp.shear_exponent)
    rho = air_density(elevation_m)
    wind_doc = {
        **doc,
        "air_density_kg_m3": round(rho, 4),
        "resource": summary(resource, hub, wp.shear_exponent),
        "rose": rose(hub),
        "wake_model": WAKE_MODEL,
    }
    if n == 0:
        design["wind"] = wind_doc
        return replace(result, metrics=metrics, design=design, warnings=tuple(warnings)), None
    xy = np.array([[p["x_m"], p["y_m"]] for p in doc["turbines"]], dtype=float)
    collection = doc.get("collection")
    energy = wind_energy(
        t,
        hub,
        xy[:, 0],
        xy[:, 1],
        density=rho,
        shear=wp.shear_exponent,
        availability_pct=wp.availability_pct,
        electrical_loss_pct=(
            wp.electrical_loss_pct
            if wp.electrical_loss_pct is not None
            else (0.0 if collection else ELECTRICAL_LOSS_PCT)
        ),
    )
    electrical = _electrical_losses(
        wp.electrical_loss_pct, collection, t, hub, energy, southern=southern_crs(result.crs)
    )
    energy = replace(energy, electrical_loss_pct=electrical["electrical_pct"])
    per_turbine = _per_turbine(doc["turbines"], energy)
    wind_doc["turbines"] = per_turbine
    wind_doc["losses"] = {
        "wake_pct": round(energy.farm_wake_loss_pct, 3),
        "availability_pct": energy.availability_pct,
        **electrical,
    }
    design["wind"] = wind_doc
    metrics.update(_wind_metrics(energy, wp.shear_exponent, n * t.rated_kw))
    warnings.extend(energy.warnings)
    warnings.extend(_resource_warnings(resource))
    assets = _assets_with_aep(result.assets, per_turbine)
    out = replace(result, assets=assets, metrics=metrics, design=design, warnings=tuple(warnings))
    return out, hourly_net_power_mw(t, hub, energy, southern=southern_crs(result.crs))


def southern_crs(crs: str) -> bool:
    """Whether a layout's UTM CRS ("EPSG:327zz") is a southern-hemisphere zone: the synthesised
    wind year's seasons are then shifted half a year (resource.diurnal_seasonal_shape)."""
    return crs.upper().startswith("EPSG:327")


def _electrical_losses(
    given_pct: float | None,
    collection: dict[str, Any] | None,
    turbine: Turbine,
    hub: WindResource,
    energy: WindEnergy,
    *,
    southern: bool,
) -> dict[str, Any]:
    """design["wind"]["losses"]' electrical part: the request's `electrical_loss_pct` when given;
    else, with an MV collection designed, its cables' and pad transformers' losses over the
    farm's hourly year (`collection.annual_loss_pct`; `energy` computed without electrical loss);
    else the flat ELECTRICAL_LOSS_PCT. electrical_basis names which [%]."""
    if given_pct is not None:
        return {"electrical_pct": given_pct, "electrical_basis": "given (wind.electrical_loss_pct)"}
    if not collection:
        return {
            "electrical_pct": ELECTRICAL_LOSS_PCT,
            "electrical_basis": "default: no MV collection designed (no substation)",
        }
    rated_kw = energy.n * turbine.rated_kw
    fraction = hourly_net_power_mw(turbine, hub, energy, southern=southern) * 1000.0 / rated_kw
    loss = annual_loss_pct(collection["rated_losses_kw"], rated_kw, fraction)
    return {
        "electrical_pct": round(loss["total_pct"], 4),
        "electrical_basis": "computed: MV collection cables and pad-mounted transformers (docs/wind.md)",
        "collection_cable_pct": round(loss["cable_pct"], 4),
        "pad_transformer_pct": round(loss["transformer_pct"], 4),
        "loss_factor": round(loss["loss_factor"], 4),
    }


def _per_turbine(turbines: list[dict[str, Any]], energy: WindEnergy) -> list[dict[str, Any]]:
    """Each turbine's design entry with its gross and net AEP [MWh] and wake loss [%]."""
    net = energy.net_per_turbine_mwh()
    return [
        {
            **p,
            "gross_aep_mwh": round(energy.gross_per_turbine_mwh, 2),
            "net_aep_mwh": round(float(net[i]), 2),
            "wake_loss_pct": round(float(energy.wake_loss_pct[i]), 3),
        }
        for i, p in enumerate(turbines)
    ]


def _wind_metrics(energy: WindEnergy, shear_exponent: float, capacity_kw: float) -> dict[str, Any]:
    """The farm's wind metrics: gross/net AEP [MWh], wake loss [%], shear exponent, capacity factor [%]
    of capacity_kw [kW] over 8,760 h."""
    return {
        "wind_gross_aep_mwh": round(energy.gross_mwh, 2),
        "wind_wake_loss_pct": round(energy.farm_wake_loss_pct, 3),
        "wind_net_aep_mwh": round(energy.net_mwh, 2),
        "wind_shear_exponent": shear_exponent,
        "wind_capacity_factor_pct": round(100.0 * energy.net_mwh * 1000.0 / (capacity_kw * 8760.0), 3),
    }


def _resource_warnings(resource: WindResource) -> list[str]:
    """Warnings on the resource's hours: a partial-year time series, or hours synthesised from a
    distribution."""
    warnings: list[str] = []
    if resource.kind == "timeseries" and resource.hour_of_year is not None:
        covered = len(np.unique(resource.hour_of_year % 8760))
        if covered < PARTIAL_YEAR_HOURS:
            warnings.append(
                f"the wind time series covers {covered:,} of the year's 8,760 hours: the wind AEP is its "
                "mean power × 8,760 h (seasons it lacks are not represented) and the missing hours take "
                "its mean speed"
            )
    if resource.kind != "timeseries":
        warnings.append(
            "wind hours synthesised from the distribution (seeded, docs/wind.md#hourly-synthesis): the "
            "hourly wind power for storage dispatch is representative, not a measured year"
        )
    return warnings


def _assets_with_aep(
    assets: tuple[PlacedAsset, ...], per_turbine: list[dict[str, Any]]
) -> tuple[PlacedAsset, ...]:
    """The assets with each turbine's gross/net AEP [MWh] and wake loss [%] in its properties."""
    out = list(assets)
    by_id = {p["id"]: p for p in per_turbine}
    for i, a in enumerate(out):
        if a.asset_type == TURBINE_ASSET and a.properties.get("turbine_id") in by_id:
            p = by_id[a.properties["turbine_id"]]
            out[i] = replace(
                a,
                properties={
                    **a.properties,
                    "gross_aep_mwh": p["gross_aep_mwh"],
                    "net_aep_mwh": p["net_aep_mwh"],
                    "wake_loss_pct": p["wake_loss_pct"],
                },
            )
    return tuple(out)


def _bom(doc: dict[str, Any], n: int, pad_m2: float) -> dict[str, Any]:
    """The wind entry of the bill of quantities: turbines, their kW, foundations, crane pads [m²],
    and with the MV collection its pad-mounted transformers [count, kVA each] and circuits (the
    collection cables are in `bom.cables`, level "wind_mv")."""
    t = doc["turbine"]
    out: dict[str, Any] = {
        "turbines": n,
        "turbine": t["name"],
        "rated_kw": t["rated_kw"],
        "capacity_kw": round(n * float(t["rated_kw"]), 1),
        "foundations": n,
        "crane_pads": n,
        "crane_pad_m2": round(pad_m2, 1),
    }
    col = doc.get("collection")
    if col:
        out["pad_transformers"] = col["pad_transformer"]["count"]
        out["pad_transformer_kva"] = col["pad_transformer"]["kva"]
        out["collector_circuits"] = len(col["circuits"])
    return out
