"""Schemathesis against the OpenAPI schema: no generated request gets a 5xx (C-07).

The in-process ASGI app on SQLite, called with the Bearer token of a real (admin) user. Path
parameters naming a site, zone or layout are pointed at real rows, so the fuzzing gets past the
404s into the handlers; the rest of each request is what schemathesis generates (valid and
invalid data). Hypothesis is bounded so that the whole run stays within a couple of minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.main import create_app
from app.services import Services, build_services
from tests.conftest import SHARED_DATA, empty_tables, make_settings, make_user, upload


@dataclass(frozen=True)
class FuzzEnv:
    services: Services
    headers: dict[str, str]
    ids: dict[str, str]  # path parameter name -> the id of a real row


@pytest.fixture
def fuzz_env(sqlite_migrated: str, tmp_path: Path) -> Iterator[FuzzEnv]:
    # Async mode (as deployed): generate only queues a job, so fuzzing it stays fast.
    services = build_services(
        make_settings(sqlite_migrated, tmp_path, enable_async_layout_generation=True)
    )
    headers = make_user(services, "fuzz@example.com", is_admin=True)
    with TestClient(create_app(services=services)) as client:
        kml = (SHARED_DATA / "sample-site.kml").read_bytes()
        r = upload(client, headers, "sample-site.kml", kml)
        assert r.status_code == 201, r.text
        site = r.json()
        r = client.post(
            "/api/layouts/generate",
            headers=headers,
            json={"site_id": site["id"], "target_capacity_kw": 1000, "use_terrain": False},
        )
        assert r.status_code == 202, r.text
        ids = {"site_id": site["id"], "layout_id": r.json()["layout_id"]}
        if site["exclusion_zones"]:
            ids["zone_id"] = site["exclusion_zones"][0]["id"]
    try:
        yield FuzzEnv(services=services, headers=headers, ids=ids)
    finally:
        services.close()
        empty_tables(sqlite_migrated)


@pytest.fixture
def api_schema(fuzz_env: FuzzEnv) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(services=fuzz_env.services))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case, fuzz_env: FuzzEnv) -> None:
    for name, value in fuzz_env.ids.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    case.call_and_validate(headers=fuzz_env.headers, checks=[not_a_server_error])
