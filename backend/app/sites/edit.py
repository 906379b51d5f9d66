"""Editing a site after upload: rename, place the entry and interconnection points, input-change time.

Points are GeoJSON Points in WGS84 (lon, lat degrees). A layout made before `inputs_changed_at`
is stale: its zones, entry or interconnection point no longer match the site.
"""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import Point, shape

from app.db.base import utcnow
from app.db.models import Site
from app.engine.core.crs import site_crs, to_utm
from app.errors import InvalidInput

# A point farther than this from the boundary is almost surely a typo (swapped lon/lat, wrong sign).
MAX_POINT_DISTANCE_M = 20_000.0


def mark_inputs_changed(site: Site) -> None:
    """Record that the site's layout inputs (zones, entry, interconnection point) changed now (UTC)."""
    site.inputs_changed_at = utcnow()


def parse_site_point(doc: Any, *, what: str, site: Site) -> dict[str, Any]:
    """A GeoJSON Point (WGS84) checked for shape, range and distance to the site (`InvalidInput`).

    Returns the normalised GeoJSON (2D, lon/lat degrees). The point may lie outside the parcel
    (a grid substation often does) but within `MAX_POINT_DISTANCE_M` of its boundary.
    """
    if not isinstance(doc, dict) or doc.get("type") != "Point":
        raise InvalidInput(f"{what}: expected a GeoJSON Point {{'type': 'Point', 'coordinates': [lon, lat]}}")
    coords = doc.get("coordinates")
    if not isinstance(coords, list | tuple) or len(coords) not in (2, 3):
        raise InvalidInput(f"{what}: coordinates must be [longitude, latitude]")
    try:
        lon, lat = float(coords[0]), float(coords[1])
    except (TypeError, ValueError):
        raise InvalidInput(f"{what}: coordinates must be numbers [longitude, latitude]") from None
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"{what}: longitude must be in [-180, 180] and latitude in [-90, 90] degrees")
    point = Point(lon, lat)
    boundary = shape(site.boundary)
    crs = site_crs(boundary)
    distance_m = float(to_utm(boundary, crs).distance(to_utm(point, crs)))
    if distance_m > MAX_POINT_DISTANCE_M:
        raise InvalidInput(
            f"{what}: the point is {distance_m / 1000:.1f} km from the site boundary; "
            f"place it within {MAX_POINT_DISTANCE_M / 1000:.0f} km (check longitude/latitude order)"
        )
    # Lists, as the stored JSON reads back: an unchanged point then compares equal.
    return {"type": "Point", "coordinates": [lon, lat]}


# More entries than this is not a site's gates but a mistake (each is a road root).
MAX_ENTRY_POINTS = 20


def parse_site_entries(doc: dict[str, Any], *, site: Site) -> dict[str, Any]:
    """Several site entries as a GeoJSON MultiPoint (WGS84), each checked as `parse_site_point`
    checks one; roads start from every one (docs/engine.md, Zones and crossings)."""
    coords = doc.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise InvalidInput("entry_point: a MultiPoint needs a list of [longitude, latitude] coordinates")
    if len(coords) > MAX_ENTRY_POINTS:
        raise InvalidInput(f"entry_point: at most {MAX_ENTRY_POINTS} entries, got {len(coords)}")
    pts = [
        parse_site_point({"type": "Point", "coordinates": c}, what=f"entry_point {i + 1}", site=site)[
            "coordinates"
        ]
        for i, c in enumerate(coords)
    ]
    return {"type": "MultiPoint", "coordinates": pts}


def apply_site_update(site: Site, fields: dict[str, Any]) -> None:
    """Apply a PATCH body's fields (only those sent) to `site`; moving a point marks inputs changed."""
    if "name" in fields:
        if fields["name"] is None:
            raise InvalidInput("name: must not be null")
        site.name = str(fields["name"])[:255]
    changed = False
    for key in ("entry_point", "interconnection_point"):
        if key not in fields:
            continue
        doc = fields[key]
        new: dict[str, Any] | None
        if key == "entry_point" and isinstance(doc, dict) and doc.get("type") == "MultiPoint":
            new = parse_site_entries(doc, site=site)
        else:
            new = None if doc is None else parse_site_point(doc, what=key, site=site)
        if new != getattr(site, key):
            setattr(site, key, new)
            changed = True
    if changed:
        mark_inputs_changed(site)
