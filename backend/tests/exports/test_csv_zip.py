"""CSV export: a zip of assets.csv and roads.csv, read back with the csv module."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from shapely import wkt
from shapely.geometry import Point

from app.engine.core.crs import to_utm
from app.exports.csv_zip import ASSET_COLUMNS, ROAD_COLUMNS, write_csv_zip
from app.exports.document import ExportDocument


def _read(doc: ExportDocument) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as zf:
        assert sorted(zf.namelist()) == ["assets.csv", "roads.csv"]
        out = {}
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8")
            reader = csv.DictReader(io.StringIO(text, newline=""))
            assert tuple(reader.fieldnames or ()) == (ASSET_COLUMNS if name == "assets.csv" else ROAD_COLUMNS)
            out[name] = list(reader)
        return out


def test_assets_csv_matches_the_layout(doc: ExportDocument) -> None:
    rows = _read(doc)["assets.csv"]
    assert len(rows) == len(doc.assets) == 9
    assert [r["asset_type"] for r in rows].count("pv_block") == 6
    for row, item in zip(rows, doc.assets, strict=True):
        assert row["id"] == item.id
        c = item.geometry.centroid
        assert float(row["lon"]) == pytest.approx(c.x, abs=1e-7)
        assert float(row["lat"]) == pytest.approx(c.y, abs=1e-7)
        u = to_utm(Point(c.x, c.y), doc.crs)
        assert float(row["easting_m"]) == pytest.approx(u.x, abs=0.05)
        assert float(row["northing_m"]) == pytest.approx(u.y, abs=0.05)
        assert row["utm_crs"] == "EPSG:32614"
        for key in (
            "capacity_kw",
            "storage_kwh",
            "elevation_m",
            "slope_deg",
            "pad_elevation_m",
            "cut_m3",
            "fill_m3",
        ):
            assert float(row[key]) == pytest.approx(item.properties[key], abs=0.01), key
    bess = next(r for r in rows if r["asset_type"] == "bess")
    assert float(bess["footprint_area_m2"]) == pytest.approx(30 * 15, rel=1e-3)
    assert float(bess["rotation_deg"]) == 30.0
    assert sum(float(r["capacity_kw"]) for r in rows) == pytest.approx(doc.metrics["total_capacity_kw"])


def test_roads_csv_matches_the_layout(doc: ExportDocument) -> None:
    rows = _read(doc)["roads.csv"]
    assert [r["road_class"] for r in rows] == ["spine", "secondary", "spur"]
    for row, item in zip(rows, doc.roads, strict=True):
        line = wkt.loads(row["wkt"])
        assert line.geom_type == "LineString"
        assert to_utm(line, doc.crs).hausdorff_distance(to_utm(item.geometry, doc.crs)) < 0.02
        assert (float(row["start_lon"]), float(row["start_lat"])) == pytest.approx(
            item.geometry.coords[0], abs=1e-7
        )
        assert (float(row["end_lon"]), float(row["end_lat"])) == pytest.approx(
            item.geometry.coords[-1], abs=1e-7
        )
        for key in ("width_m", "length_m", "max_grade_pct", "cut_m3", "fill_m3"):
            assert float(row[key]) == pytest.approx(item.properties[key], abs=0.01), key
    assert sum(float(r["length_m"]) for r in rows) == pytest.approx(doc.metrics["road_length_m"], abs=0.05)


def test_missing_values_are_empty_cells(doc_factory) -> None:
    doc = doc_factory()
    props = next(f for f in doc.feature_collection["features"] if f.get("id") == "pv-1")["properties"]
    props["elevation_m"] = None
    del props["slope_deg"]
    row = _read(doc)["assets.csv"][0]
    assert row["elevation_m"] == ""
    assert row["slope_deg"] == ""


def test_empty_layout_has_header_only(empty_doc: ExportDocument) -> None:
    tables = _read(empty_doc)
    assert tables == {"assets.csv": [], "roads.csv": []}
