"""CSV export: a zip of `assets.csv`, `roads.csv` and, for PV layouts, `tables.csv` (UTF-8,
comma-separated, header row).

assets.csv — one row per piece of equipment (every asset but PV tables and trackers): id,
asset_type, centroid lon/lat (WGS84, EPSG:4326) [degrees], centroid easting/northing in the site's
UTM CRS [m] (the `utm_crs` column), footprint area [m²], rotation_deg, capacity_kw, storage_kwh,
elevation_m, slope_deg, pad_elevation_m, cut_m3, fill_m3.

roads.csv — one row per road segment: id, road_class, start/end lon/lat [degrees], width_m,
length_m, max_grade_pct, compliant (false: steeper than trucks can climb), cut_m3, fill_m3, and the
centreline as WKT (WGS84 lon/lat).

gen_tie.csv — the gen-tie line from the interconnection point to the substation, when the site
has that point (GeoJSON `kind: "gen_tie"`): id, voltage_kv, length_m, straight_m (drawn straight
beyond the terrain grid) [m], start (interconnection point) / end (substation) lon/lat [degrees],
and the line as WKT (WGS84 lon/lat).

collector_ties.csv — the tie lines from collector substations to the main substation, when the
plant has collectors (GeoJSON `kind: "collector_tie"`): id, collector (1-based), reason
(cut_off: land the main substation's cables cannot reach; feeder_length: stations too far for an
MV feeder), voltage_kv, ac_kw [kW], length_m, outside_parcel_m [m], start (collector) / end (main
substation) lon/lat [degrees], and the line as WKT (WGS84 lon/lat).

tables.csv — the table schedule, present when the layout has PV tables or trackers: one row per
table, ordered by inverter block: id, block, asset_type, structure, centre lon/lat [degrees] and
UTM easting/northing [m] (`utm_crs`), dc_kwp, modules, tilt_deg, azimuth_deg (clockwise from true
north), slope_along_pct, slope_across_pct, piles, cut_m3, fill_m3.

PV layouts with a plant design add (each file only when its section is present, so gas and BESS
layouts keep the three files above):

bom.csv — the bill of quantities: item, type_size, quantity, unit (pcs, m, m², m³, kWp).
cables.csv — one row per cable route (GeoJSON `kind: "cable"`): id, circuit, level (dc | lv | mv),
conductor, length_m (route) [m], current_a [A], cable_m (conductor metres, both poles) [m], block.
mv_feeders.csv — the MV single-line summary: feeder, blocks (space-separated ids), block_count,
mva, length_m, loss_kw (at STC), drop_pct, max_current_a, conductors.
energy.csv — monthly energy: month (1-12), month_name, energy_mwh, basis ("P50 (typical
meteorological year)" or "clear-sky upper bound (not a P50)" on every row).
energy_summary.csv — key, value, unit: energy_basis, annual_energy_mwh, basis, p90_1yr_mwh,
p90_10yr_mwh, uncertainties and p90_note, specific_yield_kwh_per_kwp, performance_ratio,
capacity_factor, snow_loss_pct, loss_preset, dc_kwp, ac_kw, ghi/poa [kWh/m²], weather_source,
weather_label, is_clearsky_upper_bound. On a clear-sky year the energy, yield and capacity factor
keys end in _upper_bound and cost.csv's LCOE line is "LCOE lower bound (real; clear-sky energy)".
losses.csv — the loss waterfall in order: step, percent (signed, % of the value before the
step; every step is an annual figure), value_after, unit.
loss_stack.csv — every loss of the stack: key, name, input_pct, input_basis (annual | stc | rated |
rating_all_hours | per_year), annual_pct (its share of the year's energy, as in the waterfall),
source.
cost.csv — category (capex | overhead | opex | summary), line, quantity, unit, unit_cost_usd,
total_usd, source (the cited public source of the unit price). Summary rows: direct CAPEX, CAPEX
total, CAPEX per Wdc and Wac, OPEX [USD/yr], real LCOE [USD/MWh] and, when a price was given, NPV.

storage_dispatch.csv, energy_by_source.csv — hybrids with storage / gas (app/exports/storage_csv.py).

Missing values are empty cells. Numbers use "." as the decimal separator and no grouping.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence

from shapely import wkt
from shapely.geometry import LineString, MultiLineString

from app.exports.csv_wind import wind_tables
from app.exports.design_tables import (
    bom_rows,
    cable_rows,
    cost_rows,
    energy_basis,
    energy_summary_rows,
    feeder_rows,
    loss_rows,
    loss_stack_rows,
    monthly_rows,
)
from app.exports.document import ExportDocument, Item
from app.exports.storage_csv import by_source_csv, dispatch_csv

ASSET_COLUMNS: tuple[str, ...] = (
    "id",
    "asset_type",
    "lon",
    "lat",
    "easting_m",
    "northing_m",
    "utm_crs",
    "footprint_area_m2",
    "rotation_deg",
    "capacity_kw",
    "storage_kwh",
    "elevation_m",
    "slope_deg",
    "pad_elevation_m",
    "cut_m3",
    "fill_m3",
)
ROAD_COLUMNS: tuple[str, ...] = (
    "id",
    "road_class",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
    "width_m",
    "length_m",
    "max_grade_pct",
    "compliant",
    "cut_m3",
    "fill_m3",
    "wkt",
)
GEN_TIE_COLUMNS: tuple[str, ...] = (
    "id",
    "voltage_kv",
    "length_m",
    "straight_m",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
    "wkt",
)
COLLECTOR_TIE_COLUMNS: tuple[str, ...] = (
    "id",
    "collector",
    "reason",
    "voltage_kv",
    "ac_kw",
    "length_m",
    "outside_parcel_m",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
    "wkt",
)
TABLE_COLUMNS: tuple[str, ...] = (
    "id",
    "block",
    "asset_type",
    "structure",
    "lon",
    "lat",
    "easting_m",
    "northing_m",
    "utm_crs",
    "dc_kwp",
    "modules",
    "tilt_deg",
    "azimuth_deg",
    "slope_along_pct",
    "slope_across_pct",
    "piles",
    "cut_m3",
    "fill_m3",
)
# Decimal places per numeric column: degrees 7 (≈1 cm), metres 2, volumes 1.
_DECIMALS: dict[str, int] = {
    "lon": 7,
    "lat": 7,
    "start_lon": 7,
    "start_lat": 7,
    "end_lon": 7,
    "end_lat": 7,
    "easting_m": 2,
    "northing_m": 2,
    "footprint_area_m2": 1,
    "rotation_deg": 2,
    "capacity_kw": 3,
    "storage_kwh": 3,
    "elevation_m": 2,
    "slope_deg": 2,
    "pad_elevation_m": 2,
    "cut_m3": 1,
    "fill_m3": 1,
    "width_m": 2,
    "length_m": 2,
    "max_grade_pct": 2,
    "straight_m": 2,
    "voltage_kv": 0,
    "dc_kwp": 3,
    "tilt_deg": 2,
    "azimuth_deg": 2,
    "slope_along_pct": 2,
    "slope_across_pct": 2,
    "quantity": 3,
    "current_a": 2,
    "cable_m": 2,
    "mva": 3,
    "loss_kw": 3,
    "drop_pct": 3,
    "max_current_a": 2,
    "energy_mwh": 3,
    "percent": 3,
    "value_after": 3,
    "unit_cost_usd": 4,
    "total_usd": 2,
}
BOM_COLUMNS: tuple[str, ...] = ("item", "type_size", "quantity", "unit")
CABLE_COLUMNS: tuple[str, ...] = (
    "id",
    "circuit",
    "level",
    "conductor",
    "length_m",
    "current_a",
    "cable_m",
    "block",
)
FEEDER_COLUMNS: tuple[str, ...] = (
    "feeder",
    "blocks",
    "block_count",
    "mva",
    "length_m",
    "loss_kw",
    "drop_pct",
    "max_current_a",
    "conductors",
)
ENERGY_COLUMNS: tuple[str, ...] = ("month", "month_name", "energy_mwh", "basis")
SUMMARY_COLUMNS: tuple[str, ...] = ("key", "value", "unit")
LOSS_COLUMNS: tuple[str, ...] = ("step", "percent", "value_after", "unit")
LOSS_STACK_COLUMNS: tuple[str, ...] = ("key", "name", "input_pct", "input_basis", "annual_pct", "source")
COST_COLUMNS: tuple[str, ...] = (
    "category",
    "line",
    "quantity",
    "unit",
    "unit_cost_usd",
    "total_usd",
    "source",
)


def _cell(column: str, value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{_DECIMALS.get(column, 6)}f}"
    return value


def _csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180 line endings
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(c, row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def asset_rows(doc: ExportDocument) -> list[dict[str, object]]:
    """One dict per asset with the assets.csv columns (floats unformatted)."""
    rows: list[dict[str, object]] = []
    for item in doc.equipment:
        centroid = item.geometry.centroid
        utm = doc.to_utm(item.geometry)
        utm_c = utm.centroid
        row: dict[str, object] = {
            "id": item.id,
            "asset_type": item.asset_type,
            "lon": centroid.x,
            "lat": centroid.y,
            "easting_m": utm_c.x,
            "northing_m": utm_c.y,
            "utm_crs": doc.crs,
            "footprint_area_m2": utm.area,
        }
        for key in ASSET_COLUMNS[8:]:
            row[key] = item.value(key)
        rows.append(row)
    return rows


def _ends(item: Item) -> tuple[tuple[float, float], tuple[float, float]] | None:
    geom = item.geometry
    if isinstance(geom, LineString) and not geom.is_empty:
        return geom.coords[0][:2], geom.coords[-1][:2]
    if isinstance(geom, MultiLineString) and not geom.is_empty:
        return geom.geoms[0].coords[0][:2], geom.geoms[-1].coords[-1][:2]
    return None


def _line_cells(item: Item) -> dict[str, object]:
    """A line's id, its ends' lon/lat [degrees] (None when it has no line) and its WKT (WGS84)."""
    ends = _ends(item)
    return {
        "id": item.id,
        "start_lon": ends[0][0] if ends else None,
        "start_lat": ends[0][1] if ends else None,
        "end_lon": ends[1][0] if ends else None,
        "end_lat": ends[1][1] if ends else None,
        "wkt": wkt.dumps(item.geometry, rounding_precision=7, trim=True),
    }


def road_rows(doc: ExportDocument) -> list[dict[str, object]]:
    """One dict per road segment with the roads.csv columns (floats unformatted)."""
    rows: list[dict[str, object]] = []
    for item in doc.roads:
        row = {**_line_cells(item), "road_class": item.road_class}
        for key in ("width_m", "length_m", "max_grade_pct", "cut_m3", "fill_m3"):
            row[key] = item.value(key)
        compliant = item.properties.get("compliant")
        row["compliant"] = None if compliant is None else ("true" if compliant is not False else "false")
        rows.append(row)
    return rows


# Tie-line columns that are text properties, with their value when absent (the other non-line
# columns are numbers, `Item.value`). A collector tie without a reason predates feeder-length ties.
_TIE_TEXT: dict[str, object] = {"collector": None, "reason": "cut_off"}


def tie_rows(items: Sequence[Item], columns: Sequence[str]) -> list[dict[str, object]]:
    """One dict per tie line — the gen-tie (`GEN_TIE_COLUMNS`) or collector ties
    (`COLLECTOR_TIE_COLUMNS`) — with those columns (floats unformatted)."""
    rows: list[dict[str, object]] = []
    for item in items:
        line = _line_cells(item)
        rows.append({c: _tie_cell(item, line, c) for c in columns})
    return rows


def _tie_cell(item: Item, line: dict[str, object], column: str) -> object:
    if column in line:
        return line[column]
    if column in _TIE_TEXT:
        return item.properties.get(column, _TIE_TEXT[column])
    return item.value(column)


def _count(value: float | None) -> int | None:
    return None if value is None else round(value)


def table_rows(doc: ExportDocument) -> list[dict[str, object]]:
    """One dict per PV table / tracker with the tables.csv columns, by block (floats unformatted)."""
    rows: list[dict[str, object]] = []
    for block, items in doc.blocks.items():
        for item in items:
            centroid = item.geometry.centroid
            utm_c = doc.table_utm(item).centroid
            row: dict[str, object] = {
                "id": item.id,
                "block": block,
                "asset_type": item.asset_type,
                "structure": item.text("structure") or None,
                "lon": centroid.x,
                "lat": centroid.y,
                "easting_m": utm_c.x,
                "northing_m": utm_c.y,
                "utm_crs": doc.crs,
                "modules": _count(item.value("modules")),
                "piles": _count(item.value("piles")),
            }
            for key in (
                "dc_kwp",
                "tilt_deg",
                "azimuth_deg",
                "slope_along_pct",
                "slope_across_pct",
                "cut_m3",
                "fill_m3",
            ):
                row[key] = item.value(key)
            rows.append(row)
    return rows


def _whole(value: float | None) -> float | int | None:
    """A count as an int (written without decimals) when it is whole."""
    return int(value) if value is not None and value == int(value) else value


def design_files(doc: ExportDocument) -> list[tuple[str, bytes]]:
    """(name, CSV bytes) of the design tables the document has (see the module docstring)."""
    files: list[tuple[str, bytes]] = []
    bom = bom_rows(doc.section("bom"))
    if bom:
        rows = [{**vars(r), "quantity": _whole(r.quantity) if r.unit == "pcs" else r.quantity} for r in bom]
        files.append(("bom.csv", _csv(BOM_COLUMNS, rows)))
    if doc.cables:
        files.append(("cables.csv", _csv(CABLE_COLUMNS, cable_rows(doc))))
    feeders = feeder_rows(doc.section("electrical"))
    if feeders:
        files.append(("mv_feeders.csv", _csv(FEEDER_COLUMNS, feeders)))
    energy = doc.section("energy")
    if energy:
        basis = energy_basis(energy)
        months = [
            {"month": m, "month_name": name, "energy_mwh": v, "basis": basis}
            for m, name, v in monthly_rows(energy)
        ]
        files.append(("energy.csv", _csv(ENERGY_COLUMNS, months)))
        # Values keep full precision here: the summary mixes units, so no per-column rounding.
        summary = [
            {"key": k, "value": v if not isinstance(v, float) else repr(v), "unit": u}
            for k, v, u in energy_summary_rows(energy)
        ]
        files.append(("energy_summary.csv", _csv(SUMMARY_COLUMNS, summary)))
        losses = [
            {"step": name, "percent": pct, "value_after": after, "unit": unit}
            for name, pct, after, unit in loss_rows(energy)
        ]
        if losses:
            files.append(("losses.csv", _csv(LOSS_COLUMNS, losses)))
        stack = loss_stack_rows(energy)
        if stack:
            files.append(("loss_stack.csv", _csv(LOSS_STACK_COLUMNS, stack)))
    cost = cost_rows(doc.section("cost"))
    if cost:
        files.append(("cost.csv", _csv(COST_COLUMNS, (vars(r) for r in cost))))
    files += [(name, _csv(cols, rows)) for name, cols, rows in wind_tables(doc.section("wind"))]
    # Hybrids: the storage's hourly year and the energy / LCOE by source (app/exports/storage_csv.py).
    dispatch = dispatch_csv(doc.section("storage"))
    if dispatch:
        files.append(("storage_dispatch.csv", dispatch))
    sources = by_source_csv(doc.design if isinstance(doc.design, dict) else {})
    if sources:
        files.append(("energy_by_source.csv", sources))
    return files


def write_csv_zip(doc: ExportDocument) -> bytes:
    """A zip with assets.csv, roads.csv and, when present, tables.csv and the design tables
    (bom, cables, mv_feeders, energy, energy_summary, losses, cost); see the module docstring."""
    buf = io.BytesIO()
    created = doc.created_at_utc
    stamp = (max(created.year, 1980), *created.timetuple()[1:6])
    files = [
        ("assets.csv", _csv(ASSET_COLUMNS, asset_rows(doc))),
        ("roads.csv", _csv(ROAD_COLUMNS, road_rows(doc))),
    ]
    if doc.tables:
        files.append(("tables.csv", _csv(TABLE_COLUMNS, table_rows(doc))))
    if doc.gen_ties:
        files.append(("gen_tie.csv", _csv(GEN_TIE_COLUMNS, tie_rows(doc.gen_ties, GEN_TIE_COLUMNS))))
    if doc.collector_ties:
        files.append(
            (
                "collector_ties.csv",
                _csv(COLLECTOR_TIE_COLUMNS, tie_rows(doc.collector_ties, COLLECTOR_TIE_COLUMNS)),
            )
        )
    files += design_files(doc)
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()
