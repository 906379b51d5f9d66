"""A site file made ready for the database in the parse process, so the API process does little per upload.

Issue 27, point 9: with the parse in a child process, four 2.5 MB KML uploads still held the API process's
GIL for seconds each — one ORM object per exclusion zone (thousands), their GeoJSON serialisation, shapely
geometries unpickled from the child, and the answer validated and encoded zone by zone — and /health
waited for it (p95 ≈ 0.4-0.5 s). Here the child does all of that once: the zone rows travel back as plain
tuples with their geometry already JSON text (one bulk INSERT in the API process), and the zones' part of
the answer as ready JSON bytes.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from typing import Any

from app.sites.checks import SiteLimits
from app.sites.geometry import area_ha, to_geojson
from app.sites.kml import ParsedSite, parse_site_file


@dataclass(frozen=True, kw_only=True)
class ZoneRow:
    """One exclusion zone ready to insert. geometry_json: GeoJSON (WGS84) as JSON text; area_ha [ha]."""

    id: uuid.UUID
    name: str | None
    zone_type: str
    buffer_m: float
    area_ha: float
    geometry_json: str


@dataclass(frozen=True, kw_only=True)
class PreparedSite:
    """`site`: the parsed file without its exclusions (they are `zones`); `zones_json`: the zones as the API
    answers them (`ExclusionZonePublic` fields in order, UTF-8 JSON array)."""

    site: ParsedSite
    zones: list[ZoneRow]
    zones_json: bytes


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def prepare_site_file(data: bytes, filename: str, limits: SiteLimits) -> PreparedSite:
    """Parse a KML/KMZ file (`parse_site_file`) and prepare its zones for the database and the answer.
    Runs in the parse pool for large files; raises as the parser does."""
    parsed = parse_site_file(data, filename, limits)
    zones: list[ZoneRow] = []
    public: list[str] = []
    for z in parsed.exclusions:
        geometry = _dumps(to_geojson(z.geometry))
        row = ZoneRow(
            id=uuid.uuid4(),
            name=z.name,
            zone_type=z.zone_type,
            buffer_m=0.0,
            area_ha=z.area_ha if z.area_ha is not None else area_ha(z.geometry),
            geometry_json=geometry,
        )
        zones.append(row)
        # The order and spelling of app.api.schemas.ExclusionZonePublic (tests compare the two answers).
        public.append(
            f'{{"id":"{row.id}","name":{_dumps(row.name)},"zone_type":{_dumps(row.zone_type)},'
            f'"buffer_m":{_dumps(row.buffer_m)},"geometry":{geometry},"area_ha":{_dumps(row.area_ha)}}}'
        )
    return PreparedSite(
        site=dataclasses.replace(parsed, exclusions=[]),
        zones=zones,
        zones_json=("[" + ",".join(public) + "]").encode(),
    )
