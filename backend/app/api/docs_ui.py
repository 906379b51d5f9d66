"""Swagger UI at /docs and ReDoc at /redoc from assets shipped inside the package (no CDN).

FastAPI's own pages load their scripts from a CDN and start them with an inline script; the app's
Content-Security-Policy (script-src 'self') blocks both, so the pages came up blank. Here every
script and stylesheet is a same-origin file under /static/docs, the start-up code included, and the
pages carry their own CSP that allows nothing from elsewhere.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_ASSETS = Path(__file__).resolve().parents[1] / "static" / "docs"
ASSETS_URL = "/static/docs"

# Same-origin only. Both UIs set inline styles (style attributes, CSS-in-JS), and ReDoc runs its
# search index in a Web Worker built from a blob: URL; Swagger UI's icons are data: images.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="icon" type="image/png" href="{ASSETS_URL}/favicon-32x32.png">'
        f"{head}</head><body>{body}</body></html>\n"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-cache"})


def install_docs(app: FastAPI, *, openapi_url: str = "/openapi.json") -> None:
    """Serve /docs, /redoc and their assets; create the app with docs_url=None, redoc_url=None."""
    app.mount(ASSETS_URL, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    title = app.title
    spec = escape(openapi_url, quote=True)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _page(
            f"{title} - Swagger UI",
            f'<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">',
            f'<div id="swagger-ui" data-openapi-url="{spec}"></div>'
            f'<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>'
            f'<script src="{ASSETS_URL}/swagger-init.js"></script>',
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _page(
            f"{title} - ReDoc",
            "",
            f'<div id="redoc" data-openapi-url="{spec}"></div>'
            f'<script src="{ASSETS_URL}/redoc.standalone.js"></script>'
            f'<script src="{ASSETS_URL}/redoc-init.js"></script>',
        )
