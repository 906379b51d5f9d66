"""/docs and /redoc load only same-origin assets, those assets are served, and the page CSP allows them."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import build_services
from tests.conftest import make_settings


class _Refs(HTMLParser):
    """Every URL the page would load: script src, link href, img src, and inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.urls.append(str(a["src"]))
            else:
                self._in_script_without_src = True
        elif tag == "link" and a.get("href"):
            self.urls.append(str(a["href"]))
        elif tag in ("img", "iframe") and a.get("src"):
            self.urls.append(str(a["src"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1


@pytest.fixture
def docs_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(f"sqlite:///{tmp_path / 'docs.db'}", tmp_path)
    services = build_services(settings)
    with TestClient(create_app(services=services)) as c:
        yield c
    services.close()


def _csp_sources(csp: str, directive: str) -> list[str]:
    for part in csp.split(";"):
        words = part.split()
        if words and words[0] == directive:
            return words[1:]
    return []


@pytest.mark.parametrize(
    ("path", "bundle"),
    [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")],
)
def test_docs_page_loads_only_local_assets(docs_client: TestClient, path: str, bundle: str) -> None:
    r = docs_client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    refs = _Refs()
    refs.feed(r.text)
    assert refs.urls, "the page references no assets"
    assert any(u.endswith(bundle) for u in refs.urls)
    # The CSP forbids inline scripts, so the start-up code must be a file too.
    assert refs.inline_scripts == 0
    for url in refs.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{path} loads {url} from another origin"
        asset = docs_client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0
        if url.endswith(".js"):
            assert "javascript" in asset.headers["content-type"]
        if url.endswith(".css"):
            assert asset.headers["content-type"].startswith("text/css")
    csp = r.headers["Content-Security-Policy"]
    # Scripts only from this origin, no inline code, nothing from a CDN anywhere in the policy.
    assert _csp_sources(csp, "script-src") == ["'self'"]
    assert "https:" not in csp and "cdn" not in csp.lower()
    # The spec the UI reads is served and lists operations.
    spec = docs_client.get("/openapi.json").json()
    assert "/api/sites/upload" in spec["paths"]


def test_bundles_are_the_real_libraries(docs_client: TestClient) -> None:
    swagger = docs_client.get("/static/docs/swagger-ui-bundle.js").text
    redoc = docs_client.get("/static/docs/redoc.standalone.js").text
    assert "SwaggerUIBundle" in swagger and len(swagger) > 500_000
    assert "Redoc" in redoc and len(redoc) > 500_000
    # Only the docs folder is served: no way up into the package's source.
    for path in ("/static/docs/../../main.py", "/static/docs/%2e%2e/%2e%2e/main.py"):
        r = docs_client.get(path)
        assert "def create_app" not in r.text, path


def test_api_pages_keep_the_strict_csp(docs_client: TestClient) -> None:
    csp = docs_client.get("/health").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "worker-src" not in csp
