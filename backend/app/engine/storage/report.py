"""A solved dispatch as the contract's metrics, design["storage"] section and hourly table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from app.engine.storage.params import NFPA_855_UNIT_GAP_M, StorageInput

if TYPE_CHECKING:  # annotations only: a plain PV layout reads the unit gap here without HiGHS
    from app.engine.storage.dispatch import Dispatch

DISPATCH_COLUMNS = (
    "hour",
    "pv_mw",
    "wind_mw",
    "charge_mw",
    "discharge_mw",
    "soc_mwh",
    "grid_mw",
    "firm_target_mw",
)
NFPA_855 = "NFPA 855 (2023)"


def curtailment_mwh(generation_mw: np.ndarray, export_limit_mw: float) -> float:
    """Energy [MWh] above the grid export limit in an hourly series [MW] (what is curtailed
    without storage)."""
    if not np.isfinite(export_limit_mw):
        return 0.0
    return float(np.clip(generation_mw - export_limit_mw, 0.0, None).sum())


def _columns(d: Dispatch) -> dict[str, np.ndarray]:
    """The dispatch's hourly series by their DISPATCH_COLUMNS names (all but "hour")."""
    return {
        "pv_mw": d.pv_mw,
        "wind_mw": d.wind_mw,
        "charge_mw": d.charge_mw,
        "discharge_mw": d.discharge_mw,
        "soc_mwh": d.soc_mwh,
        "grid_mw": d.grid_mw,
        "firm_target_mw": d.target_mw,
    }


def hourly_table(d: Dispatch) -> list[dict[str, float]]:
    """The hourly year as rows of DISPATCH_COLUMNS ("hour" 0..T−1; MW, SoC in MWh), rounded to kW."""
    cols = _columns(d)
    rounded = {k: np.round(v, 3) for k, v in cols.items()}
    return [{"hour": int(t), **{k: float(rounded[k][t]) for k in cols}} for t in range(len(d.grid_mw))]


def typical_day(d: Dispatch) -> list[dict[str, float]]:
    """The mean of each column by hour of day over the year: 24 rows (hour 0..23)."""
    n = len(d.grid_mw) // 24
    out = []
    cols = _columns(d)
    means = {k: v[: n * 24].reshape(n, 24).mean(axis=0) for k, v in cols.items()}
    for h in range(24):
        out.append({"hour": h, **{k: round(float(means[k][h]), 3) for k in cols}})
    return out


def container_gap_m(params: StorageInput) -> float:
    """The gap between battery units [m]: NFPA 855's 3 ft (0.914 m) unless a UL 9540A-backed
    product value is given."""
    return NFPA_855_UNIT_GAP_M if params.container_gap_m is None else float(params.container_gap_m)


def target_document(params: StorageInput) -> dict[str, Any]:
    """The contract's `target` object."""
    return {
        "kind": params.kind,
        "firm_mw": params.firm_power_mw,
        "firm_hours": params.firm_hours,
        "window": list(params.firm_window) if params.firm_window else None,
        "days_share": params.firm_days_share if params.kind != "fixed" else None,
        "load_profile_hours": len(params.load_profile_mw) if params.load_profile_mw else None,
    }


def storage_section(
    d: Dispatch, params: StorageInput, *, export_limit_mw: float, containers: int | None = None
) -> dict[str, Any]:
    """design["storage"] per the hybrid contract (typical day only; the hourly year is separate)."""
    gen = d.pv_mw + d.wind_mw
    base = curtailment_mwh(gen, export_limit_mw)
    spacing: dict[str, Any] = {
        "standard": NFPA_855,
        "container_gap_m": round(container_gap_m(params), 3),
        "basis": (
            f"UL 9540A large-scale fire test data ({params.ul9540a_product})"
            if params.container_gap_m is not None
            else "NFPA 855 default: 3 ft (0.914 m) between ESS units"
        ),
    }
    return {
        "power_kw": round(d.power_mw * 1000.0, 1),
        "energy_kwh": round(d.energy_mwh * 1000.0, 1),
        "duration_h": round(d.energy_mwh / d.power_mw, 3) if d.power_mw > 0 else None,
        "round_trip_efficiency": params.round_trip_efficiency,
        "soc_window_pct": [params.soc_min_pct, params.soc_max_pct],
        "cycles_per_yr": round(d.cycles_per_yr, 2),
        "warranty_cycles_per_yr": params.warranty_cycles_per_yr,
        "target": target_document(params),
        "firm_days_met_share": round(d.firm_days_met_share, 4),
        "export_limit_mw": None if not np.isfinite(export_limit_mw) else round(export_limit_mw, 3),
        "discharge_mwh": round(d.discharge_mwh, 3),
        "curtailment_without_storage_mwh": round(base, 3),
        "curtailment_mwh": round(float(d.spill_mw.sum()), 3),
        "curtailment_avoided_mwh": round(max(0.0, base - float(d.spill_mw.sum())), 3),
        "sized": params.sizing,
        "solver": d.solver,
        "solver_status": d.status,
        "mip_gap": d.mip_gap,
        "containers": containers,
        "typical_day": typical_day(d),
        "spacing": spacing,
        "notes": list(d.notes),
    }


def storage_metrics(section: dict[str, Any]) -> dict[str, Any]:
    """The flat storage metrics of the contract from design["storage"]."""
    return {
        "storage_kw": section["power_kw"],
        "storage_kwh": section["energy_kwh"],
        "storage_duration_h": section["duration_h"],
        "firm_days_met_share": section["firm_days_met_share"],
        "storage_cycles_per_yr": section["cycles_per_yr"],
        "storage_discharge_mwh": section["discharge_mwh"],
        "storage_curtailment_avoided_mwh": section["curtailment_avoided_mwh"],
    }
