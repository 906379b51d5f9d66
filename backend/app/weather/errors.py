"""Weather errors: a source without data moves on to the next; none left is the user's to fix."""

from __future__ import annotations

from app.errors import AppError, InvalidInput


class WeatherError(AppError):
    """Weather data could not be obtained."""


class WeatherNotCovered(WeatherError):
    """This weather source has no data for the site (the next source is tried)."""


class WeatherUnavailable(WeatherNotCovered):
    """The weather service could not be reached or answered badly (the next source is tried)."""

    retryable = True


class NoWeather(InvalidInput):
    """No configured weather source could provide weather for this site."""
