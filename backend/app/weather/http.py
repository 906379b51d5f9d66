"""HTTP for remote weather sources: `app.net`'s fetcher (timeouts, retries, a download size limit)
with its failures as weather errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.net import FetchError, FetchFailure, HttpFetcher
from app.weather.errors import WeatherNotCovered, WeatherUnavailable


def get_limited(
    url: str,
    *,
    params: Mapping[str, Any],
    label: str,
    timeout_s: float,
    retries: int,
    max_bytes: int,
    backoff_s: float = 0.5,
) -> bytes:
    """The body of GET `url`, at most `max_bytes` [bytes], with `retries` extra attempts [count]
    after network errors, timeouts (`timeout_s` [s] per connect/read), 429 and 5xx.

    Raises WeatherUnavailable when the service stays unreachable or the body is too large,
    WeatherNotCovered for a 4xx (e.g. PVGIS answers 400 for a point at sea or outside its maps).
    """
    with HttpFetcher(
        user_agent="sitelayouts-weather/0.1",
        timeout_s=timeout_s,
        retries=retries,
        max_bytes=max_bytes,
        backoff_s=backoff_s,
    ) as fetcher:
        try:
            return fetcher.get(url, params=params)
        except FetchError as exc:
            raise _error(exc, label, max_bytes) from exc


def _error(exc: FetchError, label: str, max_bytes: int) -> WeatherUnavailable | WeatherNotCovered:
    f = exc.failure
    if f is FetchFailure.refused:
        return WeatherNotCovered(f"{label} refused the request ({exc.status}): {exc.detail}")
    if f is FetchFailure.busy:
        return WeatherUnavailable(f"{label} answered {exc.status} {exc.reason}")
    if f is FetchFailure.timeout:
        return WeatherUnavailable(f"{label} did not answer in time")
    if f is FetchFailure.unreachable:
        return WeatherUnavailable(f"could not reach {label} ({exc.detail.split(':', 1)[0]})")
    # Unresolved host or too large: another attempt (or the caller's fallback retry) cannot help.
    err = WeatherUnavailable(
        f"could not resolve {label}'s host name (offline?)"
        if f is FetchFailure.unresolved
        else f"{label} sent more than WEATHER_MAX_DOWNLOAD_MB={max_bytes / (1024 * 1024):g} MB"
    )
    err.retryable = False
    return err
