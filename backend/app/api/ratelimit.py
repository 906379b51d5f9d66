"""Fixed-window rate limits per client IP and per user (429 with Retry-After).

Counters live in the process: with several API processes each enforces its own share,
and in AWS the WAF rate rule (infra/terraform/waf.tf) is the global limit in front.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from fastapi import Request

from app.api.deps import CurrentUser
from app.errors import RateLimited

WINDOW_S = 60


class RateLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = defaultdict(int)
        self._lock = threading.Lock()

    def hit(self, key: str, limit_per_min: int) -> None:
        """Count one request for `key`; raise `RateLimited` past `limit_per_min` in this window."""
        now = time.time()
        window = int(now // WINDOW_S)
        with self._lock:
            if len(self._counts) > 100_000:  # old windows: drop them rather than grow forever
                self._counts = defaultdict(int, {k: v for k, v in self._counts.items() if k[1] == window})
            self._counts[(key, window)] += 1
            count = self._counts[(key, window)]
        if count > limit_per_min:
            retry_after = max(1, int((window + 1) * WINDOW_S - now))
            raise RateLimited(
                f"too many requests: limit is {limit_per_min} per minute; retry in {retry_after} s",
                retry_after_s=retry_after,
            )


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_auth(request: Request) -> None:
    """Per-IP limit on account endpoints (credential stuffing)."""
    settings = request.app.state.services.settings
    _limiter(request).hit(f"auth-ip:{client_ip(request)}", settings.rate_limit_auth_per_min)


def limit_login_account(request: Request, email: str) -> None:
    """Per-account limit on log-in attempts (one account attacked from many IPs)."""
    settings = request.app.state.services.settings
    _limiter(request).hit(f"auth-user:{email.strip().lower()[:320]}", settings.rate_limit_auth_per_min)


async def limit_generate(request: Request, user: CurrentUser) -> None:
    """Per-IP and per-user limits on layout generation.

    Depends on the user: a route's `dependencies=[...]` run before its parameters' dependencies,
    so `request.state` does not know the user yet when this runs.
    """
    settings = request.app.state.services.settings
    limiter = _limiter(request)
    limiter.hit(f"gen-ip:{client_ip(request)}", settings.rate_limit_generate_per_min * 3)
    limiter.hit(f"gen-user:{user.id}", settings.rate_limit_generate_per_min)
