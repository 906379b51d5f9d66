"""Offline fallback: a clear-sky year from pvlib (Ineichen with the bundled Linke turbidity
climatology). Always an UPPER BOUND (no clouds), never a P50: the result carries CLEARSKY_LABEL."""

from __future__ import annotations

import pandas as pd
from pvlib.location import Location

from app.engine.energy.types import CLEARSKY_LABEL, WeatherData
from app.weather.base import SiteLocation

CLEARSKY_YEAR = 1990
# No temperature or wind without a weather file: a mild, documented assumption (docs/energy.md).
CLEARSKY_TEMP_AIR_C = 20.0
CLEARSKY_WIND_M_S = 1.0


class ClearSkySource:
    """Clear-sky irradiance at the site, hourly over a non-leap year (UTC, values at mid-hour)."""

    name = "clearsky"

    def fetch(self, site: SiteLocation) -> WeatherData:
        """The clear-sky year for the site (never raises for a valid location)."""
        return clearsky_weather(site.latitude, site.longitude, site.elevation_m or 0.0)


def clearsky_weather(latitude: float, longitude: float, elevation_m: float = 0.0) -> WeatherData:
    """A clear-sky year at (latitude, longitude) [° WGS84], elevation_m [m]: ghi/dni/dhi [W/m²]."""
    times = pd.date_range(f"{CLEARSKY_YEAR}-01-01 00:30", periods=8760, freq="h", tz="UTC")
    loc = Location(latitude, longitude, altitude=elevation_m)
    sky = loc.get_clearsky(times, model="ineichen")  # Linke turbidity looked up from pvlib's data
    df = sky[["ghi", "dni", "dhi"]].fillna(0.0).clip(lower=0.0)
    df["temp_air"] = CLEARSKY_TEMP_AIR_C
    df["wind_speed"] = CLEARSKY_WIND_M_S
    return WeatherData(
        data=df,
        source="clearsky",
        label=CLEARSKY_LABEL,
        kind="clearsky",
        interval_label="instant",
        latitude=latitude,
        longitude=longitude,
        elevation_m=elevation_m,
        details={"model": "ineichen", "temp_air_c": CLEARSKY_TEMP_AIR_C, "wind_speed_m_s": CLEARSKY_WIND_M_S},
    )
