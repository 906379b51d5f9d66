"""Energy yield and cost of a designed PV plant: the I/O half (weather) around the pure models.

The engine designs the plant (tables, blocks, electrical, bill of quantities); this step fetches the
weather by WEATHER_SOURCE, simulates the year with pvlib and prices the bill of quantities. A layout
without PV tables (gas, BESS) gets neither. A clear-sky year is labelled as an upper bound everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.config import Settings
from app.engine.core.energy_basis import bound_named
from app.engine.core.types import LayoutResult, SiteInput
from app.storage.base import Storage

# A DC cable loss above this at STC [%] is flagged: the top of the losses.dc_ohmic_pct range.
DC_OHMIC_WARN_PCT = 10.0


@dataclass(frozen=True)
class _SiteRef:
    """What the weather service needs of a site: its id and centroid [° WGS84]."""

    id: str
    centroid_lat: float
    centroid_lon: float


def with_energy_and_cost(
    result: LayoutResult,
    *,
    site_id: str,
    site: SiteInput,
    settings: Settings,
    storage: Storage | None,
    losses: dict[str, Any] | None = None,
    cost: dict[str, Any] | None = None,
    weather: Any = None,
    simulate: bool = True,
    wind_hourly_mw: np.ndarray | None = None,
) -> LayoutResult:
    """The result with `energy` and `cost` in its design document and their headline metrics.

    wind_hourly_mw: the wind farm's hourly net power [MW] (8760,) from the wind step (None without
    wind), for the storage dispatch; the wind's net AEP (metrics["wind_net_aep_mwh"]) is priced
    with the PV energy in the LCOE and NPV, as its turbines are in the CAPEX.
    weather: a parsed weather year (the CLI's --weather FILE); None → WEATHER_SOURCE.
    cost: unit-cost overrides plus optional "price_usd_per_mwh" for the NPV.
    simulate: False (the CLI's --no-energy) prices the plant without a yield, so no LCOE or NPV."""
    plant = result.plant
    if plant is None or not plant.tables:
        return result
    metrics = dict(result.metrics)
    design = dict(result.design)
    warnings = list(result.warnings)
    energy: Any = None
    if simulate:
        c = site.boundary.centroid
        ref = _SiteRef(id=site_id, centroid_lat=float(c.y), centroid_lon=float(c.x))
        energy = _simulated(result, ref, settings, storage, losses, weather, metrics, design, warnings)
    else:
        warnings.append("energy yield not simulated: no annual energy, LCOE or NPV")
    # The PV's hourly AC at the grid [MW] (8760, local standard time): the storage dispatch's input.
    hourly_pv = energy.hourly_grid_mw if energy is not None else None
    if result.design.get("bom") is None:
        return replace(
            result, metrics=metrics, design=design, warnings=tuple(warnings), hourly_pv_mw=hourly_pv
        )
    extras = _priced(result, energy, cost, metrics, design, warnings)
    return replace(
        result,
        metrics=metrics,
        design=design,
        warnings=tuple(warnings),
        extras=extras,
        hourly_pv_mw=hourly_pv,
    )


def _simulated(
    result: LayoutResult,
    ref: _SiteRef,
    settings: Settings,
    storage: Storage | None,
    losses: dict[str, Any] | None,
    weather: Any,
    metrics: dict[str, Any],
    design: dict[str, Any],
    warnings: list[str],
) -> Any:
    """Simulate the plant's year (`plant_energy`): its metrics, `design["energy"]`, the electrical
    section's annual losses and the weather's warnings added in place. Returns the energy result."""
    # pvlib and pandas load here, not with the engine: a layout without a yield skips them.
    from app.weather.service import plant_energy

    dc_ohmic = result.metrics.get("dc_ohmic_loss_pct_stc")
    if dc_ohmic is not None and float(dc_ohmic) > DC_OHMIC_WARN_PCT and "dc_ohmic_pct" not in (losses or {}):
        warnings.append(
            f"the electrical design's DC cable loss is {float(dc_ohmic):.1f} % at STC (over "
            f"{DC_OHMIC_WARN_PCT:g} %, the most one would accept): the energy year counts it; "
            "check the module's current (pv.module.imp_a) and the electrical inputs"
        )
    energy = plant_energy(
        result.plant,
        ref,
        settings,
        storage,
        losses=losses,
        dc_ohmic_pct=float(dc_ohmic) if dc_ohmic is not None else None,
        weather=weather,
        design_losses=design_losses(result.design.get("electrical")),
    )
    metrics.update(energy.metrics())
    design["energy"] = energy.to_document()
    if "electrical" in design:
        design["electrical"] = with_simulated_losses(design["electrical"], energy.annual_loss_pct)
        annual = design["electrical"]["losses"]["annual"]
        metrics["dc_ohmic_loss_pct_annual"] = annual.get("dc_ohmic_pct")
        metrics["mv_loss_pct_annual"] = annual.get("mv_ohmic_pct")
    label = getattr(energy, "label", None)
    if label:
        warnings.append(str(label))
    # What the weather file lacked and how it was filled (docs/energy.md#gaps-in-weather-files).
    warnings += [str(w) for w in (energy.weather or {}).get("warnings") or []]
    warnings.extend(energy.notes)
    return energy


def _priced(
    result: LayoutResult,
    energy: Any,
    cost: dict[str, Any] | None,
    metrics: dict[str, Any],
    design: dict[str, Any],
    warnings: list[str],
) -> tuple[dict[str, Any], ...]:
    """Price the bill of quantities (`estimate_cost`; with the energy year, None: not simulated):
    `design["cost"]`, the cost metrics (LCOE / NPV named as bounds on clear-sky energy) and its
    warnings added in place. Returns the extras with the gen-tie at the voltage priced."""
    from app.engine.cost.model import estimate_cost
    from app.engine.cost.prices import parse_cost

    annual_mwh = energy.annual_energy_mwh if energy is not None else None
    basis = energy.energy_basis if energy is not None else None
    # The same checks as at submit: a value stored before they existed fails here, by name.
    inputs = parse_cost(cost)
    overrides = dict(inputs.overrides)
    if energy is not None and "degradation_pct_per_yr" not in overrides:
        # One degradation figure: the loss stack's (its preset or override) prices the lifetime.
        overrides["degradation_pct_per_yr"] = energy.losses["degradation_pct_per_yr"]
    wind_mwh = result.metrics.get("wind_net_aep_mwh")
    if annual_mwh is not None and wind_mwh is not None:
        # The turbines are priced in the CAPEX: their energy counts in the LCOE and NPV.
        annual_mwh += float(wind_mwh)
    priced = estimate_cost(
        result.design["bom"],
        annual_mwh,
        overrides=overrides,
        price_usd_per_mwh=inputs.price_usd_per_mwh,
        land_ha=float(result.metrics.get("fenced_area_ha") or 0.0),
    )
    # On clear-sky energy the LCOE is a lower bound and the NPV an upper bound: named so.
    design["cost"] = {**bound_named(priced, basis), "energy_basis": basis}
    # E.g. no interconnection point: the gen-tie is priced at 0 km, said where the user looks.
    warnings.extend(str(w) for w in priced.get("warnings", []))
    metrics["capex_usd"] = priced.get("capex_usd")
    metrics["opex_usd_per_yr"] = priced.get("opex_usd_per_yr")
    metrics.update(bound_named({"lcoe_usd_per_mwh": priced.get("lcoe_usd_per_mwh")}, basis))
    metrics.update(bound_named({"npv_usd": priced.get("npv_usd")}, basis))
    dc = float(result.metrics.get("dc_capacity_kwp") or 0.0)
    capex = priced.get("capex_usd")
    metrics["capex_usd_per_wdc"] = capex / (dc * 1000.0) if capex and dc > 0 else None
    return _priced_gen_tie_voltage(result, metrics, design, priced)


def _priced_gen_tie_voltage(
    result: LayoutResult, metrics: dict[str, Any], design: dict[str, Any], priced: dict[str, Any]
) -> tuple[dict[str, Any], ...]:
    """One voltage for the gen-tie: the class the cost priced (a request's `gen_tie_voltage_kv`
    overrides the size-based class) in the metrics, the BOM and the drawn line; returns the extras."""
    kv = (priced.get("capex") or {}).get("gen_tie", {}).get("voltage_kv")
    if kv is None:
        return result.extras
    metrics["gen_tie_voltage_kv"] = kv
    if isinstance(design.get("bom"), dict) and isinstance(design["bom"].get("gen_tie"), dict):
        design["bom"] = {**design["bom"], "gen_tie": {**design["bom"]["gen_tie"], "voltage_kv": kv}}
    return tuple(
        {**e, "properties": {**e.get("properties", {}), "voltage_kv": kv}}
        if e.get("kind") == "gen_tie"
        else e
        for e in result.extras
    )


def design_losses(electrical: dict[str, Any] | None) -> dict[str, float]:
    """The electrical design's AC cable loss at rated power (LV + MV) and transformer iron / copper
    losses [%] as `Losses` fields, so the yield simulates the plant as designed."""
    if not electrical:
        return {}
    stc = (electrical.get("losses") or {}).get("stc") or {}
    params = electrical.get("params") or {}
    out: dict[str, float] = {}
    if stc.get("lv_ac_pct") is not None or stc.get("mv_pct") is not None:
        out["ac_ohmic_pct"] = float(stc.get("lv_ac_pct") or 0.0) + float(stc.get("mv_pct") or 0.0)
    if params.get("transformer_no_load_pct") is not None:
        out["transformer_iron_pct"] = float(params["transformer_no_load_pct"])
    if params.get("transformer_load_loss_pct") is not None:
        out["transformer_copper_pct"] = float(params["transformer_load_loss_pct"])
    return out


def with_simulated_losses(electrical: dict[str, Any], annual: dict[str, float]) -> dict[str, Any]:
    """The electrical section with its annual losses from the hourly simulation (the waterfall's
    figures) instead of the design's fixed loss factor: one annual figure everywhere. The STC
    figures stay; `annual.basis` says where the annual ones come from."""
    if not annual:
        return electrical
    losses = dict(electrical.get("losses") or {})
    stc = losses.get("stc") or {}
    out = dict(losses.get("annual") or {})
    lv, mv = float(stc.get("lv_ac_pct") or 0.0), float(stc.get("mv_pct") or 0.0)
    ac_factor = annual["ac_ohmic_pct"] / (lv + mv) if lv + mv > 0 else 0.0
    out.update(
        {
            "basis": "annual, from the hourly energy simulation (loss waterfall)",
            "loss_factor": round(annual["dc_ohmic_loss_factor"], 4),
            "dc_ohmic_pct": round(annual["dc_ohmic_pct"], 4),
            "lv_ac_ohmic_pct": round(lv * ac_factor, 4),
            "mv_ohmic_pct": round(mv * ac_factor, 4),
            "transformer_load_mwh": round(annual["transformer_load_mwh"], 3),
            "transformer_no_load_mwh": round(annual["transformer_no_load_mwh"], 3),
            "transformer_pct": round(annual["transformer_pct"], 4),
        }
    )
    losses["annual"] = out
    losses["stc"] = {**stc, "basis": "at STC (DC) / rated AC power"}
    return {**electrical, "losses": losses}
