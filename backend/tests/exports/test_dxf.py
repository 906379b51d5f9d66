"""DXF export, read back with ezdxf: UTM coordinates, layers, XDATA and the CRS comment."""

from __future__ import annotations

import io

import ezdxf
import pytest
from ezdxf import comments
from shapely.geometry import LineString, Polygon

from app.exports.document import ExportDocument
from app.exports.dxf import APPID, asset_layer_name, write_dxf


def _read(doc: ExportDocument):
    data = write_dxf(doc)
    return ezdxf.read(io.StringIO(data.decode("utf-8"))), data


def _xdata(entity) -> dict[str, str]:
    return dict(tag.value.split("=", 1) for tag in entity.get_xdata(APPID))


def test_layers_and_units(doc: ExportDocument) -> None:
    dwg, _ = _read(doc)
    names = {layer.dxf.name for layer in dwg.layers}
    assert {"BOUNDARY", "EXCLUSIONS", "ROADS", "CONTOURS", "PV_BLOCK", "BESS", "SUBSTATION"} <= names
    assert dwg.units == 6  # metres
    msp = dwg.modelspace()
    counts = {name: len(msp.query(f'*[layer=="{name}"]')) for name in names}
    assert counts["PV_BLOCK"] == 6
    assert counts["BESS"] == 2
    assert counts["SUBSTATION"] == 1
    assert counts["ROADS"] == 3
    assert counts["CONTOURS"] == 3
    assert counts["EXCLUSIONS"] == 2  # the zone and its dashed 20 m buffer
    assert counts["BOUNDARY"] == 2  # the outline and the entry point


def test_crs_is_named_in_header_comment_and_custom_vars(doc: ExportDocument) -> None:
    dwg, data = _read(doc)
    notes = [value for code, value in comments.from_stream(io.StringIO(data.decode("utf-8")), codes={999})]
    assert any("EPSG:32614" in n and "UTM zone 14N" in n for n in notes)
    assert dwg.header.custom_vars.get("CRS") == "EPSG:32614"
    assert dwg.header.custom_vars.get("LAYOUT_ID") == doc.layout_id


def test_coordinates_are_utm_metres(doc: ExportDocument) -> None:
    dwg, _ = _read(doc)
    msp = dwg.modelspace()
    boundary = next(e for e in msp.query('LWPOLYLINE[layer=="BOUNDARY"]'))
    poly = Polygon([(x, y) for x, y, *_ in boundary.get_points("xy")])
    expected = doc.to_utm(doc.boundary)
    assert poly.hausdorff_distance(expected) < 0.01  # m
    assert poly.area == pytest.approx(800 * 600 - 300 * 250, rel=1e-4)
    assert 400_000 < poly.centroid.x < 700_000  # a UTM easting, not degrees


def test_asset_and_road_attributes(doc: ExportDocument) -> None:
    dwg, _ = _read(doc)
    msp = dwg.modelspace()
    bess = list(msp.query('LWPOLYLINE[layer=="BESS"]'))
    assert all(e.closed for e in bess)
    x = _xdata(bess[0])
    assert x["asset_type"] == "bess"
    assert float(x["capacity_kw"]) == 1000.0
    assert float(x["storage_kwh"]) == 4000.0
    assert float(bess[0].dxf.elevation) == pytest.approx(255.0)  # pad elevation [m]
    area = Polygon([(px, py) for px, py, *_ in bess[0].get_points("xy")]).area
    assert area == pytest.approx(30 * 15, rel=1e-3)
    roads = list(msp.query('LWPOLYLINE[layer=="ROADS"]'))
    assert sorted(r.dxf.const_width for r in roads) == [4.0, 5.0, 6.0]
    spine = next(r for r in roads if _xdata(r)["road_class"] == "spine")
    pts = [(px, py) for px, py, *_ in spine.get_points("xy")]
    assert LineString(pts).length == pytest.approx(doc.roads[0].properties["length_m"], abs=0.05)


def test_contours_sit_at_their_elevation(doc: ExportDocument) -> None:
    dwg, _ = _read(doc)
    zs = sorted(float(e.dxf.elevation) for e in dwg.modelspace().query('LWPOLYLINE[layer=="CONTOURS"]'))
    assert zs == [250.0, 255.0, 260.0]


def test_empty_and_unicode_layouts(empty_doc: ExportDocument, unicode_doc: ExportDocument) -> None:
    dwg, _ = _read(empty_doc)
    msp = dwg.modelspace()
    assert len(msp.query('*[layer=="BOUNDARY"]')) == 2
    assert {layer.dxf.name for layer in dwg.layers} >= {"ROADS", "EXCLUSIONS", "CONTOURS"}
    dwg, _data = _read(unicode_doc)
    assert dwg.header.custom_vars.get("SITE") == unicode_doc.site_name


@pytest.mark.parametrize(
    ("asset_type", "layer"),
    [("pv_block", "PV_BLOCK"), ("om building", "OM_BUILDING"), ("roads", "ASSET_ROADS"), ("a/b:c", "A_B_C")],
)
def test_asset_layer_names(asset_type: str, layer: str) -> None:
    assert asset_layer_name(asset_type) == layer
