"""A collector substation's tie line is in every export the gen-tie is in: GeoJSON, KMZ (folder
"Collector ties"), CSV (collector_ties.csv), DXF (layer COLLECTOR_TIE) and the PDF map's legend,
each with the engine's length; the line's geometry is checked against the GeoJSON feature's."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import ezdxf
import pypdf
import pytest
from lxml import etree
from shapely import wkt
from shapely.geometry import LineString, Point, Polygon

from app.engine.core.crs import to_utm
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from app.exports.build import document_from_result
from app.exports.csv_zip import write_csv_zip
from app.exports.document import ExportDocument
from app.exports.dxf import write_dxf
from app.exports.geojson import write_geojson
from app.exports.kmz import write_kmz
from app.exports.pdf import write_pdf
from tests.engine.factory import grid_for, site_from_utm, utm_origin

NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(scope="module")
def doc() -> ExportDocument:
    # A 1.6 km strip entered at its west end with a 1 km MV feeder limit: its east end gets a
    # collector substation.
    crs, x0, y0 = utm_origin()
    parcel = Polygon([(x0, y0), (x0 + 1600, y0), (x0 + 1600, y0 + 400), (x0, y0 + 400)])
    site = site_from_utm(parcel, crs, entry=Point(x0 + 1.0, y0 + 200))
    grid = grid_for(parcel, crs)
    params = LayoutParams(
        target_capacity_kw=25_000, pv={"structure": "fixed"}, electrical={"mv_max_feeder_m": 1000.0}
    )
    result = generate_layout(site, grid, params)
    return document_from_result(
        site=site, result=result, params=params, site_name="Collectors", layout_id="ct", grid=grid
    )


def _tie(doc: ExportDocument) -> LineString:
    fc = json.loads(write_geojson(doc))
    ties = [f for f in fc["features"] if f["properties"]["kind"] == "collector_tie"]
    assert ties, "the layout has no collector tie"
    return to_utm(LineString(ties[0]["geometry"]["coordinates"]), doc.crs)


def test_geojson_tie_has_its_length(doc: ExportDocument) -> None:
    (first, *_) = doc.collector_ties
    assert _tie(doc).length == pytest.approx(first.properties["length_m"], abs=0.5)
    assert first.properties["reason"] == "feeder_length"


def test_kmz_has_a_collector_ties_folder(doc: ExportDocument) -> None:
    with zipfile.ZipFile(io.BytesIO(write_kmz(doc))) as zf:
        root = etree.fromstring(zf.read("doc.kml"))
    (folder,) = root.xpath("//k:Folder[k:name='Collector ties']", namespaces=NS)
    pms = folder.xpath("k:Placemark", namespaces=NS)
    assert len(pms) == len(doc.collector_ties)
    assert pms[0].xpath("string(k:name)", namespaces=NS).startswith("Collector 1 tie")
    coords = pms[0].xpath("string(k:LineString/k:coordinates)", namespaces=NS).split()
    line = to_utm(LineString([tuple(map(float, c.split(",")[:2])) for c in coords]), doc.crs)
    assert line.length == pytest.approx(_tie(doc).length, abs=0.5)


def test_csv_has_collector_ties_csv(doc: ExportDocument) -> None:
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("collector_ties.csv").decode("utf-8"))))
    assert len(rows) == len(doc.collector_ties)
    row = rows[0]
    assert row["collector"] == "1" and row["reason"] == "feeder_length"
    assert to_utm(wkt.loads(row["wkt"]), doc.crs).length == pytest.approx(_tie(doc).length, abs=0.5)
    assert float(row["length_m"]) == pytest.approx(_tie(doc).length, abs=0.5)


def test_dxf_draws_the_collector_tie_on_its_layer(doc: ExportDocument) -> None:
    dwg = ezdxf.read(io.StringIO(write_dxf(doc).decode("utf-8")))
    lines = dwg.modelspace().query('LWPOLYLINE[layer=="COLLECTOR_TIE"]')
    assert len(lines) == len(doc.collector_ties)
    line = LineString([(x, y) for x, y, *_ in lines[0].get_points()])
    assert line.length == pytest.approx(_tie(doc).length, abs=0.5)


def test_pdf_map_names_the_collector_ties(doc: ExportDocument) -> None:
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(doc)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    km = sum(float(t.properties["length_m"]) for t in doc.collector_ties) / 1000.0
    assert f"Collector ties ({len(doc.collector_ties)}, {km:,.2f} km)" in text
