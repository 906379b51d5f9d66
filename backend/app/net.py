"""HTTP GET for the remote data sources (DEM, weather): timeouts, retries with backoff, a download
budget. Each source turns `FetchError` into its own errors (DemUnavailable, WeatherNotCovered …)."""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import httpx

# Statuses worth retrying: the server is overloaded or restarting, not refusing our request.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_S = 10.0


class FetchFailure(StrEnum):
    busy = "busy"  # 429 / 5xx: retried
    timeout = "timeout"  # no answer within timeout_s: retried
    unreachable = "unreachable"  # connection trouble: retried
    unresolved = "unresolved"  # the host name did not resolve (offline, typo): not retried
    refused = "refused"  # another 4xx (404 included): not retried
    too_large = "too_large"  # over the download budget: not retried


RETRIED = frozenset({FetchFailure.busy, FetchFailure.timeout, FetchFailure.unreachable})


class FetchError(Exception):
    """A GET that failed for good (after the retries, or at once when retrying cannot help).

    status / reason: the HTTP answer (busy, refused); detail: the start of a refusal's body or the
    transport error's text."""

    def __init__(
        self, failure: FetchFailure, *, status: int | None = None, reason: str = "", detail: str = ""
    ):
        super().__init__(f"{failure.value}: {status or ''} {reason} {detail}".strip())
        self.failure = failure
        self.status = status
        self.reason = reason
        self.detail = detail


def unresolved_host(exc: BaseException) -> bool:
    """Whether a transport error was a failed host-name lookup (socket.gaierror in its chain).

    Offline or with a mistyped URL every retry fails the same lookup, so callers give up at once
    instead of backing off."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class HttpFetcher:
    """GET with retries for one source fetch.

    user_agent: the User-Agent header; timeout_s: per connect/read [s]; retries: extra attempts
    after the first; backoff_s: first wait [s], doubled per retry up to MAX_BACKOFF_S;
    max_bytes: download budget [bytes] over all responses of this fetcher.
    """

    def __init__(
        self, *, user_agent: str, timeout_s: float, retries: int, max_bytes: int, backoff_s: float = 0.5
    ) -> None:
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_bytes = max_bytes
        self.backoff_s = backoff_s
        self.downloaded_bytes = 0
        self._client = httpx.Client(
            timeout=timeout_s, follow_redirects=True, headers={"User-Agent": user_agent}
        )

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, *, params: Mapping[str, Any] | None = None) -> bytes:
        """The body of GET `url`; raises FetchError (busy, timeout and unreachable after the retries)."""
        last: FetchError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S))
            try:
                return self._get_once(url, params)
            except FetchError as exc:
                if exc.failure not in RETRIED:
                    raise
                last = exc
        assert last is not None
        raise last

    def _get_once(self, url: str, params: Mapping[str, Any] | None) -> bytes:
        try:
            with self._client.stream("GET", url, params=params) as resp:
                status = resp.status_code
                if status in RETRYABLE_STATUSES:
                    raise FetchError(FetchFailure.busy, status=status, reason=resp.reason_phrase)
                if status >= 400:
                    detail = resp.read()[:300].decode("utf-8", "replace").strip()
                    raise FetchError(
                        FetchFailure.refused, status=status, reason=resp.reason_phrase, detail=detail
                    )
                return self._read_limited(resp)
        except httpx.TimeoutException as exc:
            raise FetchError(FetchFailure.timeout) from exc
        except httpx.TransportError as exc:
            failure = FetchFailure.unresolved if unresolved_host(exc) else FetchFailure.unreachable
            raise FetchError(failure, detail=f"{type(exc).__name__}: {exc}") from exc

    def _read_limited(self, resp: httpx.Response) -> bytes:
        budget = self.max_bytes - self.downloaded_bytes
        declared = resp.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > budget:
            raise FetchError(FetchFailure.too_large)
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            # Servers may omit or understate Content-Length: count what actually arrives.
            if size > budget:
                raise FetchError(FetchFailure.too_large)
            chunks.append(chunk)
        self.downloaded_bytes += size
        return b"".join(chunks)
