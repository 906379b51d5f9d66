"""The FastAPI application: routers, error mapping, middleware and the built web app."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.api.docs_ui import install_docs
from app.api.middleware import BodySizeLimit, RequestContext, internal_error
from app.api.ratelimit import RateLimiter
from app.api.routes import auth, exclusion_zones, exports, health, layouts, metrics, ops, sites, terrain
from app.api.routes import bom as bom_routes
from app.api.routes import studies as study_routes
from app.api.routes import weather as weather_routes
from app.api.routes import wind as wind_routes
from app.config import REPO_ROOT, Settings, get_settings
from app.errors import (
    AppError,
    Conflict,
    DemError,
    DemNotCovered,
    DemUnavailable,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    QueueError,
    RateLimited,
    StorageError,
    Unauthorized,
)
from app.observability.logging import configure_logging, request_id_var
from app.services import Services, build_services
from app.sites.parse_pool import shutdown_pool

log = logging.getLogger(__name__)
FRONTEND_DIST = REPO_ROOT / "frontend" / "dist"

# One table from our exception classes to HTTP status codes; the most specific class wins.
STATUS_BY_ERROR: dict[type[AppError], int] = {
    PayloadTooLarge: 413,
    InvalidInput: 422,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    DemNotCovered: 422,
    DemUnavailable: 503,
    DemError: 502,
    StorageError: 503,
    QueueError: 503,
    AppError: 500,
}


# FastAPI's detail when reading a request body fails other than as invalid JSON.
FASTAPI_BODY_ERROR = "There was an error parsing the body"


def status_for(exc: AppError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR and issubclass(cls, AppError):
            return STATUS_BY_ERROR[cls]
    return 500


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        msg = str(err.get("msg")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        code = status_for(exc)
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else None
        if code >= 500:
            log.warning("request failed: %s", exc.message, extra={"error": type(exc).__name__})
        return JSONResponse({"detail": exc.message}, status_code=code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"detail": _validation_message(exc), "errors": jsonable_errors(exc)}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI's answer when the body parser raises (e.g. RecursionError on a JSON nested
        # 100,000 deep): say what it means in the caller's terms.
        if exc.status_code == 400 and exc.detail == FASTAPI_BODY_ERROR:
            json_body = "json" in request.headers.get("content-type", "")
            what = "as JSON (malformed, or nested too deeply)" if json_body else "(malformed form data)"
            return JSONResponse({"detail": f"the request body could not be read {what}"}, status_code=400)
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A fallback: the request middleware normally answers first (see install_middleware).
        return internal_error(request_id_var.get() or request.headers.get("X-Request-ID", "")[:64])


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg")), "type": str(e.get("type"))}
        for e in exc.errors()
    ]


def install_middleware(app: FastAPI, settings: Settings) -> None:
    body_limit = settings.max_upload_bytes + 1024 * 1024  # the file plus multipart overhead
    too_large = f"request body larger than the {settings.max_upload_mb:g} MB limit"
    # Counts the body as it streams in, so also one sent without Content-Length (chunked). Added
    # first, so it sits inside the request context below and next to the routes that read.
    app.add_middleware(BodySizeLimit, limit=body_limit, message=too_large)
    app.add_middleware(RequestContext, body_limit=body_limit, too_large=too_large)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["Content-Disposition", "X-Request-ID", "Retry-After"],
        )


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Serve the built web app at `/`, with index.html for client-side routes."""
    index = dist / "index.html"
    if not index.is_file():
        return
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def _spa(path: str) -> Response:
        if path.startswith(("api/", "health", "metrics", "docs", "redoc", "static/", "openapi.json")):
            raise StarletteHTTPException(status_code=404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the API. Tests pass their own settings (or services) to run on SQLite or PostgreSQL."""
    settings = settings or (services.settings if services else get_settings())
    configure_logging(fmt=settings.log_format.value, level=settings.log_level)
    own_services = services is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if own_services:
            # A served app (not one a test builds around its own services): what is alive once it is
            # built (modules, routes, schemas) lives as long as the process. Frozen out of the collector's
            # reach, full collections no longer walk it holding the GIL (the longest /health stalls under
            # uploads halved, docs/benchmarks.md). Collected first so no garbage is frozen with it.
            gc.collect()
            gc.freeze()
        yield
        # The upload parsers are child processes of this one: they stop with it.
        shutdown_pool()
        if own_services:
            app.state.services.close()

    app = FastAPI(
        title="Site Layouts API",
        version=__version__,
        description="Turn a land parcel into a preliminary energy-site layout.",
        lifespan=lifespan,
        # Our own /docs and /redoc (app.api.docs_ui): FastAPI's load a CDN that the CSP blocks.
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=lambda route: (
            f"{route.tags[0]}-{route.name}" if route.tags else route.name
        ),
    )
    app.state.services = services or build_services(settings)
    app.state.rate_limiter = RateLimiter()
    install_error_handlers(app)
    install_middleware(app, settings)
    for module in (health, auth, sites, exclusion_zones, terrain, layouts, exports, ops, metrics):
        app.include_router(module.router)
    app.include_router(bom_routes.router)
    app.include_router(weather_routes.router)
    app.include_router(wind_routes.router)
    app.include_router(study_routes.router)
    install_docs(app)
    mount_frontend(app, FRONTEND_DIST)
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn app.main:app` builds the app lazily, so importing this module has no side effects.
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
