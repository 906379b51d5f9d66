"""GeoJSON in and out of shapely for WGS84 site geometry, with validation that names the problem."""

from __future__ import annotations

from typing import Any

from shapely import make_valid
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from app.engine.crs import site_crs, to_utm
from app.errors import InvalidInput


def polygonal_from_geojson(doc: dict[str, Any], *, what: str) -> Polygon | MultiPolygon:
    """A WGS84 Polygon/MultiPolygon from a GeoJSON geometry (or Feature); `InvalidInput` otherwise."""
    if not isinstance(doc, dict):
        raise InvalidInput(f"{what}: expected a GeoJSON object")
    if doc.get("type") == "Feature":
        doc = doc.get("geometry") or {}
    if doc.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"{what}: expected a GeoJSON Polygon or MultiPolygon, got {doc.get('type')!r}")
    try:
        geom = shape(doc)
    except (GEOSException, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise InvalidInput(f"{what}: malformed GeoJSON coordinates ({exc})") from None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(f"{what}: coordinates out of range (longitude ±180, latitude ±90)")
    if not geom.is_valid:
        geom = make_valid(geom)
        polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon)]
        geom = MultiPolygon([p for g in polys for p in getattr(g, "geoms", [g])]) if polys else Polygon()
        if isinstance(geom, MultiPolygon) and len(geom.geoms) == 1:
            geom = geom.geoms[0]
    if geom.is_empty or area_ha(geom) <= 0:
        raise InvalidInput(f"{what}: the polygon has zero area")
    assert isinstance(geom, Polygon | MultiPolygon)
    return geom


def area_ha(geom: BaseGeometry) -> float:
    """Area [ha] of a WGS84 geometry, measured in its UTM zone."""
    if geom.is_empty:
        return 0.0
    return float(to_utm(geom, site_crs(geom)).area) / 10_000.0


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geom))
