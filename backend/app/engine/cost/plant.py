"""Whole-plant economics: the battery and gas CAPEX lines added to the PV cost, OPEX with fuel,
energy by source, one LCOE per source and for the plant (docs/cost.md, Whole plant).

Lines added to `capex.lines` (group "storage" / "gas"): "BESS energy (DC block)" [kWh],
"BESS power (PCS)" [kW], "BESS augmentation (PV of)" [kWh added over the life, present value],
"Gas units" [kW]. Their unit costs are installed costs, so the PV's EPC / development / contingency
percentages are not applied to them; the CAPEX total stays Σ lines + Σ overheads.

Augmentation: the battery fades d %/yr; every n years the faded share is bought back,
E·(1 − (1 − d)^n) kWh at the energy price declined by the cost trend, discounted to year 0.
Per-source LCOE = (CAPEX + PV of OPEX) / PV of energy (engine/cost/model.lcoe_npv); the storage
LCOE counts its discharged energy and not the cost of the PV energy that charged it (said in
`notes`). The plant LCOE divides all CAPEX and OPEX by the energy delivered to the grid.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from app.engine.cost.model import finite_figure, lcoe_npv
from app.engine.cost.prices import unit_costs

WIND_LINES = frozenset(
    {
        "Wind turbines",
        "Turbine foundations",
        "Crane pads",
        "Turbine pad-mounted transformers",
        "MV trench (wind collection)",
    }
)
# The wind collection's cable lines: "cable <conductor> (wind_mv)" (engine/cost/model.py).
WIND_CABLE_SUFFIX = "(wind_mv)"
# The lines sized on the plant's export (`model.export_capacity`): wind takes its kW share of them.
EXPORT_KEYS = frozenset({"substation_usd_per_kwac", "interconnection_usd_per_kwac"})
WIND_OPEX_LINES = frozenset({"Wind O&M (fixed)"})


def _v(costs: dict[str, Any], key: str) -> float:
    return float(costs[key]["value"])


def augmentation(
    energy_kwh: float,
    *,
    fade_pct_per_yr: float,
    interval_yr: int,
    lifetime_yr: int,
    price_usd_per_kwh: float,
    decline_pct_per_yr: float,
    discount_rate: float,
) -> tuple[float, float]:
    """(kWh bought, present value [USD]) of restoring a battery's energy every `interval_yr` years
    within `lifetime_yr` (see the module docstring)."""
    kwh = 0.0
    pv = 0.0
    lost = 1.0 - (1.0 - fade_pct_per_yr / 100.0) ** interval_yr
    for year in range(interval_yr, lifetime_yr, interval_yr):
        add = energy_kwh * lost
        price = price_usd_per_kwh * (1.0 - decline_pct_per_yr / 100.0) ** year
        kwh += add
        pv += add * price / (1.0 + discount_rate) ** year
    return kwh, pv


def _line(item: str, qty: float, unit: str, price: float, key: str, group: str) -> dict[str, Any]:
    return {
        "item": item,
        "quantity": round(qty, 3),
        "unit": unit,
        "unit_cost": price,
        "usd": round(qty * price, 2),
        "key": key,
        "group": group,
    }


_Lcoe = Callable[[float, float, float | None, float], float | None]


def _new_cost_doc(table: dict[str, Any]) -> dict[str, Any]:
    """An empty cost document for a plant without PV (currency, finance terms, unit costs)."""
    costs = table["costs"]
    return {
        "currency": table["currency"],
        "dollar_year": table["dollar_year"],
        "capex": {"lines": [], "direct_usd": 0.0, "overheads": [], "total_usd": 0.0},
        "opex": {"lines": [], "total_usd_per_yr": 0.0},
        "discount_rate_real": _v(costs, "discount_rate_real"),
        "lifetime_yr": int(_v(costs, "lifetime_yr")),
        "degradation_pct_per_yr": _v(costs, "degradation_pct_per_yr"),
        "warnings": [],
        "unit_costs": {k: {"value": v["value"], "source": v["source"]} for k, v in costs.items()},
    }


def _lcoe_at(r: float, life: int) -> _Lcoe:
    """LCOE [USD/MWh] of (CAPEX [USD], OPEX [USD/yr], energy [MWh/yr], degradation [%/yr]) at the
    discount rate `r` over `life` years; None without energy."""

    def lcoe(capex: float, opex: float, energy: float | None, degr: float) -> float | None:
        if not energy or energy <= 0:
            return None
        fin = lcoe_npv(
            capex_usd=capex,
            opex_usd_per_yr=opex,
            energy_mwh_yr1=energy,
            discount_rate=r,
            lifetime_yr=life,
            degradation_pct_per_yr=degr,
        )
        return round(float(fin["lcoe_usd_per_mwh"] or 0.0), 4)

    return lcoe


def _pv_wind_rows(
    doc: dict[str, Any],
    *,
    has_pv_cost: bool,
    pv_energy_mwh: float | None,
    wind_energy_mwh: float | None,
    pv_degr: float,
    lcoe: _Lcoe,
) -> list[dict[str, Any]]:
    """The PV and wind economics rows: the wind lines (turbines, their collection, its kW share of
    the substation and interconnection) and their overheads are split off the PV cost document."""
    cap = doc["capex"]
    opex_doc = doc["opex"]
    pv_capex = float(cap["total_usd"])
    pv_opex = float(opex_doc["total_usd_per_yr"])
    wind_capex = sum(
        float(li["usd"])
        for li in cap["lines"]
        if li["item"] in WIND_LINES or str(li["item"]).endswith(WIND_CABLE_SUFFIX)
    )
    export = cap.get("export") or {}
    interconnection = 0.0
    if export.get("wind_kw") and export.get("substation_kw"):
        # Wind's share of the substation and interconnection, pro rata to its kW of the export.
        share = float(export["wind_kw"]) / float(export["substation_kw"])
        for li in cap["lines"]:
            if li.get("key") in EXPORT_KEYS:
                wind_capex += share * float(li["usd"])
                if li["key"] == "interconnection_usd_per_kwac":
                    interconnection += share * float(li["usd"])
    # Its lines' EPC overhead, development and contingency are wind's too (they apply to every
    # line but the interconnection cost, engine/cost/model.py): else the PV row would carry them.
    rate = sum(float(o.get("pct") or 0.0) for o in cap.get("overheads") or []) / 100.0
    wind_capex += rate * (wind_capex - interconnection)
    # The turbines' fixed O&M is in the OPEX lines (app/engine/cost/model.py): wind's, not PV's.
    wind_opex = sum(float(li["usd"]) for li in opex_doc["lines"] if li["item"] in WIND_OPEX_LINES)
    rows: list[dict[str, Any]] = []
    if pv_energy_mwh is not None and has_pv_cost:
        rows.append(
            {
                "source": "pv",
                "capex_usd": round(pv_capex - wind_capex, 2),
                "opex_usd_per_yr": round(pv_opex - wind_opex, 2),
                "energy_mwh": round(pv_energy_mwh, 3),
                "lcoe_usd_per_mwh": lcoe(pv_capex - wind_capex, pv_opex - wind_opex, pv_energy_mwh, pv_degr),
            }
        )
    if wind_capex > 0 or wind_energy_mwh:
        rows.append(
            {
                "source": "wind",
                "capex_usd": round(wind_capex, 2),
                "opex_usd_per_yr": round(wind_opex, 2),
                "energy_mwh": None if wind_energy_mwh is None else round(wind_energy_mwh, 3),
                "lcoe_usd_per_mwh": lcoe(wind_capex, wind_opex, wind_energy_mwh, 0.0),
            }
        )
    return rows


def _storage_rows(
    storage: dict[str, Any],
    costs: dict[str, Any],
    *,
    r: float,
    life: int,
    fade_pct_per_yr: float,
    interval_yr: int,
    lcoe: _Lcoe,
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """(CAPEX lines, O&M line, economics row) of the battery: energy, power, augmentation."""
    kwh, kw = float(storage["energy_kwh"]), float(storage["power_kw"])
    e_price, p_price = _v(costs, "bess_energy_usd_per_kwh"), _v(costs, "bess_power_usd_per_kw")
    aug_kwh, aug_pv = augmentation(
        kwh,
        fade_pct_per_yr=fade_pct_per_yr,
        interval_yr=interval_yr,
        lifetime_yr=life,
        price_usd_per_kwh=e_price,
        decline_pct_per_yr=_v(costs, "bess_cost_decline_pct_per_yr"),
        discount_rate=r,
    )
    lines = [
        _line("BESS energy (DC block)", kwh, "kWh", e_price, "bess_energy_usd_per_kwh", "storage"),
        _line("BESS power (PCS)", kw, "kW", p_price, "bess_power_usd_per_kw", "storage"),
    ]
    aug = _line("BESS augmentation (PV of)", aug_kwh, "kWh", 0.0, "bess_energy_usd_per_kwh", "storage")
    aug["unit_cost"] = round(aug_pv / aug_kwh, 4) if aug_kwh > 0 else 0.0
    aug["usd"] = round(aug_pv, 2)
    aug["note"] = (
        f"{fade_pct_per_yr:g} %/yr fade restored every {interval_yr} years, "
        "priced on the cost trend and discounted to year 0"
    )
    lines.append(aug)
    bess_capex = sum(li["usd"] for li in lines)
    pct = _v(costs, "bess_opex_pct_of_capex_yr")
    upfront = lines[0]["usd"] + lines[1]["usd"]
    o = _line("BESS O&M (fixed)", upfront, "USD capex", pct / 100.0, "bess_opex_pct_of_capex_yr", "storage")
    discharged = float(storage.get("discharge_mwh") or 0.0)
    row = {
        "source": "storage",
        "capex_usd": round(bess_capex, 2),
        "opex_usd_per_yr": o["usd"],
        "energy_mwh": round(discharged, 3),
        "lcoe_usd_per_mwh": lcoe(bess_capex, o["usd"], discharged, 0.0),
    }
    return lines, o, row


def _gas_rows(
    gas: dict[str, Any], costs: dict[str, Any], lcoe: _Lcoe
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """(CAPEX line, OPEX lines: fixed, variable, fuel, economics row) of the gas units."""
    kw = float(gas["installed_kw"])
    g_line = _line("Gas units", kw, "kW", _v(costs, "gas_unit_usd_per_kw"), "gas_unit_usd_per_kw", "gas")
    energy = float(gas["energy_mwh"])
    fom = _line(
        "Gas O&M (fixed)", kw, "kW", _v(costs, "gas_fom_usd_per_kw_yr"), "gas_fom_usd_per_kw_yr", "gas"
    )
    vom = _line(
        "Gas O&M (variable)",
        energy,
        "MWh",
        _v(costs, "gas_vom_usd_per_mwh"),
        "gas_vom_usd_per_mwh",
        "gas",
    )
    fuel = {
        "item": "Gas fuel",
        "quantity": gas.get("fuel_mmbtu_per_yr"),
        "unit": "MMBtu",
        "unit_cost": gas["fuel_price_usd_per_mmbtu"],
        "usd": round(float(gas["fuel_cost_usd_per_yr"]), 2),
        "key": "gas.fuel_price_usd_per_mmbtu",
        "group": "gas",
    }
    gas_opex = fom["usd"] + vom["usd"] + fuel["usd"]
    row = {
        "source": "gas",
        "capex_usd": g_line["usd"],
        "opex_usd_per_yr": round(gas_opex, 2),
        "energy_mwh": round(energy, 3),
        "lcoe_usd_per_mwh": lcoe(g_line["usd"], gas_opex, energy, 0.0),
    }
    return g_line, [fom, vom, fuel], row


def _bess_export_lines(
    doc: dict[str, Any], storage: dict[str, Any], costs: dict[str, Any]
) -> list[dict[str, Any]]:
    """The battery's share of the substation and interconnection [kW] (group "storage"): its
    discharge adds to the plant's export only up to the POI limit, max(0, min(G + P_bess, POI) − G)
    with G the generation export (`capex.export.substation_kw`, PV AC + wind) — a discharge
    coincident with generation beyond the POI limit is curtailed, so it needs no capacity. Without a
    POI limit (`storage.export_limit_mw` None) the whole P_bess adds."""
    export = doc["capex"].get("export")
    if not export:
        return []
    gen = float(export["substation_kw"])
    kw = float(storage.get("power_kw") or 0.0)
    limit = storage.get("export_limit_mw")
    poi = float(limit) * 1000.0 if limit is not None else gen + kw
    add = max(0.0, min(gen + kw, poi) - gen)
    export["bess_kw"] = round(add, 3)
    export["poi_limit_kw"] = None if limit is None else round(poi, 3)
    if add <= 0:
        return []
    return [
        _line("substation (BESS export share)", add, "kWac", _v(costs, "substation_usd_per_kwac"),
              "substation_usd_per_kwac", "storage"),
        _line("interconnection (BESS export share)", add, "kWac", _v(costs, "interconnection_usd_per_kwac"),
              "interconnection_usd_per_kwac", "storage"),
    ]  # fmt: skip


def _add_lines(doc: dict[str, Any], new_lines: list[dict[str, Any]], new_opex: list[dict[str, Any]]) -> None:
    """Append the battery / gas lines to the cost document and update its CAPEX and OPEX totals."""
    cap = doc["capex"]
    opex_doc = doc["opex"]
    cap["lines"] = list(cap["lines"]) + new_lines
    added = sum(li["usd"] for li in new_lines)
    cap["direct_usd"] = round(float(cap["direct_usd"]) + added, 2)
    cap["total_usd"] = round(float(cap["total_usd"]) + added, 2)
    opex_doc["lines"] = list(opex_doc["lines"]) + new_opex
    opex_doc["total_usd_per_yr"] = round(
        float(opex_doc["total_usd_per_yr"]) + sum(o["usd"] for o in new_opex), 2
    )
    doc["capex_usd"] = cap["total_usd"]
    doc["opex_usd_per_yr"] = opex_doc["total_usd_per_yr"]
    finite_figure("CAPEX", cap["total_usd"])


def plant_economics(
    cost: dict[str, Any] | None,
    *,
    overrides: dict[str, Any] | None,
    pv_energy_mwh: float | None,
    wind_energy_mwh: float | None = None,
    storage: dict[str, Any] | None = None,
    storage_fade_pct_per_yr: float = 2.0,
    augmentation_interval_yr: int = 8,
    gas: dict[str, Any] | None = None,
    plant_energy_mwh: float | None = None,
) -> dict[str, Any]:
    """The cost document with the battery and gas lines, and the economics by source.

    cost: design["cost"] of the PV part (None for a plant without PV: a cost document is started);
    storage: design["storage"]; gas: design["gas"]; plant_energy_mwh: energy delivered to the grid
    by all sources [MWh/yr] (None: the sum of the sources). Returns {"cost": the new cost document,
    "economics_by_source": [...], "plant_energy_mwh", "plant_lcoe_usd_per_mwh"}."""
    table = unit_costs(overrides)
    costs = table["costs"]
    doc = copy.deepcopy(cost) if cost else None
    if doc is None:
        doc = _new_cost_doc(table)
    r = float(doc["discount_rate_real"])
    life = int(doc["lifetime_yr"])
    lcoe = _lcoe_at(r, life)
    new_lines: list[dict[str, Any]] = []
    new_opex: list[dict[str, Any]] = []
    notes: list[str] = []
    pv_degr = float(doc.get("degradation_pct_per_yr") or 0.0)
    by_source = _pv_wind_rows(
        doc,
        has_pv_cost=bool(cost),
        pv_energy_mwh=pv_energy_mwh,
        wind_energy_mwh=wind_energy_mwh,
        pv_degr=pv_degr,
        lcoe=lcoe,
    )
    if storage:
        lines, o, row = _storage_rows(
            storage,
            costs,
            r=r,
            life=life,
            fade_pct_per_yr=storage_fade_pct_per_yr,
            interval_yr=augmentation_interval_yr,
            lcoe=lcoe,
        )
        share = _bess_export_lines(doc, storage, costs)
        row["capex_usd"] = round(float(row["capex_usd"]) + sum(li["usd"] for li in share), 2)
        new_lines += lines + share
        new_opex.append(o)
        by_source.append(row)
        notes.append(
            "storage LCOE (LCOS) counts the battery's own costs over its discharged energy, not the cost of "
            "the PV / wind energy that charged it"
        )
    if gas:
        g_line, gas_opex_lines, row = _gas_rows(gas, costs, lcoe)
        new_lines.append(g_line)
        new_opex += gas_opex_lines
        by_source.append(row)
    _add_lines(doc, new_lines, new_opex)
    cap = doc["capex"]
    opex_doc = doc["opex"]
    if plant_energy_mwh is None:
        plant_energy_mwh = sum(float(s["energy_mwh"] or 0.0) for s in by_source if s["source"] != "storage")
    plant_lcoe = lcoe(float(cap["total_usd"]), float(opex_doc["total_usd_per_yr"]), plant_energy_mwh, pv_degr)
    doc["plant_lcoe_usd_per_mwh"] = plant_lcoe
    doc["plant_energy_mwh"] = round(plant_energy_mwh, 3)
    doc["notes"] = list(doc.get("notes") or []) + notes
    return {
        "cost": doc,
        "economics_by_source": by_source,
        "plant_energy_mwh": round(plant_energy_mwh, 3),
        "plant_lcoe_usd_per_mwh": plant_lcoe,
    }
