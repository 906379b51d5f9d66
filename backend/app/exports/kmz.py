"""KMZ export for Google Earth.

A zip holding `doc.kml` (KML 2.2, built with lxml). Coordinates are WGS84 (EPSG:4326)
longitude,latitude [degrees], clamped to ground. Layout:

    Document  (name = site name; description = layout summary and warnings)
      Style per asset type, per road class, boundary, exclusion, entry
      Folder "Boundary"     the site boundary polygon(s)
      Folder "Exclusions"   one placemark per zone (its description gives type and buffer [m])
      Folder "Site entry"   the entry point, when there is one
      Folder "Assets"       one sub-folder per asset type, one placemark per asset; PV tables and
                            trackers one level deeper, a folder per inverter block
                            ("Block 3 (412 tables, 9.57 MWp)"), coloured like the block on the map
      Folder "Roads"        one placemark per road segment (LineString); segments steeper than
                            trucks can climb (`compliant: false`) in red, named "… (too steep)"
      Folder "Fences"       fence lines and gates, when there are any
      Folder "Cables"       cable routes of the electrical design, a sub-folder per level ("DC cables
                            (78)", "LV cables", "MV cables"), each placemark named by its circuit
                            with conductor, length_m, current_a; when there are any
      Folder "Trenches"     cable trench centrelines (DC / LV and MV), when there are any
      Folder "Grid connection"
                            the gen-tie line from the interconnection point to the substation
                            (voltage_kv, length_m, straight_m), when the site has that point

Colours are the web app's (app.exports.palette).

Each placemark's description is an HTML table of its numbers, and the same numbers are in
`ExtendedData` (`<Data name="capacity_kw"><value>…`) for machine readers.
The KMZ parses back as a site with `app.sites.kml.parse_site_file`: the boundary comes back.
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import shapely
from lxml import etree
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

import app
from app.engine.core.energy_basis import headline
from app.engine.wind.layout import TURBINE_PROPERTIES
from app.exports.design_tables import energy_basis, is_clearsky
from app.exports.document import ROAD_CLASS_ORDER, TABLE_TYPES, ExportDocument, Item, num
from app.exports.palette import (
    BOUNDARY_COLOR,
    COLLECTOR_TIE_COLOR,
    ENTRY_COLOR,
    EXCLUSION_COLOR,
    FENCE_COLOR,
    GEN_TIE_COLOR,
    TRENCH_COLOR,
    asset_color,
    block_color,
    cable_color,
    kml_color,
    label,
    road_color,
)

KML_NS = "http://www.opengis.net/kml/2.2"
COORD_DECIMALS = 7  # 1e-7 degrees ≈ 1 cm
ROAD_STYLE_WIDTH_PX = {"spine": 5.0, "secondary": 3.5, "spur": 2.5}

# (property, label, unit, decimals) shown in asset / road / exclusion descriptions.
ASSET_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("capacity_kw", "Capacity", "kW", 1),
    ("storage_kwh", "Storage", "kWh", 1),
    ("rotation_deg", "Rotation (from north)", "°", 1),
    ("elevation_m", "Ground elevation", "m", 2),
    ("slope_deg", "Slope", "°", 2),
    ("pad_elevation_m", "Pad elevation", "m", 2),
    ("cut_m3", "Cut", "m³", 1),
    ("fill_m3", "Fill", "m³", 1),
    # Turbines only (the rows show when the asset has them): hub height, rotor, AEP.
    *(f for f in TURBINE_PROPERTIES if f[0] != "turbine_id"),
)
ROAD_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("width_m", "Width", "m", 1),
    ("length_m", "Length", "m", 1),
    ("max_grade_pct", "Max grade", "%", 2),
    ("cut_m3", "Cut", "m³", 1),
    ("fill_m3", "Fill", "m³", 1),
)
EXCLUSION_FIELDS: tuple[tuple[str, str, str, int], ...] = (("buffer_m", "Buffer", "m", 1),)
TABLE_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("dc_kwp", "DC capacity", "kWp", 2),
    ("modules", "Modules", "", 0),
    ("tilt_deg", "Tilt", "°", 1),
    ("azimuth_deg", "Azimuth (from north)", "°", 1),
    ("slope_along_pct", "Slope along", "%", 1),
    ("slope_across_pct", "Slope across", "%", 1),
    ("piles", "Piles", "", 0),
    ("cut_m3", "Cut", "m³", 1),
    ("fill_m3", "Fill", "m³", 1),
)
TABLE_DATA_KEYS: tuple[str, ...] = ("asset_type", "block", "structure", *(f[0] for f in TABLE_FIELDS))
CABLE_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("length_m", "Route length", "m", 1),
    ("current_a", "Design current", "A", 1),
    ("cable_m", "Conductor metres", "m", 1),
    ("block", "Inverter block", "", 0),
)
CABLE_DATA_KEYS: tuple[str, ...] = ("circuit", "level", "conductor", *(f[0] for f in CABLE_FIELDS))
TRENCH_FIELDS: tuple[tuple[str, str, str, int], ...] = (("length_m", "Length", "m", 1),)
GEN_TIE_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("voltage_kv", "Voltage", "kV", 0),
    ("length_m", "Length", "m", 1),
    ("straight_m", "Drawn straight (beyond the terrain grid)", "m", 1),
)
COLLECTOR_TIE_FIELDS: tuple[tuple[str, str, str, int], ...] = (
    ("collector", "Collector substation", "", 0),
    ("voltage_kv", "Voltage", "kV", 0),
    ("ac_kw", "AC power carried", "kW", 0),
    ("length_m", "Length", "m", 1),
    ("outside_parcel_m", "Outside the parcel", "m", 1),
)
CABLE_WIDTH_PX = {"dc": 1.5, "lv": 2.0, "mv": 3.0}
# Above this many PV tables + cables, tables are merged per inverter block (one placemark, a
# MultiGeometry of one polygon per table) and cables per block and level, without per-item
# balloons: a detailed table placemark is ≈ 3.6 kB (a 1 GWac plant's doc.kml was 101–152 MB),
# and issue 24 asks for a doc.kml ≤ 30 MB at 1 GWac that Google Earth opens comfortably;
# 5,000 detailed placemarks stay near 18 MB. Per-table numbers are in the CSV export.
DETAIL_MAX_PLACEMARKS = 5_000


def _k(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _k(tag))
    if text is not None:
        el.text = text
    return el


def _style_id(prefix: str, name: str) -> str:
    return f"{prefix}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name) or 'x'}"


def _fmt(value: float | None, decimals: int) -> str:
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}"


def _coords(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(f"{round(c[0], COORD_DECIMALS)},{round(c[1], COORD_DECIMALS)}" for c in coords)


# -- geometry ------------------------------------------------------------------------------------


def _polygon(parent: etree._Element, poly: Polygon) -> None:
    el = _sub(parent, "Polygon")
    _sub(el, "tessellate", "1")
    ring = _sub(_sub(el, "outerBoundaryIs"), "LinearRing")
    _sub(ring, "coordinates", _coords(poly.exterior.coords))
    for hole in poly.interiors:
        _sub(_sub(_sub(el, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(hole.coords))


def _line(parent: etree._Element, line: LineString) -> None:
    el = _sub(parent, "LineString")
    _sub(el, "tessellate", "1")
    _sub(el, "coordinates", _coords(line.coords))


def _geometry(parent: etree._Element, geom: BaseGeometry) -> None:
    """Append the KML geometry for a WGS84 shapely geometry (multi-parts as MultiGeometry)."""
    if isinstance(geom, Polygon):
        _polygon(parent, geom)
    elif isinstance(geom, LineString):
        _line(parent, geom)
    elif isinstance(geom, Point):
        _sub(_sub(parent, "Point"), "coordinates", _coords([(geom.x, geom.y)]))
    elif isinstance(geom, MultiPolygon | MultiLineString) or hasattr(geom, "geoms"):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)


def _multi(parent: etree._Element, geoms: Sequence[BaseGeometry]) -> None:
    """A MultiGeometry of many WGS84 geometries; the coordinates of simple polygons and lines are
    rounded in one numpy call (one `round` per number took seconds at 1 GWac)."""
    multi = _sub(parent, "MultiGeometry")
    arr = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(arr) if len(arr) else np.zeros(0, dtype=int)
    simple = (types == 1) | ((types == 3) & (shapely.get_num_interior_rings(arr) == 0))
    texts: dict[int, str] = {}
    if simple.any():
        idx = np.flatnonzero(simple)
        lines = np.where(types[idx] == 1, arr[idx], shapely.get_exterior_ring(arr[idx]))
        xy, owner = shapely.get_coordinates(lines, return_index=True)
        rounded = np.round(xy, COORD_DECIMALS).tolist()
        ends = np.cumsum(np.bincount(owner, minlength=len(idx))).tolist()
        for k, (a, b) in enumerate(zip([0, *ends[:-1]], ends, strict=True)):
            texts[int(idx[k])] = " ".join([f"{x},{y}" for x, y in rounded[a:b]])
    for k, geom in enumerate(geoms):
        text = texts.get(k)
        if text is None:
            _geometry(multi, geom)
        elif types[k] == 1:
            _sub(_sub(multi, "LineString"), "coordinates", text)
        else:
            ring = _sub(_sub(_sub(multi, "Polygon"), "outerBoundaryIs"), "LinearRing")
            _sub(ring, "coordinates", text)


# -- content -------------------------------------------------------------------------------------


def _table_html(rows: Sequence[tuple[str, str]], title: str | None = None) -> str:
    head = f"<p><b>{html.escape(title)}</b></p>" if title else ""
    body = "".join(
        f'<tr><td style="padding-right:12px">{html.escape(k)}</td>'
        f'<td align="right">{html.escape(v)}</td></tr>'
        for k, v in rows
    )
    return f'{head}<table style="font-family:sans-serif;font-size:12px">{body}</table>'


def _table(rows: Sequence[tuple[str, str]], title: str | None = None) -> etree.CDATA:
    """An HTML description (CDATA; Google Earth renders it in the balloon)."""
    return etree.CDATA(_table_html(rows, title))


def _field_rows(item: Item, fields: Sequence[tuple[str, str, str, int]]) -> list[tuple[str, str]]:
    rows = []
    for key, name, unit, decimals in fields:
        if key in item.properties:
            value = item.value(key)
            rows.append((name, f"{_fmt(value, decimals)} {unit}".rstrip() if value is not None else "–"))
    return rows


def _extended(parent: etree._Element, item: Item, keys: Iterable[str]) -> None:
    data = _sub(parent, "ExtendedData")
    for key in keys:
        if key not in item.properties:
            continue
        v = item.properties[key]
        value = num(v)
        text = "" if v is None else (repr(value) if value is not None else str(v))
        d = _sub(data, "Data")
        d.set("name", key)
        _sub(d, "value", text)


def _placemark(
    parent: etree._Element,
    *,
    name: str,
    style: str,
    geometry: BaseGeometry,
    description: etree.CDATA | None = None,
    item: Item | None = None,
    data_keys: Iterable[str] = (),
) -> None:
    pm = _sub(parent, "Placemark")
    if item is not None:
        pm.set("id", _style_id(item.kind, item.id))
    _sub(pm, "name", name)
    if description is not None:
        _sub(pm, "description").text = description
    _sub(pm, "styleUrl", f"#{style}")
    if item is not None:
        _extended(pm, item, data_keys)
    _geometry(pm, geometry)


def _style(
    doc_el: etree._Element,
    sid: str,
    *,
    line: str,
    line_width: float,
    fill: str | None,
    fill_alpha: float = 0.6,
) -> None:
    st = _sub(doc_el, "Style")
    st.set("id", sid)
    ls = _sub(st, "LineStyle")
    _sub(ls, "color", kml_color(line))
    _sub(ls, "width", f"{line_width:g}")
    ps = _sub(st, "PolyStyle")
    if fill is None:
        _sub(ps, "fill", "0")
    else:
        _sub(ps, "color", kml_color(fill, fill_alpha))


MERGED_NOTE = (
    "PV tables and cables are drawn merged per inverter block (one polygon per table, one line per "
    "cable); the numbers of each table and cable are in the CSV export."
)


def _summary(doc: ExportDocument, *, compact: bool = False) -> etree.CDATA:
    m = doc.metric
    rows = [
        ("Layout", doc.layout_id),
        ("Generated", doc.created_at_utc.strftime("%Y-%m-%d %H:%M UTC")),
        ("Total capacity", f"{_fmt(m('total_capacity_kw'), 0)} kW"),
        ("Target capacity", f"{_fmt(m('target_capacity_kw'), 0)} kW"),
        ("Storage", f"{_fmt(m('storage_kwh'), 0)} kWh"),
        ("Assets", _fmt(m("asset_count"), 0)),
        ("Road length", f"{_fmt(m('road_length_m'), 0)} m"),
        ("Cut / fill", f"{_fmt(m('cut_volume_m3'), 0)} / {_fmt(m('fill_volume_m3'), 0)} m³"),
        ("DC capacity", f"{_fmt(m('dc_capacity_kwp'), 0)} kWp"),
        ("PV tables", f"{len(doc.tables):,} in {sum(1 for b in doc.blocks if b is not None)} blocks"),
        ("Usable area", f"{_fmt(m('usable_area_ha'), 2)} ha"),
        ("Buildable area", f"{_fmt(m('buildable_area_ha'), 2)} ha"),
        ("Terrain", terrain_note(doc)),
        *_energy_rows(doc),
        ("Calculation CRS", doc.crs),
        ("Software", f"Site Layouts {app.__version__}"),
    ]
    text = _table_html(rows, title=doc.display_name)
    if doc.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in doc.warnings)
        text += f"<p><b>Warnings</b></p><ul>{items}</ul>"
    if compact:
        text += f"<p>{html.escape(MERGED_NOTE)}</p>"
    return etree.CDATA(text)


def _energy_rows(doc: ExportDocument) -> list[tuple[str, str]]:
    """Annual energy with its basis (a clear-sky year is an upper bound, never a P50), CAPEX, LCOE."""
    energy, cost = doc.section("energy"), doc.section("cost")
    rows: list[tuple[str, str]] = []
    clearsky = is_clearsky(energy)
    if num(headline(energy, "annual_energy_mwh")) is not None:
        mwh = _fmt(num(headline(energy, "annual_energy_mwh")), 0)
        rows.append(
            (
                "Annual energy" + (" (upper bound)" if clearsky else ""),
                f"{mwh} MWh/yr, {energy_basis(energy)}",
            )
        )
    if num(energy.get("p90_1yr_mwh")) is not None:
        rows.append(("P90 (1 yr / 10 yr)", f"{_fmt(num(energy.get('p90_1yr_mwh')), 0)} / "
                     f"{_fmt(num(energy.get('p90_10yr_mwh')), 0)} MWh/yr"))  # fmt: skip
    if num(cost.get("capex_usd")) is not None:
        rows.append(("CAPEX", f"{_fmt(num(cost.get('capex_usd')), 0)} USD"))
    lcoe = num(headline(cost, "lcoe_usd_per_mwh"))
    if lcoe is not None:
        name = "LCOE lower bound (real; clear-sky energy)" if clearsky else "LCOE (real)"
        rows.append((name, f"{_fmt(lcoe, 2)} USD/MWh"))
    return rows


def is_compact(doc: ExportDocument, detail_max: int = DETAIL_MAX_PLACEMARKS) -> bool:
    """Whether the KMZ merges tables and cables per block (more than `detail_max` of them)."""
    return len(doc.tables) + len(doc.cables) > detail_max


def build_kml(doc: ExportDocument, *, detail_max: int = DETAIL_MAX_PLACEMARKS) -> etree._Element:
    """The KML tree of the layout (see the module docstring for its structure); with more than
    `detail_max` tables + cables, those are merged per block (see DETAIL_MAX_PLACEMARKS)."""
    compact = is_compact(doc, detail_max)
    root = etree.Element(_k("kml"), nsmap={None: KML_NS})
    d = _sub(root, "Document")
    _sub(d, "name", doc.display_name)
    _sub(d, "open", "1")
    _sub(d, "description").text = _summary(doc, compact=compact)

    _styles(d, doc)
    _boundary_folder(d, doc)
    _exclusion_folder(d, doc)
    _entry_folder(d, doc)
    _asset_folders(d, doc, compact=compact)
    _road_folder(d, doc)
    _fence_folder(d, doc)
    _cable_folders(d, doc, merged=compact)
    _tie_folder(
        d,
        doc.gen_ties,
        folder="Grid connection",
        style="gen_tie",
        fields=GEN_TIE_FIELDS,
        label=lambda _: "Gen-tie",
    )
    _tie_folder(
        d,
        doc.collector_ties,
        folder="Collector ties",
        style="collector_tie",
        fields=COLLECTOR_TIE_FIELDS,
        label=lambda t: f"Collector {t.properties.get('collector')} tie",
    )
    _look_at(d, doc)
    return root


def _styles(d: etree._Element, doc: ExportDocument) -> None:
    """The shared styles: boundary, exclusions, each asset type and block, road class (compliant
    or not), fence, cable level, trench, gen-tie and the entry icon."""
    _style(d, "boundary", line=BOUNDARY_COLOR, line_width=3, fill=None)
    _style(d, "exclusion", line=EXCLUSION_COLOR, line_width=2, fill=EXCLUSION_COLOR, fill_alpha=0.35)
    for asset_type in doc.asset_types:
        color = asset_color(asset_type)
        _style(d, _style_id("asset", asset_type), line=color, line_width=1, fill=color, fill_alpha=0.7)
    for block in doc.blocks:
        if block is not None:
            color = block_color(block)
            _style(d, _style_id("block", str(block)), line=color, line_width=1, fill=color, fill_alpha=0.8)
    road_styles = sorted({(r.road_class, r.compliant) for r in doc.roads}, key=lambda rc: _road_order(rc[0]))
    for road_class, compliant in road_styles:
        width = ROAD_STYLE_WIDTH_PX.get(road_class, 3.0)
        color = road_color(road_class, compliant=compliant)
        _style(d, _road_style_id(road_class, compliant), line=color, line_width=width, fill=None)
    if doc.fences or doc.gates:
        _style(d, "fence", line=FENCE_COLOR, line_width=1.5, fill=None)
    for level in doc.cables_by_level:
        width = CABLE_WIDTH_PX.get(level, 1.5)
        _style(d, _style_id("cable", level), line=cable_color(level), line_width=width, fill=None)
    if doc.trenches:
        _style(d, "trench", line=TRENCH_COLOR, line_width=4, fill=None)
    if doc.gen_ties:
        _style(d, "gen_tie", line=GEN_TIE_COLOR, line_width=3, fill=None)
    if doc.collector_ties:
        _style(d, "collector_tie", line=COLLECTOR_TIE_COLOR, line_width=3, fill=None)
    entry_style = _sub(d, "Style")
    entry_style.set("id", "entry")
    icon_style = _sub(entry_style, "IconStyle")
    _sub(icon_style, "color", kml_color(ENTRY_COLOR))
    _sub(_sub(icon_style, "Icon"), "href", "http://maps.google.com/mapfiles/kml/shapes/triangle.png")


def _boundary_folder(d: etree._Element, doc: ExportDocument) -> None:
    """The boundary with its area [ha]."""
    folder = _sub(d, "Folder")
    _sub(folder, "name", "Boundary")
    for item in doc.items("boundary"):
        area = doc.to_utm(item.geometry).area / 10_000.0
        _placemark(
            folder,
            name="Boundary",
            style="boundary",
            geometry=item.geometry,
            # No site name here: the site parser reads names and descriptions for keywords.
            description=_table([("Area", f"{area:,.2f} ha")], title="Site boundary"),
        )


def _exclusion_folder(d: etree._Element, doc: ExportDocument) -> None:
    """Each exclusion zone with its type, fields and area [ha]."""
    folder = _sub(d, "Folder")
    _sub(folder, "name", "Exclusions")
    for n, item in enumerate(doc.exclusions, start=1):
        zone_type = item.text("zone_type", "exclusion") or "exclusion"
        name = item.text("name") or f"{label(zone_type)} {n}"
        area = doc.to_utm(item.geometry).area / 10_000.0
        rows = [("Type", label(zone_type)), *_field_rows(item, EXCLUSION_FIELDS), ("Area", f"{area:,.2f} ha")]
        _placemark(
            folder,
            name=name,
            style="exclusion",
            geometry=item.geometry,
            description=_table(rows, title=f"Exclusion zone: {name}"),
            item=item,
            data_keys=("zone_type", "buffer_m", "name"),
        )


def _entry_folder(d: etree._Element, doc: ExportDocument) -> None:
    """The site entry, when there is one."""
    entry = doc.entry_point
    if entry is not None:
        folder = _sub(d, "Folder")
        _sub(folder, "name", "Site entry")
        _placemark(folder, name="Site entry", style="entry", geometry=entry)


def _asset_folders(d: etree._Element, doc: ExportDocument, *, compact: bool) -> None:
    """Assets, one folder per type; PV tables per block (merged per block when `compact`)."""
    folder = _sub(d, "Folder")
    _sub(folder, "name", "Assets")
    for asset_type in doc.asset_types:
        sub = _sub(folder, "Folder")
        assets = [a for a in doc.assets if a.asset_type == asset_type]
        _sub(sub, "name", f"{label(asset_type)} ({len(assets)})")
        if asset_type in TABLE_TYPES:
            _table_folders(sub, asset_type, assets, merged=compact)
            continue
        for n, item in enumerate(assets, start=1):
            name = f"{label(asset_type)} {n}"
            _placemark(
                sub,
                name=name,
                style=_style_id("asset", asset_type),
                geometry=item.geometry,
                description=_table(_field_rows(item, ASSET_FIELDS), title=name),
                item=item,
                data_keys=("asset_type", *(f[0] for f in ASSET_FIELDS)),
            )


def _road_folder(d: etree._Element, doc: ExportDocument) -> None:
    """Roads by class, numbered within their class; too-steep ones named so."""
    folder = _sub(d, "Folder")
    _sub(folder, "name", "Roads")
    counters: dict[str, int] = {}
    for item in sorted(doc.roads, key=lambda r: _road_order(r.road_class)):
        counters[item.road_class] = counters.get(item.road_class, 0) + 1
        name = f"{label(item.road_class)} road {counters[item.road_class]}"
        if not item.compliant:
            name += " (too steep)"
        _placemark(
            folder,
            name=name,
            style=_road_style_id(item.road_class, item.compliant),
            geometry=item.geometry,
            description=_table(_field_rows(item, ROAD_FIELDS), title=name),
            item=item,
            data_keys=("road_class", "compliant", *(f[0] for f in ROAD_FIELDS)),
        )


def _fence_folder(d: etree._Element, doc: ExportDocument) -> None:
    """Fences and gates, when there are any."""
    if doc.fences or doc.gates:
        folder = _sub(d, "Folder")
        _sub(folder, "name", "Fences")
        for n, item in enumerate(doc.fences, start=1):
            _placemark(folder, name=f"Fence {n}", style="fence", geometry=item.geometry, item=item)
        for n, item in enumerate(doc.gates, start=1):
            _placemark(folder, name=f"Gate {n}", style="entry", geometry=item.geometry, item=item)


def _merged_cables(sub: etree._Element, level: str, items: list[Item]) -> None:
    """One placemark per inverter block for the cables of one level: a MultiGeometry of their
    routes, with the count and lengths summed."""
    by_block: dict[int | None, list[Item]] = {}
    for item in items:
        by_block.setdefault(item.block, []).append(item)
    for block in sorted(by_block, key=lambda b: (b is None, b or 0)):
        group = by_block[block]
        where = f"block {block}" if block is not None else "plant"
        name = f"{level.upper()} cables, {where} ({len(group)})"
        route_m = sum(c.value("length_m") or 0.0 for c in group)
        cable_m = sum(c.value("cable_m") or 0.0 for c in group)
        rows = [
            ("Level", level.upper()),
            ("Cables", f"{len(group):,}"),
            ("Route length", f"{_fmt(route_m, 1)} m"),
            ("Conductor metres", f"{_fmt(cable_m, 1)} m"),
        ]
        pm = _sub(sub, "Placemark")
        _sub(pm, "name", name)
        _sub(pm, "description").text = _table(rows, title=name)
        _sub(pm, "styleUrl", f"#{_style_id('cable', level)}")
        multi = _sub(pm, "MultiGeometry")
        for c in group:
            _geometry(multi, c.geometry)


def _cable_folders(d: etree._Element, doc: ExportDocument, *, merged: bool = False) -> None:
    """Folder "Cables" (a sub-folder per level) and folder "Trenches", when the layout has them.
    merged: one placemark per level and block instead of one per cable."""
    if doc.cables:
        folder = _sub(d, "Folder")
        _sub(folder, "name", "Cables")
        for level, items in doc.cables_by_level.items():
            sub = _sub(folder, "Folder")
            _sub(sub, "name", f"{level.upper()} cables ({len(items)})")
            if merged:
                _merged_cables(sub, level, items)
                continue
            for n, item in enumerate(items, start=1):
                name = item.text("circuit") or f"{level.upper()} cable {n}"
                rows = [("Level", level.upper()), ("Conductor", item.text("conductor") or "–")]
                _placemark(
                    sub,
                    name=name,
                    style=_style_id("cable", level),
                    geometry=item.geometry,
                    description=_table([*rows, *_field_rows(item, CABLE_FIELDS)], title=name),
                    item=item,
                    data_keys=CABLE_DATA_KEYS,
                )
    if doc.trenches:
        folder = _sub(d, "Folder")
        _sub(folder, "name", "Trenches")
        for n, item in enumerate(doc.trenches, start=1):
            level = item.text("level")
            name = f"Trench {n}" + (f" ({level.upper()})" if level else "")
            _placemark(
                folder,
                name=name,
                style="trench",
                geometry=item.geometry,
                description=_table(_field_rows(item, TRENCH_FIELDS), title=name),
                item=item,
                data_keys=("level", "length_m"),
            )


def _tie_folder(
    d: etree._Element,
    items: Sequence[Item],
    *,
    folder: str,
    style: str,
    fields: Sequence[tuple[str, str, str, int]],
    label: Callable[[Item], str],
) -> None:
    """A folder of tie lines — "Grid connection" (the gen-tie) or "Collector ties" (each
    collector substation's line to the main one) — when there are any: each a placemark named
    by `label` and its voltage, its `fields` in the balloon and as data."""
    if not items:
        return
    f = _sub(d, "Folder")
    _sub(f, "name", folder)
    for item in items:
        kv = item.value("voltage_kv")
        name = label(item) + (f" {kv:g} kV" if kv else "")
        _placemark(
            f,
            name=name,
            style=style,
            geometry=item.geometry,
            description=_table(_field_rows(item, fields), title=name),
            item=item,
            data_keys=tuple(k[0] for k in fields),
        )


def terrain_note(doc: ExportDocument) -> str:
    """What the layout's terrain was: "10 m grid resampled from ≈ 93 m source (file)", or that it
    was not used."""
    if not doc.terrain_assessed:
        return "not used: slopes and earthwork were not assessed"
    metrics = doc.typed_metrics
    text = metrics.dem_resolution_label or ""
    if not text and metrics.dem_resolution_m is not None:
        text = f"{metrics.dem_resolution_m:g} m grid"
    source = metrics.dem_source
    return f"{text} ({source})" if text and source else text or "–"


def _road_style_id(road_class: str, compliant: bool) -> str:
    return _style_id("road", road_class if compliant else f"{road_class}-noncompliant")


def _merged_tables(target: etree._Element, name: str, style: str, items: list[Item]) -> None:
    """One placemark for a block's tables: a MultiGeometry of one polygon per table, the block's
    totals in its balloon and ExtendedData."""
    totals = {key: sum(t.value(key) or 0.0 for t in items) for key in ("dc_kwp", "modules", "piles")}
    structures = sorted({t.text("structure") for t in items if t.text("structure")})
    rows = [
        ("Tables", f"{len(items):,}"),
        ("DC capacity", f"{_fmt(totals['dc_kwp'], 2)} kWp"),
        ("Modules", _fmt(totals["modules"], 0)),
        ("Piles", _fmt(totals["piles"], 0)),
    ]
    if structures:
        rows.insert(0, ("Structure", ", ".join(structures)))
    pm = _sub(target, "Placemark")
    _sub(pm, "name", name)
    _sub(pm, "description").text = _table(rows, title=name)
    _sub(pm, "styleUrl", f"#{style}")
    data = _sub(pm, "ExtendedData")
    for key, value in (("tables", float(len(items))), *totals.items()):
        d = _sub(data, "Data")
        d.set("name", key)
        _sub(d, "value", repr(value))
    _multi(pm, [t.geometry for t in items])


def _table_folders(
    parent: etree._Element, asset_type: str, tables: list[Item], *, merged: bool = False
) -> None:
    """PV tables / trackers of one type: a folder per inverter block, ids ascending.
    merged: each block's tables as one placemark (see `_merged_tables`)."""
    by_block: dict[int | None, list[Item]] = {}
    for t in tables:
        by_block.setdefault(t.block, []).append(t)
    for block in sorted(by_block, key=lambda b: (b is None, b or 0)):
        items = by_block[block]
        if block is None:
            target, style, prefix = parent, _style_id("asset", asset_type), f"{label(asset_type)} "
        else:
            dc_mwp = sum(t.value("dc_kwp") or 0.0 for t in items) / 1000.0
            target = _sub(parent, "Folder")
            _sub(target, "name", f"Block {block} ({len(items)} tables, {dc_mwp:,.2f} MWp)")
            style, prefix = _style_id("block", str(block)), f"{label(asset_type)} {block}."
        if merged:
            where = f"block {block}" if block is not None else "no block"
            _merged_tables(target, f"{label(asset_type)}s, {where} ({len(items)})", style, items)
            continue
        for n, item in enumerate(items, start=1):
            name = f"{prefix}{n}"
            rows = _field_rows(item, TABLE_FIELDS)
            if item.text("structure"):
                rows.insert(0, ("Structure", item.text("structure")))
            _placemark(
                target,
                name=name,
                style=style,
                geometry=item.geometry,
                description=_table(rows, title=name),
                item=item,
                data_keys=TABLE_DATA_KEYS,
            )


def _road_order(road_class: str) -> tuple[int, str]:
    try:
        return (ROAD_CLASS_ORDER.index(road_class), road_class)
    except ValueError:
        return (len(ROAD_CLASS_ORDER), road_class)


def _look_at(d: etree._Element, doc: ExportDocument) -> None:
    """A camera framing the site, so Google Earth opens on it."""
    extent = doc.extent_wgs84()
    if extent is None:
        return
    minx, miny, maxx, maxy = extent
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    span_m = max((maxx - minx) * 111_320 * math.cos(math.radians(lat)), (maxy - miny) * 110_540, 200.0)
    look = etree.Element(_k("LookAt"))
    _sub(look, "longitude", f"{lon:.7f}")
    _sub(look, "latitude", f"{lat:.7f}")
    _sub(look, "altitude", "0")
    _sub(look, "heading", "0")
    _sub(look, "tilt", "0")
    _sub(look, "range", f"{span_m * 1.6:.0f}")
    # LookAt belongs before the Style/Folder children (KML schema order: AbstractView early).
    d.insert(3, look)


def write_kml(doc: ExportDocument, *, detail_max: int = DETAIL_MAX_PLACEMARKS) -> bytes:
    """The layout as a KML 2.2 document, UTF-8 with an XML declaration (indented unless merged:
    the indentation alone is megabytes at plant scale)."""
    return etree.tostring(
        build_kml(doc, detail_max=detail_max),
        xml_declaration=True,
        encoding="UTF-8",
        pretty_print=not is_compact(doc, detail_max),
    )


def write_kmz(doc: ExportDocument, *, detail_max: int = DETAIL_MAX_PLACEMARKS) -> bytes:
    """The layout as a KMZ (zip with doc.kml) for Google Earth; `detail_max`: see DETAIL_MAX_PLACEMARKS."""
    buf = io.BytesIO()
    created = doc.created_at_utc
    info = zipfile.ZipInfo("doc.kml", date_time=(max(created.year, 1980), *created.timetuple()[1:6]))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, write_kml(doc, detail_max=detail_max))
    return buf.getvalue()
