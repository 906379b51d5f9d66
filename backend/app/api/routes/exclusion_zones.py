"""Exclusion zones of a site: list, create, read, update, delete.

Every change sets the site's `inputs_changed_at`, so layouts made before it show as stale.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Response, status

from app.api.deps import CurrentUser, OwnedSite, SessionDep
from app.api.schemas import ExclusionZoneCreate, ExclusionZonePublic, ExclusionZoneUpdate
from app.api.transactions import TransactionalRoute
from app.db import crud
from app.db.models import ExclusionZone
from app.sites.edit import mark_inputs_changed
from app.sites.geometry import area_ha, polygonal_from_geojson, to_geojson

router = APIRouter(
    route_class=TransactionalRoute, prefix="/api/sites/{site_id}/exclusion-zones", tags=["exclusion-zones"]
)
audit = logging.getLogger("app.audit")


@router.get("", response_model=list[ExclusionZonePublic])
def list_zones(*, site: OwnedSite, session: SessionDep) -> list[ExclusionZone]:
    return list(site.exclusion_zones)


@router.post("", response_model=ExclusionZonePublic, status_code=status.HTTP_201_CREATED)
def create_zone(*, site: OwnedSite, body: ExclusionZoneCreate, session: SessionDep) -> ExclusionZone:
    geom = polygonal_from_geojson(body.geometry, what="geometry", within=site.boundary)
    zone = ExclusionZone(
        site_id=site.id,
        name=body.name,
        zone_type=body.zone_type,
        buffer_m=body.buffer_m,
        geometry=to_geojson(geom),
        area_ha=area_ha(geom),
    )
    session.add(zone)
    mark_inputs_changed(site)
    session.flush()
    return zone


@router.get("/{zone_id}", response_model=ExclusionZonePublic)
def get_zone(*, site: OwnedSite, zone_id: uuid.UUID, session: SessionDep) -> ExclusionZone:
    return crud.get_zone(session=session, site=site, zone_id=zone_id)


@router.patch("/{zone_id}", response_model=ExclusionZonePublic)
def update_zone(
    *,
    site: OwnedSite,
    zone_id: uuid.UUID,
    body: ExclusionZoneUpdate,
    session: SessionDep,
) -> ExclusionZone:
    zone = crud.get_zone(session=session, site=site, zone_id=zone_id)
    if body.geometry is not None:
        geom = polygonal_from_geojson(body.geometry, what="geometry", within=site.boundary)
        zone.geometry, zone.area_ha = to_geojson(geom), area_ha(geom)
    if body.zone_type is not None:
        zone.zone_type = body.zone_type
    if body.buffer_m is not None:
        zone.buffer_m = body.buffer_m
    if "name" in body.model_fields_set:
        zone.name = body.name
    if body.geometry is not None or body.buffer_m is not None or body.zone_type is not None:
        mark_inputs_changed(site)
    session.flush()
    return zone


@router.put("/{zone_id}", response_model=ExclusionZonePublic)
def replace_zone(
    *,
    site: OwnedSite,
    zone_id: uuid.UUID,
    body: ExclusionZoneCreate,
    session: SessionDep,
    user: CurrentUser,
) -> ExclusionZone:
    return update_zone(
        site=site,
        zone_id=zone_id,
        body=ExclusionZoneUpdate(**body.model_dump()),
        session=session,
    )


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_zone(*, site: OwnedSite, zone_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    session.delete(crud.get_zone(session=session, site=site, zone_id=zone_id))
    mark_inputs_changed(site)
    audit.info(
        "zone.delete", extra={"event": "zone.delete", "user_id": str(user.id), "zone_id": str(zone_id)}
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
