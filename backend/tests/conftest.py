"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: a fresh database per test session on the server at PG_TEST_URL (default the
machine's 127.0.0.1:5432/test), dropped at the end; tables are emptied between tests.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy import text

from app.auth.passwords import hash_password
from app.auth.tokens import issue_local_token
from app.config import Settings, load_settings
from app.db import migrate
from app.db.base import Base
from app.db.models import User
from app.db.session import make_engine
from app.main import create_app
from app.queue.base import Message
from app.samples import sample_bytes
from app.services import Services, build_services

# Commands in tests run in their own processes unless a test asks for the warm one
# (tests/test_cli_daemon.py): no background process outlives the suite.
os.environ["SITELAYOUTS_DAEMON"] = "0"
# Every layout a test computes must declare its metric and design keys (app/engine/core/document.py).
os.environ["STRICT_RESULT_DOCUMENT"] = "true"

PG_TEST_URL = os.environ.get("PG_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BACKEND_DIR = Path(__file__).resolve().parents[1]
JWT_SECRET = "test-secret-" + "x" * 40


def _pg_admin_url() -> str:
    return PG_TEST_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session; its SQLAlchemy URL."""
    name = f"sitelayouts_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(_pg_admin_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_TEST_URL} (make test starts it): {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_TEST_URL.rpartition("/")
    url = f"{base}/{name}"
    yield url
    with psycopg.connect(_pg_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_migrated(pg_database: str) -> str:
    migrate.upgrade(pg_database)
    return pg_database


@pytest.fixture(scope="session")
def sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    migrate.upgrade(url)
    return url


DB_PARAMS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=DB_PARAMS)
def migrated_db(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once per backend per session."""
    return str(request.getfixturevalue("sqlite_migrated" if request.param == "sqlite" else "pg_migrated"))


def empty_tables(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f"DELETE FROM {table.name}"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_db: str) -> Iterator[str]:
    """The migrated database, emptied after each test."""
    yield migrated_db
    empty_tables(migrated_db)


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "storage_dir": tmp_path / "storage",
        "dem_path": tmp_path / "dem",
        "dem_source": ["flat"],
        "weather_source": ["file", "clearsky"],
        "jwt_secret": JWT_SECRET,
        "queue_wait_time_s": 0,
        "rate_limit_auth_per_min": 1000,
        "rate_limit_generate_per_min": 1000,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = build_services(settings)
    yield svc
    svc.close()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as c:
        yield c


TEST_PASSWORD = "correct-horse-battery"


def register(client: TestClient, email: str, password: str = TEST_PASSWORD) -> dict[str, str]:
    """Register and log in; the Authorization header for that user."""
    r = client.post("/api/auth/register", json={"email": email, "password": password})
    assert r.status_code == 202, r.text
    r = client.post("/api/auth/token", data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@functools.lru_cache(maxsize=1)
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per session.
    return hash_password(TEST_PASSWORD)


def make_user(services: Services, email: str, *, is_admin: bool = False) -> dict[str, str]:
    """Insert a user directly (fast path for tests not about accounts); their Authorization header."""
    with services.session_factory.begin() as session:
        user = User(email=email, password_hash=_password_hash(), is_admin=is_admin)
        session.add(user)
        session.flush()
        user_id = str(user.id)
    return {"Authorization": f"Bearer {issue_local_token(user_id=user_id, settings=services.settings)}"}


@pytest.fixture
def auth(client: TestClient, services: Services) -> dict[str, str]:
    return make_user(services, "alice@example.com")


def upload(client: TestClient, headers: dict[str, str], filename: str, data: bytes, **form: str) -> Any:
    return client.post("/api/sites/upload", files={"file": (filename, data)}, data=form, headers=headers)


Owner = tuple[dict[str, str], str]


def generate_sync(client: TestClient, headers: dict[str, str], site_id: str, **extra: Any) -> str:
    """A 4 MW flat layout generated synchronously (the `client` fixture's mode); its id."""
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, **extra}
    r = client.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["layout"]["status"] == "completed"
    return str(r.json()["layout"]["id"])


@pytest.fixture
def owner(client: TestClient, services: Services, sample_kml: bytes) -> Owner:
    """A user's headers and the id of the sample site they uploaded."""
    headers = make_user(services, "owner@example.com")
    r = upload(client, headers, "site.kml", sample_kml)
    assert r.status_code == 201, r.text
    return headers, str(r.json()["id"])


@pytest.fixture
def sample_kml() -> bytes:
    return sample_bytes("sample-site.kml")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


# -- async generation fixtures (shared by tests/jobs and tests/api) ---------------------------
@pytest.fixture
def async_services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = build_async_services(database_url, tmp_path)
    yield svc
    svc.close()


def build_async_services(database_url: str, tmp_path: Path, **extra: Any) -> Services:
    """Services with queued generation and fast retries; `extra` overrides settings (e.g. S3 storage)."""
    return build_services(
        make_settings(
            database_url,
            tmp_path,
            enable_async_layout_generation=True,
            visibility_timeout_s=2,
            retry_backoff_s=0,
            **extra,
        )
    )


@pytest.fixture
def api(async_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=async_services)) as c:
        yield c


@pytest.fixture
def headers(async_services: Services) -> dict[str, str]:
    return make_user(async_services, "runner@example.com")


@pytest.fixture
def site_id(api: TestClient, headers: dict[str, str], sample_kml: bytes) -> str:
    return str(upload(api, headers, "s.kml", sample_kml).json()["id"])


def submit(api: TestClient, headers: dict[str, str], site_id: str, **extra: Any) -> str:
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, **extra}
    r = api.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    assert r.json()["message"] == "Layout generation job queued successfully"
    return str(r.json()["layout_id"])


def receive(services: Services) -> Message:
    got = services.queue.receive(max_messages=1, wait_time_s=5)
    assert got, "expected a message"
    return got[0]
