"""Rows of the design document's tables, shared by the CSV and PDF exports.

Reads the sections of `LayoutResult.design` ("bom", "electrical", "energy", "cost"; see
`app.engine.electrical.bom`, `app.engine.energy`, `app.engine.cost.model`) defensively: a missing
section gives no rows, a missing number None. Quantities keep their units as named in each row;
money is USD of the cost table's dollar year.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.core.energy_basis import BOUND_NAMES, CLEARSKY_UPPER_BOUND, headline
from app.exports.document import ExportDocument, num

CLEARSKY_BASIS = "clear-sky upper bound (not a P50)"
P50_BASIS = "P50 (typical meteorological year)"


@dataclass(frozen=True)
class BomRow:
    """One line of the bill of quantities: quantity [unit] of item (type / size)."""

    item: str
    type_size: str
    quantity: float | None
    unit: str


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _g(n: Any) -> str:
    v = num(n)
    return "" if v is None else f"{v:g}"


def bom_rows(bom: Mapping[str, Any]) -> list[BomRow]:
    """The bill of quantities as rows (engine/electrical/bom.py's dict); [] without one."""
    rows: list[BomRow] = []
    if not bom:
        return rows
    rows.extend(_pv_rows(bom))
    rows.extend(_electrical_rows(bom))
    rows.extend(_civil_rows(bom))
    return rows


def _pv_rows(bom: Mapping[str, Any]) -> list[BomRow]:
    """The bill of quantities' PV rows: modules, DC capacity [kWp], tables / trackers, piles, strings."""
    rows: list[BomRow] = []
    add = rows.append
    modules = _dict(bom.get("modules"))
    if modules:
        power = _g(modules.get("power_w"))
        kind = str(modules.get("model") or "") + (f", {power} W" if power else "")
        add(BomRow("PV modules", kind, num(modules.get("count")), "pcs"))
        if num(modules.get("dc_kwp")) is not None:
            add(BomRow("DC capacity", "", num(modules.get("dc_kwp")), "kWp"))
    structures = _dict(bom.get("structures"))
    if structures:
        kind = str(structures.get("type") or "structure")
        full, partial = num(structures.get("full")), num(structures.get("partial"))
        detail = (
            f"{kind} ({full:,.0f} full, {partial:,.0f} partial)" if full is not None and partial else kind
        )
        add(BomRow("Tables / trackers", detail, num(structures.get("count")), "pcs"))
        add(BomRow("Piles", "", num(structures.get("piles")), "pcs"))
    strings = _dict(bom.get("strings"))
    if strings:
        by_length = _dict(strings.get("by_length"))
        if len(by_length) > 1:
            for length, count in sorted(by_length.items(), key=lambda kv: num(kv[0]) or 0.0):
                add(BomRow("Strings", f"{length} modules per string", num(count), "pcs"))
        else:
            mps = _g(strings.get("modules_per_string"))
            add(
                BomRow(
                    "Strings", f"{mps} modules per string" if mps else "", num(strings.get("count")), "pcs"
                )
            )
    return rows


def _electrical_rows(bom: Mapping[str, Any]) -> list[BomRow]:
    """The bill of quantities' electrical rows: combiner boxes, string inverters, power stations, MV
    transformers [kVA], MV feeders, cables [m]."""
    rows: list[BomRow] = []
    add = rows.append
    boxes = num(bom.get("combiner_boxes"))
    if boxes:
        inputs = _g(bom.get("combiner_inputs"))
        add(BomRow("String combiner boxes", f"{inputs} inputs" if inputs else "", boxes, "pcs"))
    inverters = num(bom.get("string_inverters"))
    if inverters:
        kw = _g(bom.get("string_inverter_ac_kw"))
        add(BomRow("String inverters", f"{kw} kWac" if kw else "", inverters, "pcs"))
    stations = _dict(bom.get("power_stations"))
    by_kva = _dict(stations.get("by_kva"))
    if by_kva:
        for kva, count in sorted(by_kva.items(), key=lambda kv: num(kv[0]) or 0.0):
            add(BomRow("Power stations", f"{kva} kVA", num(count), "pcs"))
    elif stations:
        add(BomRow("Power stations", "", num(stations.get("count")), "pcs"))
    transformers = _dict(bom.get("transformers"))
    if transformers:
        total = num(transformers.get("total_kva"))
        add(
            BomRow(
                "MV transformers",
                f"{total:,.1f} kVA in total" if total is not None else "",
                num(transformers.get("count")),
                "pcs",
            )
        )
    feeders = num(bom.get("mv_feeders"))
    if feeders is not None:
        add(BomRow("MV feeders", "radial", feeders, "pcs"))
    for c in sorted(
        (_dict(c) for c in _list(bom.get("cables"))),
        key=lambda c: (str(c.get("level")), str(c.get("conductor"))),
    ):
        level = str(c.get("level") or "")
        add(
            BomRow(
                f"Cable, {level.replace('_', ' ')}", str(c.get("conductor") or ""), num(c.get("cable_m")), "m"
            )
        )
    return rows


def _civil_rows(bom: Mapping[str, Any]) -> list[BomRow]:
    """The bill of quantities' civil rows: trenches [m], roads [m, m²], fence [m], gates, grading [m³],
    gen-tie line [m]."""
    rows: list[BomRow] = []
    add = rows.append
    trenches = _dict(bom.get("trenches"))
    for key, name in (("dc_m", "DC / LV"), ("mv_m", "MV")):
        if num(trenches.get(key)) is not None:
            add(BomRow("Trench", name, num(trenches.get(key)), "m"))
    for road in (_dict(r) for r in _list(bom.get("roads"))):
        cls = str(road.get("class") or "road")
        add(BomRow("Road", cls, num(road.get("length_m")), "m"))
        add(BomRow("Road surface", cls, num(road.get("area_m2")), "m²"))
    if num(bom.get("fence_m")) is not None:
        add(BomRow("Fence", "", num(bom.get("fence_m")), "m"))
    if num(bom.get("gates")) is not None:
        add(BomRow("Gates", "", num(bom.get("gates")), "pcs"))
    grading = _dict(bom.get("grading"))
    # One earthwork figure: tables + roads + equipment pads (the layout metrics' cut and fill).
    for key, name in (
        ("cut_m3", "cut"),
        ("fill_m3", "fill"),
        ("total_m3", "cut + fill (tables + roads + pads)"),
        ("tables_m3", "of which under tables"),
        ("roads_m3", "of which roads"),
        ("pads_m3", "of which equipment pads"),
    ):
        if num(grading.get(key)) is not None:
            add(BomRow("Grading", name, num(grading.get(key)), "m³"))
    tie = _dict(bom.get("gen_tie"))
    if tie:
        kv = _g(tie.get("voltage_kv"))
        detail = f"{kv} kV overhead" if kv else "overhead"
        if not tie.get("interconnection_point"):
            detail += ", no interconnection point set"
        add(BomRow("Gen-tie line", detail, num(tie.get("length_m")), "m"))
    return rows


def cable_rows(doc: ExportDocument) -> list[dict[str, object]]:
    """One dict per cable feature (circuit, level, conductor, length_m, current_a and, when
    given, block and cable_m), by level (dc, lv, mv)."""
    rows: list[dict[str, object]] = []
    for level, items in doc.cables_by_level.items():
        for item in items:
            block = item.value("block")
            rows.append(
                {
                    "id": item.id,
                    "circuit": item.text("circuit") or None,
                    "level": level,
                    "conductor": item.text("conductor") or None,
                    "length_m": item.value("length_m"),
                    "current_a": item.value("current_a"),
                    "cable_m": item.value("cable_m"),
                    "block": None if block is None else round(block),
                }
            )
    return rows


def is_clearsky(energy: Mapping[str, Any]) -> bool:
    """Whether the energy result is a clear-sky year: an upper bound, never a P50."""
    weather = _dict(energy.get("weather"))
    return (
        bool(energy.get("is_clearsky_upper_bound") or weather.get("is_clearsky_upper_bound"))
        or str(energy.get("weather_source") or "") == "clearsky"
        or energy.get("energy_basis") == CLEARSKY_UPPER_BOUND
    )


def energy_basis(energy: Mapping[str, Any]) -> str:
    """What the annual energy is: the clear-sky upper bound, a P50 of a typical year, or the weather kind."""
    if is_clearsky(energy):
        return CLEARSKY_BASIS
    if energy.get("is_p50"):
        return P50_BASIS
    kind = str(_dict(energy.get("weather")).get("kind") or "")
    return f"{kind} weather year" if kind else "weather year"


def weather_label(energy: Mapping[str, Any]) -> str:
    """The weather's own description, preferring the result's label (the clear-sky warning)."""
    weather = _dict(energy.get("weather"))
    return str(energy.get("label") or weather.get("label") or energy.get("weather_source") or "")


def energy_summary_rows(energy: Mapping[str, Any]) -> list[tuple[str, object, str]]:
    """(key, value, unit) of the energy result's headline figures and its weather; [] without one.
    On a clear-sky year the energy, yield and capacity factor keys carry `_upper_bound` and there
    are no P90s (`p90_note` says why)."""
    if not energy:
        return []
    basis = CLEARSKY_UPPER_BOUND if is_clearsky(energy) else "p50"
    head = [
        ("annual_energy_mwh", num(headline(energy, "annual_energy_mwh")), "MWh/yr"),
        ("specific_yield_kwh_per_kwp", num(headline(energy, "specific_yield_kwh_per_kwp")), "kWh/kWp/yr"),
        ("capacity_factor", num(headline(energy, "capacity_factor")), "0-1 (AC)"),
    ]
    named = [(BOUND_NAMES[k] if basis == CLEARSKY_UPPER_BOUND else k, v, u) for k, v, u in head]
    return [
        ("energy_basis", basis, ""),
        named[0],
        ("basis", energy_basis(energy), ""),
        ("p90_1yr_mwh", num(energy.get("p90_1yr_mwh")), "MWh/yr"),
        ("p90_10yr_mwh", num(energy.get("p90_10yr_mwh")), "MWh/yr"),
        ("uncertainty_1yr_pct", num(energy.get("uncertainty_1yr_pct")), "% (1-sigma)"),
        ("uncertainty_10yr_pct", num(energy.get("uncertainty_10yr_pct")), "% (1-sigma)"),
        ("interannual_variability_pct", num(energy.get("interannual_variability_pct")), "% (1-sigma)"),
        ("p90_note", str(energy.get("p90_note") or ""), ""),
        named[1],
        ("performance_ratio", num(energy.get("performance_ratio")), "0-1"),
        named[2],
        ("snow_loss_pct", num(_dict(energy.get("snow")).get("annual_loss_pct")), "%"),
        ("loss_preset", str(energy.get("loss_preset") or ""), ""),
        ("dc_kwp", num(energy.get("dc_kwp")), "kWp"),
        ("ac_kw", num(energy.get("ac_kw")), "kW"),
        ("ghi_kwh_per_m2", num(energy.get("ghi_kwh_per_m2")), "kWh/m²/yr"),
        ("poa_kwh_per_m2", num(energy.get("poa_kwh_per_m2")), "kWh/m²/yr"),
        ("weather_source", str(energy.get("weather_source") or ""), ""),
        ("weather_label", weather_label(energy), ""),
        ("is_clearsky_upper_bound", "true" if is_clearsky(energy) else "false", ""),
    ]


def monthly_rows(energy: Mapping[str, Any]) -> list[tuple[int, str, float | None]]:
    """(month 1-12, month name, energy [MWh]) of the monthly energy; [] without it."""
    months = _list(energy.get("monthly_energy_mwh"))
    return [
        (k, calendar.month_abbr[k] if len(months) == 12 else str(k), num(v))
        for k, v in enumerate(months, start=1)
    ]


def loss_rows(energy: Mapping[str, Any]) -> list[tuple[str, float | None, float | None, str]]:
    """(step, percent, value after the step, its unit) of the loss waterfall, in order."""
    return [
        (str(s.get("name") or ""), num(s.get("percent")), num(s.get("value_after")), str(s.get("unit") or ""))
        for s in (_dict(x) for x in _list(energy.get("loss_waterfall")))
    ]


def loss_stack_rows(energy: Mapping[str, Any]) -> list[dict[str, object]]:
    """Every loss of the stack: key, name, input_pct, input_basis (STC / rated / annual …),
    annual_pct (its annual share, the waterfall's figure) and source; [] without one."""
    return [
        {
            "key": str(x.get("key") or ""),
            "name": str(x.get("name") or ""),
            "input_pct": num(x.get("input_pct")),
            "input_basis": str(x.get("input_basis") or ""),
            "annual_pct": num(x.get("annual_pct")),
            "source": str(x.get("source") or ""),
        }
        for x in (_dict(v) for v in _list(energy.get("loss_stack")))
    ]


@dataclass(frozen=True)
class CostRow:
    """One cost line: category ("capex", "overhead", "opex", "summary"), quantity [unit] × unit cost [USD]
    = total [USD], with the price's cited source."""

    category: str
    line: str
    quantity: float | None
    unit: str
    unit_cost_usd: float | None
    total_usd: float | None
    source: str


def _source(cost: Mapping[str, Any], entry: Mapping[str, Any]) -> str:
    if entry.get("source"):
        return str(entry["source"])
    key = entry.get("key")
    return str(_dict(_dict(cost.get("unit_costs")).get(str(key))).get("source") or "") if key else ""


def cost_rows(cost: Mapping[str, Any]) -> list[CostRow]:
    """CAPEX lines, overheads and the summary (CAPEX total and per Wdc, OPEX, LCOE, NPV); [] without cost."""
    if not cost:
        return []
    capex = _dict(cost.get("capex"))
    rows = [
        CostRow(
            "capex",
            str(line.get("item") or ""),
            num(line.get("quantity")),
            str(line.get("unit") or ""),
            num(line.get("unit_cost")),
            num(line.get("usd")),
            _source(cost, line),
        )
        for line in (_dict(x) for x in _list(capex.get("lines")))
    ]
    for o in (_dict(x) for x in _list(capex.get("overheads"))):
        rows.append(
            CostRow(
                "overhead",
                str(o.get("item") or ""),
                num(o.get("pct")),
                "% of built cost",
                None,
                num(o.get("usd")),
                _source(cost, o),
            )
        )
    for o in (_dict(x) for x in _list(_dict(cost.get("opex")).get("lines"))):
        rows.append(
            CostRow(
                "opex",
                f"{o.get('item') or ''} (per year)",
                num(o.get("quantity")),
                str(o.get("unit") or ""),
                num(o.get("unit_cost")),
                num(o.get("usd")),
                _source(cost, o),
            )
        )
    uc = _dict(cost.get("unit_costs"))

    def src(key: str) -> str:
        return str(_dict(uc.get(key)).get("source") or "")

    bound = cost.get("energy_basis") == CLEARSKY_UPPER_BOUND or "lcoe_lower_bound_usd_per_mwh" in cost
    lcoe_line = "LCOE lower bound (real; clear-sky energy)" if bound else "LCOE (real)"
    npv_line = "NPV upper bound (clear-sky energy)" if bound else "NPV"
    total = num(capex.get("total_usd")) if capex.get("total_usd") is not None else num(cost.get("capex_usd"))
    rows += [
        CostRow("summary", "Direct CAPEX", None, "", None, num(capex.get("direct_usd")), ""),
        CostRow("summary", "CAPEX total", None, "", None, total, ""),
        CostRow("summary", "CAPEX per Wdc", None, "USD/Wdc", num(capex.get("usd_per_wdc")), None, ""),
        CostRow("summary", "CAPEX per Wac", None, "USD/Wac", num(capex.get("usd_per_wac")), None, ""),
        CostRow(
            "summary",
            "OPEX",
            None,
            "USD/yr",
            None,
            num(cost.get("opex_usd_per_yr")),
            src("opex_usd_per_kwac_yr"),
        ),
        CostRow(
            "summary",
            lcoe_line,
            None,
            "USD/MWh",
            num(headline(cost, "lcoe_usd_per_mwh")),
            None,
            src("discount_rate_real"),
        ),
    ]
    if num(headline(cost, "npv_usd")) is not None:
        price = num(cost.get("price_usd_per_mwh"))
        rows.append(
            CostRow("summary", npv_line, price, "at USD/MWh", None, num(headline(cost, "npv_usd")), "")
        )
    return rows


def feeder_rows(electrical: Mapping[str, Any]) -> list[dict[str, object]]:
    """The MV single-line summary: one dict per radial feeder (feeder, blocks, mva, length_m,
    loss_kw, drop_pct, max_current_a, conductors)."""
    rows: list[dict[str, object]] = []
    for f in (_dict(x) for x in _list(electrical.get("single_line"))):
        rows.append(
            {
                "feeder": f.get("feeder"),
                "blocks": " ".join(str(b) for b in _list(f.get("blocks"))),
                "block_count": len(_list(f.get("blocks"))),
                "mva": num(f.get("mva")),
                "length_m": num(f.get("length_m")),
                "loss_kw": num(f.get("loss_kw")),
                "drop_pct": num(f.get("drop_pct")),
                "max_current_a": num(f.get("max_current_a")),
                "conductors": " / ".join(dict.fromkeys(str(c) for c in _list(f.get("conductors")))),
            }
        )
    return rows
