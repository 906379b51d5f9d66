"""HTTP for remote weather sources: timeouts, retries with backoff and a download size limit."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from app.net import unresolved_host
from app.weather.errors import WeatherNotCovered, WeatherUnavailable

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_S = 10.0


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
    last: WeatherUnavailable | None = None
    with httpx.Client(
        timeout=timeout_s, follow_redirects=True, headers={"User-Agent": "sitelayouts-weather/0.1"}
    ) as client:
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(min(backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S))
            try:
                return _get_once(client, url, params, label=label, max_bytes=max_bytes)
            except WeatherUnavailable as exc:
                last = exc
                if exc.retryable is False:
                    break
    assert last is not None
    raise last


def _get_once(
    client: httpx.Client, url: str, params: Mapping[str, Any], *, label: str, max_bytes: int
) -> bytes:
    try:
        with client.stream("GET", url, params=params) as resp:
            status = resp.status_code
            if status in RETRYABLE_STATUSES:
                raise WeatherUnavailable(f"{label} answered {status} {resp.reason_phrase}")
            if status >= 400:
                detail = resp.read()[:300].decode("utf-8", "replace").strip()
                raise WeatherNotCovered(f"{label} refused the request ({status}): {detail}")
            declared = resp.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(label, max_bytes)
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                # Servers may omit or understate Content-Length: count what actually arrives.
                if size > max_bytes:
                    raise _too_large(label, max_bytes)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException as exc:
        raise WeatherUnavailable(f"{label} did not answer in time") from exc
    except httpx.TransportError as exc:
        err = WeatherUnavailable(f"could not reach {label} ({type(exc).__name__})")
        if unresolved_host(exc):
            err = WeatherUnavailable(f"could not resolve {label}'s host name (offline?)")
            err.retryable = False
        raise err from exc


def _too_large(label: str, max_bytes: int) -> WeatherUnavailable:
    err = WeatherUnavailable(
        f"{label} sent more than WEATHER_MAX_DOWNLOAD_MB={max_bytes / (1024 * 1024):g} MB"
    )
    err.retryable = False
    return err
