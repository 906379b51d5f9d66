"""A site's wind resource for turbine layout and wind energy: upload (sector Weibull table CSV,
WAsP/WindPRO .tab, time-series CSV), read its summary, remove it. Stored in storage area "uploads"
under wind/{site_id}/ (docs/wind.md)."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile, status
from pydantic import BaseModel

from app.api.deps import CurrentUser, OwnedSite, SessionDep, SettingsDep, StorageDep
from app.api.transactions import TransactionalRoute
from app.api.uploads import read_upload
from app.engine.wind.resource import WindResource, rose
from app.errors import NotFound
from app.wind.file import AREA, delete_wind_file, store_wind_file, stored_wind
from app.wind.parse import parse_wind

router = APIRouter(route_class=TransactionalRoute, prefix="/api/sites", tags=["wind"])
audit = logging.getLogger("app.audit")


class WindFilePublic(BaseModel):
    """A site's wind resource: kind ("weibull", "tab", "timeseries"), measurement height [m], mean
    speed there [m/s], the rose (sector centre [°], frequency, mean speed [m/s]) at that height,
    rows of a time series, and whether layouts get a synthesised hourly year from it."""

    site_id: uuid.UUID
    filename: str
    kind: str
    height_m: float
    mean_speed_m_s: float
    sectors: int
    rose: list[dict[str, Any]]
    rows: int | None
    hourly_synthesised: bool
    warnings: list[str]


def _public(site_id: uuid.UUID, r: WindResource) -> WindFilePublic:
    warnings: list[str] = []
    rows = None
    if r.kind == "timeseries" and r.speed_m_s is not None:
        rows = len(r.speed_m_s)
        if rows < 8760:
            warnings.append(
                f"the series covers {rows} records, less than a year: hours it lacks take its mean speed "
                "in the hourly year, and its AEP is its mean power × 8760 h"
            )
    else:
        warnings.append("a distribution, not hours: the hourly year for storage dispatch is synthesised")
    return WindFilePublic(
        site_id=site_id,
        filename=r.source,
        kind=r.kind,
        height_m=r.height_m,
        mean_speed_m_s=round(r.mean_speed(), 3),
        sectors=len(r.sector_deg),
        rose=rose(r),
        rows=rows,
        hourly_synthesised=r.kind != "timeseries",
        warnings=warnings,
    )


@router.post("/{site_id}/wind", response_model=WindFilePublic, status_code=status.HTTP_201_CREATED)
def upload_wind(
    *,
    site: OwnedSite,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="Weibull table CSV, WAsP/WindPRO .tab or time-series CSV")],
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> WindFilePublic:
    """Set the site's wind resource (replacing any earlier one); layouts with turbines use it."""
    data = read_upload(file.file, settings, what="wind file")
    resource = store_wind_file(storage, site.id, file.filename or "wind.csv", data)
    audit.info("wind file uploaded", extra={"site_id": str(site.id), "user_id": str(user.id)})
    return _public(site.id, resource)


@router.get("/{site_id}/wind", response_model=WindFilePublic)
def get_wind(*, site: OwnedSite, session: SessionDep, storage: StorageDep) -> WindFilePublic:
    """The site's wind resource; 404 when none was uploaded (then layouts report no wind energy)."""
    obj = stored_wind(storage, site.id)
    if obj is None:
        raise NotFound("no wind resource was uploaded for this site")
    resource = parse_wind(storage.get(AREA, obj.key), filename=obj.key.rsplit("/", 1)[-1])
    return _public(site.id, resource)


@router.delete("/{site_id}/wind", status_code=status.HTTP_204_NO_CONTENT)
def delete_wind(*, site: OwnedSite, session: SessionDep, storage: StorageDep) -> Response:
    """Remove the site's wind resource."""
    if delete_wind_file(storage, site.id) == 0:
        raise NotFound("no wind resource was uploaded for this site")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
