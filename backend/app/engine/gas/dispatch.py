"""Gas units against the firm target: they fill, hour by hour, what PV, wind and storage could not
deliver; without a target they run at a capacity factor. Fuel = energy × heat rate, CO₂ = fuel ×
the EPA emission factor. Defaults and sources: docs/storage.md (Gas).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.engine.storage.params import GasInput

SOURCES = {
    "heat_rate_btu_per_kwh": "EIA, Capital Cost and Performance Characteristics for Utility-Scale "
    "Electric Power Generating Technologies (Sargent & Lundy, Jan 2024), aeroderivative simple-cycle "
    "combustion turbine (HHV); EIA Electric Power Annual Table 8.2 (gas turbines ≈ 9,500–11,000)",
    "fuel_price_usd_per_mmbtu": "EIA Short-Term Energy Outlook: Henry Hub spot forecast ≈ $3.5/MMBtu",
    "co2_kg_per_mmbtu": "US EPA, Emission Factors for Greenhouse Gas Inventories (2024), natural gas "
    "53.06 kg CO₂/MMBtu",
    "capacity_factor_pct": "EIA Electric Power Monthly Table 6.07.A: natural gas combustion turbines "
    "≈ 10–20 % (used only without a firm target)",
    "unit_kw": "LM6000-class aeroderivative, ~45–57 MW ISO (the gas_bess profile's gas turbine)",
}


def gas_fill(
    shortfall_mw: np.ndarray | None,
    params: GasInput,
    *,
    placed_units: int | None = None,
) -> dict[str, Any]:
    """design["gas"] per the hybrid contract.

    shortfall_mw: the firm target's unmet power per hour [MW] after PV, wind and storage (None: no
    target — the units run at params.capacity_factor_pct); placed_units: gas units the layout placed.
    Units: params.units, else the placed units, else as many as the peak shortfall needs."""
    unit_kw = float(params.unit_kw)
    need_kw = float(np.max(shortfall_mw, initial=0.0)) * 1000.0 if shortfall_mw is not None else 0.0
    if params.units is not None:
        units = params.units
    elif placed_units is not None:
        units = placed_units
    else:
        units = math.ceil(need_kw / unit_kw - 1e-9)
    installed_kw = units * unit_kw
    fixed_count = params.units is not None or placed_units is not None
    notes: list[str] = []
    if shortfall_mw is not None:
        served = np.minimum(np.clip(shortfall_mw, 0.0, None), installed_kw / 1000.0)
        energy_mwh = float(served.sum()) * 8760.0 / max(len(shortfall_mw), 1)
        unmet = float(np.clip(shortfall_mw, 0.0, None).sum() - served.sum())
        if unmet > 1e-6:
            notes.append(
                f"{units} gas unit(s) of {unit_kw:,.0f} kW leave {unmet:,.1f} MWh of the firm target unmet "
                f"(peak gap {need_kw:,.0f} kW)"
            )
        basis = "dispatch against the firm target (fills what PV, wind and storage cannot)"
    else:
        energy_mwh = installed_kw / 1000.0 * 8760.0 * params.capacity_factor_pct / 100.0
        basis = f"capacity factor {params.capacity_factor_pct:g} % (no firm target to dispatch against)"
    cf = 100.0 * energy_mwh / (installed_kw / 1000.0 * 8760.0) if installed_kw > 0 else 0.0
    mmbtu = energy_mwh * params.heat_rate_btu_per_kwh / 1000.0  # MWh × 1000 kWh × Btu/kWh / 1e6
    overshoot = max(0.0, installed_kw - need_kw) if shortfall_mw is not None else 0.0
    if shortfall_mw is None:
        reason = "no firm target: the installed units are the layout's or the request's"
    elif overshoot <= 1e-6:
        reason = "none: the units' capacity equals the peak gap"
    else:
        need_units = math.ceil(need_kw / unit_kw - 1e-9)
        granular = need_units * unit_kw - need_kw
        if fixed_count and units > need_units:
            reason = (
                f"installed count: the layout / request has {units} unit(s) = {installed_kw:,.0f} kW "
                f"(sized for the plant's capacity target) where the peak gap of {need_kw:,.0f} kW needs "
                f"{need_units}; "
                f"{granular:,.0f} kW of the overshoot is unit granularity ({unit_kw:,.0f} kW units)"
            )
        else:
            reason = (
                f"unit granularity: the peak gap is {need_kw:,.0f} kW and units come in {unit_kw:,.0f} kW, "
                f"so {units} unit(s) = {installed_kw:,.0f} kW are installed"
            )
    return {
        "unit_kw": unit_kw,
        "units": units,
        "installed_kw": installed_kw,
        "needed_kw": round(need_kw, 1),
        "heat_rate_btu_per_kwh": params.heat_rate_btu_per_kwh,
        "fuel_price_usd_per_mmbtu": params.fuel_price_usd_per_mmbtu,
        "co2_kg_per_mmbtu": params.co2_kg_per_mmbtu,
        "capacity_factor_pct": round(cf, 3),
        "energy_mwh": round(energy_mwh, 3),
        "fuel_mmbtu_per_yr": round(mmbtu, 1),
        "fuel_cost_usd_per_yr": round(mmbtu * params.fuel_price_usd_per_mmbtu, 2),
        "co2_t_per_yr": round(mmbtu * params.co2_kg_per_mmbtu / 1000.0, 3),
        "overshoot_kw": round(overshoot, 1),
        "overshoot_reason": reason,
        "basis": basis,
        "notes": notes,
        "sources": SOURCES,
    }


def gas_metrics(section: dict[str, Any]) -> dict[str, Any]:
    """The flat gas metrics of the contract."""
    return {
        "gas_capacity_kw": section["installed_kw"],
        "gas_energy_mwh": section["energy_mwh"],
        "gas_fuel_cost_usd_per_yr": section["fuel_cost_usd_per_yr"],
        "gas_co2_t_per_yr": section["co2_t_per_yr"],
    }
