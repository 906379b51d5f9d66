"""The gen-tie is in every export: GeoJSON, KMZ, CSV, DXF and PDF, with the engine's length."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace

import ezdxf
import pypdf
import pytest
from lxml import etree
from shapely import wkt
from shapely.geometry import LineString, Point, box

from app.dem.base import grid_spec_for
from app.dem.flat import FlatSource
from app.engine.core.crs import site_crs, to_utm
from app.engine.core.types import LayoutParams, SiteInput
from app.engine.layout import generate_layout
from app.exports.build import document_from_result
from app.exports.csv_zip import write_csv_zip
from app.exports.document import ExportDocument
from app.exports.dxf import write_dxf
from app.exports.geojson import write_geojson
from app.exports.kmz import write_kmz
from app.exports.pdf import write_pdf

NS = {"k": "http://www.opengis.net/kml/2.2"}
POI = Point(-99.484, 31.004)  # ≈ 570 m east of the parcel


@pytest.fixture(scope="module")
def doc() -> ExportDocument:
    parcel = box(-99.50, 31.00, -99.49, 31.008)
    site = replace(SiteInput(boundary=parcel), interconnection_point=POI)
    params = LayoutParams(target_capacity_kw=10_000, use_terrain=False, dem_resolution_m=10)
    # The terrain grid reaches the interconnection point, so the whole line is routed.
    grid = FlatSource().fetch(grid_spec_for(parcel.union(POI.buffer(0.002)), 10))
    result = generate_layout(site, grid, params)
    return document_from_result(
        site=site,
        result=result,
        params=params,
        site_name="Gen-tie",
        layout_id="gt",
        grid=grid,
        grid_source="flat",
    )


def _length_m(doc: ExportDocument) -> float:
    (tie,) = doc.gen_ties
    return float(tie.properties["length_m"])


def test_geojson_carries_the_gen_tie_feature(doc: ExportDocument) -> None:
    fc = json.loads(write_geojson(doc))
    (feature,) = [f for f in fc["features"] if f["properties"]["kind"] == "gen_tie"]
    assert feature["geometry"]["type"] == "LineString"
    line = to_utm(LineString(feature["geometry"]["coordinates"]), doc.crs)
    assert line.length == pytest.approx(feature["properties"]["length_m"], abs=0.5)
    assert Point(feature["geometry"]["coordinates"][0]).distance(POI) < 1e-6
    assert feature["properties"]["voltage_kv"] == 69
    assert fc["metrics"]["gen_tie_length_m"] == pytest.approx(_length_m(doc), abs=0.2)


def test_kmz_has_a_grid_connection_folder(doc: ExportDocument) -> None:
    with zipfile.ZipFile(io.BytesIO(write_kmz(doc))) as zf:
        root = etree.fromstring(zf.read("doc.kml"))
    (folder,) = root.xpath("//k:Folder[k:name='Grid connection']", namespaces=NS)
    (pm,) = folder.xpath("k:Placemark", namespaces=NS)
    assert pm.xpath("string(k:name)", namespaces=NS) == "Gen-tie 69 kV"
    assert pm.xpath("k:LineString", namespaces=NS)
    length = pm.xpath("string(k:ExtendedData/k:Data[@name='length_m']/k:value)", namespaces=NS)
    assert float(length) == pytest.approx(_length_m(doc), abs=0.05)


def test_csv_has_gen_tie_csv(doc: ExportDocument) -> None:
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as zf:
        (row,) = list(csv.DictReader(io.StringIO(zf.read("gen_tie.csv").decode("utf-8"))))
    assert float(row["length_m"]) == pytest.approx(_length_m(doc), abs=0.01)
    assert to_utm(wkt.loads(row["wkt"]), doc.crs).length == pytest.approx(_length_m(doc), abs=0.5)
    assert (float(row["start_lon"]), float(row["start_lat"])) == pytest.approx((POI.x, POI.y), abs=1e-7)


def test_dxf_draws_the_gen_tie_on_its_layer(doc: ExportDocument) -> None:
    dwg = ezdxf.read(io.StringIO(write_dxf(doc).decode("utf-8")))
    (pl,) = dwg.modelspace().query('LWPOLYLINE[layer=="GEN_TIE"]')
    line = LineString([(x, y) for x, y, *_ in pl.get_points()])
    assert line.length == pytest.approx(_length_m(doc), abs=0.5)
    poi = to_utm(POI, site_crs(POI))
    assert Point(line.coords[0]).distance(poi) < 0.5
    title = [str(t.dxf.text) for t in dwg.modelspace().query('TEXT[layer=="TITLE"]')]
    assert f"Gen-tie: {_length_m(doc) / 1000:,.2f} km at 69 kV" in title


def test_pdf_names_the_gen_tie(doc: ExportDocument) -> None:
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(doc)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert f"Gen-tie 69 kV ({_length_m(doc) / 1000:,.2f} km)" in text
