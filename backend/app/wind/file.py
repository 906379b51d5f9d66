"""A site's wind resource file: stored in storage (area "uploads", wind/{site_id}/{filename}),
parsed on read. The layout job and the API read it here; the CLI reads --wind FILE directly."""

from __future__ import annotations

from pathlib import Path

from app.engine.wind.resource import WindResource
from app.errors import InvalidInput, StorageError
from app.storage.base import Area, Storage, StoredObject
from app.wind.parse import parse_wind

AREA: Area = "uploads"


def prefix(site_id: object) -> str:
    """Storage prefix (area "uploads") of a site's wind file."""
    return f"wind/{site_id}/"


def stored_wind(storage: Storage, site_id: object) -> StoredObject | None:
    """The site's stored wind file (the newest, should several exist), or None."""
    objects = storage.list(AREA, prefix(site_id))
    return max(objects, key=lambda o: o.modified_at) if objects else None


def store_wind_file(storage: Storage, site_id: object, filename: str, data: bytes) -> WindResource:
    """Parse `data` (InvalidInput names the problem) and store it as the site's only wind file."""
    # The weather upload's name rule, imported here: app.weather loads pvlib, which reading a wind
    # file needs not.
    from app.weather.file import safe_filename

    resource = parse_wind(data, filename=safe_filename(filename))
    storage.delete_prefix(AREA, prefix(site_id))
    storage.put(AREA, prefix(site_id) + safe_filename(filename), data, content_type="text/plain")
    return resource


def delete_wind_file(storage: Storage, site_id: object) -> int:
    """Remove the site's wind file; the number of objects removed."""
    return storage.delete_prefix(AREA, prefix(site_id))


def load_site_wind(storage: Storage | None, site_id: object) -> WindResource | None:
    """The site's uploaded wind resource, or None (no storage, none uploaded, or unreadable)."""
    if storage is None:
        return None
    try:
        obj = stored_wind(storage, site_id)
        if obj is None:
            return None
        data = storage.get(AREA, obj.key)
    except StorageError:
        return None
    return parse_wind(data, filename=obj.key.rsplit("/", 1)[-1])


def read_wind_file(path: Path) -> WindResource:
    """A wind file from disk (the CLI's --wind FILE); InvalidInput names the problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the wind file {str(path)!r}: {exc.strerror}") from None
    return parse_wind(data, filename=path.name)
