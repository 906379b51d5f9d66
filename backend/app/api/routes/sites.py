"""Sites: upload a KML/KMZ boundary or add the demo site, list, read, rename / place points, delete."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status

from app.api.deps import CurrentUser, OwnedSite, SessionDep, SettingsDep, StorageDep
from app.api.schemas import (
    MAX_SKIP,
    ExclusionZonePublic,
    LatestLayout,
    SitePublic,
    SitesPublic,
    SiteSummary,
    SiteUpdate,
)
from app.api.transactions import TransactionalRoute
from app.api.uploads import read_upload
from app.db import crud
from app.db.models import Layout, Site
from app.errors import InvalidInput
from app.sites.checks import SiteLimits
from app.sites.edit import apply_site_update
from app.sites.guides import site_guides
from app.sites.service import (
    create_site_with_zones_json,
    delete_site,
    ensure_demo_site,
)

router = APIRouter(route_class=TransactionalRoute, prefix="/api/sites", tags=["sites"])
audit = logging.getLogger("app.audit")
log = logging.getLogger(__name__)


def site_summary(site: Site, latest: Layout | None) -> SiteSummary:
    return SiteSummary(
        id=site.id,
        name=site.name,
        area_ha=site.area_ha,
        centroid=(site.centroid_lon, site.centroid_lat),
        bbox=site.bbox,
        created_at=site.created_at,
        latest_layout=LatestLayout(
            id=latest.id, status=latest.status, total_capacity_kw=latest.total_capacity_kw
        )
        if latest
        else None,
    )


def site_public(site: Site, latest: Layout | None, *, with_zones: bool = True) -> SitePublic:
    """with_zones=False: `exclusion_zones` empty, and the site's zones are not loaded."""
    return SitePublic(
        **site_summary(site, latest).model_dump(),
        boundary=site.boundary,
        exclusion_zones=[ExclusionZonePublic.model_validate(z) for z in site.exclusion_zones]
        if with_zones
        else [],
        entry_point=site.entry_point,
        interconnection_point=site.interconnection_point,
        inputs_changed_at=site.inputs_changed_at,
        warnings=site.warnings or [],
    )


@router.post("/upload", response_model=SitePublic, status_code=status.HTTP_201_CREATED)
def upload_site(
    *,
    file: Annotated[UploadFile, File(description="a .kml or .kmz file")],
    name: Annotated[str | None, Form(max_length=255)] = None,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    """Create a site from a KML/KMZ boundary; exclusion and entry placemarks are picked up too."""
    # Refused (422) below MIN_SITE_AREA_HA or above MAX_SITE_AREA_HA (app.sites.checks).
    # A plain `def`: FastAPI runs it on its thread pool, so parsing a large file and writing
    # thousands of zone rows (and the commit, see TransactionalRoute) never block the event
    # loop — /health and every other request keep answering while uploads are processed.
    filename = file.filename or ""
    if not filename.lower().endswith((".kml", ".kmz")):
        raise InvalidInput(f"unsupported file type {filename!r}: upload a .kml or .kmz file")
    data = read_upload(file.file, settings)
    site, zones_json = create_site_with_zones_json(
        session=session,
        storage=storage,
        owner=user,
        data=data,
        filename=filename,
        name=name,
        limits=SiteLimits(min_area_ha=settings.min_site_area_ha, max_area_ha=settings.max_site_area_ha),
    )
    # Serialised here, on this worker thread, and the zones (thousands, MBs of GeoJSON) arrive as
    # JSON already made in the parse process: encoding them here would hold the GIL, and left to
    # FastAPI it would run on the event loop and stall it for a second or more.
    body = site_public(site, None, with_zones=False).model_dump_json().encode()
    empty = b'"exclusion_zones":[]'
    if body.count(empty) != 1:
        raise RuntimeError("the site's answer must name exclusion_zones exactly once")
    return Response(
        content=body.replace(empty, b'"exclusion_zones":' + zones_json),
        media_type="application/json",
        status_code=status.HTTP_201_CREATED,
    )


@router.post(
    "/demo",
    response_model=SitePublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "You already have the demo site: it is returned unchanged."}},
)
def add_demo_site(
    *, response: Response, session: SessionDep, storage: StorageDep, settings: SettingsDep, user: CurrentUser
) -> SitePublic:
    """Give the current user the demo site (a ~60 ha parcel with a wetland exclusion and an entrance).

    Idempotent per user: when they already have it (by name), it is returned with 200. Its terrain
    comes from the bundled Jacksboro DEM when DEM_SOURCE includes `file`.
    """
    site, created = ensure_demo_site(session=session, storage=storage, settings=settings, owner=user)
    if not created:
        response.status_code = status.HTTP_200_OK
        return site_public(site, crud.latest_layouts(session=session, site_ids=[site.id]).get(site.id))
    return site_public(site, None)


@router.patch("/{site_id}", response_model=SitePublic)
def update_site(*, site: OwnedSite, body: SiteUpdate | None = None, session: SessionDep) -> SitePublic:
    """Rename the site or place / clear its entry and grid interconnection points (GeoJSON Points, WGS84).

    Only the fields sent change. Moving a point sets `inputs_changed_at`, so older layouts show as stale.
    """
    if body is not None:
        apply_site_update(site, body.model_dump(include=body.model_fields_set))
    session.flush()
    latest = crud.latest_layouts(session=session, site_ids=[site.id]).get(site.id)
    return site_public(site, latest)


@router.get("/{site_id}/guides")
def get_site_guides(
    *,
    site: OwnedSite,
    session: SessionDep,
    setback_m: Annotated[float, Query(ge=0, le=1000, description="keep-out inside the boundary [m]")] = 15,
) -> dict[str, Any]:
    """Map guides (GeoJSON, WGS84): the setback line and each exclusion zone's buffer outline."""
    return site_guides(site, setback_m=setback_m)


@router.get("", response_model=SitesPublic)
def list_sites(
    *,
    session: SessionDep,
    user: CurrentUser,
    skip: Annotated[int, Query(le=MAX_SKIP)] = 0,
    limit: int = 100,
) -> SitesPublic:
    sites, count = crud.list_sites(
        session=session, owner_id=user.id, skip=max(0, skip), limit=min(max(limit, 1), 500)
    )
    latest = crud.latest_layouts(session=session, site_ids=[s.id for s in sites])
    return SitesPublic(data=[site_summary(s, latest.get(s.id)) for s in sites], count=count)


@router.get("/{site_id}", response_model=SitePublic)
def get_site(*, site: OwnedSite, session: SessionDep) -> SitePublic:
    latest = crud.latest_layouts(session=session, site_ids=[site.id]).get(site.id)
    return site_public(site, latest)


@router.delete("/{site_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_site(*, site: OwnedSite, session: SessionDep, storage: StorageDep, user: CurrentUser) -> Response:
    """Delete the site, its zones, layouts and stored files."""
    delete_site(session=session, storage=storage, site=site)
    audit.info(
        "site.delete", extra={"event": "site.delete", "user_id": str(user.id), "site_id": str(site.id)}
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
