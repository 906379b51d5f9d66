"""Application hardening (C-07), through the app: rate limits, CORS, security headers, body limits,
no stack traces in responses, and an audit log line for each auth event and deletion."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services, build_services
from tests.conftest import TEST_PASSWORD, make_settings, make_user, upload

AppFactory = Callable[..., tuple[FastAPI, Services]]
NO_SITE = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[AppFactory]:
    """Build the app with settings overrides (small limits, CORS origins …); services closed after."""
    built: list[Services] = []

    def factory(**overrides: Any) -> tuple[FastAPI, Services]:
        services = build_services(make_settings(database_url, tmp_path, **overrides))
        built.append(services)
        return create_app(services=services), services

    yield factory
    for services in built:
        services.close()


def assert_rate_limited(r: Any, limit: int) -> None:
    assert r.status_code == 429, r.text
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"limit is {limit} per minute" in r.json()["detail"]


def assert_security_headers(r: Any) -> None:
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "geolocation=()" in r.headers["Permissions-Policy"]
    assert r.headers["X-Request-ID"]


def add_failing_route(app: FastAPI) -> None:
    """A throwaway route, on this app instance only, that fails with an unexpected exception."""

    def explode() -> None:
        raise RuntimeError("secret internals: /srv/app/config.py line 42")

    app.add_api_route("/api/test-explode", explode, methods=["GET"])
    # Ahead of the web app's catch-all route (mounted when frontend/dist is built).
    app.router.routes.insert(0, app.router.routes.pop())


def audit_events(caplog: pytest.LogCaptureFixture) -> dict[str, logging.LogRecord]:
    return {r.event: r for r in caplog.records if r.name == "app.audit" and hasattr(r, "event")}  # type: ignore[attr-defined]


# --- rate limits -------------------------------------------------------------------------------


def test_token_rate_limited_per_ip(make_app: AppFactory) -> None:
    app, _ = make_app(rate_limit_auth_per_min=3)
    with TestClient(app) as client:
        for i in range(3):  # different accounts: only the per-IP counter can trip
            r = client.post("/api/auth/token", data={"username": f"u{i}@example.com", "password": "wrong"})
            assert r.status_code == 401, r.text
        r = client.post("/api/auth/token", data={"username": "u9@example.com", "password": "wrong"})
        assert_rate_limited(r, 3)
        assert_security_headers(r)
    # Another client address is not affected.
    with TestClient(app, client=("203.0.113.7", 50000)) as other:
        r = other.post("/api/auth/token", data={"username": "u9@example.com", "password": "wrong"})
        assert r.status_code == 401, r.text


def test_register_rate_limited_per_ip(make_app: AppFactory) -> None:
    app, _ = make_app(rate_limit_auth_per_min=3)
    with TestClient(app) as client:
        for i in range(3):
            r = client.post(
                "/api/auth/register", json={"email": f"r{i}@example.com", "password": TEST_PASSWORD}
            )
            assert r.status_code == 202, r.text
        r = client.post("/api/auth/register", json={"email": "r9@example.com", "password": TEST_PASSWORD})
        assert_rate_limited(r, 3)
        # Nothing was created past the limit.
        r = client.post("/api/auth/token", data={"username": "r9@example.com", "password": TEST_PASSWORD})
        assert r.status_code == 429


def test_login_rate_limited_per_account_across_ips(make_app: AppFactory) -> None:
    """Guessing one account's password from many addresses hits the per-account limit."""
    app, services = make_app(rate_limit_auth_per_min=3)
    make_user(services, "victim@example.com")
    for i in range(3):
        with TestClient(app, client=(f"198.51.100.{i}", 50000)) as client:
            r = client.post("/api/auth/token", data={"username": "Victim@Example.com", "password": "guess"})
            assert r.status_code == 401, r.text
    with TestClient(app, client=("198.51.100.99", 50000)) as client:
        r = client.post("/api/auth/token", data={"username": "victim@example.com", "password": "guess"})
        assert_rate_limited(r, 3)


def test_generate_rate_limited_per_user(make_app: AppFactory) -> None:
    app, services = make_app(rate_limit_generate_per_min=2, enable_async_layout_generation=True)
    alice = make_user(services, "alice@example.com")
    bob = make_user(services, "bob@example.com")
    body = {"site_id": NO_SITE, "target_capacity_kw": 1000}
    with TestClient(app) as client:
        for _ in range(2):
            r = client.post("/api/layouts/generate", json=body, headers=alice)
            assert r.status_code == 404, r.text
        r = client.post("/api/layouts/generate", json=body, headers=alice)
        assert_rate_limited(r, 2)
        # Same address, another user: the per-user limit is Alice's alone (per-IP allows 3x).
        r = client.post("/api/layouts/generate", json=body, headers=bob)
        assert r.status_code == 404, r.text
        # Reading is not limited.
        assert client.get("/api/layouts", headers=alice).status_code == 200


def test_generate_rate_limited_per_ip(make_app: AppFactory) -> None:
    app, services = make_app(rate_limit_generate_per_min=1, enable_async_layout_generation=True)
    users = [make_user(services, f"user{i}@example.com") for i in range(4)]
    body = {"site_id": NO_SITE, "target_capacity_kw": 1000}
    with TestClient(app) as client:
        for headers in users[:3]:
            assert client.post("/api/layouts/generate", json=body, headers=headers).status_code == 404
        r = client.post("/api/layouts/generate", json=body, headers=users[3])
        assert_rate_limited(r, 3)


# --- CORS ------------------------------------------------------------------------------------


def preflight(client: TestClient, origin: str) -> Any:
    return client.options(
        "/api/auth/token",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_cors_allows_only_configured_origins(make_app: AppFactory) -> None:
    app, _ = make_app(cors_origins="https://app.example.com,https://admin.example.com")
    with TestClient(app) as client:
        r = preflight(client, "https://app.example.com")
        assert r.status_code == 200
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        assert "access-control-allow-credentials" not in r.headers
        r = client.get("/health", headers={"Origin": "https://admin.example.com"})
        assert r.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"

        for origin in ("https://evil.example.com", "https://app.example.com.evil.example", "null"):
            r = preflight(client, origin)
            assert r.status_code >= 400
            assert "access-control-allow-origin" not in r.headers, origin
            r = client.get("/health", headers={"Origin": origin})
            assert "access-control-allow-origin" not in r.headers, origin


def test_cors_refused_when_unset(make_app: AppFactory) -> None:
    app, services = make_app()
    assert services.settings.cors_origins == []
    with TestClient(app) as client:
        r = preflight(client, "https://app.example.com")
        assert r.status_code >= 400
        assert "access-control-allow-origin" not in r.headers
        r = client.get("/health", headers={"Origin": "https://app.example.com"})
        assert r.status_code == 200
        assert "access-control-allow-origin" not in r.headers


# --- security headers, body size, errors ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/health", {}, 200),
        ("GET", "/api/config", {}, 200),
        ("GET", "/api/auth/me", {}, 401),
        ("GET", "/api/sites/not-a-uuid", {"auth": True}, 422),
        ("GET", f"/api/sites/{NO_SITE}", {"auth": True}, 404),
        ("POST", "/api/auth/register", {"json": {"email": "x"}}, 422),
        ("GET", "/api/no-such-route", {}, 404),
    ],
)
def test_security_headers_on_api_and_error_responses(
    make_app: AppFactory, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    app, services = make_app()
    kwargs = dict(kwargs)  # the parameter set is shared by both databases' runs
    headers = make_user(services, "alice@example.com") if kwargs.pop("auth", False) else {}
    with TestClient(app) as client:
        r = client.request(method, path, headers=headers, **kwargs)
    assert r.status_code == status, r.text
    assert_security_headers(r)


def test_oversized_content_length_is_413(make_app: AppFactory) -> None:
    app, services = make_app(max_upload_mb=1)
    headers = make_user(services, "alice@example.com")
    too_big = b"x" * (3 * 1024 * 1024)  # the limit is the upload plus 1 MB of multipart overhead
    with TestClient(app) as client:
        r = upload(client, headers, "big.kml", too_big)
        assert r.status_code == 413, r.text
        assert r.json() == {"detail": "request body larger than the 1 MB limit"}
        assert_security_headers(r)
        r = client.post("/api/auth/register", content=too_big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
        assert "1 MB limit" in r.json()["detail"]
        # A file over MAX_UPLOAD_MB that fits the body limit is refused by the upload itself.
        r = upload(client, headers, "big.kml", b"x" * (1024 * 1024 + 10))
        assert r.status_code == 413, r.text
        assert "1 MB upload limit" in r.json()["detail"]


def test_oversized_chunked_body_is_413(make_app: AppFactory) -> None:
    """A body sent without Content-Length (chunked) is counted as it streams in."""
    app, _ = make_app(max_upload_mb=1)

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * (64 * 1024)  # 2.5 MB in all

    with TestClient(app) as client:
        r = client.post("/api/auth/register", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413, r.text
    assert r.json() == {"detail": "request body larger than the 1 MB limit"}
    assert_security_headers(r)


def test_invalid_content_length_is_400(make_app: AppFactory) -> None:
    app, _ = make_app()
    with TestClient(app) as client:
        r = client.post(
            "/api/auth/register",
            content=b"{}",
            headers={"Content-Type": "application/json", "Content-Length": "-1"},
        )
    assert r.status_code == 400, r.text
    assert r.json() == {"detail": "invalid Content-Length header"}


def test_unexpected_error_is_500_without_traceback(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = make_app()
    add_failing_route(app)
    rid = "req-" + uuid.uuid4().hex[:8]
    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="app.main"):
        r = client.get("/api/test-explode", headers={"X-Request-ID": rid})
    assert r.status_code == 500
    assert r.json() == {"detail": f"internal error (request id {rid})"}
    for leak in ("Traceback", "RuntimeError", "secret", "config.py", 'File "'):
        assert leak not in r.text
    assert r.headers["X-Request-ID"] == rid
    assert_security_headers(r)
    # The traceback is in the log, under the same request id.
    [record] = [rec for rec in caplog.records if rec.getMessage() == "unhandled error"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert record.request_id == rid  # type: ignore[attr-defined]


def test_unexpected_error_gets_a_generated_request_id(make_app: AppFactory) -> None:
    app, _ = make_app()
    add_failing_route(app)
    with TestClient(app) as client:
        r = client.get("/api/test-explode")
    rid = r.headers["X-Request-ID"]
    assert len(rid) == 32
    assert r.json() == {"detail": f"internal error (request id {rid})"}


# --- audit log ------------------------------------------------------------------------------------


def test_audit_log_for_auth_events(make_app: AppFactory, caplog: pytest.LogCaptureFixture) -> None:
    app, _ = make_app()
    with TestClient(app) as client, caplog.at_level(logging.INFO, logger="app.audit"):
        r = client.post("/api/auth/register", json={"email": "Carol@Example.com", "password": TEST_PASSWORD})
        assert r.status_code == 202
        r = client.post("/api/auth/token", data={"username": "carol@example.com", "password": TEST_PASSWORD})
        assert r.status_code == 200
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        user_id = me.json()["id"]
        r = client.post("/api/auth/token", data={"username": "carol@example.com", "password": "not-it"})
        assert r.status_code == 401
    events = audit_events(caplog)
    assert events["auth.register"].user_id == user_id  # type: ignore[attr-defined]
    assert events["auth.register"].email == "carol@example.com"  # type: ignore[attr-defined]
    assert events["auth.login"].user_id == user_id  # type: ignore[attr-defined]
    assert events["auth.login_failed"].email == "carol@example.com"  # type: ignore[attr-defined]
    assert events["auth.login_failed"].levelno == logging.WARNING
    for record in events.values():
        assert record.request_id  # type: ignore[attr-defined]
        # Never a password or a token in the audit trail.
        text = str(record.__dict__)
        assert TEST_PASSWORD not in text and "not-it" not in text and "access_token" not in text


def test_audit_log_for_deletions(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture, sample_kml: bytes
) -> None:
    app, services = make_app(enable_async_layout_generation=True)
    headers = make_user(services, "dave@example.com")
    with TestClient(app) as client:
        site = upload(client, headers, "sample-site.kml", sample_kml).json()
        site_id = site["id"]
        lon, lat = site["centroid"]
        d = 0.0005
        square = [
            [lon - d, lat - d],
            [lon + d, lat - d],
            [lon + d, lat + d],
            [lon - d, lat + d],
            [lon - d, lat - d],
        ]
        r = client.post(
            f"/api/sites/{site_id}/exclusion-zones",
            json={"geometry": {"type": "Polygon", "coordinates": [square]}, "name": "pond"},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        zone_id = r.json()["id"]
        r = client.post(
            "/api/layouts/generate",
            json={"site_id": site_id, "target_capacity_kw": 1000, "use_terrain": False},
            headers=headers,
        )
        assert r.status_code == 202, r.text
        layout_id = r.json()["layout_id"]

        with caplog.at_level(logging.INFO, logger="app.audit"):
            assert (
                client.delete(f"/api/sites/{site_id}/exclusion-zones/{zone_id}", headers=headers).status_code
                == 204
            )
            assert client.delete(f"/api/layouts/{layout_id}", headers=headers).status_code == 204
            assert client.delete(f"/api/sites/{site_id}", headers=headers).status_code == 204
            # A refused deletion (not found) is not audited as one.
            assert client.delete(f"/api/sites/{site_id}", headers=headers).status_code == 404

    events = audit_events(caplog)
    assert events["zone.delete"].zone_id == zone_id  # type: ignore[attr-defined]
    assert events["layout.delete"].layout_id == layout_id  # type: ignore[attr-defined]
    assert events["site.delete"].site_id == site_id  # type: ignore[attr-defined]
    user_ids = {r.user_id for r in events.values()}  # type: ignore[attr-defined]
    assert len(user_ids) == 1 and None not in user_ids
    assert sum(1 for r in caplog.records if getattr(r, "event", None) == "site.delete") == 1


def test_failed_login_audit_line_is_bounded_and_single_line(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A client-chosen username cannot forge audit lines or flood the log."""
    app, _ = make_app()
    forged = "x@example.com\n12:00:00 INFO    app.audit: auth.login  event=auth.login user_id=admin"
    with TestClient(app) as client, caplog.at_level(logging.INFO, logger="app.audit"):
        r = client.post("/api/auth/token", data={"username": forged, "password": "nope"})
        assert r.status_code == 401
        r = client.post("/api/auth/token", data={"username": "y" * 100_000, "password": "nope"})
        assert r.status_code == 401
    failed = [r for r in caplog.records if getattr(r, "event", None) == "auth.login_failed"]
    assert len(failed) == 2
    assert "\n" not in failed[0].email and failed[0].email.startswith("x@example.com?")  # type: ignore[attr-defined]
    assert len(failed[1].email) == 320  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if getattr(r, "event", None) == "auth.login"]
