"""What an energy figure is: a P50 of real weather or a clear-sky upper bound — and the key names
that say so. A clear-sky year is never a price: its energy, specific yield, capacity factor and NPV
are upper bounds and its LCOE a lower bound, so they are reported only under those names.

`energy_basis` is the top-level metric: "p50" | "clearsky_upper_bound".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

EnergyBasis = Literal["p50", "clearsky_upper_bound"]
P50: EnergyBasis = "p50"
CLEARSKY_UPPER_BOUND: EnergyBasis = "clearsky_upper_bound"

# Bare key → its name on a clear-sky basis.
BOUND_NAMES: dict[str, str] = {
    "annual_energy_mwh": "annual_energy_mwh_upper_bound",
    "specific_yield_kwh_per_kwp": "specific_yield_kwh_per_kwp_upper_bound",
    "capacity_factor": "capacity_factor_upper_bound",
    "lcoe_usd_per_mwh": "lcoe_lower_bound_usd_per_mwh",
    "npv_usd": "npv_upper_bound_usd",
    # Hybrids (app/pipeline/hybrid.py): the PV part and the whole plant.
    "pv_energy_mwh": "pv_energy_mwh_upper_bound",
    "plant_energy_mwh": "plant_energy_mwh_upper_bound",
    "plant_lcoe_usd_per_mwh": "plant_lcoe_lower_bound_usd_per_mwh",
}
P90_NOT_GIVEN = (
    "no P90 on a clear-sky year: it has no weather, so no variability to spread, and it is an "
    "upper bound, not a P50; upload a weather file or allow PVGIS"
)


def basis_of(is_clearsky: bool) -> EnergyBasis:
    return CLEARSKY_UPPER_BOUND if is_clearsky else P50


def bound_named(values: Mapping[str, Any], basis: str | None) -> dict[str, Any]:
    """`values` with the bound-carrying keys renamed when `basis` is clear-sky (the bare key is
    dropped); unchanged on a P50 basis."""
    if basis != CLEARSKY_UPPER_BOUND:
        return dict(values)
    return {BOUND_NAMES.get(k, k): v for k, v in values.items()}


def headline(values: Mapping[str, Any], key: str) -> Any:
    """The value of a bare key (`annual_energy_mwh`, `lcoe_usd_per_mwh`, …) under either name:
    for readers that show the figure beside its basis label."""
    if values.get(key) is not None:
        return values.get(key)
    return values.get(BOUND_NAMES.get(key, key))


def is_bound(values: Mapping[str, Any]) -> bool:
    """Whether `values` (metrics, an energy or cost section) is on a clear-sky basis."""
    return (
        values.get("energy_basis") == CLEARSKY_UPPER_BOUND
        or values.get("weather_source") == "clearsky"  # results stored before `energy_basis`
        or any(v in values for v in BOUND_NAMES.values())
    )
