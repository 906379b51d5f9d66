"""HTTP for the remote DEM sources: timeouts, retries with backoff, a download budget, our errors."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from app.errors import DemError, DemNotCovered, DemUnavailable
from app.net import unresolved_host

# Statuses worth retrying: the server is overloaded or restarting, not refusing our request.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_S = 10.0


class HttpFetcher:
    """GET with retries for one source fetch.

    label: the service's name in messages ("3DEP"); timeout_s: per connect/read [s];
    retries: extra attempts after the first; backoff_s: first wait [s], doubled per retry;
    max_bytes: download budget [bytes] over all responses of this fetcher.
    """

    def __init__(
        self,
        *,
        label: str,
        timeout_s: float,
        retries: int,
        max_bytes: int,
        backoff_s: float = 0.5,
    ) -> None:
        self.label = label
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_bytes = max_bytes
        self.backoff_s = backoff_s
        self.downloaded_bytes = 0
        self._client = httpx.Client(
            timeout=timeout_s, follow_redirects=True, headers={"User-Agent": "sitelayouts-dem/0.1"}
        )

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self, url: str, *, params: Mapping[str, Any] | None = None, missing_ok: bool = False
    ) -> bytes | None:
        """The body of GET `url`.

        missing_ok: a 404 returns None (a missing tile) instead of raising DemNotCovered.
        Raises DemUnavailable after the retries for network errors, timeouts, 429 and 5xx;
        DemNotCovered for 404; DemError for other 4xx and for exceeding the download budget.
        """
        last: DemUnavailable | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S))
            try:
                return self._get_once(url, params, missing_ok=missing_ok)
            except DemUnavailable as exc:
                last = exc
                if unresolved_host(exc):
                    break
        assert last is not None
        raise last

    def _get_once(self, url: str, params: Mapping[str, Any] | None, *, missing_ok: bool) -> bytes | None:
        try:
            with self._client.stream("GET", url, params=params) as resp:
                status = resp.status_code
                if status == 404:
                    if missing_ok:
                        return None
                    raise DemNotCovered(f"{self.label} has no data here (404 for {_short(url)})")
                if status in RETRYABLE_STATUSES:
                    raise DemUnavailable(
                        f"Failed to fetch DEM data: {self.label} answered {status} "
                        f"{resp.reason_phrase}; try again later"
                    )
                if status >= 400:
                    raise DemError(
                        f"Failed to fetch DEM data: {self.label} refused the request ({status} "
                        f"{resp.reason_phrase}); check the DEM source URL setting"
                    )
                return self._read_limited(resp)
        except httpx.TimeoutException as exc:
            raise DemUnavailable(
                f"Failed to fetch DEM data: {self.label} did not answer within {self.timeout_s:g} s; "
                "try again later"
            ) from exc
        except httpx.TransportError as exc:
            raise DemUnavailable(
                f"Failed to fetch DEM data: could not reach {self.label} ({type(exc).__name__}: {exc}); "
                "check the network or try again later"
            ) from exc

    def _read_limited(self, resp: httpx.Response) -> bytes:
        budget = self.max_bytes - self.downloaded_bytes
        declared = resp.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > budget:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            # Servers may omit or understate Content-Length: count what actually arrives.
            if size > budget:
                raise self._too_large()
            chunks.append(chunk)
        self.downloaded_bytes += size
        return b"".join(chunks)

    def _too_large(self) -> DemError:
        mb = self.max_bytes / (1024 * 1024)
        return DemError(
            f"Failed to fetch DEM data: {self.label} would send more than DEM_MAX_DOWNLOAD_MB={mb:g} MB "
            "for this site; use a coarser dem_resolution_m or raise DEM_MAX_DOWNLOAD_MB"
        )


def _short(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"
