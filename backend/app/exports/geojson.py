"""GeoJSON export (RFC 7946).

WGS84 (EPSG:4326) longitude/latitude [degrees], no "crs" member, polygons wound by the right-hand
rule (exterior rings counter-clockwise, holes clockwise), coordinates rounded to 1e-7 degrees
(about 1 cm). Every feature keeps its properties (kind, asset_type, capacity_kw, …); the
collection carries foreign members "metrics", "warnings", "params", "site_name", "layout_id",
"utm_crs", "generated_at" and "generator".
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

import app
from app.exports.document import ExportDocument
from app.exports.layout_document import paused_gc

COORD_DECIMALS = 7  # 1e-7 degrees ≈ 1.1 cm at the equator


def right_hand_rule(geometry: BaseGeometry) -> BaseGeometry:
    """`geometry` with polygon exteriors counter-clockwise and holes clockwise (RFC 7946 §3.1.6)."""
    if isinstance(geometry, Polygon):
        return orient(geometry, sign=1.0)
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(p, sign=1.0) for p in geometry.geoms])
    return geometry


def _round(coords: Any) -> Any:
    if isinstance(coords, list | tuple):
        if coords and isinstance(coords[0], int | float):
            return [round(float(c), COORD_DECIMALS) for c in coords]
        return [_round(c) for c in coords]
    return coords


def geometry_json(geometry: BaseGeometry) -> dict[str, Any]:
    """A WGS84 shapely geometry as an RFC 7946 geometry object (right-hand rule, rounded)."""
    if isinstance(geometry, GeometryCollection):
        return {"type": "GeometryCollection", "geometries": [geometry_json(g) for g in geometry.geoms]}
    g = mapping(right_hand_rule(geometry))
    return {"type": g["type"], "coordinates": _round(g["coordinates"])}


def clean(value: Any) -> Any:
    """JSON-safe copy: NaN/inf become null, tuples lists, datetimes ISO 8601, numpy scalars Python."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [clean(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        return clean(item())
    return str(value)


def feature_collection(doc: ExportDocument) -> dict[str, Any]:
    """The export's FeatureCollection as a dict (see the module docstring)."""
    features: list[dict[str, Any]] = []
    out: dict[str, Any]
    source = doc.feature_collection.get("features") or []
    if doc.geojson_ready:
        # The stored layout document is RFC 7946 already (written by `layout_document`).
        for f in source:
            out = {"type": "Feature", "geometry": f.get("geometry"), "properties": f.get("properties") or {}}
            if f.get("id") is not None:
                out["id"] = f["id"]
            features.append(out)
        source = []
    for feature in source:
        geom = feature.get("geometry")
        out = {
            "type": "Feature",
            "geometry": geometry_json(shape(geom)) if geom else None,
            "properties": clean(dict(feature.get("properties") or {})),
        }
        if feature.get("id") is not None:
            out["id"] = feature["id"]
        features.append(out)
    fc: dict[str, Any] = {"type": "FeatureCollection"}
    extent = doc.extent_wgs84()
    if extent is not None:
        fc["bbox"] = [round(v, COORD_DECIMALS) for v in extent]
    fc.update(
        {
            "site_name": doc.site_name,
            "layout_id": doc.layout_id,
            "utm_crs": doc.crs,
            "generated_at": doc.created_at_utc.isoformat(),
            "generator": f"Site Layouts {app.__version__}",
            "metrics": clean(doc.metrics),
            "warnings": list(doc.warnings),
            "params": clean(doc.params),
            "features": features,
        }
    )
    return fc


def write_geojson(doc: ExportDocument) -> bytes:
    """The layout as an RFC 7946 GeoJSON FeatureCollection, UTF-8 encoded compact JSON."""
    with paused_gc():
        return json.dumps(
            feature_collection(doc), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")
