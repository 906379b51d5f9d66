"""Storage, gas and whole-plant economics of a designed plant (after the PV energy and cost).

The battery is sized (or dispatched) over the PV (+ wind) hourly year (engine/storage), gas fills
what the battery cannot (engine/gas) and the cost gains the BESS and gas lines and the LCOE per
source (engine/cost/plant). The number of BESS blocks follows the sized MWh: `bess_overrides`
gives the layout the block count and the NFPA 855 / UL 9540A unit gap (docs/storage.md).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from app.engine.blocks.profiles import Profile, load_profile
from app.engine.core.energy_basis import bound_named, headline
from app.engine.core.types import LayoutParams, LayoutResult
from app.engine.storage.params import HOURS_PER_YEAR, StorageInput, parse_gas, parse_storage

BESS_BLOCK = "bess_block"
CONTAINER = "battery_container"
PCS = "pcs"
GAS_UNIT = "gas_turbine"
# A placed container's discharge power when the profile gives none: 0.5 C, the bess profile's
# 1,863.5 kW per 3,727 kWh container (CATL EnerC class, 2-h LFP).
PLACED_C_RATE = 0.5
NO_ENERGY_YEAR = (
    "storage not dispatched: no hourly energy year (energy not simulated); storage metrics need the yield"
)
NO_GENERATION = (
    "storage not dispatched: the plant has no PV or wind generation to charge it (grid charging is not "
    "modelled); the placed battery is priced, not dispatched"
)


def storage_active(params: LayoutParams, profile: Profile) -> bool:
    """Whether the plant has a battery to size or dispatch: a `storage` request, or a profile with
    BESS blocks beside generation (not the standalone `bess` profile, whose battery is the plant)."""
    names = {b.name for b in profile.blocks}
    if params.storage is not None:
        return True
    return BESS_BLOCK in names and any(b.share is not None and b.name != BESS_BLOCK for b in profile.blocks)


def gas_active(params: LayoutParams, profile: Profile) -> bool:
    """Whether the plant has gas units: a `gas` request or a profile with gas turbines."""
    return params.gas is not None or GAS_UNIT in profile.asset_types


def _block_rating(profile: Profile) -> tuple[int, float, float]:
    """(containers per BESS block, block energy [kWh], block power [kW]) of the profile."""
    block = next(b for b in profile.blocks if b.name == BESS_BLOCK)
    n = sum(1 for c in block.components if c.asset_type == CONTAINER)
    spec = profile.asset_types[CONTAINER]
    kw = spec.capacity_kw if spec.capacity_kw > 0 else spec.storage_kwh * PLACED_C_RATE
    return n, n * spec.storage_kwh, n * kw


def blocks_needed(profile: Profile, energy_kwh: float, power_kw: float) -> int:
    """BESS blocks for a battery of energy_kwh and power_kw (each block's containers give both)."""
    _, e, p = _block_rating(profile)
    return max(1, math.ceil(energy_kwh / e - 1e-9), math.ceil(power_kw / p - 1e-9))


def bess_overrides(
    params: LayoutParams, profile: Profile, *, blocks: int | None, gap_m: float
) -> dict[str, dict[str, Any]]:
    """The request's overrides plus the BESS block layout: units `gap_m` [m] apart (NFPA 855 3 ft
    default or a UL 9540A product value), and `blocks` BESS blocks when known (per_generating_kw
    chosen so that ⌈target / per_generating_kw⌉ = blocks). The standalone `bess` profile keeps its
    sizing by target."""
    out = {k: dict(v) for k, v in params.overrides.items()}
    if BESS_BLOCK not in {b.name for b in profile.blocks}:
        return out
    block = next(b for b in profile.blocks if b.name == BESS_BLOCK)
    width = {c.asset_type: profile.asset_types[c.asset_type].width_m for c in block.components}
    # Containers either side of the PCS, edge to edge `gap_m` apart.
    comps: list[dict[str, Any]] = []
    side = -1
    for c in block.components:
        if c.asset_type == CONTAINER:
            dx = side * ((width[CONTAINER] + width.get(PCS, width[CONTAINER])) / 2.0 + gap_m)
            comps.append({"asset_type": c.asset_type, "dx_m": dx, "dy_m": c.dy_m})
            side = -side
        else:
            comps.append({"asset_type": c.asset_type, "dx_m": c.dx_m, "dy_m": c.dy_m})
    fields: dict[str, Any] = {"components": comps}
    if blocks is not None and block.share is None:
        fields["per_generating_kw"] = params.target_capacity_kw / (blocks - 0.5)
    out.setdefault("blocks", {})[BESS_BLOCK] = fields
    for asset in (CONTAINER, PCS):
        if asset in profile.asset_types:
            out[asset] = {**out.get(asset, {}), "clearance_m": gap_m}
    return out


def layout_params(params: LayoutParams, *, blocks: int | None = None) -> LayoutParams:
    """The parameters the layout engine gets: the request's, with the BESS unit gap and, when the
    storage is fixed (`storage.power_mw` / `energy_mwh`) or has been sized, the BESS block count.
    Unchanged for a plant without a battery to size or dispatch."""
    profile = load_profile(params.profile, params.overrides)
    if not storage_active(params, profile) or BESS_BLOCK not in {b.name for b in profile.blocks}:
        return params
    sp = parse_storage(params.storage) or StorageInput()
    if blocks is None and not sp.sizing and sp.energy_mwh and sp.power_mw:
        blocks = blocks_needed(profile, sp.energy_mwh * 1000.0, sp.power_mw * 1000.0)
    gap = container_gap(sp)
    return replace(params, overrides=bess_overrides(params, profile, blocks=blocks, gap_m=gap))


def container_gap(sp: StorageInput) -> float:
    """The unit gap [m] (engine/storage/report.container_gap_m)."""
    from app.engine.storage.report import container_gap_m

    return container_gap_m(sp)


def placed_blocks(result: LayoutResult) -> int:
    """BESS blocks the layout placed (PCS skids beside containers count one each)."""
    return sum(1 for a in result.assets if a.asset_type == PCS)


def _placed(result: LayoutResult) -> tuple[float, float, int, int]:
    """(placed battery kWh, kW, containers, gas units) of the layout."""
    kwh = sum(a.storage_kwh for a in result.assets if a.asset_type == CONTAINER)
    n = sum(1 for a in result.assets if a.asset_type == CONTAINER)
    kw = sum(a.capacity_kw if a.capacity_kw > 0 else a.storage_kwh * PLACED_C_RATE
             for a in result.assets if a.asset_type == CONTAINER)  # fmt: skip
    gas = sum(1 for a in result.assets if a.asset_type == GAS_UNIT)
    return kwh, kw, n, gas


def dispatch_rows(d: Any) -> dict[str, Any]:
    """The hourly year as {"columns": DISPATCH_COLUMNS, "rows": [[hour, pv, wind, ...], ...]}."""
    from app.engine.storage.report import DISPATCH_COLUMNS, hourly_table

    rows = hourly_table(d)
    return {"columns": list(DISPATCH_COLUMNS), "rows": [[r[c] for c in DISPATCH_COLUMNS] for r in rows]}


def with_storage_and_gas(
    result: LayoutResult,
    params: LayoutParams,
    *,
    wind_hourly_mw: np.ndarray | None = None,
) -> tuple[LayoutResult, int | None]:
    """The result with design["storage"], design["gas"], design["economics_by_source"], the cost
    with their lines and the contract's metrics; and the BESS blocks the sized battery needs (None
    when nothing was sized). Raises InvalidInput for a bad `storage` / `gas` object."""
    from app.engine.cost.prices import parse_cost, unit_costs
    from app.engine.gas.dispatch import gas_metrics
    from app.engine.storage.report import storage_metrics
    from app.engine.storage.target import target_series

    profile = load_profile(params.profile, params.overrides)
    sp = parse_storage(params.storage)
    gp = parse_gas(params.gas)
    use_storage = storage_active(params, profile)
    use_gas = gas_active(params, profile)
    if not use_storage and not use_gas:
        return result, None
    metrics = dict(result.metrics)
    design = dict(result.design)
    warnings = list(result.warnings)
    sp = sp or StorageInput()
    gas_units = _placed(result)[3]
    target = target_series(sp, HOURS_PER_YEAR)
    shortfall: np.ndarray | None = None if sp.kind == "fixed" else target.copy()
    needed_blocks: int | None = None
    grid_energy: float | None = None
    section: dict[str, Any] | None = None
    costs = unit_costs(parse_cost(params.cost).overrides)["costs"]
    if use_storage:
        section, needed_blocks, grid_energy, dispatched_shortfall = _storage_step(
            result,
            params,
            profile,
            sp,
            target,
            costs=costs,
            wind_hourly_mw=wind_hourly_mw,
            use_gas=use_gas,
            warnings=warnings,
        )
        if dispatched_shortfall is not None:
            shortfall = dispatched_shortfall
        if section is not None:
            design["storage"] = section
            metrics.update(storage_metrics(section))
            metrics["storage_kw"] = section["power_kw"]
    gas_section = None
    if use_gas:
        gas_section = _gas_step(params, profile, gp, shortfall, gas_units)
        design["gas"] = gas_section
        metrics.update(gas_metrics(gas_section))
        warnings.extend(gas_section["notes"])
    _economics_step(params, sp, metrics, design, section, gas_section, grid_energy)
    return replace(result, metrics=metrics, design=design, warnings=tuple(warnings)), needed_blocks


def _storage_step(
    result: LayoutResult,
    params: LayoutParams,
    profile: Profile,
    sp: StorageInput,
    target: np.ndarray,
    *,
    costs: dict[str, Any],
    wind_hourly_mw: np.ndarray | None,
    use_gas: bool,
    warnings: list[str],
) -> tuple[dict[str, Any] | None, int | None, float | None, np.ndarray | None]:
    """(design["storage"] or None, BESS blocks needed or None, energy to the grid [MWh/yr] or None,
    the firm target's shortfall left for gas [MW, hourly] or None): the battery dispatched over the
    generation year, or the placed battery priced but not dispatched. Appends to `warnings`."""
    from app.engine.storage.report import container_gap_m

    placed_kwh, placed_kw, containers, _ = _placed(result)
    # The hourly years scaled to the annual figures reported beside them (the PV year folded onto
    # 8760 h, the wind hours synthesised from a distribution differ by a few tenths of a percent),
    # so the plant's energy adds up: delivered = PV + wind − battery losses.
    pv = _scaled_to(result.hourly_pv_mw, headline(result.metrics, "annual_energy_mwh"))
    wind = _scaled_to(wind_hourly_mw, result.metrics.get("wind_net_aep_mwh"))
    has_generation = (pv is not None and float(np.max(pv, initial=0.0)) > 0) or (
        wind is not None and float(np.max(wind, initial=0.0)) > 0
    )
    export = sp.export_limit_mw or params.target_capacity_kw / 1000.0
    fixed: tuple[float, float] | None = None
    if sp.power_mw is not None and sp.energy_mwh is not None:
        fixed = (sp.power_mw, sp.energy_mwh)
    if fixed is None and sp.kind == "fixed":
        fixed = (placed_kw / 1000.0, placed_kwh / 1000.0) if placed_kwh > 0 else None
    if not has_generation:
        no_year = pv is None and "pv_block" in profile.asset_types
        warnings.append(NO_ENERGY_YEAR if no_year else NO_GENERATION)
    if has_generation and (fixed is None or fixed[1] > 0):
        return _dispatched(
            costs,
            profile,
            sp,
            target,
            pv,
            wind,
            export,
            fixed,
            containers,
            use_gas=use_gas,
            warnings=warnings,
        )
    if placed_kwh > 0:
        section = {
            "power_kw": round(placed_kw, 1),
            "energy_kwh": round(placed_kwh, 1),
            "duration_h": round(placed_kwh / placed_kw, 3) if placed_kw else None,
            "round_trip_efficiency": sp.round_trip_efficiency,
            "cycles_per_yr": 0.0,
            "warranty_cycles_per_yr": sp.warranty_cycles_per_yr,
            "target": {"kind": sp.kind},
            "firm_days_met_share": 0.0 if sp.kind != "fixed" else None,
            "discharge_mwh": 0.0,
            "curtailment_avoided_mwh": 0.0,
            "containers": containers,
            "sized": False,
            "typical_day": [],
            "spacing": {"standard": "NFPA 855 (2023)", "container_gap_m": round(container_gap_m(sp), 3)},
            "notes": ["placed battery, not dispatched"],
        }
        return section, None, None, None
    return None, None, None, None


def _dispatched(
    costs: dict[str, Any],
    profile: Profile,
    sp: StorageInput,
    target: np.ndarray,
    pv: np.ndarray | None,
    wind: np.ndarray | None,
    export: float,
    fixed: tuple[float, float] | None,
    containers: int,
    *,
    use_gas: bool,
    warnings: list[str],
) -> tuple[dict[str, Any], int | None, float, np.ndarray | None]:
    """The battery sized (fixed None) or given (fixed: (MW, MWh)) and dispatched against the target;
    same tuple as `_storage_step`. Appends to `warnings`."""
    from app.engine.storage.dispatch import Limits, SizingOptions, dispatch
    from app.engine.storage.report import storage_section

    needed_blocks: int | None = None
    shortfall: np.ndarray | None = None
    pv_arr = np.zeros(HOURS_PER_YEAR) if pv is None else np.asarray(pv, dtype=float)
    d = dispatch(
        pv_arr,
        wind,
        target,
        Limits(
            round_trip_efficiency=sp.round_trip_efficiency,
            soc_min=sp.soc_min_pct / 100.0,
            soc_max=sp.soc_max_pct / 100.0,
            warranty_cycles_per_yr=sp.warranty_cycles_per_yr,
            export_limit_mw=export,
        ),
        SizingOptions(
            days_share=sp.firm_days_share,
            energy_mwh=None if fixed is None else fixed[1],
            power_mw=None if fixed is None else fixed[0],
            cost_energy_usd_per_mwh=float(costs["bess_energy_usd_per_kwh"]["value"]) * 1000.0,
            cost_power_usd_per_mw=float(costs["bess_power_usd_per_kw"]["value"]) * 1000.0,
            max_energy_mwh=sp.max_energy_mwh,
            time_limit_s=sp.time_limit_s,
        ),
    )
    section = storage_section(d, sp, export_limit_mw=export, containers=containers)
    section["dispatch"] = dispatch_rows(d)
    # The blocks follow a sized or requested battery (the placed one already fits itself).
    if BESS_BLOCK in {b.name for b in profile.blocks} and (sp.sizing is False or fixed is None):
        needed_blocks = blocks_needed(profile, d.energy_mwh * 1000.0, d.power_mw * 1000.0)
        per_block = _block_rating(profile)[0]
        section["containers_needed"] = needed_blocks * per_block
        if containers < needed_blocks * per_block:
            warnings.append(
                f"the sized battery needs {needed_blocks * per_block} BESS containers; "
                f"{containers} are placed (no room for more)"
            )
    warnings.extend(d.notes)
    if sp.kind != "fixed":
        shortfall = np.clip(target - d.grid_mw, 0.0, None)
        if d.firm_days_met_share + 1e-9 < sp.firm_days_share:
            warnings.append(
                f"the firm target is met on {d.firm_days_met_share:.1%} of the days, below the "
                f"{sp.firm_days_share:.0%} asked" + ("; gas fills the gap" if use_gas else "")
            )
    return section, needed_blocks, float(d.grid_mw.sum()), shortfall


def _gas_step(
    params: LayoutParams,
    profile: Profile,
    gp: Any,
    shortfall: np.ndarray | None,
    gas_units: int,
) -> dict[str, Any]:
    """design["gas"]: the gas units filling `shortfall` [MW, hourly] (the unit size from the profile's
    gas unit unless the request names one)."""
    from app.engine.gas.dispatch import gas_fill

    gp = gp or parse_gas({})
    assert gp is not None
    unit_kw = profile.asset_types[GAS_UNIT].capacity_kw if GAS_UNIT in profile.asset_types else gp.unit_kw
    if params.gas is None or "unit_kw" not in params.gas:
        gp = gp.model_copy(update={"unit_kw": unit_kw})
    return gas_fill(shortfall, gp, placed_units=gas_units if GAS_UNIT in profile.asset_types else None)


def _economics_step(
    params: LayoutParams,
    sp: StorageInput,
    metrics: dict[str, Any],
    design: dict[str, Any],
    section: dict[str, Any] | None,
    gas_section: dict[str, Any] | None,
    grid_energy: float | None,
) -> None:
    """The whole plant's cost, economics by source and headline LCOE / NPV into `design` and
    `metrics` (energy to the grid [MWh/yr]: the dispatched year's when there is one)."""
    from app.engine.cost.plant import plant_economics
    from app.engine.cost.prices import parse_cost

    pv_energy = headline(metrics, "annual_energy_mwh")
    wind_energy = metrics.get("wind_net_aep_mwh")
    if pv_energy is not None:
        metrics.update(bound_named({"pv_energy_mwh": pv_energy}, metrics.get("energy_basis")))
    if grid_energy is not None:
        plant_energy = grid_energy + (gas_section["energy_mwh"] if gas_section else 0.0)
    else:
        plant_energy = (
            float(pv_energy or 0.0)
            + float(wind_energy or 0.0)
            + (gas_section["energy_mwh"] if gas_section else 0.0)
        )
    econ = plant_economics(
        design.get("cost"),
        overrides=parse_cost(params.cost).overrides,
        pv_energy_mwh=pv_energy,
        wind_energy_mwh=wind_energy,
        storage=section,
        storage_fade_pct_per_yr=sp.degradation_pct_per_yr,
        augmentation_interval_yr=sp.augmentation_interval_yr,
        gas=gas_section,
        plant_energy_mwh=plant_energy,
    )
    # On a clear-sky PV year the PV energy, the plant's energy and every LCOE that counts them are
    # bounds and named so (app/engine/core/energy_basis.py); wind alone stands on its resource.
    basis = metrics.get("energy_basis")
    design["cost"] = bound_named(econ["cost"], basis)
    design["economics_by_source"] = [
        row if row.get("source") == "wind" else bound_named(row, basis) for row in econ["economics_by_source"]
    ]
    metrics.update(
        bound_named(
            {
                "plant_energy_mwh": econ["plant_energy_mwh"],
                "plant_lcoe_usd_per_mwh": econ["plant_lcoe_usd_per_mwh"],
            },
            basis,
        )
    )
    _plant_headline(metrics, design, econ, params, basis)
    metrics["capex_usd"] = econ["cost"]["capex_usd"]
    metrics["opex_usd_per_yr"] = econ["cost"]["opex_usd_per_yr"]


def _plant_headline(
    metrics: dict[str, Any],
    design: dict[str, Any],
    econ: dict[str, Any],
    params: LayoutParams,
    basis: Any,
) -> None:
    """A hybrid's headline LCOE and NPV are the plant's (every source's CAPEX, OPEX and energy),
    not the PV part's priced before the battery and gas were: the PV part's LCOE stays in
    `economics_by_source`. NPV needs a price (`cost.price_usd_per_mwh`); without one it is absent."""
    from app.engine.cost.model import lcoe_npv
    from app.engine.cost.prices import parse_cost

    plant_lcoe = econ.get("plant_lcoe_usd_per_mwh")
    cost = design.get("cost")
    if plant_lcoe is None or not isinstance(cost, dict):
        return
    price = parse_cost(params.cost).price_usd_per_mwh
    npv = None
    if price is not None and econ.get("plant_energy_mwh"):
        npv = lcoe_npv(
            capex_usd=float(cost["capex_usd"]),
            opex_usd_per_yr=float(cost["opex_usd_per_yr"]),
            energy_mwh_yr1=float(econ["plant_energy_mwh"]),
            discount_rate=float(cost["discount_rate_real"]),
            lifetime_yr=int(cost["lifetime_yr"]),
            degradation_pct_per_yr=float(cost.get("degradation_pct_per_yr") or 0.0),
            price_usd_per_mwh=price,
        )["npv_usd"]
    figures = bound_named({"lcoe_usd_per_mwh": plant_lcoe, "npv_usd": npv}, basis)
    for key in ("lcoe_usd_per_mwh", "lcoe_lower_bound_usd_per_mwh", "npv_usd", "npv_upper_bound_usd"):
        metrics.pop(key, None)
        cost.pop(key, None)
    metrics.update(figures)
    cost.update(figures)
    cost["lcoe_basis"] = "plant: all sources' CAPEX, OPEX and energy delivered"


def _scaled_to(hourly_mw: np.ndarray | None, annual_mwh: Any) -> np.ndarray | None:
    """`hourly_mw` [MW, 1 h steps] scaled so it sums to `annual_mwh` [MWh] (unchanged without it)."""
    if hourly_mw is None or annual_mwh is None:
        return hourly_mw
    total = float(np.sum(hourly_mw))
    return hourly_mw * (float(annual_mwh) / total) if total > 0 else hourly_mw
