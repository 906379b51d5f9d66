"""The export document and the edge cases every writer must survive."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import ezdxf
import pytest
from lxml import etree
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box, mapping

from app.engine.core.crs import to_wgs84
from app.exports.document import ExportDocument, num
from app.exports.formats import FORMATS
from app.exports.palette import asset_color, kml_color, label
from tests.exports.conftest import CRS, make_document, origin_utm


def test_metrics_fall_back_to_the_features(doc_factory) -> None:
    doc = doc_factory()
    doc.feature_collection.pop("metrics")
    m = doc.metrics
    assert m["total_capacity_kw"] == 15_200.0
    assert m["storage_kwh"] == 8_000.0
    assert m["asset_count"] == 9
    assert m["counts_by_type"] == {"pv_block": 6, "bess": 2, "substation": 1}
    assert m["cut_volume_m3"] == pytest.approx(990.0)
    assert m["target_capacity_kw"] == 15_000.0
    assert m["buildable_area_ha"] is None


def test_items_skip_features_without_geometry_or_kind(doc_factory) -> None:
    doc = doc_factory()
    doc.feature_collection["features"].append(
        {"type": "Feature", "geometry": None, "properties": {"kind": "asset"}}
    )
    doc.feature_collection["features"].append(
        {"type": "Feature", "geometry": mapping(box(0, 0, 1, 1)), "properties": {"kind": "mystery"}}
    )
    assert len(doc.assets) == 9
    assert doc.asset_types == ["pv_block", "bess", "substation"]
    assert doc.crs_name == "WGS 84 / UTM zone 14N (EPSG:32614)"


def test_num() -> None:
    assert num("2.5") == 2.5
    assert num(None) is None
    assert num(float("nan")) is None
    assert num(True) is None
    assert num("abc") is None


def test_display_name() -> None:
    assert make_document(site_name="  \x00 ").display_name == "Untitled site"
    assert make_document(site_name="A\nB").display_name == "AB"


def test_palette_and_labels() -> None:
    assert kml_color("#1f77b4", 0.5) == "80b4771f"
    assert asset_color("pv_block") == "#f59e0b"  # the web app's amber
    assert asset_color("never_seen_before") == asset_color("never_seen_before")
    assert label("om_building") == "O&M building"
    assert label("bess") == "BESS"
    assert label("pv_block") == "PV block"


def _multipolygon_doc() -> ExportDocument:
    """A boundary of two parcels, one with a hole, and a MultiPolygon asset; UTM metres -> WGS84."""
    ox, oy = origin_utm()

    def wgs(g: Any) -> dict[str, Any]:
        return dict(mapping(to_wgs84(affinity.translate(g, ox, oy), CRS)))

    parcel_a = Polygon(
        [(0, 0), (400, 0), (400, 400), (0, 400)], [[(150, 150), (250, 150), (250, 250), (150, 250)]]
    )
    parcel_b = box(500, 0, 700, 200)
    asset = MultiPolygon([box(20, 20, 60, 60), box(80, 20, 120, 60)])
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": wgs(MultiPolygon([parcel_a, parcel_b])),
                "properties": {"kind": "boundary"},
            },
            {
                "type": "Feature",
                "geometry": wgs(asset),
                "properties": {"kind": "asset", "asset_type": "pv block/α", "capacity_kw": 500.0},
            },
        ],
    }
    return ExportDocument(feature_collection=fc, crs=CRS, site_name="Two parcels", layout_id="mp")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_multipolygons_holes_and_sparse_properties(fmt: str) -> None:
    doc = _multipolygon_doc()
    data = FORMATS[fmt].writer(doc)
    assert data
    if fmt == "geojson":
        fc = json.loads(data)
        boundary = fc["features"][0]["geometry"]
        assert boundary["type"] == "MultiPolygon"
        assert len(boundary["coordinates"][0]) == 2  # exterior + hole
    elif fmt == "kmz":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            root = etree.fromstring(zf.read("doc.kml"))
        ns = {"k": "http://www.opengis.net/kml/2.2"}
        assert len(root.findall(".//k:Folder[k:name='Boundary']//k:Polygon", ns)) == 2
        assert len(root.findall(".//k:Folder[k:name='Boundary']//k:innerBoundaryIs", ns)) == 1
    elif fmt == "dxf":
        dwg = ezdxf.read(io.StringIO(data.decode("utf-8")))
        msp = dwg.modelspace()
        assert len(msp.query('LWPOLYLINE[layer=="BOUNDARY"]')) == 3  # two exteriors and a hole
        assert len(msp.query('LWPOLYLINE[layer=="PV_BLOCK_Α"]')) == 2
        total = sum(
            Polygon([(x, y) for x, y, *_ in e.get_points("xy")]).area
            for e in msp.query('LWPOLYLINE[layer=="BOUNDARY"]')
        )
        assert total == pytest.approx(400 * 400 + 100 * 100 + 200 * 200, rel=1e-4)  # hole drawn as a ring
    elif fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.read("assets.csv").decode().count("\n") == 2
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-")


def test_geometries_built_in_bulk_equal_shape() -> None:
    """Polygons and lines are built in vectorised groups (issue 24); every geometry must be exactly
    what `shape()` gives, 3D and holes included."""
    from shapely.geometry import shape

    from app.exports.document import _shapes

    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    geometries = [
        {"type": "Polygon", "coordinates": [square]},
        {"type": "Polygon", "coordinates": [[[x + 5, y] for x, y in square]]},
        {"type": "Polygon", "coordinates": [[[0, 0, 1], [2, 0, 1], [2, 2, 1], [0, 0, 1]]]},
        {
            "type": "Polygon",
            "coordinates": [[[0, 0], [9, 0], [9, 9], [0, 9], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 1]]],
        },
        {"type": "LineString", "coordinates": [[0.5, 0.5], [3.25, 4.0]]},
        {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]},
        {"type": "LineString", "coordinates": [[0.0, 0.0, 5.0], [1.0, 1.0, 6.0]]},
        {"type": "Point", "coordinates": [1.0, 2.0]},
        {"type": "MultiPolygon", "coordinates": [[square]]},
    ]
    built = _shapes(geometries)
    assert len(built) == len(geometries)
    for g, b in zip(geometries, built, strict=True):
        expected = shape(g)
        assert b.geom_type == expected.geom_type and b.has_z == expected.has_z
        assert b.equals_exact(expected, 0.0)
