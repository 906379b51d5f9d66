"""Schemathesis against the OpenAPI schema: no generated request gets a 5xx (C-07).

The in-process ASGI app on SQLite, called with the Bearer token of a real (admin) user. Path
parameters naming a site, zone or layout are pointed at real rows, so the fuzzing gets past the
404s into the handlers; the rest of each request is what schemathesis generates (valid and
invalid data). Hypothesis is bounded so that the whole run stays within a couple of minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from app.main import create_app
from app.samples import sample_bytes
from app.services import Services, build_services
from tests.conftest import empty_tables, make_settings, make_user, upload

MAX_EXAMPLES = 15


@dataclass(frozen=True)
class FuzzEnv:
    services: Services
    headers: dict[str, str]
    ids: dict[str, str]  # path parameter name -> the id of a real row
    calls: list[str] = field(default_factory=list)  # the operation of every request sent


@pytest.fixture
def fuzz_env(sqlite_migrated: str, tmp_path: Path) -> Iterator[FuzzEnv]:
    # Async mode (as deployed): generate only queues a job, so fuzzing it stays fast.
    services = build_services(make_settings(sqlite_migrated, tmp_path, enable_async_layout_generation=True))
    headers = make_user(services, "fuzz@example.com", is_admin=True)
    with TestClient(create_app(services=services)) as client:
        kml = sample_bytes("sample-site.kml")
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


def fuzz_operation(operation: schemathesis.APIOperation, mode: GenerationMode, env: FuzzEnv) -> None:
    """Up to MAX_EXAMPLES generated requests for one operation; raises on a 5xx."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        for name, value in env.ids.items():
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = value
        env.calls.append(operation.label)
        case.call_and_validate(headers=env.headers, checks=[not_a_server_error])

    run()


# The schemathesis pytest plugin (`@schema.parametrize()` / `from_fixture`) reads `Node._nodeid`,
# which pytest 9.2 no longer has; so the operations are walked here, each one a Hypothesis run.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_server_errors(fuzz_env: FuzzEnv, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services=fuzz_env.services))
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz_operation(operation, mode, fuzz_env)
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label  # nothing in it to make invalid
        except Exception as exc:  # collect them all: one report names every failing operation
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 20, f"only {operations} operations in the schema"
    assert not failures, "\n\n".join(failures)
    # Every operation got requests (negative mode skips those with no input to make invalid).
    assert len(set(fuzz_env.calls)) >= (operations if mode is GenerationMode.POSITIVE else 15)
    assert len(fuzz_env.calls) >= 5 * len(set(fuzz_env.calls))
    print(f"{mode.value}: {len(fuzz_env.calls)} requests over {len(set(fuzz_env.calls))} operations")
