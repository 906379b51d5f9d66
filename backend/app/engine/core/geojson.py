"""The layout as an RFC 7946 GeoJSON FeatureCollection (WGS84, EPSG:4326, right-hand rule).

Every feature has properties.kind: boundary | exclusion | entry | asset | road | fence | gate.
Asset features add their type-specific properties (PV tables: dc_kwp, modules, structure,
block, …); road features carry `compliant` (within the maximum grade). The collection
carries a top-level "metrics" member (see `LayoutResult`), plus "warnings", "crs" (the UTM CRS the
layout was computed in), "profile" and "strategy". The export writers build every other format
from this document.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from app.engine.core.types import LayoutParams, LayoutResult, SiteInput


def _geometry(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry with exterior rings counter-clockwise and holes clockwise (RFC 7946 §3.1.6)."""
    if geom.geom_type == "Polygon" and not geom.interiors:
        # The common case (tens of thousands of PV tables): straight from the coordinates.
        xy = shapely.get_coordinates(geom)
        x, y = xy[:, 0], xy[:, 1]
        if float(((x[:-1] * y[1:]) - (x[1:] * y[:-1])).sum()) < 0:
            xy = xy[::-1]
        return {"type": "Polygon", "coordinates": [xy.tolist()]}
    if geom.geom_type == "Polygon":
        geom = orient(geom, sign=1.0)
    elif geom.geom_type == "MultiPolygon":
        geom = shapely.multipolygons([orient(p, sign=1.0) for p in geom.geoms])
    out: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return out


def _num(v: float) -> float | None:
    """JSON has no NaN: missing values become null."""
    f = float(v)
    return f if math.isfinite(f) else None


def layout_feature_collection(site: SiteInput, result: LayoutResult, params: LayoutParams) -> dict[str, Any]:
    """The layout as a GeoJSON FeatureCollection dict (WGS84 coordinates, lon/lat order)."""
    features = _site_features(site, params) + _result_features(result)
    metrics = {k: (_num(v) if isinstance(v, float) else v) for k, v in result.metrics.items()}
    return {
        "type": "FeatureCollection",
        "features": features,
        "metrics": metrics,
        "warnings": list(result.warnings),
        "crs": result.crs,
        "profile": params.profile,
        "strategy": params.strategy,
    }


def _site_features(site: SiteInput, params: LayoutParams) -> list[dict[str, Any]]:
    """The site's features: its boundary (with the setback [m]), exclusion zones and entry points."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": "boundary",
            "geometry": _geometry(site.boundary),
            "properties": {"kind": "boundary", "setback_m": params.setback_m},
        }
    ]
    for i, ex in enumerate(site.exclusions):
        features.append(
            {
                "type": "Feature",
                "id": f"exclusion-{i + 1}",
                "geometry": _geometry(ex.geometry),
                "properties": {
                    "kind": "exclusion",
                    "zone_type": ex.zone_type,
                    "name": ex.name,
                    "buffer_m": ex.buffer_m,
                },
            }
        )
    for i, entry in enumerate(site.entry_points):
        features.append(
            {
                "type": "Feature",
                # The first keeps the id it always had; further entries are numbered.
                "id": "entry" if i == 0 else f"entry-{i + 1}",
                "geometry": _geometry(entry),
                "properties": {"kind": "entry"},
            }
        )
    return features


def _result_features(result: LayoutResult) -> list[dict[str, Any]]:
    """The layout's features: placed assets, roads and extras (cables, fences, pads...)."""
    features: list[dict[str, Any]] = []
    # The asset's numbers are written out here and in `_result_features_from` rather than built
    # from `ASSET_NUMBERS` (app/engine/core/types.py, the same list the assets table's insert
    # uses): a literal dict is ≈ 3× faster (1.3 against 3.8 µs an asset, 0.1 s on a 1 GWac plant's
    # tables). tests/db/test_asset_fields.py keeps the three lists equal.
    for i, a in enumerate(result.assets):
        features.append(
            {
                "type": "Feature",
                "id": f"asset-{i + 1}",
                "geometry": _geometry(a.footprint),
                "properties": {
                    "kind": "asset",
                    "asset_type": a.asset_type,
                    "rotation_deg": _num(a.rotation_deg),
                    "capacity_kw": _num(a.capacity_kw),
                    "storage_kwh": _num(a.storage_kwh),
                    "elevation_m": _num(a.elevation_m),
                    "slope_deg": _num(a.slope_deg),
                    "pad_elevation_m": _num(a.pad_elevation_m),
                    "cut_m3": _num(a.cut_m3),
                    "fill_m3": _num(a.fill_m3),
                    **{k: (_num(v) if isinstance(v, float) else v) for k, v in a.properties.items()},
                },
            }
        )
    for i, r in enumerate(result.roads):
        features.append(
            {
                "type": "Feature",
                "id": f"road-{i + 1}",
                "geometry": _geometry(r.geometry),
                "properties": {
                    "kind": "road",
                    "road_class": r.road_class,
                    "width_m": _num(r.width_m),
                    "length_m": _num(r.length_m),
                    "max_grade_pct": _num(r.max_grade_pct),
                    "compliant": bool(r.compliant),
                    "cut_m3": _num(r.cut_m3),
                    "fill_m3": _num(r.fill_m3),
                },
            }
        )
    for i, extra in enumerate(result.extras):
        features.append(
            {
                "type": "Feature",
                "id": f"{extra['kind']}-{i + 1}",
                "geometry": _geometry(extra["geometry"]),
                "properties": {"kind": extra["kind"], **extra.get("properties", {})},
            }
        )
    return features


# --- The same collection as compact JSON bytes, built from coordinate arrays ---------------------

COORD_DECIMALS = 7  # 1e-7° ≈ 1.1 cm at the equator, as the stored layout document and the exports


def layout_geojson_bytes(site: SiteInput, result: LayoutResult, params: LayoutParams) -> bytes:
    """`layout_feature_collection` as compact UTF-8 JSON (WGS84 lon/lat, coordinates rounded to 1e-7°).

    The same features, ids, properties and members in the same order; what differs is how: the
    coordinates of all simple polygons (tables, pads), lines (roads, cables, trenches, fences) and
    points are read from their geometries in one shapely call per kind, oriented and rounded as
    arrays, and the text is written by orjson (NaN and ±inf become null, as `_num` makes them),
    so no per-feature GeoJSON detour (`shapely.to_geojson` + `json.loads`) is taken. At 1 GWac
    (≈ 28k tables, 17k cables) this was the CLI's largest output cost (docs/benchmarks.md).
    """
    import orjson

    site_geoms: list[BaseGeometry] = [site.boundary, *(ex.geometry for ex in site.exclusions)]
    site_geoms += list(site.entry_points)
    assets, roads, extras = result.assets, result.roads, result.extras
    geoms = _geometries_json(
        [
            *site_geoms,
            *(a.footprint for a in assets),
            *(r.geometry for r in roads),
            *(e["geometry"] for e in extras),
        ]
    )
    features = _site_features_from(site, params, geoms[: len(site_geoms)])
    features += _result_features_from(result, geoms[len(site_geoms) :])
    metrics = {k: (_num(v) if isinstance(v, float) else v) for k, v in result.metrics.items()}
    fc = {
        "type": "FeatureCollection",
        "features": features,
        "metrics": metrics,
        "warnings": list(result.warnings),
        "crs": result.crs,
        "profile": params.profile,
        "strategy": params.strategy,
    }
    return orjson.dumps(fc, option=orjson.OPT_SERIALIZE_NUMPY, default=_json_default)


def _json_default(v: Any) -> Any:
    """What orjson cannot write itself: numpy scalars of other kinds, sets (as lists)."""
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, set | frozenset):
        return sorted(v)
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")


def _site_features_from(
    site: SiteInput, params: LayoutParams, geoms: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`_site_features` with the geometries given (boundary, exclusions, entries, in that order)."""
    features = _site_features_props(site, params)
    for f, g in zip(features, geoms, strict=True):
        f["geometry"] = g
    return features


def _site_features_props(site: SiteInput, params: LayoutParams) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": "boundary",
            "geometry": None,
            "properties": {"kind": "boundary", "setback_m": params.setback_m},
        }
    ]
    out += [
        {
            "type": "Feature",
            "id": f"exclusion-{i + 1}",
            "geometry": None,
            "properties": {
                "kind": "exclusion",
                "zone_type": ex.zone_type,
                "name": ex.name,
                "buffer_m": ex.buffer_m,
            },
        }
        for i, ex in enumerate(site.exclusions)
    ]
    out += [
        {
            "type": "Feature",
            "id": "entry" if i == 0 else f"entry-{i + 1}",
            "geometry": None,
            "properties": {"kind": "entry"},
        }
        for i in range(len(site.entry_points))
    ]
    return out


def _result_features_from(result: LayoutResult, geoms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`_result_features` with the geometries given (assets, roads, extras, in that order)."""
    n_a, n_r = len(result.assets), len(result.roads)
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": f"asset-{i + 1}",
            "geometry": g,
            "properties": {
                "kind": "asset",
                "asset_type": a.asset_type,
                "rotation_deg": a.rotation_deg,
                "capacity_kw": a.capacity_kw,
                "storage_kwh": a.storage_kwh,
                "elevation_m": a.elevation_m,
                "slope_deg": a.slope_deg,
                "pad_elevation_m": a.pad_elevation_m,
                "cut_m3": a.cut_m3,
                "fill_m3": a.fill_m3,
                **a.properties,
            },
        }
        for i, (a, g) in enumerate(zip(result.assets, geoms[:n_a], strict=True))
    ]
    features += [
        {
            "type": "Feature",
            "id": f"road-{i + 1}",
            "geometry": g,
            "properties": {
                "kind": "road",
                "road_class": r.road_class,
                "width_m": r.width_m,
                "length_m": r.length_m,
                "max_grade_pct": r.max_grade_pct,
                "compliant": bool(r.compliant),
                "cut_m3": r.cut_m3,
                "fill_m3": r.fill_m3,
            },
        }
        for i, (r, g) in enumerate(zip(result.roads, geoms[n_a : n_a + n_r], strict=True))
    ]
    features += [
        {
            "type": "Feature",
            "id": f"{e['kind']}-{i + 1}",
            "geometry": g,
            "properties": {"kind": e["kind"], **e.get("properties", {})},
        }
        for i, (e, g) in enumerate(zip(result.extras, geoms[n_a + n_r :], strict=True))
    ]
    return features


def _geometries_json(geoms: list[BaseGeometry]) -> list[dict[str, Any]]:
    """GeoJSON geometry dicts of `geoms` (RFC 7946 ring orientation, coordinates rounded to 1e-7°).

    Points, lines, multi-lines and polygons without holes (nearly every feature) are read in one
    `get_coordinates` call per kind and rounded in one numpy pass; their coordinates stay numpy
    views (orjson writes them as nested lists). The rest (polygons with holes, multi-polygons:
    a handful) go through `_geometry` and are rounded after.
    """
    n = len(geoms)
    out: list[dict[str, Any] | None] = [None] * n
    if not n:
        return []
    arr = np.empty(n, dtype=object)
    arr[:] = geoms
    kind = shapely.get_type_id(arr)
    empty = shapely.is_empty(arr)
    simple_poly = (kind == _POLYGON) & ~empty
    simple_poly[simple_poly] = shapely.get_num_interior_rings(arr[simple_poly]) == 0
    for code, name in ((_POLYGON, "Polygon"), (_LINESTRING, "LineString"), (_POINT, "Point")):
        mask = simple_poly if code == _POLYGON else (kind == code) & ~empty
        which = np.flatnonzero(mask).tolist()
        if not which:
            continue
        coords = _coordinate_arrays(arr[which], ccw=code == _POLYGON, point=code == _POINT)
        for i, c in zip(which, coords, strict=True):
            out[i] = {"type": name, "coordinates": [c] if code == _POLYGON else c}
    multi = np.flatnonzero((kind == _MULTILINESTRING) & ~empty).tolist()
    if multi:
        parts, owner = shapely.get_parts(arr[multi], return_index=True)
        lines = _coordinate_arrays(parts, ccw=False, point=False)
        ends = np.cumsum(np.bincount(owner, minlength=len(multi))).tolist()
        for i, a, b in zip(multi, [0, *ends[:-1]], ends, strict=True):
            out[i] = {"type": "MultiLineString", "coordinates": lines[a:b]}
    for i, g in enumerate(out):
        if g is None:
            d = _geometry(geoms[i])
            out[i] = {**d, "coordinates": _round_nested(d["coordinates"])} if "coordinates" in d else d
    return out  # type: ignore[return-value]  # every slot filled above


_POINT, _LINESTRING, _POLYGON, _MULTILINESTRING = 0, 1, 3, 5  # shapely.get_type_id codes


def _coordinate_arrays(geoms: np.ndarray, *, ccw: bool, point: bool) -> list[np.ndarray]:
    """Per geometry its 2D coordinates rounded to 1e-7, as a view (n, 2) of one array (a Point: (2,)).

    ccw: the geometries are polygons whose single ring is turned counter-clockwise where it is
    clockwise (the signed area is taken before rounding, as `_geometry` does).
    """
    xy, index = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(index, minlength=len(geoms))
    ends = np.cumsum(counts)
    starts = ends - counts
    if ccw and len(xy) > 1:
        x, y = xy[:, 0], xy[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        cross[index[:-1] != index[1:]] = 0.0  # the step from one ring to the next is not an edge
        area2 = np.bincount(index[:-1], weights=cross, minlength=len(geoms))
        flip = (area2 < 0)[index]
        pos = np.arange(len(xy))
        # A clockwise ring's positions read backwards: start + end - 1 - p.
        xy = xy[np.where(flip, starts[index] + ends[index] - 1 - pos, pos)]
    flat = np.ascontiguousarray(np.round(xy, COORD_DECIMALS))
    if point:
        return list(flat)
    return [flat[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def _round_nested(coords: Any) -> Any:
    """GeoJSON coordinates (nested lists) with every number rounded to 1e-7."""
    if coords and isinstance(coords[0], int | float):
        return [round(float(v), COORD_DECIMALS) for v in coords]
    return [_round_nested(c) for c in coords]


def lines_from_geojson(geoms: Sequence[dict[str, Any]]) -> list[BaseGeometry]:
    """Shapely geometries of GeoJSON-like LineString / MultiLineString dicts (any CRS, 2D).

    All parts are built in one `shapely.linestrings` call and the multi-lines in one
    `shapely.multilinestrings` call: one call per cable cost ≈ 70 µs, ≈ 1 s for the 16k cables
    and trenches of 1 GWac. Another geometry type goes through `shape`.
    """
    from shapely.geometry import shape

    out: list[BaseGeometry | None] = [None] * len(geoms)
    parts: list[Any] = []
    owner: list[int] = []
    multi: list[int] = []
    for i, g in enumerate(geoms):
        if g["type"] == "LineString":
            parts.append(g["coordinates"])
            owner.append(i)
        elif g["type"] == "MultiLineString":
            multi.append(i)
            parts += g["coordinates"]
            owner += [i] * len(g["coordinates"])
        else:
            out[i] = shape(g)
    lengths = [len(p) for p in parts]
    xy = np.array([pt for p in parts for pt in p], dtype=float)
    if parts and (min(lengths) < 2 or xy.ndim != 2 or xy.shape[1] != 2):
        # A degenerate part or 3D / mixed positions: one geometry at a time, as `shape` reads them.
        return [shape(g) for g in geoms]
    if parts:
        lines = shapely.linestrings(xy, indices=np.repeat(np.arange(len(parts)), lengths))
        owners = np.asarray(owner)
        is_multi = np.zeros(len(geoms), dtype=bool)
        is_multi[multi] = True
        single = ~is_multi[owners]
        for i, line in zip(owners[single].tolist(), lines[single], strict=True):
            out[i] = line
        if multi:
            # Dense ids for the multi-lines' owners (indices must be 0..k-1 in order).
            dense = np.searchsorted(np.asarray(multi), owners[~single])
            for i, m in zip(multi, shapely.multilinestrings(lines[~single], indices=dense), strict=True):
                out[i] = m
    return out  # every slot filled above
