"""Accounts and bearer tokens: local (HS256) and OIDC (RS256 against a JWKS served on loopback)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from app.main import create_app
from tests.conftest import make_settings, register


def test_register_login_me(client: TestClient) -> None:
    headers = register(client, "Bob@Example.com")
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == "bob@example.com" and me.json()["is_admin"] is False


def test_register_does_not_tell_whether_an_account_exists(client: TestClient) -> None:
    new = client.post("/api/auth/register", json={"email": "carol@example.com", "password": "first-password"})
    taken = client.post(
        "/api/auth/register", json={"email": "CAROL@example.com", "password": "another-password"}
    )
    assert new.status_code == taken.status_code == 202
    assert new.json() == taken.json() and "already" not in taken.text
    assert "carol" not in taken.text.lower()
    # The existing account is unchanged: its own password still works, the second one does not.
    ok = client.post("/api/auth/token", data={"username": "carol@example.com", "password": "first-password"})
    assert ok.status_code == 200
    r = client.post("/api/auth/token", data={"username": "carol@example.com", "password": "another-password"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "not-an-email", "password": "long-enough-pw"}, "email"),
        ({"email": "d@example.com", "password": "short"}, "password"),
    ],
)
def test_register_validation(client: TestClient, body: dict[str, str], message: str) -> None:
    r = client.post("/api/auth/register", json=body)
    assert r.status_code == 422 and message in r.json()["detail"]


def test_wrong_password_is_401(client: TestClient) -> None:
    register(client, "erin@example.com")
    r = client.post("/api/auth/token", data={"username": "erin@example.com", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["detail"] == "incorrect email or password"
    r = client.post("/api/auth/token", data={"username": "nobody@example.com", "password": "wrong-password"})
    assert r.status_code == 401


def test_api_routes_require_a_token(client: TestClient) -> None:
    for method, path in [("get", "/api/sites"), ("get", "/api/auth/me"), ("get", "/api/layouts")]:
        r = getattr(client, method)(path)
        assert r.status_code == 401, path
        assert "bearer" in r.json()["detail"].lower()
    r = client.get("/api/sites", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 401 and "invalid token" in r.json()["detail"]


def test_expired_local_token(client: TestClient, services: Any) -> None:
    token = jwt.encode(
        {"sub": "x", "iss": "sitelayouts", "exp": int(time.time()) - 10},
        services.settings.resolved_jwt_secret(),
    )
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


# -- OIDC ------------------------------------------------------------------------------------
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"
AUDIENCE = "sitelayouts-web"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwk.update({"kid": "test-key", "use": "sig", "alg": "RS256"})
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def _token(key: Any, **claims: Any) -> str:
    payload = {
        "sub": "user-123",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 600,
        "email": "oidc@example.com",
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "test-key"})


@pytest.fixture
def oidc_client(database_url: str, tmp_path: Path, jwks_url: str) -> Iterator[TestClient]:
    settings = make_settings(
        database_url,
        tmp_path,
        auth_mode="oidc",
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=jwks_url,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_oidc_creates_user_on_first_sight(oidc_client: TestClient, rsa_key: rsa.RSAPrivateKey) -> None:
    headers = {"Authorization": f"Bearer {_token(rsa_key)}"}
    first = oidc_client.get("/api/auth/me", headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["email"] == "oidc@example.com"
    again = oidc_client.get("/api/auth/me", headers=headers)
    assert again.json()["id"] == first.json()["id"]
    r = oidc_client.post("/api/auth/register", json={"email": "x@example.com", "password": "long-enough-pw"})
    assert r.status_code == 422 and "identity provider" in r.json()["detail"]


def _access_token(key: Any, client_id: str) -> str:
    payload = {
        "sub": "user-123",
        "iss": ISSUER,
        "client_id": client_id,
        "token_use": "access",
        "exp": int(time.time()) + 600,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "test-key"})


def test_oidc_accepts_cognito_access_tokens(oidc_client: TestClient, rsa_key: rsa.RSAPrivateKey) -> None:
    ok = oidc_client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {_access_token(rsa_key, AUDIENCE)}"}
    )
    assert ok.status_code == 200, ok.text
    bad = oidc_client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {_access_token(rsa_key, 'other')}"}
    )
    assert bad.status_code == 401 and "client_id" in bad.json()["detail"]


def _none_alg_token() -> str:
    return jwt.encode(
        {"sub": "user-123", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600},
        None,
        algorithm="none",
        headers={"kid": "test-key"},
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda key: _none_alg_token(), "invalid token"),
        (lambda key: _token(rsa.generate_private_key(public_exponent=65537, key_size=2048)), "invalid token"),
        (lambda key: _token(key, exp=int(time.time()) - 60), "expired"),
        (lambda key: _token(key, aud="someone-else"), "invalid token"),
        (lambda key: _token(key, iss="https://evil.example.com"), "invalid token"),
    ],
    ids=["alg-none", "bad-signature", "expired", "wrong-audience", "wrong-issuer"],
)
def test_oidc_rejects_bad_tokens(
    oidc_client: TestClient, rsa_key: rsa.RSAPrivateKey, make: Any, message: str
) -> None:
    r = oidc_client.get("/api/auth/me", headers={"Authorization": f"Bearer {make(rsa_key)}"})
    assert r.status_code == 401, r.text
    assert message in r.json()["detail"]
