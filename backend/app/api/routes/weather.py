"""A site's weather file for the energy yield: upload (EPW, TMY3, PVGIS TMY CSV/JSON, NSRDB PSM
CSV), read its summary, remove it. Stored in storage area "uploads" under weather/{site_id}/."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile, status
from pydantic import BaseModel

from app.api.deps import CurrentUser, OwnedSite, SessionDep, SettingsDep, StorageDep
from app.api.transactions import TransactionalRoute
from app.api.uploads import read_upload
from app.engine.energy.types import WeatherData
from app.errors import NotFound
from app.weather.base import distance_km
from app.weather.file import AREA, delete_weather_file, store_weather_file, stored_weather
from app.weather.parse import parse_weather
from app.weather.service import FAR_STATION_KM

router = APIRouter(route_class=TransactionalRoute, prefix="/api/sites", tags=["weather"])
audit = logging.getLogger("app.audit")


class WeatherFilePublic(BaseModel):
    """A site's weather file: format, kind ("tmy" gives a P50; "timeseries" is averaged per year),
    station location (WGS84) and its distance from the site [km], rows, step [h], annual GHI
    [kWh/m²], and warnings."""

    site_id: uuid.UUID
    filename: str | None
    format: str | None
    kind: str
    label: str
    latitude: float | None
    longitude: float | None
    elevation_m: float | None
    distance_km: float | None
    rows: int
    step_hours: float
    ghi_kwh_per_m2_year: float
    warnings: list[str]


def _public(site_id: uuid.UUID, lat: float, lon: float, weather: WeatherData) -> WeatherFilePublic:
    summary = weather.summary()
    km = None
    warnings: list[str] = []
    if weather.latitude is not None and weather.longitude is not None:
        km = round(distance_km(lat, lon, weather.latitude, weather.longitude), 1)
        if km > FAR_STATION_KM:
            warnings.append(f"the weather file is for a place {km:.0f} km from the site")
    if weather.kind != "tmy":
        warnings.append("a time series, not a typical year: the yield is its yearly mean, not a P50")
    warnings += [str(w) for w in weather.details.get("warnings") or []]  # gaps filled
    return WeatherFilePublic(
        site_id=site_id,
        filename=summary.get("filename"),
        format=summary.get("format"),
        kind=weather.kind,
        label=weather.label,
        latitude=weather.latitude,
        longitude=weather.longitude,
        elevation_m=weather.elevation_m,
        distance_km=km,
        rows=summary["rows"],
        step_hours=summary["step_hours"],
        ghi_kwh_per_m2_year=summary["ghi_kwh_per_m2_year"],
        warnings=warnings,
    )


@router.post("/{site_id}/weather", response_model=WeatherFilePublic, status_code=status.HTTP_201_CREATED)
def upload_weather(
    *,
    site: OwnedSite,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="EPW, TMY3 CSV, PVGIS TMY CSV/JSON or NSRDB PSM CSV")],
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> WeatherFilePublic:
    """Set the site's weather file (replacing any earlier one); the energy yield uses it first."""
    data = read_upload(file.file, settings, what="weather file")
    weather = store_weather_file(storage, site.id, file.filename or "weather", data)
    audit.info("weather file uploaded", extra={"site_id": str(site.id), "user_id": str(user.id)})
    return _public(site.id, site.centroid_lat, site.centroid_lon, weather)


@router.get("/{site_id}/weather", response_model=WeatherFilePublic)
def get_weather(*, site: OwnedSite, session: SessionDep, storage: StorageDep) -> WeatherFilePublic:
    """The site's uploaded weather file; 404 when none was uploaded (PVGIS / clear-sky apply)."""
    obj = stored_weather(storage, site.id)
    if obj is None:
        raise NotFound("no weather file was uploaded for this site")
    weather = parse_weather(storage.get(AREA, obj.key), filename=obj.key.rsplit("/", 1)[-1])
    return _public(site.id, site.centroid_lat, site.centroid_lon, weather)


@router.delete("/{site_id}/weather", status_code=status.HTTP_204_NO_CONTENT)
def delete_weather(*, site: OwnedSite, session: SessionDep, storage: StorageDep) -> Response:
    """Remove the site's weather file (the next sources in WEATHER_SOURCE then apply)."""
    if delete_weather_file(storage, site.id) == 0:
        raise NotFound("no weather file was uploaded for this site")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
