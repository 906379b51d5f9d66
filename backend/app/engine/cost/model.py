"""CAPEX from the bill of quantities, OPEX, real LCOE and NPV (USD of the table's dollar year).

CAPEX reaches the grid: the plant's lines, then the gen-tie (km × USD/km of its voltage class) and
the interconnection and network-upgrade cost (USD/kWac); EPC overhead, development and contingency
are % of every line but the interconnection cost (paid to the transmission owner, an estimate of
its own). OPEX: O&M and property tax per kWac, land lease per hectare.

Real LCOE = (CAPEX + Σ_t OPEX/(1+r)^t) / Σ_t E·(1−d)^(t−1)/(1+r)^t over t = 1…N years (costs and
energy discounted alike; r real discount rate, d annual degradation). NPV at a price p [USD/MWh]
= −CAPEX + Σ_t (p·E_t − OPEX)/(1+r)^t. CAPEX is counted at year 0.
"""

from __future__ import annotations

import math
from typing import Any

from app.engine.civil.gentie import voltage_class_kv
from app.engine.cost.prices import unit_costs
from app.errors import InvalidInput, NonFiniteResult

NO_INTERCONNECTION_POINT = (
    "no interconnection point set for the site: the gen-tie line is priced at 0 km; place the "
    "grid interconnection point to price the line to the grid"
)


def _v(costs: dict[str, Any], key: str) -> Any:
    return costs[key]["value"]


def capex(bom: dict[str, Any], costs: dict[str, Any]) -> dict[str, Any]:
    """CAPEX lines [USD] from a bill of quantities (engine/electrical/bom.py) and a unit-cost table's
    "costs" mapping. Returns {"lines": [{item, quantity, unit, unit_cost, usd, key, group}],
    "direct_usd" (Σ lines), "overheads": [{item, pct, base_usd, usd, key}], "total_usd" (direct +
    overheads), "usd_per_wdc", "usd_per_wac", "gen_tie": {length_m, voltage_kv, usd_per_km}}.
    Lines are grouped "plant" or "grid" (gen-tie, interconnection). A missing `bom["gen_tie"]`
    counts as 0 km."""
    wdc = float(bom["modules"]["count"]) * float(bom["modules"]["power_w"])
    kva = float(bom["transformers"]["total_kva"])
    ac_kw = float(bom["power_stations"].get("ac_kw", kva))
    export = export_capacity(bom)
    lines = _Lines(costs)
    _equipment_lines(lines, bom, wdc, kva)
    _cable_lines(lines, bom, costs)
    _civil_lines(lines, bom, export["substation_kw"])
    tie_km, kv, per_km = _grid_lines(lines, bom, costs, export["substation_kw"])
    direct = sum(line["usd"] for line in lines.lines)
    overheads = _overheads(lines.lines, costs)
    total = direct + sum(o["usd"] for o in overheads)
    for line in lines.lines:
        line["usd"] = round(line["usd"], 2)
    for o in overheads:
        o["usd"] = round(o["usd"], 2)
    return {
        "lines": lines.lines,
        "direct_usd": round(direct, 2),
        "overheads": overheads,
        "total_usd": round(total, 2),
        "usd_per_wdc": round(total / wdc, 4) if wdc > 0 else None,
        "usd_per_wac": round(total / (ac_kw * 1000.0), 4) if ac_kw > 0 else None,
        "gen_tie": {"length_m": round(tie_km * 1000.0, 1), "voltage_kv": kv, "usd_per_km": per_km},
        "export": export,
    }


def export_capacity(bom: dict[str, Any]) -> dict[str, float]:
    """The plant's export the substation and interconnection are sized on [kW]: every generating
    source's rated AC output, PV AC (`power_stations.ac_kw`) + wind rated (`wind.capacity_kw`);
    the battery's share is added with its lines (engine/cost/plant.py, up to the POI limit).
    {"pv_ac_kw", "wind_kw", "substation_kw"} (docs/cost.md, Substation and interconnection)."""
    pv = float(bom["power_stations"].get("ac_kw", bom["transformers"]["total_kva"]))
    wind = float((bom.get("wind") or {}).get("capacity_kw") or 0.0)
    return {"pv_ac_kw": round(pv, 3), "wind_kw": round(wind, 3), "substation_kw": round(pv + wind, 3)}


class _Lines:
    """CAPEX lines as they are added: quantity × unit cost [USD], each naming its cost entry."""

    def __init__(self, costs: dict[str, Any]) -> None:
        self.costs = costs
        self.lines: list[dict[str, Any]] = []

    def add(
        self, item: str, qty: float, unit: str, key: str, price: float | None = None, group: str = "plant"
    ) -> None:
        """One line of `qty` `unit` at `price` (default the `key` entry's value) [USD / unit]."""
        p = float(_v(self.costs, key)) if price is None else price
        # "key" names the unit-cost entry, so reports can cite its source.
        line = {"item": item, "quantity": round(qty, 3), "unit": unit, "unit_cost": p, "usd": qty * p}
        self.lines.append({**line, "key": key, "group": group})


def _equipment_lines(lines: _Lines, bom: dict[str, Any], wdc: float, kva: float) -> None:
    """Modules and their installation, structures and piles [Wdc, piles], and the conversion:
    string inverters with LV / MV stations, or power stations with combiner boxes [kVA, boxes]."""
    add = lines.add
    tracker = bom["structures"]["type"] == "tracker"
    add("PV modules", wdc, "Wdc", "module_usd_per_wdc")
    add("module installation", wdc, "Wdc", "module_install_usd_per_wdc")
    add(
        "trackers" if tracker else "fixed structures",
        wdc,
        "Wdc",
        "structure_tracker_usd_per_wdc" if tracker else "structure_fixed_usd_per_wdc",
    )
    add("piles", float(bom["structures"]["piles"]), "pile", "pile_usd_each")
    if bom.get("string_inverters"):
        inv_kw = float(bom["string_inverters"]) * float(bom.get("string_inverter_ac_kw", 0.0))
        add("string inverters", inv_kw, "kWac", "string_inverter_usd_per_kwac")
        add("LV / MV stations", kva, "kVA", "lv_station_usd_per_kva")
    else:
        add("power stations (inverter + transformer)", kva, "kVA", "power_station_usd_per_kva")
        add("combiner boxes", float(bom.get("combiner_boxes", 0)), "box", "combiner_box_usd_each")


def _cable_lines(lines: _Lines, bom: dict[str, Any], costs: dict[str, Any]) -> None:
    """Each cable [m] at its table price, else at USD per mm² · m times its size."""
    table = _v(costs, "cable_usd_per_m")
    per_mm2 = float(_v(costs, "cable_usd_per_mm2_m"))
    for c in bom["cables"]:
        price = table.get(c["conductor"])
        if price is None:
            size = _size_mm2(c["conductor"])
            price = per_mm2 * size
        lines.add(
            f"cable {c['conductor']} ({c['level']})",
            float(c["cable_m"]),
            "m",
            "cable_usd_per_m",
            float(price),
        )


def _civil_lines(lines: _Lines, bom: dict[str, Any], ac_kw: float) -> None:
    """Trenches [m], roads [m²], fence [m] and gates, earthwork [m³], the wind lines and the
    substation [kWac of the plant's export, `export_capacity`]."""
    add = lines.add
    add("DC / LV trench", float(bom["trenches"]["dc_m"]), "m", "trench_dc_usd_per_m")
    add("MV trench", float(bom["trenches"]["mv_m"]), "m", "trench_mv_usd_per_m")
    road_m2 = sum(float(r["area_m2"]) for r in bom.get("roads", []))
    add("roads", road_m2, "m²", "road_usd_per_m2")
    add("fence", float(bom.get("fence_m", 0.0)), "m", "fence_usd_per_m")
    add("gates", float(bom.get("gates", 0)), "gate", "gate_usd_each")
    add("earthwork", float(bom["grading"]["total_m3"]), "m³", "earthwork_usd_per_m3")
    wind = bom.get("wind")
    if wind:
        # Wind turbines of a hybrid (app/engine/wind/outputs.py): supply and erection per kW,
        # foundations and crane hardstands per turbine / m² (docs/cost.md#wind).
        add("Wind turbines", float(wind["capacity_kw"]), "kW", "wind_turbine_usd_per_kw")
        add("Turbine foundations", float(wind["foundations"]), "foundation", "wind_foundation_usd_each")
        add("Crane pads", float(wind["crane_pad_m2"]), "m²", "crane_pad_usd_per_m2")
        if wind.get("pad_transformer_kva"):
            # Each turbine's 0.69 / 34.5 kV step-up (app/engine/wind/collection.py).
            add(
                "Turbine pad-mounted transformers",
                float(wind["pad_transformers"]) * float(wind["pad_transformer_kva"]),
                "kVA",
                "wind_pad_transformer_usd_per_kva",
            )
    if bom["trenches"].get("wind_mv_m"):
        # The wind collection's trench beyond the PV feeders' (a shared trench is counted once).
        add("MV trench (wind collection)", float(bom["trenches"]["wind_mv_m"]), "m", "trench_mv_usd_per_m")
    add("substation", ac_kw, "kWac", "substation_usd_per_kwac")


def _grid_lines(
    lines: _Lines, bom: dict[str, Any], costs: dict[str, Any], ac_kw: float
) -> tuple[float, float, float]:
    """The "grid" lines (gen-tie [km] at its voltage class's price, interconnection [kWac]), then
    the zone crossings. Returns the gen-tie's length [km], voltage [kV] and price [USD/km]."""
    tie = bom.get("gen_tie") or {}
    tie_km = float(tie.get("length_m") or 0.0) / 1000.0
    kv = gen_tie_voltage(costs, ac_kw)
    per_km = float(_v(costs, "gen_tie_usd_per_km")[f"{kv:g}"])
    lines.add(f"gen-tie line {kv:g} kV", tie_km, "km", "gen_tie_usd_per_km", per_km, group="grid")
    for k, c in enumerate(bom.get("collectors", [])):
        # Collector substations (app/engine/civil/collectors.py): the yard, and its HV tie line
        # priced per km as a gen-tie of its voltage class.
        lines.add(f"collector substation {k + 1}", 1.0, "substation", "collector_substation_usd_each")
        c_kv = float(c["voltage_kv"])
        c_km = float(c["tie_m"]) / 1000.0
        c_per_km = float(_v(costs, "gen_tie_usd_per_km")[f"{c_kv:g}"])
        lines.add(f"collector tie line {k + 1} ({c_kv:g} kV)", c_km, "km", "gen_tie_usd_per_km", c_per_km)
    lines.add(
        "interconnection and network upgrades", ac_kw, "kWac", "interconnection_usd_per_kwac", group="grid"
    )
    for c in bom.get("crossings", []):
        # Zone crossings (app/engine/civil/zones.py): culverts, or protected crossings of easements.
        key = "culvert_crossing_usd_each" if c["crossing"] == "culvert" else "zone_crossing_usd_each"
        lines.add(f"{c['zone_type'].replace('_', ' ')} crossings", float(c["count"]), "crossing", key)
    return tie_km, kv, per_km


def _overheads(lines: list[dict[str, Any]], costs: dict[str, Any]) -> list[dict[str, Any]]:
    """EPC overhead, development and contingency [% and USD, unrounded] of every line but the
    interconnection cost."""
    # Overheads apply to what is built; the interconnection cost is the transmission owner's estimate.
    base = sum(line["usd"] for line in lines if line["key"] != "interconnection_usd_per_kwac")
    return [
        {
            "item": name,
            "pct": float(_v(costs, key)),
            "base_usd": round(base, 2),
            "usd": base * float(_v(costs, key)) / 100.0,
            "key": key,
        }
        for name, key in (
            ("EPC overhead and margin", "epc_overhead_pct"),
            ("development", "development_pct"),
            ("contingency", "contingency_pct"),
        )
    ]


def gen_tie_voltage(costs: dict[str, Any], ac_kw: float) -> float:
    """The gen-tie voltage class [kV]: `gen_tie_voltage_kv` when given (> 0), else by the plant's AC
    capacity [kW] (`app.engine.civil.gentie.voltage_class_kv`)."""
    kv = float(_v(costs, "gen_tie_voltage_kv"))
    return kv if kv > 0 else float(voltage_class_kv(ac_kw))


def _size_mm2(name: str) -> float:
    for token in name.replace("mm²", " mm²").split():
        try:
            return float(token)
        except ValueError:
            continue
    raise InvalidInput(f"no price for cable {name!r}: add it to cost.cable_usd_per_m")


def opex_lines(ac_kw: float, costs: dict[str, Any], land_ha: float = 0.0) -> list[dict[str, Any]]:
    """Yearly OPEX lines [USD/yr]: fixed O&M and property tax per kWac, land lease per hectare."""
    out = []
    for item, qty, unit, key in (
        ("O&M (fixed)", ac_kw, "kWac", "opex_usd_per_kwac_yr"),
        ("property tax", ac_kw, "kWac", "property_tax_usd_per_kwac_yr"),
        ("land lease", land_ha, "ha", "land_usd_per_ha_yr"),
    ):
        p = float(_v(costs, key))
        out.append(
            {
                "item": item,
                "quantity": round(qty, 3),
                "unit": unit,
                "unit_cost": p,
                "usd": round(qty * p, 2),
                "key": key,
            }
        )
    return out


def lcoe_npv(
    *,
    capex_usd: float,
    opex_usd_per_yr: float,
    energy_mwh_yr1: float,
    discount_rate: float,
    lifetime_yr: int,
    degradation_pct_per_yr: float,
    price_usd_per_mwh: float | None = None,
) -> dict[str, float | None]:
    """Real LCOE [USD/MWh] and, with a price, NPV [USD] (formulas in the module docstring)."""
    if energy_mwh_yr1 <= 0:
        raise InvalidInput("annual energy must be positive to compute an LCOE")
    if lifetime_yr < 1 or not -0.5 < discount_rate < 1:
        raise InvalidInput("lifetime_yr must be ≥ 1 and the discount rate between −0.5 and 1")
    r, d = discount_rate, degradation_pct_per_yr / 100.0
    disc = [(1.0 + r) ** -t for t in range(1, lifetime_yr + 1)]
    energy = [energy_mwh_yr1 * (1.0 - d) ** (t - 1) for t in range(1, lifetime_yr + 1)]
    pv_energy = sum(e * f for e, f in zip(energy, disc, strict=True))
    pv_opex = opex_usd_per_yr * sum(disc)
    out: dict[str, float | None] = {
        "lcoe_usd_per_mwh": (capex_usd + pv_opex) / pv_energy,
        "pv_energy_mwh": pv_energy,
        "pv_opex_usd": pv_opex,
        "npv_usd": None,
    }
    if price_usd_per_mwh is not None:
        out["npv_usd"] = -capex_usd + price_usd_per_mwh * pv_energy - pv_opex
    for name, key in (("LCOE", "lcoe_usd_per_mwh"), ("NPV", "npv_usd")):
        finite_figure(name, out[key])
    return out


def finite_figure(name: str, value: float | None) -> None:
    """`NonFiniteResult` naming the figure when `value` is NaN or ±Infinity (None passes)."""
    if value is not None and not math.isfinite(value):
        raise NonFiniteResult(
            f"{name} is not a finite number ({value}): the cost inputs that feed it are out of scale"
        )


def estimate_cost(
    bom: dict[str, Any],
    annual_energy_mwh: float | None,
    *,
    overrides: dict[str, Any] | None = None,
    price_usd_per_mwh: float | None = None,
    land_ha: float = 0.0,
) -> dict[str, Any]:
    """CAPEX, OPEX and (with energy) real LCOE and NPV as a JSON-ready dict.

    bom: the electrical design's bill of quantities; annual_energy_mwh: first-year AC energy [MWh];
    overrides: unit costs by key (see unit_costs.json); price_usd_per_mwh: energy price for NPV;
    land_ha: leased area [ha]. `warnings` says when the gen-tie could not be priced (no
    interconnection point: `bom["gen_tie"]["interconnection_point"]` false or missing)."""
    table = unit_costs(overrides)
    costs = table["costs"]
    cap = capex(bom, costs)
    ac_kw = float(bom["power_stations"].get("ac_kw", bom["transformers"]["total_kva"]))
    opex_items = opex_lines(ac_kw, costs, land_ha)
    if bom.get("wind"):
        kw = float(bom["wind"]["capacity_kw"])
        p = float(_v(costs, "wind_opex_usd_per_kw_yr"))
        opex_items.append(
            {
                "item": "Wind O&M (fixed)",
                "quantity": round(kw, 3),
                "unit": "kW",
                "unit_cost": p,
                "usd": round(kw * p, 2),
                "key": "wind_opex_usd_per_kw_yr",
            }
        )
    opex = float(sum(line["usd"] for line in opex_items))
    finite_figure("CAPEX", cap["total_usd"])
    finite_figure("OPEX", opex)
    warnings: list[str] = []
    tie = bom.get("gen_tie") or {}
    if not tie.get("interconnection_point"):
        warnings.append(NO_INTERCONNECTION_POINT)
    out: dict[str, Any] = {
        "currency": table["currency"],
        "dollar_year": table["dollar_year"],
        "capex": cap,
        "capex_usd": cap["total_usd"],
        "opex_usd_per_yr": round(opex, 2),
        "opex": {"lines": opex_items, "total_usd_per_yr": round(opex, 2)},
        "warnings": warnings,
        "discount_rate_real": float(_v(costs, "discount_rate_real")),
        "lifetime_yr": int(_v(costs, "lifetime_yr")),
        "degradation_pct_per_yr": float(_v(costs, "degradation_pct_per_yr")),
        "lcoe_usd_per_mwh": None,
        "npv_usd": None,
        "price_usd_per_mwh": price_usd_per_mwh,
        "unit_costs": {k: {"value": v["value"], "source": v["source"]} for k, v in costs.items()},
    }
    if annual_energy_mwh is not None:
        fin = lcoe_npv(
            capex_usd=cap["total_usd"],
            opex_usd_per_yr=opex,
            energy_mwh_yr1=annual_energy_mwh,
            discount_rate=out["discount_rate_real"],
            lifetime_yr=out["lifetime_yr"],
            degradation_pct_per_yr=out["degradation_pct_per_yr"],
            price_usd_per_mwh=price_usd_per_mwh,
        )
        out["lcoe_usd_per_mwh"] = round(float(fin["lcoe_usd_per_mwh"] or 0.0), 4)
        out["npv_usd"] = None if fin["npv_usd"] is None else round(float(fin["npv_usd"]), 2)
    return out
