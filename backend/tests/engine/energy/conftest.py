"""Weather for the yield tests: pvlib's bundled Greensboro TMY3 and clear-sky years."""

from __future__ import annotations

import pytest

from app.engine.energy.types import WeatherData
from app.weather.clearsky import clearsky_weather
from app.weather.parse import parse_weather
from tests.weather.formats import LAT, LON, tmy3_bytes


@pytest.fixture(scope="session")
def tmy() -> WeatherData:
    return parse_weather(tmy3_bytes(), filename="723170TYA.CSV")


@pytest.fixture(scope="session")
def clear_greensboro() -> WeatherData:
    return clearsky_weather(LAT, LON, 273.0)
