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
from typing import Any

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
