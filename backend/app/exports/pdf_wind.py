"""The PDF report's wind section (layouts with turbines): the turbine, the resource and its wind
rose at hub height, the spacing rule, the energy (gross, wake, net P50) and each turbine's AEP.
Without a wind resource the section says that no wind energy was computed."""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
from matplotlib.projections.polar import PolarAxes

from app.exports.pdf_page import CONTENT_W_IN, MARGIN_IN, NAVY, PAGE_H_IN, PAGE_W_IN, Col, _fmt, _Report

ROSE_H_IN = 2.6


def wind_section(r: _Report) -> None:
    """Section "1f  Wind farm" when the layout has turbines."""
    w = r.doc.section("wind")
    if not w:
        return
    m = r.doc.metric
    t = w.get("turbine") or {}
    spacing = w.get("spacing") or {}
    r.heading("1f  Wind farm")
    prevailing = spacing.get("prevailing_deg")
    size = f"{_fmt(t.get('rotor_diameter_m'), 1, 'm')} · {_fmt(t.get('hub_height_m'), 1, 'm')}"
    fleet = f"{_fmt(m('turbine_count'), 0)} · {_fmt(m('wind_capacity_kw'), 0, 'kW')}"
    rule = f"{spacing.get('along_wind_d', '–')} D × {spacing.get('across_wind_d', '–')} D"
    setback = (
        f"{spacing.get('setback_tip_heights', '–')} × tip height = {_fmt(spacing.get('setback_m'), 0, 'm')}"
    )
    rows = [
        ("Turbine", str(t.get("name", "–"))),
        ("Rated power · rotor · hub height", f"{_fmt(t.get('rated_kw'), 0, 'kW')} · {size}"),
        ("Turbines · wind capacity", fleet),
        ("Spacing along × across the wind", rule),
        ("Prevailing wind (energy)", "unknown (no resource)" if prevailing is None else f"{prevailing:g}°"),
        ("Boundary setback", setback),
    ]
    res = w.get("resource")
    if res:
        where = f"{res.get('kind')} ({res.get('source')}) at {_fmt(res.get('measurement_height_m'), 0, 'm')}"
        hub = f"{res.get('shear_exponent')} · {_fmt(res.get('mean_speed_hub_m_s'), 2, 'm/s')}"
        rows += [
            ("Wind resource", where),
            ("Shear exponent · mean speed at hub", hub),
            ("Air density", _fmt(w.get("air_density_kg_m3"), 3, "kg/m³")),
            ("Wake model", str(w.get("wake_model", "–"))),
            ("Gross AEP", _fmt(m("wind_gross_aep_mwh"), 0, "MWh/yr")),
            ("Wake loss", _fmt(m("wind_wake_loss_pct"), 2, "%")),
            ("Net AEP (P50, after availability and electrical)", _fmt(m("wind_net_aep_mwh"), 0, "MWh/yr")),
            ("Net capacity factor", _fmt(m("wind_capacity_factor_pct"), 1, "%")),
        ]
        if res.get("hourly_synthesised"):
            rows.append(("Hourly wind for storage", "synthesised from the distribution (docs/wind.md)"))
    r.kv_table(rows)
    if not res:
        note = w.get("energy_note")
        r.paragraph(
            f"{str(note)[:1].upper()}{str(note)[1:]} (never estimated)."
            if note
            else "No wind resource was uploaded for this site: no wind energy was computed (never estimated)."
        )
        return
    rose = w.get("rose") or []
    if rose:
        _rose_chart(r, rose)
    turbines = [p for p in w.get("turbines") or [] if "net_aep_mwh" in p]
    if turbines:
        cols = [
            Col("Turbine", 0.9, "left"),
            Col("Gross AEP [MWh]", 1.4),
            Col("Wake loss [%]", 1.2),
            Col("Net AEP [MWh]", 1.4),
        ]
        body = [
            [
                str(p["id"]),
                _fmt(p["gross_aep_mwh"], 0),
                _fmt(p["wake_loss_pct"], 2),
                _fmt(p["net_aep_mwh"], 0),
            ]
            for p in turbines
        ]
        total = [
            "Total",
            _fmt(m("wind_gross_aep_mwh"), 0),
            _fmt(m("wind_wake_loss_pct"), 2),
            _fmt(m("wind_net_aep_mwh"), 0),
        ]
        r.table(cols, body, total=total, width_in=CONTENT_W_IN * 0.7)


def _rose_chart(r: _Report, rose: list[dict[str, Any]]) -> None:
    """A polar bar chart of sector frequency [%] (colour: mean speed at hub height)."""
    # The title and the 0° label sit above the polar axes: the axes start 0.45 in below the title
    # line so neither reaches the text above (or the page header on a new page).
    r.ensure(ROSE_H_IN + 0.65)
    r.text(
        MARGIN_IN,
        r.y + 0.15,
        "Wind rose at hub height (frequency %, colour: mean speed)",
        fontsize=8.5,
        color=NAVY,
    )
    top = r.y + 0.6
    size = ROSE_H_IN - 0.3
    ax = cast(
        PolarAxes,
        r.fig.add_axes(
            (
                (MARGIN_IN + 0.3) / PAGE_W_IN,
                1 - (top + size) / PAGE_H_IN,
                size / PAGE_W_IN,
                size / PAGE_H_IN,
            ),
            projection="polar",
        ),
    )
    theta = np.radians([float(s["sector_deg"]) for s in rose])
    freq = np.array([100.0 * float(s["frequency"]) for s in rose])
    speed = np.array([float(s["mean_speed_m_s"]) for s in rose])
    width = 2 * math.pi / max(len(rose), 1) * 0.9
    norm = (speed - speed.min()) / max(float(np.ptp(speed)), 1e-9)
    colors = [(0.15 + 0.7 * v, 0.3, 0.6 - 0.4 * v) for v in norm]
    ax.bar(theta, freq, width=width, color=colors, edgecolor="white", lw=0.5)
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    ax.tick_params(labelsize=7)
    r.text(
        MARGIN_IN + size + 0.8,
        top + size / 2,
        f"mean speed by sector {speed.min():.1f}–{speed.max():.1f} m/s",
        fontsize=8,
        color="#222222",
    )
    r.y = top + ROSE_H_IN
