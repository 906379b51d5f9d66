"""PDF export: a due-diligence report of the layout (US Letter, portrait), drawn with matplotlib.

Page 1: title, key figures (with the annual energy, its basis and the LCOE when the layout has
them) and a map of the layout in the site's UTM CRS [m] (grid north up, with a scale bar and a
north arrow that points to true north). Following pages: capacity summary, PV design, and for a
designed plant the bill of quantities, MV single-line summary, energy yield (monthly chart, loss
waterfall; a clear-sky year is flagged as an upper bound, never a P50) and cost (see
`app.exports.pdf_design`); then assets by type, roads, earthwork, terrain summary (when given),
warnings, the parameters used, notes, and an asset schedule. Every page carries the software version, the
generation date and "page n of N".

Uses matplotlib's object API (`Figure` + `PdfPages`), never pyplot, so it is safe in worker
threads. Fonts are embedded as TrueType (pdf.fonttype 42) so text can be extracted.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from collections.abc import Collection
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages

import app
from app.exports.document import ExportDocument, Item, num
from app.exports.palette import EXCLUSION_COLOR, label
from app.exports.pdf_constructability import constructability_section
from app.exports.pdf_design import CLEARSKY_RED, design_sections, energy_headline
from app.exports.pdf_map import _draw_map, _legend, _road_order, legend_rows, nice_length, true_north_deg
from app.exports.pdf_page import (
    CJK_FALLBACK_FONTS,
    CONTENT_W_IN,
    DENSE_TABLE_ROWS,
    FONTTYPE,
    GREY,
    LIGHT,
    MARGIN_IN,
    MAX_SCHEDULE_ROWS,
    NAVY,
    PAGE_H_IN,
    PAGE_W_IN,
    Col,
    _flatten,
    _fmt,
    _Report,
    _value_text,
    fit_size,
    fit_text,
    key_label,
    station_kva,
    table_noun,
)
from app.exports.pdf_wind import wind_section

__all__ = ["key_label", "nice_length", "terrain_rows", "true_north_deg", "write_pdf"]

# Appendix A's equipment schedule: one row per asset.
SCHEDULE_COLUMNS: tuple[Col, ...] = (
    Col("#", 0.45),
    Col("Type", 1.3, "left"),
    Col("Lat [°]", 1.05),
    Col("Lon [°]", 1.15),
    Col("kW / kVA", 1.05),
    Col("kWh", 0.7),
    Col("Ground [m]", 1.05),
    Col("Slope [°]", 0.85),
    Col("Pad [m]", 0.85),
    Col("Cut [m³]", 0.85),
    Col("Fill [m³]", 0.85),
)
# PV design metrics shown in the report's design section: (metrics key, label, unit, decimals).
DESIGN_METRICS: tuple[tuple[str, str, str, int], ...] = (
    ("structure", "Structure", "", 0),
    ("table_count", "Tables", "", 0),  # "Trackers" for a tracker plant (see _design_section)
    ("module_count", "Modules", "", 0),
    ("block_count", "Inverter blocks", "", 0),
    ("dc_ac_ratio", "DC/AC ratio", "", 2),
    ("gcr", "Ground-coverage ratio", "", 2),
    ("pitch_m", "Row pitch", "m", 2),
    ("tilt_deg", "Tilt", "°", 1),
    ("azimuth_deg", "Azimuth (clockwise from true north)", "°", 1),
    ("pile_count", "Piles", "", 0),
    ("fenced_area_ha", "Fenced area", "ha", 2),
    ("fence_length_m", "Fence length", "m", 0),
    ("mwdc_per_ha_fenced", "DC density, fenced area", "MWp/ha", 3),
    ("mwdc_per_ha_parcel", "DC density, parcel", "MWp/ha", 3),
)
# Height of one row of the plan's legend [in] (7.5 pt text, matplotlib's default label spacing).
LEGEND_ROW_IN = 0.19
TERRAIN_NOT_USED = (
    "Terrain was not used for this layout (use_terrain off): the ground was assumed flat, so "
    "slopes and earthwork were not assessed and the cut and fill volumes are zero by construction."
)

# -- pages ----------------------------------------------------------------------------------------

# Characters of 8 pt bold that fit the content width (7.3 in) of the first page's energy line.
HEADLINE_CHARS = 118


def _site_area_ha(doc: ExportDocument) -> float | None:
    return doc.to_utm(doc.boundary).area / 10_000.0 if doc.boundary is not None else None


def _first_page(r: _Report) -> None:
    """Page 1: banner, site name and headline, key-figure cards, and the layout map with its legend."""
    _banner(r)
    y = _title(r)
    y = _key_figures(r, y)
    _plan(r, y)


def _banner(r: _Report) -> None:
    """The navy banner: report title, software version and date."""
    doc = r.doc
    r.rect(0, 0, PAGE_W_IN, 1.05, NAVY)
    r.text(MARGIN_IN, 0.55, "Site layout report", fontsize=20, color="white", weight="bold")
    r.text(MARGIN_IN, 0.82, "Preliminary layout · due-diligence summary", fontsize=10, color="#c8d3e1")
    r.text(
        PAGE_W_IN - MARGIN_IN,
        0.55,
        f"Site Layouts {app.__version__}",
        fontsize=9,
        color="#c8d3e1",
        ha="right",
    )
    r.text(
        PAGE_W_IN - MARGIN_IN,
        0.82,
        doc.created_at_utc.strftime("%d %B %Y"),
        fontsize=9,
        color="#c8d3e1",
        ha="right",
    )


def _title(r: _Report) -> float:
    """The site name, layout id, CRS and the energy headline; returns where the page continues [in]."""
    doc = r.doc
    y = 1.45
    for line in textwrap.wrap(doc.display_name, 60)[:2]:
        r.text(MARGIN_IN, y, line, fontsize=16, color="#111111", weight="bold")
        y += 0.3
    r.text(MARGIN_IN, y, f"Layout {doc.layout_id}", fontsize=8.5, color=GREY)
    r.text(MARGIN_IN, y + 0.18, f"Coordinates: {doc.crs_name} · map grid north up", fontsize=8.5, color=GREY)
    headline = energy_headline(doc)
    if headline is not None:
        text, clearsky = headline
        # A hybrid's line (plant and PV energy, plant LCOE) runs past the page's width: wrapped.
        lines = textwrap.wrap(text, HEADLINE_CHARS)
        for i, line in enumerate(lines):
            color = CLEARSKY_RED if clearsky else NAVY
            r.text(MARGIN_IN, y + 0.4 + 0.16 * i, line, fontsize=8, weight="bold", color=color)
        y += 0.22 + 0.16 * (len(lines) - 1)
    y += 0.4
    return y


def _key_figures(r: _Report, y: float) -> float:
    """A row of key-figure cards at `y` [in]; returns where the page continues [in]."""
    doc = r.doc
    m = doc.metric
    capacity = m("total_capacity_kw")
    target = m("target_capacity_kw")
    cut, fill = m("cut_volume_m3"), m("fill_volume_m3")
    cards = [
        ("Capacity", _fmt(capacity / 1000 if capacity is not None else None, 2, "MWac")),
        ("of target", f"{100 * capacity / target:.0f} %" if capacity is not None and target else "–"),
        *([("DC", _fmt(dc / 1000, 2, "MWp"))] if (dc := m("dc_capacity_kwp")) is not None else []),
        ("Storage", _fmt((m("storage_kwh") or 0) / 1000, 1, "MWh")),
        (table_noun(doc).capitalize(), f"{len(doc.tables):,}")
        if doc.tables
        else ("Assets", _fmt(m("asset_count"), 0)),
        ("Roads", _fmt((m("road_length_m") or 0) / 1000, 2, "km")),
        ("Net earthwork", _fmt((cut or 0) - (fill or 0), 0, "m³")),
    ]
    gap = 0.1
    card_w = (CONTENT_W_IN - gap * (len(cards) - 1)) / len(cards)
    # Every figure fits its card: one size for all values (the largest at which the longest fits),
    # so the row reads evenly; a label is cut only if even 6 pt does not fit.
    room = card_w - 0.14 - 0.08
    value_size = min(fit_size(value, room, 12, bold=True, min_size=7) for _, value in cards)
    for k, (name, value) in enumerate(cards):
        x = MARGIN_IN + k * (card_w + gap)
        r.rect(x, y, card_w, 0.68, LIGHT)
        r.rect(x, y, 0.04, 0.68, NAVY)
        r.text(
            x + 0.14,
            y + 0.33,
            fit_text(value, room, value_size, bold=True),
            fontsize=value_size,
            weight="bold",
            color=NAVY,
        )
        name_size = fit_size(name, room, 7.5, min_size=6)
        r.text(x + 0.14, y + 0.55, fit_text(name, room, name_size), fontsize=name_size, color=GREY)
    y += 0.68 + 0.2
    return y


def _plan(r: _Report, y: float) -> None:
    """The layout map from `y` [in] down, its legend under it and the caption under the legend."""
    doc = r.doc
    # The legend sits under the map and the caption under the legend: the map gives up the height
    # the legend's rows need, so neither overprints the other.
    caption_y = PAGE_H_IN - 0.75
    legend_h = legend_rows(doc) * LEGEND_ROW_IN + 0.1
    map_top, map_bottom = y, min(PAGE_H_IN - 1.55, caption_y - 0.22 - legend_h - 0.08)
    rect = (
        MARGIN_IN / PAGE_W_IN,
        1 - map_bottom / PAGE_H_IN,
        CONTENT_W_IN / PAGE_W_IN,
        (map_bottom - map_top) / PAGE_H_IN,
    )
    _draw_map(r.fig, doc, rect)
    _legend(r.fig, doc, 1 - (map_bottom + 0.08) / PAGE_H_IN)
    r.text(
        MARGIN_IN,
        caption_y,
        "Figure 1 — Layout plan. Roads are drawn at their design width; exclusion buffers dashed.",
        fontsize=7.5,
        color=GREY,
    )


def _asset_summary_rows(doc: ExportDocument) -> tuple[list[list[str]], list[str]]:
    rows: list[list[str]] = []
    for asset_type in doc.asset_types:
        items = [a for a in doc.assets if a.asset_type == asset_type]
        slopes = [s for s in (a.value("slope_deg") for a in items) if s is not None]
        kva = [k for k in (station_kva(doc, a) for a in items) if k is not None]
        rows.append(
            [
                label(asset_type),
                f"{len(items):,}",
                # Power stations convert, they do not generate: their rating, not 0 kW.
                f"{sum(kva):,.0f} kVA" if kva else _fmt(sum(a.value("capacity_kw") or 0 for a in items), 0),
                _fmt(sum(a.value("storage_kwh") or 0 for a in items), 0),
                _fmt(sum(slopes) / len(slopes), 1) if slopes else "–",
                _fmt(max(slopes), 1) if slopes else "–",
                _fmt(sum(a.value("cut_m3") or 0 for a in items), 0),
                _fmt(sum(a.value("fill_m3") or 0 for a in items), 0),
            ]
        )
    total = [
        "Total",
        f"{len(doc.assets):,}",
        _fmt(sum(a.value("capacity_kw") or 0 for a in doc.assets), 0),
        _fmt(sum(a.value("storage_kwh") or 0 for a in doc.assets), 0),
        "",
        "",
        _fmt(sum(a.value("cut_m3") or 0 for a in doc.assets), 0),
        _fmt(sum(a.value("fill_m3") or 0 for a in doc.assets), 0),
    ]
    return rows, total


def _road_rows(doc: ExportDocument) -> tuple[list[list[str]], list[str]]:
    rows: list[list[str]] = []
    for road_class in sorted({r.road_class for r in doc.roads}, key=_road_order):
        items = [r for r in doc.roads if r.road_class == road_class]
        widths = sorted({w for w in (r.value("width_m") for r in items) if w is not None})
        grades = [g for g in (r.value("max_grade_pct") for r in items) if g is not None]
        rows.append(
            [
                label(road_class),
                f"{len(items):,}",
                _fmt(sum(r.value("length_m") or 0 for r in items), 0),
                "/".join(_fmt(w, 1) for w in widths) or "–",
                _fmt(max(grades), 1) if grades else "–",
                _fmt(sum(r.value("cut_m3") or 0 for r in items), 0),
                _fmt(sum(r.value("fill_m3") or 0 for r in items), 0),
            ]
        )
    grades = [g for g in (r.value("max_grade_pct") for r in doc.roads) if g is not None]
    total = [
        "Total",
        f"{len(doc.roads):,}",
        _fmt(sum(r.value("length_m") or 0 for r in doc.roads), 0),
        "",
        _fmt(max(grades), 1) if grades else "–",
        _fmt(sum(r.value("cut_m3") or 0 for r in doc.roads), 0),
        _fmt(sum(r.value("fill_m3") or 0 for r in doc.roads), 0),
    ]
    return rows, total


def _sections(r: _Report) -> None:
    """The report's pages after the first: numbered sections 1-8, then the asset schedule."""
    r.new_page()
    _capacity_section(r)
    _design_section(r)
    design_sections(r)
    wind_section(r)
    _assets_section(r)
    _roads_section(r)
    constructability_section(r, "3a  Constructability")
    _earthwork_section(r)
    _terrain_section(r)
    _warnings_section(r)
    _parameters_section(r)
    _notes_section(r)
    _schedule_appendix(r)


def _capacity_section(r: _Report) -> None:
    """1  Capacity summary: target and placed capacity [kW], DC [kWp], storage [kWh], areas [ha]."""
    doc = r.doc
    m = doc.metric
    r.heading("1  Capacity summary")
    capacity, target = m("total_capacity_kw"), m("target_capacity_kw")
    site_ha = _site_area_ha(doc)
    excl_ha = sum(doc.to_utm(e.geometry).area for e in doc.exclusions) / 10_000.0
    r.kv_table(
        [
            ("Target generating capacity", _fmt(target, 0, "kW")),
            ("Placed generating capacity", _fmt(capacity, 0, "kW")),
            (
                "Share of target",
                f"{100 * capacity / target:.1f} %" if capacity is not None and target else "–",
            ),
            ("DC capacity", _fmt(m("dc_capacity_kwp"), 0, "kWp")),
            ("Energy storage", _fmt(m("storage_kwh"), 0, "kWh")),
            ("Site area", _fmt(site_ha, 2, "ha")),
            ("Exclusion zones", f"{len(doc.exclusions)} ({excl_ha:,.2f} ha)"),
            ("Usable area (boundary − setback − exclusions)", _fmt(m("usable_area_ha"), 2, "ha")),
            ("Buildable area (usable, within slope limits)", _fmt(m("buildable_area_ha"), 2, "ha")),
            ("Capacity density, buildable area", _fmt(m("capacity_density_kw_per_ha"), 1, "kW/ha")),
        ]
    )


def _assets_section(r: _Report) -> None:
    """2  Assets by type: count, capacity, storage, slopes and pad earthwork per type."""
    doc = r.doc
    r.heading("2  Assets by type")
    rows, total = _asset_summary_rows(doc)
    if rows:
        r.table(
            [
                Col("Asset type", 1.5, "left"),
                Col("Count", 0.6),
                Col("Capacity [kW / kVA]", 1.45),
                Col("Storage [kWh]", 1.2),
                Col("Mean slope [°]", 1.2),
                Col("Max slope [°]", 1.1),
                Col("Cut [m³]", 0.95),
                Col("Fill [m³]", 0.95),
            ],
            rows,
            total=total,
        )
    else:
        r.paragraph("No assets were placed in this layout.")


def _roads_section(r: _Report) -> None:
    """3  Roads by class: segments, length [m], width [m], grade [%], earthwork [m³]."""
    doc = r.doc
    r.heading("3  Roads")
    rows, total = _road_rows(doc)
    if rows:
        r.table(
            [
                Col("Road class", 1.6, "left"),
                Col("Segments", 0.9),
                Col("Length [m]", 1.1),
                Col("Width [m]", 1.0),
                Col("Max grade [%]", 1.1),
                Col("Cut [m³]", 1.0),
                Col("Fill [m³]", 1.0),
            ],
            rows,
            total=total,
        )
    else:
        r.paragraph("No roads were laid out.")


def _earthwork_section(r: _Report) -> None:
    """4  Earthwork: cut and fill [m³] of asset pads and roads, and the net."""
    doc = r.doc
    m = doc.metric
    r.heading("4  Earthwork")
    a_cut = sum(a.value("cut_m3") or 0 for a in doc.assets)
    a_fill = sum(a.value("fill_m3") or 0 for a in doc.assets)
    rd_cut = sum(x.value("cut_m3") or 0 for x in doc.roads)
    rd_fill = sum(x.value("fill_m3") or 0 for x in doc.roads)
    cut = m("cut_volume_m3") if m("cut_volume_m3") is not None else a_cut + rd_cut
    fill = m("fill_volume_m3") if m("fill_volume_m3") is not None else a_fill + rd_fill
    r.table(
        [
            Col("Element", 1.8, "left"),
            Col("Cut [m³]", 1.0),
            Col("Fill [m³]", 1.0),
            Col("Net, cut − fill [m³]", 1.4),
        ],
        [
            ["Asset pads", _fmt(a_cut), _fmt(a_fill), _fmt(a_cut - a_fill)],
            ["Roads", _fmt(rd_cut), _fmt(rd_fill), _fmt(rd_cut - rd_fill)],
        ],
        total=["Total", _fmt(cut), _fmt(fill), _fmt((cut or 0) - (fill or 0))],
        width_in=CONTENT_W_IN * 0.8,
    )
    r.paragraph(
        "A positive net volume is surplus material to be spread or removed; a negative one must be imported. "
        + (
            "Volumes are bulk (unswelled) estimates from the terrain model."
            if doc.terrain_assessed
            else TERRAIN_NOT_USED
        ),
        size=8,
        color=GREY,
    )


def _terrain_section(r: _Report) -> None:
    """5  Terrain summary: the DEM used, terrain figures and slope classes."""
    doc = r.doc
    m = doc.metric
    r.heading("5  Terrain summary")
    if not doc.terrain_assessed:
        r.paragraph(TERRAIN_NOT_USED)
    elif m("dem_resolution_m") is not None or doc.metrics.get("dem_source"):
        r.kv_table(terrain_source_rows(doc))
    if doc.terrain_summary:
        terrain_kv, classes = terrain_rows(doc.terrain_summary, asset_types=_profile_asset_types(doc))
        r.kv_table(terrain_kv)
        if classes:
            r.table(
                [Col("Slope class [°]", 1.4, "left"), Col("Area [ha]", 1.0), Col("Share of site", 1.0)],
                classes,
                width_in=CONTENT_W_IN * 0.6,
            )
    else:
        r.paragraph(
            "No terrain summary is available for this layout (terrain not analysed or flat ground assumed)."
        )


def _warnings_section(r: _Report) -> None:
    """6  Warnings: the engine's, or that there were none."""
    doc = r.doc
    r.heading("6  Warnings")
    if doc.warnings:
        r.bullets(doc.warnings)
    else:
        r.paragraph("None. The engine raised no warnings for this layout.")


def _parameters_section(r: _Report) -> None:
    """7  Parameters used, flattened to labelled rows."""
    doc = r.doc
    r.heading("7  Parameters used")
    params = list(_flatten(doc.params))
    if params:
        r.kv_table([(key_label(k), _value_text(v)) for k, v in params])
    else:
        r.paragraph("No parameters were recorded.")


def _notes_section(r: _Report) -> None:
    """8  Notes: what the figures are (and are not), the CRS, the layout id and version."""
    doc = r.doc
    r.heading("8  Notes")
    if doc.terrain_assessed:
        basis = "estimates from a digital elevation model"
        grid = str(doc.metrics.get("dem_resolution_label") or "")
        basis += f" ({grid})" if grid else ""
        terrain_note = basis + " and simplified pad and road geometry"
    else:
        terrain_note = (
            "estimates on flat ground: terrain was not used, so slopes and earthwork were not assessed"
        )
    r.paragraph(
        "This report describes a preliminary, computer-generated layout for early-stage due diligence. "
        f"Capacities, road lengths and earthwork volumes are {terrain_note}; they do not replace survey, "
        "geotechnical investigation or detailed engineering design. "
        f"Quantities were computed in {doc.crs_name}; geometry is exchanged "
        "in WGS 84 (EPSG:4326) in the GeoJSON, KMZ and CSV exports and in UTM metres in the DXF export.",
        size=8.5,
    )
    r.paragraph(
        f"Layout {doc.layout_id} · generated {doc.created_at_utc.strftime('%Y-%m-%d %H:%M UTC')} · "
        f"Site Layouts {app.__version__}",
        size=8,
        color=GREY,
    )


def _schedule_appendix(r: _Report) -> None:
    """Appendix A: the asset schedule (equipment, up to MAX_SCHEDULE_ROWS rows)."""
    doc = r.doc
    if doc.equipment:
        r.new_page()
        r.heading("Appendix A  Asset schedule")
        if len(doc.equipment) > DENSE_TABLE_ROWS:
            _schedule_summary(r)
            return
        shown = doc.equipment[:MAX_SCHEDULE_ROWS]
        r.table(
            list(SCHEDULE_COLUMNS),
            [_schedule_row(n, a, doc) for n, a in enumerate(shown, start=1)],
            size=7.5,
            row_h=0.2,
        )
        if len(doc.equipment) > len(shown):
            r.paragraph(
                f"First {len(shown):,} of {len(doc.equipment):,} assets shown; "
                "the CSV export lists every asset.",
                size=8,
                color=GREY,
            )
        if doc.tables:
            r.paragraph(
                f"The {len(doc.tables):,} {table_noun(doc)} are listed in tables.csv of the CSV export.",
                size=8,
                color=GREY,
            )


def _schedule_summary(r: _Report) -> None:
    """Appendix A of a plant with many blocks: every asset but the power stations listed, the power
    stations (one per inverter block) summed up per rating with their blocks; the CSV lists them all.

    A 1 GWac plant's 250 station rows took six pages and a third of the report's CPU time."""
    doc = r.doc
    stations = [a for a in doc.equipment if a.asset_type == "power_station"]
    others = [a for a in doc.equipment if a.asset_type != "power_station"][:MAX_SCHEDULE_ROWS]
    columns = list(SCHEDULE_COLUMNS)
    if others:
        r.table(
            columns, [_schedule_row(n, a, doc) for n, a in enumerate(others, start=1)], size=7.5, row_h=0.2
        )
    if stations:
        by_rating: dict[str, list[Item]] = {}
        for a in stations:
            kva = station_kva(doc, a)
            by_rating.setdefault(f"{kva:,.0f} kVA" if kva is not None else "–", []).append(a)
        rows = []
        blocks = [
            sorted(
                {str(b) for b in (a.properties.get("block") for a in items) if b is not None}, key=_block_key
            )
            for items in by_rating.values()
        ]
        for (rating, items), named in zip(by_rating.items(), _group_names(blocks), strict=True):
            rows.append(
                [
                    rating,
                    f"{len(items):,}",
                    named or "–",
                    _fmt(sum(a.value("cut_m3") or 0 for a in items), 0),
                    _fmt(sum(a.value("fill_m3") or 0 for a in items), 0),
                ]
            )
        r.table(
            [
                Col("Power station rating", 1.4, "left"),
                Col("Stations", 0.8),
                Col("Inverter blocks", 3.4, "left"),
                Col("Cut [m³]", 0.9),
                Col("Fill [m³]", 0.9),
            ],
            rows,
        )
    r.paragraph(
        f"Summary of {len(doc.equipment):,} assets: the {len(stations):,} power stations, one per inverter "
        "block, are summed per rating. The CSV export lists every asset with its position, ground, pad "
        f"and earthwork (assets.csv), and the {len(doc.tables):,} {table_noun(doc)} (tables.csv).",
        size=8,
        color=GREY,
    )


def _block_key(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 30, name)


def terrain_source_rows(doc: ExportDocument) -> list[tuple[str, str]]:
    """What the terrain data was: source, analysis grid beside the source's own resolution."""
    m = doc.typed_metrics
    rows = [("DEM source", m.dem_source or "–")]
    if m.dem_resolution_label:
        rows.append(("Terrain grid", m.dem_resolution_label))
    else:
        rows.append(("Terrain grid", _fmt(m.dem_resolution_m, 0, "m")))
    rows.append(("Source resolution", _fmt(m.dem_native_resolution_m, 0, "m")))
    grid, native = m.dem_resolution_m, m.dem_native_resolution_m
    if grid is not None and native is not None and grid * 1.25 < native:
        rows.append(("Note", f"grid finer than its source: terrain detail is ≈ {native:.0f} m"))
    return rows


def _design_section(r: _Report) -> None:
    """PV design parameters and table counts per inverter block (when the layout has PV tables)."""
    doc = r.doc
    present = [(k, name, unit, d) for k, name, unit, d in DESIGN_METRICS if doc.metrics.get(k) is not None]
    if not doc.tables and not present:
        return
    r.heading("1a  PV design")
    rows = []
    for key, name, unit, decimals in present:
        value = doc.metrics[key]
        if key == "table_count":
            name = table_noun(doc).capitalize()
        rows.append((name, _fmt(value, decimals, unit) if num(value) is not None else str(value)))
    if rows:
        r.kv_table(rows)
    blocks = [(b, items) for b, items in doc.blocks.items()]
    if not blocks:
        return
    body = []
    for block, items in blocks:
        body.append(
            [
                "–" if block is None else str(block),
                f"{len(items):,}",
                _fmt(sum(t.value("modules") or 0 for t in items), 0),
                _fmt(sum(t.value("dc_kwp") or 0 for t in items), 1),
                _fmt(sum(t.value("piles") or 0 for t in items), 0),
            ]
        )
    grouped = len(body) > DENSE_TABLE_ROWS
    if grouped:
        # A utility-scale plant's 250 blocks are a few designs repeated: one row per make-up,
        # naming its blocks, keeps every figure on paper in a page, not seven.
        body = _grouped_blocks(body)
    total = [
        "Total",
        f"{len(doc.tables):,}",
        _fmt(sum(t.value("modules") or 0 for t in doc.tables), 0),
        _fmt(sum(t.value("dc_kwp") or 0 for t in doc.tables), 1),
        _fmt(sum(t.value("piles") or 0 for t in doc.tables), 0),
    ]
    if grouped:
        r.table(
            [
                Col("Inverter blocks", 2.6, "left"),
                Col("Blocks", 0.6),
                Col(f"{table_noun(doc).capitalize()} each", 1.0),
                Col("Modules each", 1.0),
                Col("DC each [kWp]", 1.1),
                Col("Piles each", 0.9),
            ],
            body,
            total=[total[0], f"{len(blocks):,}", *total[1:]],
        )
        r.paragraph(
            f"Blocks with the same make-up share a row ({len(blocks):,} blocks in {len(body):,} rows); "
            f"the total row sums the plant. Every {table_noun(doc, plural=False)} with its block is "
            "listed in tables.csv of the CSV export.",
            size=8,
            color=GREY,
        )
        return
    r.table(
        [
            Col("Inverter block", 1.3, "left"),
            Col(table_noun(doc).capitalize(), 0.9),
            Col("Modules", 1.0),
            Col("DC [kWp]", 1.1),
            Col("Piles", 0.9),
        ],
        body,
        total=total,
        width_in=CONTENT_W_IN * 0.75,
    )


def _grouped_blocks(rows: list[list[str]]) -> list[list[str]]:
    """Per-block rows [block, count, modules, DC, piles] merged where all but the block are equal:
    [block ranges ("1–8, 10"), number of blocks, count, modules, DC, piles], by first block."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for block, *figures in rows:
        groups.setdefault(tuple(figures), []).append(block)
    names = _group_names(list(groups.values()))
    return [
        [n, f"{len(g):,}", *figures] for n, g, figures in zip(names, groups.values(), groups, strict=True)
    ]


LONG_RANGES = 60  # characters: a longer list of blocks would be cut in its cell


def _group_names(groups: list[list[str]]) -> list[str]:
    """Each group's blocks as runs (`_ranges`); the largest group, when its runs are long, is
    "all other blocks" instead (every other group is named, so nothing is lost)."""
    names = [_ranges(g) for g in groups]
    if groups:
        big = max(range(len(groups)), key=lambda k: len(groups[k]))
        if len(names[big]) > LONG_RANGES:
            names[big] = "all other blocks"
    return names


def _ranges(names: list[str]) -> str:
    """Block names as runs: ["1", "2", "3", "5", "–"] → "1–3, 5, –" (numbers ascending as given)."""
    out: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
            run.clear()

    for name in names:
        if name.isdigit() and (not run or int(name) == run[-1] + 1):
            run.append(int(name))
            continue
        flush()
        if name.isdigit():
            run.append(int(name))
        else:
            out.append(name)
    flush()
    return ", ".join(out)


def _share(value: Any) -> str:
    v = num(value)
    return "–" if v is None else f"{100 * v:.1f} %"


def _profile_asset_types(doc: ExportDocument) -> set[str] | None:
    """The asset types of the layout's profile (and any placed), None when the profile is unknown."""
    from app.engine.blocks.profiles import load_profile

    name = doc.params.get("profile") if isinstance(doc.params, dict) else None
    try:
        types = set(load_profile(str(name)).asset_types) if name else set()
    except Exception:  # an unknown or retired profile name: fall back to what was placed
        types = set()
    types |= set(doc.asset_types)
    return types or None


def terrain_rows(
    summary: dict[str, Any], *, asset_types: Collection[str] | None = None
) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """Key/value rows and slope-class rows for a terrain summary.

    asset_types: when given, buildable shares are listed for these asset types only (a solar
    report does not list wind turbines).

    Understands `app.engine.terrain.analysis.TerrainSummary.to_dict()` (shares 0-1 shown as %, slope
    classes as a table, per-limit and per-asset buildable shares as rows); any other key is shown
    with its unit taken from its suffix.
    """
    rows: list[tuple[str, str]] = []
    classes: list[list[str]] = []
    for key, value in summary.items():
        if key == "slope_classes" and isinstance(value, list):
            for c in value:
                if isinstance(c, dict):
                    lo, hi = num(c.get("lower_deg")), num(c.get("upper_deg"))
                    name = c.get("label") or (f"{lo:g}-{hi:g}" if lo is not None and hi is not None else "?")
                    classes.append([str(name), _fmt(c.get("area_ha"), 2), _share(c.get("share"))])
        elif key == "buildable_share_by_limit" and isinstance(value, dict):
            rows += [(f"Buildable share, slope ≤ {k}°", _share(v)) for k, v in value.items()]
        elif key == "buildable_share_by_asset" and isinstance(value, dict):
            rows += [
                (f"Buildable share for {label(str(k))}", _share(v))
                for k, v in value.items()
                if asset_types is None or k in asset_types
            ]
        elif isinstance(value, dict):
            rows += [(f"{key_label(key)} › {k}", _value_text(v)) for k, v in value.items()]
        elif key.endswith("_share") or key.endswith("_fraction"):
            rows.append((key_label(key), _share(value)))
        elif key == "crs":
            rows.append(("Terrain CRS", str(value)))
        elif key in ("resolution_label", "resolution_warning"):
            # Shown once, in the terrain source rows ("Terrain grid", "Note"), not as a cut sentence.
            continue
        else:
            rows.append((key_label(key), _value_text(value)))
    return rows, classes


def _schedule_row(n: int, a: Item, doc: ExportDocument | None = None) -> list[str]:
    c = a.geometry.centroid
    kva = station_kva(doc, a) if doc is not None else None
    return [
        str(n),
        label(a.asset_type),
        f"{c.y:.6f}",
        f"{c.x:.6f}",
        f"{kva:,.0f} kVA" if kva is not None else _fmt(a.value("capacity_kw"), 0),
        _fmt(a.value("storage_kwh"), 0),
        _fmt(a.value("elevation_m"), 1),
        _fmt(a.value("slope_deg"), 1),
        _fmt(a.value("pad_elevation_m"), 1),
        _fmt(a.value("cut_m3"), 0),
        _fmt(a.value("fill_m3"), 0),
    ]


def _font_families() -> list[str]:
    """DejaVu Sans, plus an installed CJK font as fallback for site names in those scripts."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(f for f in CJK_FALLBACK_FONTS if f in installed)]


def write_pdf(doc: ExportDocument) -> bytes:
    """The layout's due-diligence report as PDF bytes (see the module docstring)."""
    buf = io.BytesIO()
    with (
        matplotlib.rc_context(
            {
                "pdf.fonttype": FONTTYPE,
                "font.family": "sans-serif",
                "font.sans-serif": _font_families(),
                "hatch.linewidth": 0.6,
                "hatch.color": EXCLUSION_COLOR,
                "pdf.compression": 6,
            }
        ),
        warnings.catch_warnings(),
    ):
        # Glyphs missing from every installed font render as boxes; that must not fail an export.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        report = _Report(doc)
        _first_page(report)
        _sections(report)
        report.footers()
        metadata = {
            "Title": f"Site layout report — {doc.display_name}",
            "Author": f"Site Layouts {app.__version__}",
            "Subject": f"Layout {doc.layout_id}",
            "Creator": f"Site Layouts {app.__version__}",
            "CreationDate": doc.created_at_utc,
        }
        with PdfPages(buf, metadata=metadata) as pdf:
            for fig in report.pages:
                pdf.savefig(fig)
    return buf.getvalue()
