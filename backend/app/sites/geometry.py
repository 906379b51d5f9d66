"""GeoJSON in and out of shapely for WGS84 site geometry, with validation that names the problem."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import shapely
from shapely import make_valid
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from app.engine.core.crs import site_crs, to_utm
from app.errors import InvalidInput
from app.sites.checks import (
    check_holes,
    check_not_spanning_antimeridian,
    check_ring_antimeridian,
    check_utm_latitudes,
    check_zone_within_site,
    polygons_of,
)


def polygonal_from_geojson(
    doc: dict[str, Any], *, what: str, within: dict[str, Any] | BaseGeometry | None = None
) -> Polygon | MultiPolygon:
    """A WGS84 Polygon/MultiPolygon from a GeoJSON geometry (or Feature); `InvalidInput` otherwise.

    `within`: a site boundary (GeoJSON or shapely, WGS84) the geometry must overlap, for an
    exclusion zone that would otherwise exclude nothing.
    """
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
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or _has_non_finite(geom):
        raise InvalidInput(f"{what}: every coordinate must be a finite number")
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(f"{what}: coordinates out of range (longitude ±180, latitude ±90)")
    for poly in polygons_of(geom):
        for ring in [poly.exterior, *poly.interiors]:
            check_ring_antimeridian([(x, y) for x, y, *_ in ring.coords], what)
        check_holes(poly, [Polygon(r) for r in poly.interiors], what)
    check_not_spanning_antimeridian(geom, what)
    check_utm_latitudes(geom, what)
    if not geom.is_valid:
        geom = make_valid(geom)
        polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon)]
        geom = MultiPolygon([p for g in polys for p in getattr(g, "geoms", [g])]) if polys else Polygon()
        if isinstance(geom, MultiPolygon) and len(geom.geoms) == 1:
            geom = geom.geoms[0]
    if geom.is_empty or area_ha(geom) <= 0:
        raise InvalidInput(f"{what}: the polygon has zero area")
    if within is not None:
        boundary = within if isinstance(within, BaseGeometry) else shape(within)
        check_zone_within_site(geom, boundary, what)
    assert isinstance(geom, Polygon | MultiPolygon)
    return geom


def _has_non_finite(geom: BaseGeometry) -> bool:
    coords = shapely.get_coordinates(geom)
    return bool(coords.size) and not bool(np.isfinite(coords).all())


def area_ha(geom: BaseGeometry) -> float:
    """Area [ha] of a WGS84 geometry, measured in its UTM zone."""
    if geom.is_empty:
        return 0.0
    return float(to_utm(geom, site_crs(geom)).area) / 10_000.0


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geom))


def simple_polygon_rings(geoms: Sequence[BaseGeometry]) -> Iterator[tuple[int, np.ndarray]]:
    """(position, exterior ring coordinates (n, 2)) of each 2D polygon without holes among
    `geoms` (a plant's PV tables), read in one shapely call and split in numpy: the rows are views
    of one array. Other geometries are not yielded."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    simple = np.flatnonzero(
        (shapely.get_type_id(arr) == 3)
        & (shapely.get_num_interior_rings(arr) == 0)
        & ~shapely.has_z(arr)
        & ~shapely.is_empty(arr)
    )
    if not len(simple):
        return
    xy, owner = shapely.get_coordinates(shapely.get_exterior_ring(arr[simple]), return_index=True)
    xy = np.ascontiguousarray(xy)
    ends = np.flatnonzero(np.diff(owner)) + 1
    bounds = zip([0, *ends.tolist()], [*ends.tolist(), len(xy)], strict=True)
    for k, (a, b) in zip(simple.tolist(), bounds, strict=True):
        yield k, xy[a:b]


def to_geojson_many(geoms: Sequence[BaseGeometry]) -> list[dict[str, Any]]:
    """`to_geojson` of many geometries (same coordinates, in the same order): 2D polygons without
    holes — a plant's PV tables — come from `simple_polygon_rings`; any other geometry goes through
    `to_geojson`. One `mapping()` per table took seconds at 1 GWac."""
    out: list[dict[str, Any] | None] = [None] * len(geoms)
    for k, ring in simple_polygon_rings(geoms):
        out[k] = {"type": "Polygon", "coordinates": [ring.tolist()]}
    return [g if g is not None else to_geojson(geoms[k]) for k, g in enumerate(out)]
