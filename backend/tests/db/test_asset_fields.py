"""One list of an asset's numbers (`ASSET_NUMBERS`): PlacedAsset's fields, the assets table's
columns the insert writes, and the GeoJSON properties both builders write (which list them out for
speed, so this test is what keeps them equal)."""

from __future__ import annotations

import json
from dataclasses import fields

from shapely.geometry import box

from app.db.models import Asset
from app.engine.core.geojson import layout_feature_collection, layout_geojson_bytes
from app.engine.core.types import (
    ASSET_NUMBERS,
    LayoutParams,
    LayoutResult,
    PlacedAsset,
    SiteInput,
    asset_numbers,
)


def _asset() -> PlacedAsset:
    values = {k: float(i + 1) for i, k in enumerate(ASSET_NUMBERS)}
    return PlacedAsset(
        asset_type="pcs", footprint=box(-93.0, 40.0, -92.999, 40.001), properties={"x": 1}, **values
    )


def test_the_list_is_placed_assets_numbers_in_field_order_and_the_tables_columns() -> None:
    other = {"asset_type", "footprint", "properties"}
    assert tuple(f.name for f in fields(PlacedAsset) if f.name not in other) == ASSET_NUMBERS
    assert set(ASSET_NUMBERS) <= set(Asset.__table__.columns.keys())
    a = _asset()
    assert asset_numbers(a) == tuple(float(i + 1) for i in range(len(ASSET_NUMBERS)))


def test_both_geojson_builders_write_exactly_those_numbers() -> None:
    a = _asset()
    site = SiteInput(boundary=box(-93.01, 39.99, -92.99, 40.01))
    result = LayoutResult(assets=(a,), roads=(), metrics={}, warnings=(), crs="EPSG:32615")
    params = LayoutParams(target_capacity_kw=1000)
    for fc in (
        layout_feature_collection(site, result, params),
        json.loads(layout_geojson_bytes(site, result, params)),
    ):
        (props,) = [f["properties"] for f in fc["features"] if f["properties"]["kind"] == "asset"]
        assert set(props) == {"kind", "asset_type", "x", *ASSET_NUMBERS}
        assert [props[k] for k in ASSET_NUMBERS] == list(asset_numbers(a))
