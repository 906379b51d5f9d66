"""CSV table schedule (tables.csv) of a table-level PV layout, read back with the csv module."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from shapely import affinity
from shapely.geometry import box

from app.engine.core.crs import to_utm, to_wgs84
from app.exports.csv_zip import ASSET_COLUMNS, TABLE_COLUMNS, write_csv_zip
from app.exports.document import ExportDocument
from tests.exports.conftest import CRS, PV_BLOCKS, PV_ROTATION_DEG, TABLE_L, TABLE_W, origin_utm


def _read(doc: ExportDocument) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as zf:
        out = {}
        for name in zf.namelist():
            reader = csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"), newline=""))
            out[name] = list(reader)
            if name == "tables.csv":
                assert tuple(reader.fieldnames or ()) == TABLE_COLUMNS
            if name == "assets.csv":
                assert tuple(reader.fieldnames or ()) == ASSET_COLUMNS
        return out


def test_table_schedule(pv_doc: ExportDocument) -> None:
    files = _read(pv_doc)
    assert sorted(files) == ["assets.csv", "roads.csv", "tables.csv"]
    rows = files["tables.csv"]
    assert len(rows) == 37
    # Ordered by block; the legacy table without a block comes last with empty cells.
    assert [r["block"] for r in rows] == ["1"] * 12 + ["2"] * 12 + ["3"] * 12 + [""]
    legacy = rows[-1]
    assert legacy["id"] == "table-legacy" and legacy["dc_kwp"] == "" and legacy["piles"] == ""
    # The first table of block 1: its centre recomputed from the local frame.
    ox, oy = origin_utm()
    bx, by = PV_BLOCKS[1]
    rect = affinity.rotate(box(bx, by, bx + TABLE_L, by + TABLE_W), PV_ROTATION_DEG, origin=(bx, by))
    expected_utm = to_utm(to_wgs84(affinity.translate(rect, ox, oy), CRS), CRS).centroid
    first = rows[0]
    assert first["id"] == "table-1" and first["asset_type"] == "pv_table" and first["structure"] == "fixed"
    assert float(first["easting_m"]) == pytest.approx(expected_utm.x, abs=0.02)
    assert float(first["northing_m"]) == pytest.approx(expected_utm.y, abs=0.02)
    lonlat = to_wgs84(expected_utm, CRS)
    assert float(first["lon"]) == pytest.approx(lonlat.x, abs=1e-6)
    assert float(first["lat"]) == pytest.approx(lonlat.y, abs=1e-6)
    assert first["utm_crs"] == CRS
    assert float(first["dc_kwp"]) == pytest.approx(28 * 0.58)
    assert first["modules"] == "28" and first["piles"] == "8"
    assert float(first["tilt_deg"]) == 25.0 and float(first["azimuth_deg"]) == 180.0
    assert float(first["slope_along_pct"]) == 1.0 and float(first["slope_across_pct"]) == 2.0
    assert sum(float(r["dc_kwp"] or 0) for r in rows) == pytest.approx(
        pv_doc.metrics["dc_capacity_kwp"], abs=0.01
    )
    trackers = [r for r in rows if r["asset_type"] == "tracker"]
    assert len(trackers) == 12 and all(r["tilt_deg"] == "" for r in trackers)


def test_equipment_and_roads(pv_doc: ExportDocument) -> None:
    files = _read(pv_doc)
    types = sorted(r["asset_type"] for r in files["assets.csv"])
    assert types == ["bess", "power_station", "power_station", "power_station", "substation"]
    compliant = {r["id"]: r["compliant"] for r in files["roads.csv"]}
    assert compliant["road-steep"] == "false" and compliant["road-1"] == ""


def test_no_tables_no_schedule(doc: ExportDocument) -> None:
    assert sorted(_read(doc)) == ["assets.csv", "roads.csv"]
