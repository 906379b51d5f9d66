"""What a weather source is asked for (`SiteLocation`) and what it must provide (`WeatherSource`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from app.engine.energy.types import WeatherData


@dataclass(frozen=True, kw_only=True)
class SiteLocation:
    """The place to get weather for: site id (storage key part), latitude / longitude [° WGS84],
    ground elevation [m] when known."""

    site_id: str
    latitude: float
    longitude: float
    elevation_m: float | None = None


class WeatherSource(Protocol):
    """A weather source; `name` is its WEATHER_SOURCE name.

    fetch: the weather year for the site. Raises WeatherNotCovered (incl. WeatherUnavailable) when
    it has none for the site, so the next source is tried.
    """

    name: str

    def fetch(self, site: SiteLocation) -> WeatherData: ...


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS84 points [km] (haversine, R = 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))
