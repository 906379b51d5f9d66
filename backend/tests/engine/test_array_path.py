"""The array path of the layout GeoJSON gives the same plant as the object path (issue 24 item 5).

`layout_geojson_bytes` reads every coordinate from its geometry in one shapely call per kind and
writes the text with orjson; `layout_feature_collection` (the object path: one GeoJSON dict per
feature, through `shapely.to_geojson` for lines) is kept for the callers that need a dict. On the
sample parcels, feature by feature: the same ids, kinds and properties, the same geometry type and
the same coordinates within 1e-7° (the array path rounds to 1e-7°), ring orientation included;
and the top-level members (metrics, warnings, crs, profile, strategy) equal.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from shapely.geometry import LinearRing, Polygon, shape

from app.engine.core.crs import site_crs, to_utm
from app.engine.core.geojson import layout_feature_collection, layout_geojson_bytes
from app.engine.core.grid import flat_grid
from app.engine.core.types import Exclusion, LayoutParams, SiteInput
from app.engine.layout import generate_layout
from app.sites.kml import parse_site_file

SAMPLES = Path(__file__).parents[2] / "app" / "samples"
TOL_DEG = 1e-7


def _sample(name: str) -> SiteInput:
    parsed = parse_site_file((SAMPLES / name).read_bytes(), name)
    return SiteInput(
        boundary=parsed.boundary,
        exclusions=tuple(
            Exclusion(geometry=z.geometry, buffer_m=0.0, zone_type=z.zone_type, name=z.name)
            for z in parsed.exclusions
        ),
        entry_point=parsed.entry_point,
    )


def _flat_grid_for(site: SiteInput) -> Any:
    crs = site_crs(site.boundary.centroid)
    x0, y0, x1, y1 = to_utm(site.boundary, crs).bounds
    return flat_grid((x0 - 100, y0 - 100, x1 + 100, y1 + 100), resolution_m=10.0, crs=crs, elevation_m=200.0)


def _positions(coords: Any) -> list[list[float]]:
    """Every position of nested GeoJSON coordinates, in order."""
    if coords and isinstance(coords[0], int | float):
        return [list(coords)]
    return [p for c in coords for p in _positions(c)]


def _same_number(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def _assert_same_properties(old: dict[str, Any], new: dict[str, Any], fid: str) -> None:
    # Through JSON both ways (the object path's dict as json.dumps writes it), so tuples and lists
    # compare alike; NaN → null on both paths.
    old_j = json.loads(json.dumps(old))
    assert list(new) == list(old_j), fid
    for k, v in old_j.items():
        assert _same_number(v, new[k]), (fid, k, v, new[k])


def _assert_same_geometry(old: dict[str, Any], new: dict[str, Any], fid: str) -> None:
    assert new["type"] == old["type"], fid
    a = np.asarray(_positions(old["coordinates"]), dtype=float)
    b = np.asarray(_positions(new["coordinates"]), dtype=float)
    assert a.shape == b.shape, fid
    # Rounded to 1e-7° (half of that off at most), plus float noise of the rounding itself.
    assert float(np.abs(a - b).max(initial=0.0)) <= TOL_DEG / 2 + 1e-12, fid
    if new["type"] == "Polygon":
        rings = new["coordinates"]
        assert LinearRing(rings[0]).is_ccw, fid  # RFC 7946: exterior counter-clockwise
        assert all(not LinearRing(h).is_ccw for h in rings[1:]), fid


CASES = [
    ("sample-site.kml", LayoutParams(target_capacity_kw=10_000, use_terrain=False)),
    (
        "sample-site.kml",
        LayoutParams(target_capacity_kw=10_000, use_terrain=False, pv={"structure": "tracker"}),
    ),
    (
        "large-site.kml",
        LayoutParams(target_capacity_kw=30_000, use_terrain=False, pv={"structure": "tracker"}),
    ),
]


@pytest.mark.parametrize(("sample", "params"), CASES, ids=["sample-fixed", "sample-tracker", "large-tracker"])
def test_array_path_equals_object_path(sample: str, params: LayoutParams) -> None:
    site = _sample(sample)
    result = generate_layout(site, _flat_grid_for(site), params)
    assert len(result.assets) > 100  # a real plant: tables, stations, roads, cables

    old = layout_feature_collection(site, result, params)
    new = orjson.loads(layout_geojson_bytes(site, result, params))

    assert [f["id"] for f in new["features"]] == [f["id"] for f in old["features"]]
    kinds = {f["properties"]["kind"] for f in new["features"]}
    assert {"boundary", "asset", "road"} <= kinds
    for f_old, f_new in zip(old["features"], new["features"], strict=True):
        assert f_new["type"] == "Feature"
        _assert_same_properties(f_old["properties"], f_new["properties"], f_old["id"])
        _assert_same_geometry(f_old["geometry"], f_new["geometry"], f_old["id"])
    for key in ("metrics", "warnings", "crs", "profile", "strategy"):
        assert new[key] == json.loads(json.dumps(old[key])), key


def test_clockwise_ring_is_turned() -> None:
    """A clockwise table footprint leaves counter-clockwise with the same corners (recomputed with
    shapely from the written text, not from the writer's arithmetic)."""
    from app.engine.core.geojson import _geometries_json

    cw = Polygon([(0, 0), (0, 1e-4), (2e-4, 1e-4), (2e-4, 0)])
    ccw = Polygon([(1, 1), (1.0002, 1), (1.0002, 1.0001), (1, 1.0001)])
    assert not LinearRing(cw.exterior.coords).is_ccw
    out = _geometries_json([cw, ccw])
    for g, src in zip(out, (cw, ccw), strict=True):
        ring = g["coordinates"][0]
        assert LinearRing(ring).is_ccw
        assert shape(g).equals(src)


def test_lines_from_geojson_equals_shape() -> None:
    """The batched reader gives, geometry by geometry, what shapely's `shape` reads (types,
    coordinates, order), for lines and multi-lines interleaved, and for a degenerate line."""
    from app.engine.core.geojson import lines_from_geojson

    geoms: list[dict[str, Any]] = [
        {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 0], [1, 1]], [[5, 5], [6, 6]]]},
        {"type": "LineString", "coordinates": [[2.5, 1.0], [3.0, 4.0]]},
        {"type": "MultiLineString", "coordinates": [[[10, 0], [11, 0]]]},
        {"type": "LineString", "coordinates": [[7, 7], [8, 8], [9, 7]]},
        {"type": "Point", "coordinates": [1, 2]},
    ]
    got = lines_from_geojson(geoms)
    assert len(got) == len(geoms)
    for g, src in zip(got, geoms, strict=True):
        want = shape(src)
        assert g.geom_type == want.geom_type
        assert g.equals_exact(want, 0.0)
    three_d = [{"type": "LineString", "coordinates": [[0, 0, 1], [1, 1, 2]]}]
    assert lines_from_geojson(three_d)[0].has_z  # read as `shape` reads it
