"""PVGIS typical meteorological year (EU JRC) over HTTP: JSON parsed with pvlib.iotools.

The response for a site is cached in storage (area "outputs", `cache_key`) so that every layout of
a site does not download it again.
"""

from __future__ import annotations

import logging

from app.engine.energy.types import WeatherData
from app.errors import InvalidInput, StorageError
from app.storage.base import Storage
from app.weather.base import SiteLocation
from app.weather.errors import WeatherNotCovered
from app.weather.http import get_limited
from app.weather.parse import parse_weather

log = logging.getLogger(__name__)


def cache_key(site: SiteLocation) -> str:
    """Storage key (area "outputs") of the site's PVGIS TMY: weather/{site_id}/pvgis-{lat}_{lon}.json."""
    return f"weather/{site.site_id}/pvgis-{site.latitude:.4f}_{site.longitude:.4f}.json"


class PvgisSource:
    """PVGIS TMY at the site. url: the TMY endpoint; timeout_s [s]; retries; max_bytes [bytes]."""

    name = "pvgis"

    def __init__(
        self,
        *,
        url: str,
        timeout_s: float,
        retries: int,
        max_bytes: int,
        storage: Storage | None = None,
        backoff_s: float = 0.5,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_bytes = max_bytes
        self.storage = storage
        self.backoff_s = backoff_s

    def fetch(self, site: SiteLocation) -> WeatherData:
        """The PVGIS TMY for the site. Raises WeatherUnavailable / WeatherNotCovered."""
        body = self._cached(site)
        if body is None:
            body = get_limited(
                self.url,
                params={
                    "lat": f"{site.latitude:.5f}",
                    "lon": f"{site.longitude:.5f}",
                    "outputformat": "json",
                },
                label="PVGIS",
                timeout_s=self.timeout_s,
                retries=self.retries,
                max_bytes=self.max_bytes,
                backoff_s=self.backoff_s,
            )
            weather = self._parse(body)
            self._store(site, body)
            return weather
        return self._parse(body)

    def _parse(self, body: bytes) -> WeatherData:
        try:
            weather = parse_weather(body, source="pvgis")
        except InvalidInput as exc:
            raise WeatherNotCovered(f"PVGIS sent an unreadable answer: {exc.message}") from exc
        return WeatherData(
            data=weather.data,
            source="pvgis",
            label="PVGIS TMY (EU JRC) typical year",
            kind="tmy",
            interval_label=weather.interval_label,
            latitude=weather.latitude,
            longitude=weather.longitude,
            elevation_m=weather.elevation_m,
            details={"format": "pvgis_json", "url": self.url},
        )

    def _cached(self, site: SiteLocation) -> bytes | None:
        if self.storage is None:
            return None
        try:
            key = cache_key(site)
            return self.storage.get("outputs", key) if self.storage.exists("outputs", key) else None
        except StorageError as exc:
            log.warning("PVGIS cache read failed: %s", exc)
            return None

    def _store(self, site: SiteLocation, body: bytes) -> None:
        if self.storage is None:
            return
        try:
            self.storage.put("outputs", cache_key(site), body, content_type="application/json")
        except StorageError as exc:
            log.warning("PVGIS cache write failed: %s", exc)
