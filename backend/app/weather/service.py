"""Weather for a site: try the WEATHER_SOURCE adapters in order; the first with data wins.

The job (and the CLI) call `load_weather`; the API's upload route calls `file.store_weather_file`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from app.config import Settings
from app.engine.energy.losses import loss_preset_name, parse_losses
from app.engine.energy.simulate import simulate_plant
from app.engine.energy.types import EnergyResult, WeatherData
from app.engine.pv.types import PvPlant
from app.errors import ConfigError, InvalidInput
from app.storage.base import Storage
from app.weather.base import SiteLocation, WeatherSource, distance_km
from app.weather.clearsky import ClearSkySource
from app.weather.errors import NoWeather, WeatherNotCovered
from app.weather.file import FileSource
from app.weather.parse import parse_weather
from app.weather.pvgis import PvgisSource

log = logging.getLogger(__name__)
# A weather file farther than this from the site is flagged in the result's warnings [km].
FAR_STATION_KM = 50.0


class SiteLike(Protocol):
    """What `load_weather` reads of a site (the `Site` model has these)."""

    @property
    def id(self) -> object: ...

    @property
    def centroid_lat(self) -> float: ...

    @property
    def centroid_lon(self) -> float: ...


def build_source(name: str, settings: Settings, storage: Storage | None) -> WeatherSource:
    """The weather source called `name` ("file", "pvgis", "clearsky") configured from settings."""
    if name == "file":
        return FileSource(storage)
    if name == "pvgis":
        return PvgisSource(
            url=settings.pvgis_url,
            timeout_s=settings.weather_http_timeout_s,
            retries=settings.weather_http_retries,
            max_bytes=int(settings.weather_max_download_mb * 1024 * 1024),
            storage=storage,
        )
    if name == "clearsky":
        return ClearSkySource()
    raise ConfigError(f"WEATHER_SOURCE: unknown source {name!r}")


def fetch_weather(site: SiteLocation, sources: Sequence[WeatherSource]) -> WeatherData:
    """Weather from the first source that has it; the reasons the others gave are recorded in
    `details["skipped"]`. Raises NoWeather (422) naming every source tried when none has any."""
    reasons: list[str] = []
    for source in sources:
        try:
            weather = source.fetch(site)
        except WeatherNotCovered as exc:
            log.info("weather source %s skipped: %s", source.name, exc.message)
            reasons.append(f"{source.name}: {exc.message}")
            continue
        details = dict(weather.details)
        if reasons:
            details["skipped"] = reasons
        if weather.latitude is not None and weather.longitude is not None:
            km = distance_km(site.latitude, site.longitude, weather.latitude, weather.longitude)
            details["distance_km"] = round(km, 1)
            if km > FAR_STATION_KM:
                details["warning"] = f"the weather data is for a place {km:.0f} km from the site"
        return WeatherData(
            data=weather.data, source=weather.source, label=weather.label, kind=weather.kind,
            interval_label=weather.interval_label, latitude=weather.latitude, longitude=weather.longitude,
            elevation_m=weather.elevation_m, details=details,
        )  # fmt: skip
    raise NoWeather(
        "No configured weather source has data for this site ("
        + "; ".join(reasons)
        + "); upload a weather file or add clearsky to WEATHER_SOURCE"
    )


def load_weather(
    site: SiteLike,
    settings: Settings,
    storage: Storage | None,
    *,
    elevation_m: float | None = None,
    sources: Sequence[WeatherSource] | None = None,
) -> WeatherData:
    """The weather year for a site (its centroid, WGS84): sources from WEATHER_SOURCE unless
    `sources` is given. `weather.source` names the one used; a clear-sky year is labelled as an
    upper bound. Raises NoWeather when no source has data."""
    location = SiteLocation(
        site_id=str(site.id), latitude=site.centroid_lat, longitude=site.centroid_lon, elevation_m=elevation_m
    )
    chosen = list(sources) if sources is not None else [
        build_source(n, settings, storage) for n in settings.weather_source
    ]  # fmt: skip
    return fetch_weather(location, chosen)


def read_weather_file(path: Path) -> WeatherData:
    """A weather file from disk (the CLI's --weather FILE): any supported format. InvalidInput
    names the problem (also for a missing or unreadable file)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the weather file {str(path)!r}: {exc.strerror}") from None
    return parse_weather(data, source="file", filename=path.name)


def plant_energy(
    plant: PvPlant,
    site: SiteLike,
    settings: Settings,
    storage: Storage | None,
    *,
    losses: dict[str, Any] | None = None,
    dc_ohmic_pct: float | None = None,
    weather: WeatherData | None = None,
    design_losses: dict[str, float] | None = None,
) -> EnergyResult:
    """The designed plant's energy year at the site — the one call for the layout job and the CLI.

    weather: given (the CLI's --weather FILE via `read_weather_file`), else `load_weather` by
    WEATHER_SOURCE. losses: the request's preset and overrides of `Losses` fields; dc_ohmic_pct: the
    electrical design's DC ohmic loss at STC [%]; design_losses: other electrical-design losses
    (`DESIGN_KEYS`: AC cables at rated power, transformer iron / copper [%]). The sun is placed at
    the site centroid (WGS84). Raises
    InvalidInput for bad overrides, NoWeather (422) when no weather source has data.
    """
    chosen = weather if weather is not None else load_weather(site, settings, storage)
    return simulate_plant(
        plant,
        chosen,
        parse_losses(losses, dc_ohmic_pct=dc_ohmic_pct, design=design_losses),
        latitude=site.centroid_lat,
        longitude=site.centroid_lon,
        loss_preset=loss_preset_name(losses),
    )
