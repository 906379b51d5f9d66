"""Coordinate reference systems: WGS84 for storage, the site's UTM zone for computing."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
G = TypeVar("G", bound=BaseGeometry)


def utm_crs_for(lon: float, lat: float) -> str:
    """The UTM zone CRS ("EPSG:326zz" north, "EPSG:327zz" south) containing (lon, lat) [degrees]."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def site_crs(geometry: BaseGeometry) -> str:
    """The UTM CRS of a WGS84 geometry's centroid."""
    c = geometry.centroid
    return utm_crs_for(c.x, c.y)


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geometry: G, src: str, dst: str) -> G:
    """`geometry` with its coordinates moved from CRS `src` to CRS `dst` (x/y = lon/lat order)."""
    if src == dst:
        return geometry
    t = _transformer(src, dst)
    out: G = shapely.transform(geometry, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    return out


def to_utm(geometry: G, crs: str) -> G:
    """A WGS84 geometry in the metric CRS `crs` [m]."""
    return reproject(geometry, WGS84, crs)


def to_wgs84(geometry: G, crs: str) -> G:
    """A geometry in `crs` back in WGS84 [degrees]."""
    return reproject(geometry, crs, WGS84)


def reproject_many(geometries: Sequence[G], src: str, dst: str) -> list[G]:
    """Many geometries moved from CRS `src` to `dst` with one pyproj call (x/y = lon/lat order).

    Why: one call per geometry costs far more than the transformation itself for thousands of
    small footprints.
    """
    if not geometries or src == dst:
        return list(geometries)
    arr = np.asarray(geometries, dtype=object)
    coords = shapely.get_coordinates(arr)
    x, y = _transformer(src, dst).transform(coords[:, 0], coords[:, 1])
    out: list[G] = list(shapely.set_coordinates(arr.copy(), np.column_stack([x, y])))
    return out
