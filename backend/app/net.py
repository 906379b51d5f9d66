"""Network error helpers shared by the HTTP data sources (DEM, weather)."""

from __future__ import annotations

import socket


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
