"""HTTP for the remote DEM sources: `app.net`'s fetcher (timeouts, retries, a download budget) with
its failures as DEM errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.errors import DemError, DemNotCovered, DemUnavailable
from app.net import FetchError, FetchFailure
from app.net import HttpFetcher as _Fetcher


class HttpFetcher:
    """GET with retries for one DEM source fetch.

    label: the service's name in messages ("3DEP"); timeout_s: per connect/read [s];
    retries: extra attempts after the first; backoff_s: first wait [s], doubled per retry;
    max_bytes: download budget [bytes] over all responses of this fetcher.
    """

    def __init__(
        self, *, label: str, timeout_s: float, retries: int, max_bytes: int, backoff_s: float = 0.5
    ) -> None:
        self.label = label
        self._fetcher = _Fetcher(
            user_agent="sitelayouts-dem/0.1",
            timeout_s=timeout_s,
            retries=retries,
            max_bytes=max_bytes,
            backoff_s=backoff_s,
        )

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._fetcher.close()

    @property
    def downloaded_bytes(self) -> int:
        return self._fetcher.downloaded_bytes

    def get(
        self, url: str, *, params: Mapping[str, Any] | None = None, missing_ok: bool = False
    ) -> bytes | None:
        """The body of GET `url`.

        missing_ok: a 404 returns None (a missing tile) instead of raising DemNotCovered.
        Raises DemUnavailable after the retries for network errors, timeouts, 429 and 5xx;
        DemNotCovered for 404; DemError for other 4xx and for exceeding the download budget.
        """
        try:
            return self._fetcher.get(url, params=params)
        except FetchError as exc:
            if exc.failure is FetchFailure.refused and exc.status == 404 and missing_ok:
                return None
            raise self._error(exc, url) from exc

    def _error(self, exc: FetchError, url: str) -> DemError:
        label, f = self.label, exc.failure
        if f is FetchFailure.busy:
            return DemUnavailable(
                f"Failed to fetch DEM data: {label} answered {exc.status} {exc.reason}; try again later"
            )
        if f is FetchFailure.timeout:
            return DemUnavailable(
                f"Failed to fetch DEM data: {label} did not answer within {self._fetcher.timeout_s:g} s; "
                "try again later"
            )
        if f in (FetchFailure.unreachable, FetchFailure.unresolved):
            return DemUnavailable(
                f"Failed to fetch DEM data: could not reach {label} ({exc.detail}); "
                "check the network or try again later"
            )
        if f is FetchFailure.refused and exc.status == 404:
            return DemNotCovered(f"{label} has no data here (404 for {_short(url)})")
        if f is FetchFailure.refused:
            return DemError(
                f"Failed to fetch DEM data: {label} refused the request ({exc.status} "
                f"{exc.reason}); check the DEM source URL setting"
            )
        mb = self._fetcher.max_bytes / (1024 * 1024)
        return DemError(
            f"Failed to fetch DEM data: {label} would send more than DEM_MAX_DOWNLOAD_MB={mb:g} MB "
            "for this site; use a coarser dem_resolution_m or raise DEM_MAX_DOWNLOAD_MB"
        )


def _short(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"
