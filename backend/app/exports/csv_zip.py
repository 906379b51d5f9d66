"""CSV export: a zip of `assets.csv`, `roads.csv` and, for PV layouts, `tables.csv` (UTF-8,
comma-separated, header row).

assets.csv — one row per piece of equipment (every asset but PV tables and trackers): id,
asset_type, centroid lon/lat (WGS84, EPSG:4326) [degrees], centroid easting/northing in the site's
UTM CRS [m] (the `utm_crs` column), footprint area [m²], rotation_deg, capacity_kw, storage_kwh,
elevation_m, slope_deg, pad_elevation_m, cut_m3, fill_m3.

roads.csv — one row per road segment: id, road_class, start/end lon/lat [degrees], width_m,
length_m, max_grade_pct, compliant (false: steeper than trucks can climb), cut_m3, fill_m3, and the
centreline as WKT (WGS84 lon/lat).

tables.csv — the table schedule, present when the layout has PV tables or trackers: one row per
table, ordered by inverter block: id, block, asset_type, structure, centre lon/lat [degrees] and
UTM easting/northing [m] (`utm_crs`), dc_kwp, modules, tilt_deg, azimuth_deg (clockwise from true
north), slope_along_pct, slope_across_pct, piles, cut_m3, fill_m3.

Missing values are empty cells. Numbers use "." as the decimal separator and no grouping.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence

from shapely import wkt
from shapely.geometry import LineString, MultiLineString

from app.exports.document import ExportDocument, Item

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
    "dc_kwp": 3,
    "tilt_deg": 2,
    "azimuth_deg": 2,
    "slope_along_pct": 2,
    "slope_across_pct": 2,
}


def _cell(column: str, value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{_DECIMALS.get(column, 6)}f}"
    return value


def _csv(columns: Sequence[str], rows: Iterable[dict[str, object]]) -> bytes:
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


def road_rows(doc: ExportDocument) -> list[dict[str, object]]:
    """One dict per road segment with the roads.csv columns (floats unformatted)."""
    rows: list[dict[str, object]] = []
    for item in doc.roads:
        ends = _ends(item)
        row: dict[str, object] = {
            "id": item.id,
            "road_class": item.road_class,
            "start_lon": ends[0][0] if ends else None,
            "start_lat": ends[0][1] if ends else None,
            "end_lon": ends[1][0] if ends else None,
            "end_lat": ends[1][1] if ends else None,
            "wkt": wkt.dumps(item.geometry, rounding_precision=7, trim=True),
        }
        for key in ("width_m", "length_m", "max_grade_pct", "cut_m3", "fill_m3"):
            row[key] = item.value(key)
        compliant = item.properties.get("compliant")
        row["compliant"] = None if compliant is None else ("true" if compliant is not False else "false")
        rows.append(row)
    return rows


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


def write_csv_zip(doc: ExportDocument) -> bytes:
    """A zip with assets.csv, roads.csv and (PV tables present) tables.csv; see the module docstring."""
    buf = io.BytesIO()
    created = doc.created_at_utc
    stamp = (max(created.year, 1980), *created.timetuple()[1:6])
    files = [
        ("assets.csv", _csv(ASSET_COLUMNS, asset_rows(doc))),
        ("roads.csv", _csv(ROAD_COLUMNS, road_rows(doc))),
    ]
    if doc.tables:
        files.append(("tables.csv", _csv(TABLE_COLUMNS, table_rows(doc))))
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()
