"""GeoJSON export: RFC 7946 (WGS84, right-hand rule), kinds, properties and metrics."""

from __future__ import annotations

import json
import math

from shapely.geometry import LinearRing, shape

from app.engine.core.crs import to_utm
from app.exports.document import ExportDocument
from app.exports.geojson import write_geojson


def _load(doc: ExportDocument) -> dict:
    return json.loads(write_geojson(doc).decode("utf-8"))


def _rings(geom: dict):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    for poly in polys:
        yield "exterior", poly[0]
        for hole in poly[1:]:
            yield "hole", hole


def test_is_a_wgs84_feature_collection_without_crs_member(doc: ExportDocument) -> None:
    fc = _load(doc)
    assert fc["type"] == "FeatureCollection"
    assert "crs" not in fc
    assert fc["utm_crs"] == "EPSG:32614"
    for feature in fc["features"]:
        assert feature["type"] == "Feature"
        lon, lat = shape(feature["geometry"]).representative_point().coords[0]
        assert -100 < lon < -99
        assert 30.9 < lat < 31.1
    minx, miny, maxx, maxy = fc["bbox"]
    assert minx < maxx
    assert miny < maxy


def test_polygons_follow_the_right_hand_rule(doc: ExportDocument) -> None:
    # The fixture writes the boundary clockwise; the export must turn it counter-clockwise.
    src = next(f for f in doc.feature_collection["features"] if f["properties"]["kind"] == "boundary")
    assert not LinearRing(src["geometry"]["coordinates"][0]).is_ccw
    for feature in _load(doc)["features"]:
        if feature["geometry"]["type"] in ("Polygon", "MultiPolygon"):
            for role, ring in _rings(feature["geometry"]):
                assert LinearRing(ring).is_ccw == (role == "exterior")


def test_boundary_geometry_is_unchanged_apart_from_winding(doc: ExportDocument) -> None:
    out = next(f for f in _load(doc)["features"] if f["properties"]["kind"] == "boundary")
    a = shape(out["geometry"])
    b = doc.boundary
    assert b is not None
    # Coordinates are rounded to 1e-7° (≈ 1 cm); compare in metres.
    assert to_utm(a, doc.crs).hausdorff_distance(to_utm(b, doc.crs)) < 0.02
    assert a.normalize().equals_exact(b.normalize(), 1e-6)


def test_kinds_and_properties_match_the_layout(doc: ExportDocument) -> None:
    fc = _load(doc)
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("boundary") == 1
    assert kinds.count("exclusion") == 1
    assert kinds.count("entry") == 1
    assert kinds.count("asset") == 9
    assert kinds.count("road") == 3
    pv = next(f for f in fc["features"] if f.get("id") == "pv-3")
    assert pv["properties"]["asset_type"] == "pv_block"
    assert pv["properties"]["capacity_kw"] == 2200.0
    assert pv["properties"]["cut_m3"] == 30.0
    road = next(f for f in fc["features"] if f["properties"]["kind"] == "road")
    assert set(road["properties"]) >= {
        "road_class",
        "width_m",
        "length_m",
        "max_grade_pct",
        "cut_m3",
        "fill_m3",
    }
    excl = next(f for f in fc["features"] if f["properties"]["kind"] == "exclusion")
    assert excl["properties"] == {
        "kind": "exclusion",
        "zone_type": "wetland",
        "buffer_m": 20.0,
        "name": "Creek wetland",
    }


def test_metrics_and_context_members(doc: ExportDocument) -> None:
    fc = _load(doc)
    m = fc["metrics"]
    assert m["total_capacity_kw"] == 15_200.0
    assert m["storage_kwh"] == 8_000.0
    assert m["counts_by_type"] == {"pv_block": 6, "bess": 2, "substation": 1}
    assert fc["warnings"] == doc.warnings
    assert fc["params"]["overrides"] == {"pv_block": {"max_slope_deg": 8}}
    assert fc["site_name"] == "Mesquite Flats Solar"
    assert fc["layout_id"] == doc.layout_id
    assert fc["generated_at"].startswith("2025-03-14T09:30:00")


def test_non_finite_numbers_become_null(doc_factory) -> None:
    doc = doc_factory()
    doc.feature_collection["features"][-1]["properties"]["cut_m3"] = math.nan
    doc.feature_collection["metrics"]["buildable_area_ha"] = math.inf
    text = write_geojson(doc).decode("utf-8")
    assert "NaN" not in text
    assert "Infinity" not in text
    fc = json.loads(text)
    assert fc["features"][-1]["properties"]["cut_m3"] is None
    assert fc["metrics"]["buildable_area_ha"] is None


def test_unicode_site_name_is_utf8(unicode_doc: ExportDocument) -> None:
    data = write_geojson(unicode_doc)
    assert "Ферма 太陽".encode() in data
    assert json.loads(data)["site_name"] == unicode_doc.site_name
