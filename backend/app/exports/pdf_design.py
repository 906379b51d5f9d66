"""The PDF report's plant-design sections: bill of quantities, MV single-line summary, energy yield
and cost (from the layout's design document; each section only when its part is present, so gas
and BESS reports are unchanged).

A clear-sky energy result is an upper bound, never a P50: the energy section opens with a red
banner saying so, the headline rows and the cost section repeat it, and the first page carries it.
"""

from __future__ import annotations

from typing import Any

from app.engine.core.energy_basis import headline
from app.exports.design_tables import (
    CLEARSKY_BASIS,
    bom_rows,
    cost_rows,
    energy_basis,
    feeder_rows,
    is_clearsky,
    loss_rows,
    loss_stack_rows,
    monthly_rows,
    weather_label,
)
from app.exports.document import ExportDocument, num
from app.exports.pdf_page import CONTENT_W_IN, GREY, MARGIN_IN, NAVY, PAGE_H_IN, PAGE_W_IN, Col, _fmt, _Report

CLEARSKY_RED = "#b91c1c"
CHART_H_IN = 2.1


def energy_headline(doc: ExportDocument) -> tuple[str, bool] | None:
    """The first page's energy line ("Energy: 9,164 MWh/yr · P50 …") and whether it is a clear-sky
    upper bound; None without an energy result."""
    energy = doc.section("energy")
    mwh = num(headline(energy, "annual_energy_mwh"))
    if mwh is None:
        return None
    clearsky = is_clearsky(energy)
    bound = "≤ " if clearsky else ""
    text = (
        f"Energy: {bound}{_fmt(mwh, 0, 'MWh/yr')} · "
        f"{bound}{_fmt(headline(energy, 'specific_yield_kwh_per_kwp'), 0, 'kWh/kWp')} · "
        f"{energy_basis(energy)}"
    )
    if num(energy.get("p90_1yr_mwh")) is not None:
        text += f" · P90 (1 yr) {_fmt(energy.get('p90_1yr_mwh'), 0, 'MWh/yr')}"
    cost = doc.section("cost")
    plant = num(headline(cost, "plant_energy_mwh"))
    if plant is not None:
        # A hybrid: the plant's delivered energy first, the PV's beside it; the LCOE is the plant's.
        text = f"Plant energy (all sources): {bound}{_fmt(plant, 0, 'MWh/yr')} · PV {text[len('Energy: ') :]}"
    lcoe = num(headline(cost, "lcoe_usd_per_mwh"))
    name = "Plant LCOE" if plant is not None else "LCOE"
    if lcoe is not None:
        shown = f"lower bound ≥ {lcoe:,.2f}" if clearsky else f"{lcoe:,.2f}"
        text += f" · {name} {shown} USD/MWh"
    return text, clearsky


def design_sections(r: _Report) -> None:
    """Sections 1b-1e: bill of quantities, MV single-line, energy, cost (those present)."""
    _bom_section(r)
    _single_line_section(r)
    _energy_section(r)
    _cost_section(r)
    from app.exports.pdf_storage import storage_section

    storage_section(r)  # hybrids: battery, typical-day dispatch, energy and LCOE by source


def _bom_section(r: _Report) -> None:
    rows = bom_rows(r.doc.section("bom"))
    if not rows:
        return
    r.heading("1b  Bill of quantities")
    body = [
        [
            row.item,
            row.type_size or "–",
            _fmt(row.quantity, 0 if row.unit in ("pcs", "m", "m²", "m³") else 1),
            row.unit,
        ]
        for row in rows
    ]
    r.table(
        [
            Col("Item", 1.5, "left"),
            Col("Type / size", 2.6, "left"),
            Col("Quantity", 1.0),
            Col("Unit", 0.5, "left"),
        ],
        body,
        size=8,
        row_h=0.21,
    )
    r.paragraph(
        "Cable quantities are conductor metres (both poles or all phases); trench metres are route lengths. "
        "The CSV export (bom.csv, cables.csv) has every row at full precision.",
        size=8,
        color=GREY,
    )


def _single_line_section(r: _Report) -> None:
    electrical = r.doc.section("electrical")
    feeders = feeder_rows(electrical)
    if not feeders:
        return
    r.heading("1c  MV single-line summary")
    topology = electrical.get("topology")
    if topology:
        r.paragraph(
            f"DC topology: {topology}. Power stations join the substation by radial MV feeders.", size=8.5
        )
    body = [
        [
            str(f["feeder"]),
            str(f["blocks"]) or "–",
            _fmt(f["mva"], 2),
            _fmt(f["length_m"], 0),
            _fmt(f["max_current_a"], 0),
            _fmt(f["loss_kw"], 1),
            _fmt(f["drop_pct"], 2),
            str(f["conductors"]) or "–",
        ]
        for f in feeders
    ]
    total = [
        "Total",
        str(sum(int(str(f["block_count"])) for f in feeders)),
        _fmt(sum(num(f["mva"]) or 0.0 for f in feeders), 2),
        _fmt(sum(num(f["length_m"]) or 0.0 for f in feeders), 0),
        "",
        _fmt(sum(num(f["loss_kw"]) or 0.0 for f in feeders), 1),
        "",
        "",
    ]
    r.table(
        [
            Col("Feeder", 0.6, "left"),
            Col("Blocks", 0.85, "left"),
            Col("MVA", 0.6),
            Col("Length [m]", 0.8),
            Col("Max I [A]", 0.75),
            Col("Loss [kW]", 0.75),
            Col("Drop [%]", 0.7),
            Col("Conductors", 2.6, "left"),
        ],
        body,
        total=total,
        size=8,
    )
    losses = _mapping(electrical.get("losses"))
    stc, annual = _mapping(losses.get("stc")), _mapping(losses.get("annual"))
    # Annual figures are the loss waterfall's when the yield was simulated, else a loss-factor estimate.
    how = " (energy simulation, as in the waterfall)" if annual.get("basis") else " estimate"
    rows = [
        ("DC ohmic loss at STC", _fmt(stc.get("dc_pct"), 2, "%")),
        ("LV AC ohmic loss at STC", _fmt(stc.get("lv_ac_pct"), 2, "%")),
        ("MV ohmic loss at STC", _fmt(stc.get("mv_pct"), 2, "%")),
        ("Transformer loss at STC", _fmt(stc.get("transformer_pct"), 2, "%")),
        (f"DC ohmic loss, annual{how}", _fmt(annual.get("dc_ohmic_pct"), 2, "%")),
        (f"MV ohmic loss, annual{how}", _fmt(annual.get("mv_ohmic_pct"), 2, "%")),
    ]
    if stc or annual:
        r.kv_table(rows)


def _banner(r: _Report, text: str) -> None:
    r.ensure(0.5)
    r.rect(MARGIN_IN, r.y, CONTENT_W_IN, 0.36, "#fee2e2", edgecolor=CLEARSKY_RED, lw=1.2)
    r.text(MARGIN_IN + 0.12, r.y + 0.24, text, fontsize=10, weight="bold", color=CLEARSKY_RED)
    r.y += 0.5


def _energy_section(r: _Report) -> None:
    energy = r.doc.section("energy")
    if not energy:
        return
    r.heading("1d  Energy yield")
    clearsky = is_clearsky(energy)
    basis = energy_basis(energy)
    if clearsky:
        _banner(r, "Clear-sky upper bound — not a P50 (cloudless sky; a weather file or PVGIS gives a P50)")
    annual_name = "Annual energy (clear-sky upper bound)" if clearsky else "Annual energy (P50)"
    if not clearsky and not energy.get("is_p50"):
        annual_name = "Annual energy"
    bound = " (upper bound)" if clearsky else ""
    p90 = _p90_rows(energy, clearsky)
    snow: dict[str, Any] = energy.get("snow") if isinstance(energy.get("snow"), dict) else {}  # type: ignore[assignment]
    r.kv_table(
        [
            (annual_name, _fmt(headline(energy, "annual_energy_mwh"), 0, "MWh/yr")),
            ("Basis", basis),
            *p90,
            ("Specific yield" + bound, _fmt(headline(energy, "specific_yield_kwh_per_kwp"), 0, "kWh/kWp/yr")),
            ("Performance ratio", _pct(energy.get("performance_ratio"))),
            ("Capacity factor (AC)" + bound, _pct(headline(energy, "capacity_factor"))),
            ("Irradiation, horizontal / module plane", _irr(energy)),
            (
                "Loss preset / snow loss",
                f"{energy.get('loss_preset') or 'typical'} / "
                f"{_fmt(snow.get('annual_loss_pct'), 2, '%')} ({snow.get('driver') or 'not modelled'})",
            ),
            ("Weather source", str(energy.get("weather_source") or "–")),
        ],
        width_in=CONTENT_W_IN * 0.85,
    )
    label = weather_label(energy)
    if label:
        r.paragraph(f"Weather: {label}", size=8, color=CLEARSKY_RED if clearsky else GREY)
    months = monthly_rows(energy)
    if months:
        _monthly_chart(r, months, clearsky)
    _waterfall_table(r, energy)
    _loss_stack_table(r, energy)


def _p90_rows(energy: dict[str, Any], clearsky: bool) -> list[tuple[str, str]]:
    """The P90 rows [MWh/yr] and uncertainties [%]; a clear-sky year has none (its note says why)."""
    if clearsky:
        return [("P90", str(energy.get("p90_note") or "not given on a clear-sky year"))]
    return [
        ("P90, 1 year", _fmt(energy.get("p90_1yr_mwh"), 0, "MWh/yr")),
        ("P90, 10-year mean", _fmt(energy.get("p90_10yr_mwh"), 0, "MWh/yr")),
        (
            "Uncertainty (1σ): 1 yr / 10 yr",
            f"{_fmt(energy.get('uncertainty_1yr_pct'), 1, '%')} / "
            f"{_fmt(energy.get('uncertainty_10yr_pct'), 1, '%')}",
        ),
        (
            "Inter-annual variability (1σ)",
            f"{_fmt(energy.get('interannual_variability_pct'), 1, '%')} — "
            f"{energy.get('interannual_variability_source') or '–'}",
        ),
    ]


def _waterfall_table(r: _Report, energy: dict[str, Any]) -> None:
    """The loss waterfall: each step's change [%] and the value after it."""
    steps = loss_rows(energy)
    if not steps:
        return
    r.table(
        [
            Col("Loss waterfall step", 3.6, "left"),
            Col("Change [%]", 0.9),
            Col("After", 1.0),
            Col("Unit", 0.7, "left"),
        ],
        [[name, _signed(pct), _fmt(after, 1), unit] for name, pct, after, unit in steps],
        size=8,
        row_h=0.21,
    )
    r.paragraph(
        "Each step is a percentage of the value before it, over the year (annual); irradiation "
        "steps are in kWh/m², energy steps in MWh.",
        size=8,
        color=GREY,
    )


def _loss_stack_table(r: _Report, energy: dict[str, Any]) -> None:
    """The loss stack's inputs [%], where each is given, and its annual share [%]."""
    stack = loss_stack_rows(energy)
    if not stack:
        return
    r.table(
        [
            Col(f"Loss stack ({energy.get('loss_preset') or 'typical'})", 2.4, "left"),
            Col("Input [%]", 0.75),
            Col("Given at", 1.6, "left"),
            Col("Annual [%]", 0.8),
        ],
        [
            [
                str(x["name"]),
                _fmt(x["input_pct"], 2),
                str(x["input_basis"]),
                _fmt(x["annual_pct"], 2) if x["annual_pct"] is not None else "–",
            ]
            for x in stack
        ],
        size=7.5,
        row_h=0.2,
    )
    r.paragraph(
        '"stc" / "rated": given at STC DC or rated AC power, an I²R loss whose annual share is '
        "lower; sources of every default in docs/energy.md (Loss stack).",
        size=7.5,
        color=GREY,
    )


def chart_axes(r: _Report, height_in: float = CHART_H_IN) -> tuple[Any, float]:
    """A full-width chart's axes `height_in` [in] tall at the report's cursor (a new page when it
    would not fit), and the chart's top [in from the page top]."""
    r.ensure(height_in + 0.3)
    top = r.y + 0.1
    ax = r.fig.add_axes(
        (
            (MARGIN_IN + 0.55) / PAGE_W_IN,
            1 - (top + height_in - 0.3) / PAGE_H_IN,
            (CONTENT_W_IN - 0.7) / PAGE_W_IN,
            (height_in - 0.45) / PAGE_H_IN,
        )
    )
    return ax, top


def _monthly_chart(r: _Report, months: list[tuple[int, str, float | None]], clearsky: bool) -> None:
    ax, top = chart_axes(r)
    names = [name for _, name, _ in months]
    values = [v or 0.0 for _, _, v in months]
    ax.bar(range(len(values)), values, color=CLEARSKY_RED if clearsky else NAVY, width=0.7)
    ax.set_xticks(range(len(values)), names, fontsize=7.5)
    ax.tick_params(axis="y", labelsize=7.5)
    ax.set_ylabel("MWh", fontsize=8)
    title = "Monthly energy [MWh]" + (" — clear-sky upper bound" if clearsky else "")
    ax.set_title(title, fontsize=9, color=NAVY, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    r.y = top + CHART_H_IN


def _cost_section(r: _Report) -> None:
    doc = r.doc
    cost = doc.section("cost")
    rows = cost_rows(cost)
    if not rows:
        return
    r.heading("1e  Cost")
    summary = {row.line: row for row in rows if row.category == "summary"}

    def money(line: str) -> str:
        row = summary.get(line)
        return _fmt(row.total_usd if row else None, 0, "USD")

    def rate(line: str, decimals: int) -> str:
        row = summary.get(line)
        return _fmt(row.unit_cost_usd if row else None, decimals, row.unit if row else "")

    clearsky = is_clearsky(doc.section("energy"))
    kv = [
        ("CAPEX", money("CAPEX total")),
        ("CAPEX per Wdc", rate("CAPEX per Wdc", 3)),
        ("CAPEX per Wac", rate("CAPEX per Wac", 3)),
        ("OPEX", _fmt(summary["OPEX"].total_usd if "OPEX" in summary else None, 0, "USD/yr")),
    ]
    lcoe_line = next((row.line for row in rows if row.line.startswith("LCOE")), "LCOE (real)")
    npv_line = next((row.line for row in rows if row.line.startswith("NPV")), None)
    kv.append((lcoe_line, rate(lcoe_line, 2)))
    if npv_line is not None:
        kv.append((f"{npv_line} at {_fmt(summary[npv_line].quantity, 2)} USD/MWh", money(npv_line)))
    kv += [
        ("Discount rate (real)", _pct(cost.get("discount_rate_real"))),
        ("Lifetime", _fmt(cost.get("lifetime_yr"), 0, "years")),
        ("Degradation", _fmt(cost.get("degradation_pct_per_yr"), 2, "%/yr")),
        ("Currency", f"{cost.get('currency') or 'USD'} ({cost.get('dollar_year') or '–'})"),
    ]
    r.kv_table(kv, width_in=CONTENT_W_IN * 0.85)
    if clearsky:
        r.paragraph(
            f"The energy is a {CLEARSKY_BASIS}: this LCOE is a lower bound and the NPV an upper bound.",
            size=8.5,
            color=CLEARSKY_RED,
        )
    lines = [row for row in rows if row.category in ("capex", "overhead")]
    body = [
        [
            row.line,
            _fmt(row.quantity, 1 if row.unit.startswith("%") else 0),
            row.unit,
            _fmt(row.unit_cost_usd, 2) if row.unit_cost_usd is not None else "",
            _fmt(row.total_usd, 0),
        ]
        for row in lines
    ]
    r.table(
        [
            Col("CAPEX line", 3.0, "left"),
            Col("Quantity", 1.1),
            Col("Unit", 0.8, "left"),
            Col("Unit cost [USD]", 1.0),
            Col("Total [USD]", 1.1),
        ],
        body,
        total=["Total CAPEX", "", "", "", money("CAPEX total").removesuffix(" USD")],
        size=7.5,
        row_h=0.2,
    )
    r.paragraph(
        "Unit costs and their cited public sources are listed in cost.csv of the CSV export.",
        size=8,
        color=GREY,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pct(value: Any) -> str:
    v = num(value)
    return "–" if v is None else f"{100 * v:.1f} %"


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _irr(energy: dict[str, Any]) -> str:
    ghi, poa = num(energy.get("ghi_kwh_per_m2")), num(energy.get("poa_kwh_per_m2"))
    if ghi is None and poa is None:
        return "–"
    return f"{_fmt(ghi, 0)} / {_fmt(poa, 0)} kWh/m²"
