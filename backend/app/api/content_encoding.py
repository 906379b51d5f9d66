"""Serving a body kept gzip-compressed: `Content-Encoding: gzip` when the client accepts it (RFC 9110
§12.5.3 Accept-Encoding), the decompressed bytes otherwise; `Vary: Accept-Encoding` either way so
caches keep the two apart."""

from __future__ import annotations

import gzip

from fastapi import Request, Response


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header value admits gzip (`gzip`, `x-gzip` or `*` with q > 0).

    No header means no preference (RFC 9110 §12.5.3), but many simple clients send none and
    could not read gzip: they get identity.
    """
    if not accept_encoding:
        return False
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if not name:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[name.lower()] = q
    for name in ("gzip", "x-gzip", "*"):
        if name in weights:
            return weights[name] > 0
    return False


def gzip_negotiated(
    request: Request, gz: bytes, *, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """A response of the gzip body `gz`: sent as is with `Content-Encoding: gzip` when the request
    accepts gzip, decompressed otherwise."""
    out = {**(headers or {}), "Vary": "Accept-Encoding"}
    if accepts_gzip(request.headers.get("accept-encoding")):
        out["Content-Encoding"] = "gzip"
        return Response(content=gz, media_type=media_type, headers=out)
    return Response(content=gzip.decompress(gz), media_type=media_type, headers=out)
