"""The GeoJSON FeatureCollection: RFC 7946 shape, kinds, properties and metrics."""

from __future__ import annotations

import json

from shapely.geometry import LinearRing, Point, box, shape

from app.engine.core.geojson import layout_feature_collection
from app.engine.core.types import ASSET_NUMBERS, LayoutParams
from app.engine.layout import generate_layout
from tests.engine.factory import grid_for, site_from_utm, square_utm

ASSET_PROPS = {"asset_type", *ASSET_NUMBERS}
ROAD_PROPS = {"road_class", "width_m", "length_m", "max_grade_pct", "cut_m3", "fill_m3"}


def test_feature_collection() -> None:
    crs, sq = square_utm(800)
    x0, y0 = sq.bounds[:2]
    site = site_from_utm(sq, crs, [(box(x0 + 300, y0 + 300, x0 + 400, y0 + 400), 10.0)], Point(x0, y0 + 400))
    params = LayoutParams(target_capacity_kw=20_000, profile="hybrid")
    r = generate_layout(site, grid_for(sq, crs, terrain="rolling"), params)
    fc = layout_feature_collection(site, r, params)
    json.dumps(fc, allow_nan=False)
    assert fc["type"] == "FeatureCollection"
    assert fc["metrics"]["total_capacity_kw"] == r.metrics["total_capacity_kw"]
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("boundary") == 1 and kinds.count("exclusion") == 1 and kinds.count("entry") == 1
    assert kinds.count("asset") == len(r.assets) and kinds.count("road") == len(r.roads)
    for f in fc["features"]:
        props = f["properties"]
        if props["kind"] == "asset":
            assert set(props) >= ASSET_PROPS
        if props["kind"] == "road":
            assert set(props) >= ROAD_PROPS
            assert f["geometry"]["type"] == "LineString"
        if f["geometry"]["type"] == "Polygon":
            rings = f["geometry"]["coordinates"]
            assert LinearRing(rings[0]).is_ccw  # right-hand rule: exterior counter-clockwise
            assert all(not LinearRing(h).is_ccw for h in rings[1:])
            lon, lat = rings[0][0]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert shape(f["geometry"]).is_valid
