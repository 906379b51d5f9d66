"""Scenario studies over HTTP with the in-process job runner: a grid of variants queued as layout
jobs, progress, the comparison table, limits and validation, preferred variant, ownership, delete."""

from __future__ import annotations

import functools
import itertools
import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.models import Layout, Study
from app.jobs.runner import JobRunner, Outcome
from app.services import Services
from tests.conftest import make_user

BASE = {"target_capacity_kw": 3000, "use_terrain": False}
GRID = {"structure": ["fixed", "tracker"], "gcr": [0.3, 0.45]}


def create(api: TestClient, headers: dict[str, str], site_id: str, **body: Any) -> Any:
    return api.post(
        f"/api/sites/{site_id}/studies", json={"base": BASE, "grid": GRID, **body}, headers=headers
    )


def run_one(services: Services) -> Outcome:
    got = services.queue.receive(max_messages=1, wait_time_s=0)
    assert got, "expected a queued job"
    return JobRunner(services, worker_id="test").handle(got[0])


def test_study_of_four_variants_runs_and_compares(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    r = create(api, headers, site_id, name="fixed vs tracker")
    assert r.status_code == 202, r.text
    study_id = r.json()["study_id"]
    assert r.json()["variant_count"] == 4 and len(r.json()["layout_ids"]) == 4
    assert async_services.queue.stats().depth == 4  # one job per variant on the queue

    detail = api.get(f"/api/studies/{study_id}", headers=headers).json()
    assert detail["name"] == "fixed vs tracker"
    assert detail["progress"] == {
        "total": 4, "queued": 4, "processing": 0, "completed": 0, "failed": 0, "cancelled": 0,
        "percent_done": 0.0, "done": False,
    }  # fmt: skip
    expected = [{"structure": s, "gcr": g} for s, g in itertools.product(GRID["structure"], GRID["gcr"])]
    canon = functools.partial(json.dumps, sort_keys=True)
    assert sorted(map(canon, (row["variant"] for row in detail["rows"]))) == sorted(map(canon, expected))
    # Each variant's layout carries the base plus its axis values, as a generate request would.
    with async_services.session_factory() as s:
        for layout in s.scalars(select(Layout).where(Layout.study_id == uuid.UUID(study_id))):
            assert layout.params["pv"] == layout.variant
            assert layout.params["target_capacity_kw"] == 3000 and layout.params["use_terrain"] is False

    assert run_one(async_services) is Outcome.completed
    progress = api.get(f"/api/studies/{study_id}", headers=headers).json()["progress"]
    assert (progress["queued"], progress["completed"], progress["percent_done"]) == (3, 1, 25.0)
    for _ in range(3):
        assert run_one(async_services) is Outcome.completed

    detail = api.get(f"/api/studies/{study_id}", headers=headers).json()
    assert detail["progress"]["completed"] == 4 and detail["progress"]["done"] is True
    assert detail["progress"]["percent_done"] == 100.0
    rows = detail["rows"]
    # Clear-sky energy (no weather in tests): every row's LCOE is a marked lower bound, sorted by it.
    assert all(row["energy_basis"] == "clearsky_upper_bound" and row["lcoe_is_lower_bound"] for row in rows)
    assert all(row["lcoe_usd_per_mwh"] is None and row["annual_energy_mwh"] is None for row in rows)
    lcoes = [row["lcoe_lower_bound_usd_per_mwh"] for row in rows]
    assert all(x is not None and x > 0 for x in lcoes) and lcoes == sorted(lcoes)
    assert all(row["p90_1yr_mwh"] is None for row in rows)  # no P90 on clear sky
    # Each row is its layout's own numbers, in the table's units.
    for row in rows:
        layout = api.get(f"/api/layouts/{row['layout_id']}", headers=headers).json()
        m = layout["metrics"]
        assert row["dc_capacity_mwp"] == m["dc_capacity_kwp"] / 1000
        assert row["ac_capacity_mw"] == layout["total_capacity_kw"] / 1000
        mwh = row["annual_energy_mwh_upper_bound"]
        assert mwh == m["annual_energy_mwh_upper_bound"] and row["capex_usd"] == m["capex_usd"]
        assert row["lcoe_lower_bound_usd_per_mwh"] == m["lcoe_lower_bound_usd_per_mwh"]
        assert row["specific_yield_kwh_per_kwp_upper_bound"] * m["dc_capacity_kwp"] / 1000 == (
            pytest.approx(mwh, rel=0.01)
        )
        assert layout["study_id"] == study_id and layout["variant"] == row["variant"]
        assert m["structure"] == row["variant"]["structure"] and m["gcr"] == pytest.approx(
            row["variant"]["gcr"]
        )
    # Other sort keys, and their direction.
    by_mwh = api.get(f"/api/studies/{study_id}?sort=mwh", headers=headers).json()["rows"]
    mwh = [row["annual_energy_mwh_upper_bound"] for row in by_mwh]
    assert mwh == sorted(mwh, reverse=True)
    by_capex = api.get(f"/api/studies/{study_id}?sort=capex&order=desc", headers=headers).json()["rows"]
    capex = [row["capex_usd"] for row in by_capex]
    assert capex == sorted(capex, reverse=True)
    assert api.get(f"/api/studies/{study_id}?sort=colour", headers=headers).status_code == 422

    listed = api.get(f"/api/sites/{site_id}/studies", headers=headers).json()
    assert listed["count"] == 1 and listed["data"][0]["progress"]["completed"] == 4


def test_limits_and_validation_name_the_problem(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    # 2 structures: fixed × 11 tilts × 10 GCRs × 2 DC/AC = 220, tracker × 10 × 2 = 20 → 240.
    big = {
        "structure": ["fixed", "tracker"],
        "gcr": [round(0.2 + 0.05 * i, 2) for i in range(10)],
        "tilt_deg": list(range(10, 32, 2)),
        "dc_ac_ratio": [1.2, 1.3],
    }
    r = create(api, headers, site_id, grid=big)
    assert r.status_code == 422
    assert "240 variants" in r.text and "40 over the limit of 200" in r.text
    r = create(api, headers, site_id, grid={"gcr": [0.3, 0.95]})
    assert r.status_code == 422
    assert "variant 2 (gcr=0.95)" in r.text and "pv.gcr" in r.text
    r = create(api, headers, site_id, grid={"dc_ac_ratio": [1.2, 9.0], "strategy": ["density"]})
    assert r.status_code == 422 and "variant 2" in r.text and "dc_ac_ratio" in r.text
    r = create(api, headers, site_id, base={"target_capacity_kw": -5}, grid={"gcr": [0.3]})
    assert r.status_code == 422 and "base: target_capacity_kw" in r.text
    r = create(api, headers, site_id, grid={"gcr": [0.3, 0.3]})
    assert r.status_code == 422 and "grid.gcr: values repeat" in r.text
    r = create(api, headers, site_id, grid={"azimuth": [180]})
    assert r.status_code == 422 and "azimuth" in r.text
    r = create(api, headers, site_id, grid={"structure": ["floating"]})
    assert r.status_code == 422
    # Nothing was stored or queued by the refused requests.
    with async_services.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Study)) == 0
        assert s.scalar(select(func.count()).select_from(Layout)) == 0
    assert async_services.queue.stats().depth == 0


CONFLICTS = [
    ({"pv": {"pitch_m": 8}}, {"gcr": [0.3]}, ("base.pv.pitch_m", "grid.gcr")),
    ({"pv": {"gcr": 0.4}}, {"gcr": [0.3, 0.35]}, ("base.pv.gcr", "grid.gcr")),
    ({"pv": {"tilt_deg": 20}}, {"tilt_deg": [15, 25]}, ("base.pv.tilt_deg", "grid.tilt_deg")),
    ({"strategy": "density"}, {"strategy": ["balanced"]}, ("base.strategy", "grid.strategy")),
    ({"pv": {"tilt_deg": 20}}, {"structure": ["tracker"]}, ("base.pv.tilt_deg", "grid.structure")),
    ({"pv": {"structure": "tracker"}}, {"tilt_deg": [15, 25]}, ("grid.tilt_deg", "base.pv.structure")),
]


@pytest.mark.parametrize(("base", "grid", "named"), CONFLICTS, ids=["-".join(c[2]) for c in CONFLICTS])
def test_conflicting_base_and_grid_are_refused_naming_both(
    async_services: Services,
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    base: dict[str, Any],
    grid: dict[str, Any],
    named: tuple[str, str],
) -> None:
    full_base = {"target_capacity_kw": 4000, "use_terrain": False, **base}
    r = create(api, headers, site_id, base=full_base, grid=grid)
    assert r.status_code == 422, r.text
    assert named[0] in r.json()["detail"] and named[1] in r.json()["detail"]
    with async_services.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Layout)) == 0
    assert async_services.queue.stats().depth == 0


def test_tracker_variants_ignore_tilt(api: TestClient, headers: dict[str, str], site_id: str) -> None:
    grid = {"structure": ["fixed", "tracker"], "tilt_deg": [15, 25, 35]}
    r = create(api, headers, site_id, grid=grid)
    assert r.status_code == 202, r.text
    assert r.json()["variant_count"] == 4  # 3 fixed tilts + 1 tracker
    rows = api.get(f"/api/studies/{r.json()['study_id']}", headers=headers).json()["rows"]
    assert {"structure": "tracker"} in [row["variant"] for row in rows]


def test_preferred_variant(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    first = create(api, headers, site_id, grid={"gcr": [0.3, 0.4]}).json()
    other = create(api, headers, site_id, grid={"gcr": [0.5]}).json()
    study_id, chosen = first["study_id"], first["layout_ids"][1]
    r = api.put(f"/api/studies/{study_id}/preferred", json={"layout_id": chosen}, headers=headers)
    assert r.status_code == 200 and r.json()["preferred_layout_id"] == chosen
    rows = api.get(f"/api/studies/{study_id}", headers=headers).json()["rows"]
    assert [row["layout_id"] for row in rows if row["preferred"]] == [chosen]
    # A layout of another study, or none at all, is refused and changes nothing.
    for bad in (other["layout_ids"][0], str(uuid.uuid4())):
        r = api.put(f"/api/studies/{study_id}/preferred", json={"layout_id": bad}, headers=headers)
        assert r.status_code == 422 and "is not a variant of study" in r.text
    assert api.get(f"/api/studies/{study_id}", headers=headers).json()["preferred_layout_id"] == chosen
    r = api.put(f"/api/studies/{study_id}/preferred", json={"layout_id": None}, headers=headers)
    assert r.status_code == 200 and r.json()["preferred_layout_id"] is None


def test_other_users_get_404_and_delete_removes_the_variants(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    created = create(api, headers, site_id, grid={"gcr": [0.3, 0.4]}).json()
    study_id = created["study_id"]
    mallory = make_user(async_services, "mallory@example.com")
    calls = [
        ("POST", f"/api/sites/{site_id}/studies", None),
        ("POST", f"/api/sites/{site_id}/studies", {"base": BASE, "grid": GRID}),
        ("GET", f"/api/sites/{site_id}/studies", None),
        ("GET", f"/api/studies/{study_id}", None),
        ("PUT", f"/api/studies/{study_id}/preferred", None),
        ("PUT", f"/api/studies/{study_id}/preferred", {"layout_id": created["layout_ids"][0]}),
        ("DELETE", f"/api/studies/{study_id}", None),
    ]
    for method, path, body in calls:
        r = api.request(method, path, json=body, headers=mallory)
        assert r.status_code == 404, f"{method} {path} answered {r.status_code} to another user"
    assert api.get(f"/api/studies/{study_id}", headers=headers).json()["progress"]["total"] == 2

    assert api.delete(f"/api/studies/{study_id}", headers=headers).status_code == 204
    assert api.get(f"/api/studies/{study_id}", headers=headers).status_code == 404
    for lid in created["layout_ids"]:
        assert api.get(f"/api/layouts/{lid}", headers=headers).status_code == 404
    # The queued messages now find no layout: the runner skips them.
    assert run_one(async_services) is not Outcome.completed


def test_studies_need_the_job_queue(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> None:
    from tests.conftest import upload

    site_id = upload(client, auth, "s.kml", sample_kml).json()["id"]
    r = client.post(f"/api/sites/{site_id}/studies", json={"base": BASE, "grid": GRID}, headers=auth)
    assert r.status_code == 409 and "ENABLE_ASYNC_LAYOUT_GENERATION" in r.text
