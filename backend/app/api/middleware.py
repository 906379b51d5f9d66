"""The API's own ASGI middleware: request context (id, security headers, metrics, last-resort 500)
and the streamed request-body limit.

Both are plain ASGI callables rather than Starlette's `BaseHTTPMiddleware` (`@app.middleware("http")`):
that one runs every request through a task group and memory streams, which cost ≈ 0.3–0.5 ms of CPU
per request — a third of what a status poll costs in all (issue 14 point 10, docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import time
import uuid

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.logging import request_id_var
from app.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS

log = logging.getLogger("app.main")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    # The API is served over HTTPS by the ALB; browsers ignore this header on plain HTTP (`make run`).
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    # Leaflet tiles come from OpenStreetMap / Esri; everything else is same-origin.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self' https:; frame-ancestors 'none'"
    ),
}


def internal_error(rid: str | None) -> JSONResponse:
    """Log the current exception; a 500 that names the request id and never shows a stack trace."""
    log.exception("unhandled error")
    return JSONResponse({"detail": f"internal error (request id {rid})"}, status_code=500)


class BodySizeLimit:
    """Refuse a request body past `limit` bytes while it streams in (413), with or without Content-Length."""

    def __init__(self, app: ASGIApp, *, limit: int, message: str) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # FastAPI re-raises an HTTPException from body reading; the handler answers 413.
                    raise StarletteHTTPException(status_code=413, detail=self.message)
            return message

        await self.app(scope, limited_receive, send)


class RequestContext:
    """Per HTTP request: the request id (from X-Request-ID or new; in logs and the reply), the
    security headers, request count and latency metrics by route template, an early 400 / 413 for
    a bad or too large Content-Length, and a JSON 500 naming the request id for an unhandled error.
    """

    def __init__(self, app: ASGIApp, *, body_limit: int, too_large: str) -> None:
        self.app, self.body_limit, self.too_large = app, body_limit, too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rid = (headers.get("x-request-id") or uuid.uuid4().hex)[:64]
        token = request_id_var.set(rid)
        status = 500
        started_reply = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started_reply
            if message["type"] == "http.response.start":
                started_reply, status = True, int(message["status"])
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = rid
                for name, value in SECURITY_HEADERS.items():
                    out.setdefault(name, value)
            await send(message)

        try:
            length = headers.get("content-length")
            if length is not None and not length.isdigit():
                reply = JSONResponse({"detail": "invalid Content-Length header"}, status_code=400)
                await reply(scope, receive, send_with_headers)
                return
            if length is not None and int(length) > self.body_limit:
                await JSONResponse({"detail": self.too_large}, status_code=413)(
                    scope, receive, send_with_headers
                )
                return
            started = time.perf_counter()
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception:
                if started_reply:
                    raise  # the status line is gone: all that is left is to drop the connection
                # Answered here, not only by the Exception handler (which Starlette runs outside
                # this middleware): the request id is still set for the log line and the reply,
                # and the 500 gets the security headers and is counted in the metrics.
                await internal_error(rid)(scope, receive, send_with_headers)
            route = scope.get("route")
            # Label by route template, not raw path, so ids do not explode the series.
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            HTTP_REQUESTS.labels(route=template, method=method, status=str(status)).inc()
            HTTP_LATENCY.labels(route=template, method=method).observe(time.perf_counter() - started)
        finally:
            request_id_var.reset(token)
