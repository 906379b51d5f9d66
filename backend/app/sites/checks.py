"""Sanity checks on site geometry that make a parcel unusable rather than merely odd.

Each raises `InvalidInput` (422) with a message naming the problem. Geometry is WGS84
(EPSG:4326) longitude/latitude [degrees]; areas are hectares measured in the site's UTM zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shapely import make_valid
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from app.errors import InvalidInput

# UTM is defined from 80°S to 84°N; beyond it the engine's metric CRS (and so every distance,
# area and slope) is meaningless, so such a site must be refused, not laid out with 0 kW.
UTM_MIN_LAT = -80.0
UTM_MAX_LAT = 84.0
DEFAULT_MIN_SITE_AREA_HA = 0.1
DEFAULT_MAX_SITE_AREA_HA = 50_000.0
# How far a hole may poke past its outer ring before it counts as outside [degrees, ~1 cm]:
# coordinates copied between tools are rounded, and a hole touching its shell is valid.
RING_TOLERANCE_DEG = 1e-7


@dataclass(frozen=True, kw_only=True)
class SiteLimits:
    """Smallest and largest site accepted [ha] (MIN_SITE_AREA_HA / MAX_SITE_AREA_HA)."""

    min_area_ha: float = DEFAULT_MIN_SITE_AREA_HA
    max_area_ha: float = DEFAULT_MAX_SITE_AREA_HA


def check_ring_antimeridian(coords: Sequence[tuple[float, float]], what: str) -> None:
    """Refuse a ring with an edge jumping more than 180° of longitude: it crosses the antimeridian.

    Written as -179.9 … 179.9, such a ring would otherwise be read as going the long way round
    the globe, with a bounding box (and a terrain grid) spanning every longitude.
    """
    for (lon0, _), (lon1, _) in itertools.pairwise([*coords, coords[0]]):
        if abs(lon1 - lon0) > 180.0:
            raise InvalidInput(
                f"{what} crosses the antimeridian (180° longitude), which is not supported: "
                "split the parcel at 180° and upload each side as its own site"
            )


def check_not_spanning_antimeridian(geom: BaseGeometry, what: str) -> None:
    """Refuse parts on both sides of the antimeridian (a bounding box wider than 180°)."""
    minx, _, maxx, _ = geom.bounds
    if maxx - minx > 180.0:
        raise InvalidInput(
            f"{what} has parts on both sides of the antimeridian (180° longitude), which is not "
            "supported: upload each side as its own site"
        )


def check_utm_latitudes(geom: BaseGeometry, what: str) -> None:
    """Refuse geometry beyond UTM's latitude range (80°S to 84°N)."""
    _, miny, _, maxy = geom.bounds
    if maxy > UTM_MAX_LAT or miny < UTM_MIN_LAT:
        lat = maxy if maxy > UTM_MAX_LAT else miny
        raise InvalidInput(
            f"{what} reaches latitude {lat:.4f}°, outside the UTM range 80°S to 84°N that layouts "
            "are computed in: polar sites are not supported"
        )


def check_holes(outer: Polygon, holes: Iterable[Polygon], what: str) -> None:
    """Refuse an inner ring (hole) that is not inside its outer ring."""
    # make_valid: a self-intersecting outer ring is repaired later, and its holes judged against that.
    shell = make_valid(Polygon(outer.exterior)).buffer(RING_TOLERANCE_DEG)
    for hole in holes:
        if not hole.intersects(shell):
            raise InvalidInput(f"{what}: an inner ring lies outside the outer boundary")
        if not shell.contains(hole):
            raise InvalidInput(f"{what}: an inner ring crosses the outer boundary")


def check_site_area(area_ha: float, limits: SiteLimits, what: str = "the site boundary") -> None:
    """Refuse a site smaller than `min_area_ha` or larger than `max_area_ha` [ha]."""
    if area_ha < limits.min_area_ha:
        raise InvalidInput(
            f"{what} covers {_ha(area_ha)}, below the {limits.min_area_ha:g} ha minimum "
            "(MIN_SITE_AREA_HA): nothing can be laid out on it"
        )
    if area_ha > limits.max_area_ha:
        raise InvalidInput(
            f"{what} covers {area_ha:,.0f} ha, over the {limits.max_area_ha:,.0f} ha maximum "
            "(MAX_SITE_AREA_HA): split it into smaller sites"
        )


def check_zone_within_site(zone: BaseGeometry, boundary: BaseGeometry, what: str) -> None:
    """Refuse an exclusion zone that does not overlap the site at all (a wrong file or CRS)."""
    if not zone.intersects(boundary) or zone.intersection(boundary).area <= 0:
        raise InvalidInput(
            f"{what} lies entirely outside the site boundary, so it excludes nothing: check its coordinates"
        )


def polygons_of(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a Polygon / MultiPolygon (others give none)."""
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return []


def _ha(area_ha: float) -> str:
    return f"{area_ha * 10_000:,.1f} m²" if area_ha < 1 else f"{area_ha:,.2f} ha"
