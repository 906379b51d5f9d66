"""The PDF report's storage section: the battery, its target and the typical-day dispatch chart
(the day-of-year mean of each hour), and the energy and LCOE by source (only when present)."""

from __future__ import annotations

from typing import Any

from app.exports.pdf_design import chart_axes
from app.exports.pdf_page import GREY, NAVY, _fmt, _Report

CHART_H_IN = 2.3
PV_COLOR = "#f59e0b"
WIND_COLOR = "#0ea5e9"
CHARGE_COLOR = "#16a34a"
DISCHARGE_COLOR = "#7c3aed"


def storage_section(r: _Report) -> None:
    """Heading, key figures and the typical-day chart of design["storage"]; the by-source table."""
    storage = r.doc.section("storage")
    if storage:
        r.heading("Storage")
        target = storage.get("target") or {}
        window = target.get("window")
        hours = target.get("firm_hours") or (((window[1] - window[0]) % 24 or 24) if window else None)
        aim = (
            f"{_fmt(target.get('firm_mw'), 1, 'MW')} for {_fmt(hours, 1, 'h')} in "
            f"{window[0]:02d}–{window[1]:02d} h on "
            f"{_fmt(100 * (target.get('days_share') or 0), 0, '%')} of days"
            if target.get("kind") == "firm" and window
            else str(target.get("kind") or "—")
        )
        spacing = storage.get("spacing") or {}
        r.kv_table(
            [
                (
                    "Battery",
                    f"{_fmt(storage.get('power_kw'), 0, 'kW')} / {_fmt(storage.get('energy_kwh'), 0, 'kWh')}",
                ),
                ("Target", aim),
                ("Days met", _fmt(100 * (storage.get("firm_days_met_share") or 0), 1, "%")),
                (
                    "Cycles per year",
                    f"{_fmt(storage.get('cycles_per_yr'), 0)} (warranty "
                    f"{_fmt(storage.get('warranty_cycles_per_yr'), 0)})",
                ),
                ("Round-trip efficiency", _fmt(100 * (storage.get("round_trip_efficiency") or 0), 0, "%")),
                ("Curtailment avoided", _fmt(storage.get("curtailment_avoided_mwh"), 0, "MWh/yr")),
                (
                    "Unit spacing",
                    f"{_fmt(spacing.get('container_gap_m'), 2, 'm')} ({spacing.get('standard', '')})",
                ),
                ("Solver", str(storage.get("solver") or "")),
            ]
        )
        day = storage.get("typical_day") or []
        if len(day) == 24:
            typical_day_chart(r, day)
    by_source = r.doc.design.get("economics_by_source") if isinstance(r.doc.design, dict) else None
    if isinstance(by_source, list) and by_source:
        r.heading("Energy and LCOE by source")
        r.kv_table(
            [
                (
                    str(s.get("source")),
                    f"{_fmt(s.get('energy_mwh'), 0, 'MWh/yr')} · "
                    f"CAPEX {_fmt(s.get('capex_usd'), 0, 'USD')} · "
                    f"LCOE {_source_lcoe(s)}",
                )
                for s in by_source
            ]
        )


def _source_lcoe(row: dict[str, Any]) -> str:
    """A source's LCOE, marked "≥ … (lower bound)" when it counts a clear-sky PV year."""
    bound = row.get("lcoe_lower_bound_usd_per_mwh")
    if bound is not None:
        return f"≥ {_fmt(bound, 2, 'USD/MWh')} (lower bound, clear-sky PV)"
    return _fmt(row.get("lcoe_usd_per_mwh"), 2, "USD/MWh")


def typical_day_chart(r: _Report, day: list[dict[str, Any]]) -> None:
    """PV and wind stacked, charge below zero, discharge on top, grid and target lines [MW]."""
    ax, top = chart_axes(r, CHART_H_IN)
    hours = [int(x["hour"]) for x in day]
    pv = [float(x["pv_mw"]) for x in day]
    wind = [float(x["wind_mw"]) for x in day]
    dis = [float(x["discharge_mw"]) for x in day]
    ch = [-float(x["charge_mw"]) for x in day]
    ax.bar(hours, pv, color=PV_COLOR, width=0.8, label="PV")
    if any(wind):
        ax.bar(hours, wind, bottom=pv, color=WIND_COLOR, width=0.8, label="wind")
    base = [a + b for a, b in zip(pv, wind, strict=True)]
    ax.bar(hours, dis, bottom=base, color=DISCHARGE_COLOR, width=0.8, label="discharge")
    ax.bar(hours, ch, color=CHARGE_COLOR, width=0.8, label="charge")
    ax.step(hours, [float(x["grid_mw"]) for x in day], where="mid", color=NAVY, lw=1.2, label="to grid")
    ax.step(hours, [float(x["firm_target_mw"]) for x in day], where="mid", color="#b91c1c", lw=1.0, ls="--",
            label="firm target")  # fmt: skip
    ax.axhline(0.0, color=GREY, lw=0.5)
    ax.set_xticks(range(0, 24, 3))
    ax.tick_params(labelsize=7.5)
    ax.set_xlabel("hour of day (local standard time)", fontsize=7.5)
    ax.set_ylabel("MW", fontsize=8)
    ax.set_title("Typical day (mean of each hour over the year) [MW]", fontsize=9, color=NAVY, loc="left")
    ax.legend(fontsize=6.5, ncol=6, loc="upper left", frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    r.y = top + CHART_H_IN
