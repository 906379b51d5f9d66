"""Map guides of a site: the setback line inside the boundary and each exclusion zone's buffer.

Computed in the site's UTM zone (metres) and returned in WGS84 as a GeoJSON FeatureCollection, so
the web map draws exactly the keep-out areas the engine applies (boundary − setback; zone + buffer).
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape

from app.db.models import Site
from app.engine.core.crs import site_crs, to_utm, to_wgs84
from app.sites.geometry import to_geojson


def site_guides(site: Site, *, setback_m: float) -> dict[str, Any]:
    """Setback line (`kind: "setback"`, the boundary moved `setback_m` [m] inwards) and buffers.

    Buffers are features `kind: "exclusion_buffer"` with the zone's id, name and `buffer_m`; zones
    without a buffer have none. An empty setback feature list means the setback swallows the parcel.
    """
    boundary = shape(site.boundary)
    crs = site_crs(boundary)
    features: list[dict[str, Any]] = []
    if setback_m > 0:
        inner = to_utm(boundary, crs).buffer(-setback_m)
        if not inner.is_empty:
            features.append(
                {
                    "type": "Feature",
                    "geometry": to_geojson(to_wgs84(inner.boundary, crs)),
                    "properties": {"kind": "setback", "setback_m": setback_m},
                }
            )
    for zone in site.exclusion_zones:
        if zone.buffer_m <= 0:
            continue
        buffered = to_utm(shape(zone.geometry), crs).buffer(zone.buffer_m)
        features.append(
            {
                "type": "Feature",
                "geometry": to_geojson(to_wgs84(buffered, crs)),
                "properties": {
                    "kind": "exclusion_buffer",
                    "zone_id": str(zone.id),
                    "name": zone.name,
                    "buffer_m": zone.buffer_m,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
