"""Weather uploaded for a site: stored in storage (area "uploads", weather/{site_id}/{filename})."""

from __future__ import annotations

import re

from app.engine.energy.types import WeatherData
from app.errors import StorageError
from app.storage.base import Area, Storage, StoredObject
from app.weather.base import SiteLocation
from app.weather.errors import WeatherNotCovered
from app.weather.parse import parse_weather

AREA: Area = "uploads"


def prefix(site_id: object) -> str:
    """Storage prefix (area "uploads") of a site's weather file."""
    return f"weather/{site_id}/"


def safe_filename(filename: str) -> str:
    """The upload's name reduced to letters, digits, '.', '_' and '-' (≤ 100 characters)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "weather"
    return cleaned[-100:]


def stored_weather(storage: Storage, site_id: object) -> StoredObject | None:
    """The site's stored weather file (the newest, should several exist), or None."""
    objects = storage.list(AREA, prefix(site_id))
    return max(objects, key=lambda o: o.modified_at) if objects else None


def store_weather_file(storage: Storage, site_id: object, filename: str, data: bytes) -> WeatherData:
    """Parse `data` (InvalidInput names the problem) and store it as the site's only weather file."""
    weather = parse_weather(data, source="file", filename=filename)
    storage.delete_prefix(AREA, prefix(site_id))
    storage.put(AREA, prefix(site_id) + safe_filename(filename), data, content_type="text/plain")
    return weather


def delete_weather_file(storage: Storage, site_id: object) -> int:
    """Remove the site's weather file; the number of objects removed."""
    return storage.delete_prefix(AREA, prefix(site_id))


class FileSource:
    """The weather file uploaded for the site (POST /api/sites/{id}/weather)."""

    name = "file"

    def __init__(self, storage: Storage | None) -> None:
        self.storage = storage

    def fetch(self, site: SiteLocation) -> WeatherData:
        """The site's uploaded weather. Raises WeatherNotCovered when none was uploaded."""
        if self.storage is None:
            raise WeatherNotCovered("no storage to read an uploaded weather file from")
        try:
            obj = stored_weather(self.storage, site.site_id)
            if obj is None:
                raise WeatherNotCovered("no weather file was uploaded for this site")
            data = self.storage.get(AREA, obj.key)
        except StorageError as exc:
            raise WeatherNotCovered(f"the uploaded weather file could not be read ({exc.message})") from exc
        name = obj.key.rsplit("/", 1)[-1]
        return parse_weather(data, source="file", filename=name)
