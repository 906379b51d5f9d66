"""Creating and deleting sites: parse the upload, store the original file, write the rows."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import Text, bindparam, cast, insert, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.base import new_id, utcnow
from app.db.models import ExclusionZone, Site, User
from app.sites.checks import SiteLimits
from app.sites.geometry import to_geojson
from app.sites.parse_pool import parse_upload
from app.sites.prepare import ZoneRow
from app.storage.base import Storage

log = logging.getLogger(__name__)


def create_site_from_upload(
    *,
    session: Session,
    storage: Storage,
    owner: User,
    data: bytes,
    filename: str,
    name: str | None = None,
    limits: SiteLimits | None = None,
) -> Site:
    """Parse a KML/KMZ upload into a site with its exclusion zones; keep the original file.

    `limits`: the accepted site area [ha] (MIN_SITE_AREA_HA / MAX_SITE_AREA_HA). Blocking (parsing,
    storage, database): call it from a worker thread, never the event loop. The file is stored before
    the rows are written; if the transaction later fails, the orphan file is harmless (the uploads
    lifecycle rule removes it).
    """
    site, _ = create_site_with_zones_json(
        session=session, storage=storage, owner=owner, data=data, filename=filename, name=name, limits=limits
    )
    return site


def create_site_with_zones_json(
    *,
    session: Session,
    storage: Storage,
    owner: User,
    data: bytes,
    filename: str,
    name: str | None = None,
    limits: SiteLimits | None = None,
) -> tuple[Site, bytes]:
    """`create_site_from_upload`, also returning the zones as the API answers them (a JSON array).

    The zones are written with one bulk INSERT, not as ORM objects, and `site.exclusion_zones` is left
    unloaded (reading it loads them from the database): see app.sites.prepare for why.
    """
    prepared = parse_upload(data, filename, limits or SiteLimits())
    parsed = prepared.site
    site_id = new_id()
    ext = parsed.source_format
    key = f"{site_id}/source.{ext}"
    content_type = (
        "application/vnd.google-earth.kmz" if ext == "kmz" else "application/vnd.google-earth.kml+xml"
    )
    storage.put("uploads", key, data, content_type=content_type)
    minx, miny, maxx, maxy = parsed.boundary.bounds
    centroid = parsed.boundary.centroid
    site = Site(
        id=site_id,
        owner_id=owner.id,
        name=(name or parsed.name).strip()[:255] or parsed.name,
        boundary=to_geojson(parsed.boundary),
        area_ha=parsed.area_ha,
        centroid_lon=centroid.x,
        centroid_lat=centroid.y,
        bbox_min_lon=minx,
        bbox_min_lat=miny,
        bbox_max_lon=maxx,
        bbox_max_lat=maxy,
        entry_point=to_geojson(parsed.entry_point) if parsed.entry_point is not None else None,
        source_key=key,
        warnings=list(parsed.warnings),
    )
    session.add(site)
    session.flush()
    if prepared.zones:
        _insert_zones(session, site_id, prepared.zones)
    return site, prepared.zones_json


def _insert_zones(session: Session, site_id: uuid.UUID, zones: list[ZoneRow]) -> None:
    # The geometry arrives as JSON text: bound as text (cast to JSONB on PostgreSQL; SQLite keeps
    # JSON as text anyway), so it is not decoded here only for the driver to encode it again.
    geometry: Any = bindparam("geometry", type_=Text)
    if session.get_bind().dialect.name == "postgresql":
        geometry = cast(geometry, JSONB)
    now = utcnow()
    session.execute(
        insert(ExclusionZone).values(geometry=geometry),
        [
            {
                "id": z.id,
                "site_id": site_id,
                "name": z.name,
                "zone_type": z.zone_type,
                "buffer_m": z.buffer_m,
                "area_ha": z.area_ha,
                "geometry": z.geometry_json,
                "created_at": now,
            }
            for z in zones
        ],
    )


def delete_site(*, session: Session, storage: Storage, site: Site) -> None:
    """Delete the site's rows (zones, layouts, assets, roads cascade) and its stored files."""
    layout_ids = [str(layout.id) for layout in site.layouts]
    site_id = str(site.id)
    session.delete(site)
    session.flush()
    storage.delete_prefix("uploads", f"{site_id}/")
    storage.delete_prefix("outputs", f"terrain/{site_id}/")
    storage.delete_prefix("uploads", f"weather/{site_id}/")
    storage.delete_prefix("outputs", f"weather/{site_id}/")
    for layout_id in layout_ids:
        storage.delete_prefix("outputs", f"outputs/{layout_id}/")


def ensure_demo_site(
    *, session: Session, storage: Storage, settings: Settings, owner: User
) -> tuple[Site, bool]:
    """Give `owner` the demo site (a ~60 ha parcel with a wetland exclusion and an entrance, inside
    the bundled Jacksboro DEM) unless they have it (by name); (site, created).

    When DEM_SOURCE includes `file`, the Jacksboro GeoTIFF is written into DEM_PATH so the site's
    terrain works offline; if that fails, terrain falls back to the other sources.
    Used by POST /api/sites/demo and `sitelayouts demo`.
    """
    from app.dem.demo import DEMO_SITE_NAME, demo_site_kml, write_demo_dem

    if "file" in settings.dem_source:
        try:
            write_demo_dem(settings.dem_path)
        except OSError as exc:
            log.warning("demo DEM not written to %s: %s", settings.dem_path, exc)
    existing = session.scalar(
        select(Site).where(Site.owner_id == owner.id, Site.name == DEMO_SITE_NAME).limit(1)
    )
    if existing is not None:
        return existing, False
    site = create_site_from_upload(
        session=session,
        storage=storage,
        owner=owner,
        data=demo_site_kml(),
        filename="demo-site.kml",
        name=DEMO_SITE_NAME,
    )
    return site, True
