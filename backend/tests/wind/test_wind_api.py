"""POST / GET / DELETE /api/sites/{id}/wind on SQLite and PostgreSQL; bad files are 4xx naming
the problem; a wind_hybrid layout of the site then has wind energy."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import upload
from tests.wind.test_parse import _weibull_rows, sample


def _site(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> str:
    r = upload(client, auth, "site.kml", sample_kml)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _post(client: TestClient, auth: dict[str, str], site_id: str, name: str, data: bytes) -> Any:
    return client.post(f"/api/sites/{site_id}/wind", files={"file": (name, data)}, headers=auth)


def test_upload_read_and_delete_wind(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> None:
    site = _site(client, auth, sample_kml)
    assert client.get(f"/api/sites/{site}/wind", headers=auth).status_code == 404
    r = _post(client, auth, site, "weibull-12-sector.csv", sample("weibull-12-sector.csv"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "weibull" and body["sectors"] == 12 and body["height_m"] == 100.0
    assert body["hourly_synthesised"] is True
    assert sum(s["frequency"] for s in body["rose"]) == pytest.approx(1.0, abs=1e-4)
    # A second upload replaces the first.
    r = _post(client, auth, site, "sample-12-sector.tab", sample("sample-12-sector.tab"))
    assert r.status_code == 201 and r.json()["kind"] == "tab"
    assert client.get(f"/api/sites/{site}/wind", headers=auth).json()["filename"] == "sample-12-sector.tab"
    assert client.delete(f"/api/sites/{site}/wind", headers=auth).status_code == 204
    assert client.get(f"/api/sites/{site}/wind", headers=auth).status_code == 404
    assert client.delete(f"/api/sites/{site}/wind", headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.csv", _weibull_rows(r1_c2="fast"), "line 3, column weibull_a_m_s"),
        ("bad.csv", _weibull_rows(r1_c0="45"), "line 3, column sector_deg"),
        ("bad.tab", b"title\n1 2 50\n4 1 0\n25 25 25\n1 100 100 100 100\n", "line 4: expected 4 sector"),
        ("bad.csv", b"hello\n", "not a recognised wind resource"),
    ],
)
def test_bad_wind_files_are_4xx_naming_the_problem(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, name: str, data: bytes, message: str
) -> None:
    site = _site(client, auth, sample_kml)
    r = _post(client, auth, site, name, data)
    assert 400 <= r.status_code < 500, r.text
    assert message in r.text
    # Nothing stored.
    assert client.get(f"/api/sites/{site}/wind", headers=auth).status_code == 404


def test_bad_wind_inputs_in_a_generate_request_are_422(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site = _site(client, auth, sample_kml)
    body = {"site_id": site, "target_capacity_kw": 20000, "profile": "wind_hybrid", "use_terrain": False}
    r = client.post("/api/layouts/generate", json={**body, "wind": {"turbine": "v999"}}, headers=auth)
    assert r.status_code == 422 and "unknown turbine" in r.text
    r = client.post("/api/layouts/generate", json={**body, "wind": {"shear_exponent": 2}}, headers=auth)
    assert r.status_code == 422 and "shear_exponent" in r.text


def test_a_wind_hybrid_layout_uses_the_uploaded_resource(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    from tests.conftest import generate_sync

    site = _site(client, auth, sample_kml)
    # The sample parcel is small: no tip-height setback, so turbines fit.
    extra = {"profile": "wind_hybrid", "target_capacity_kw": 12000, "wind": {"setback_tip_heights": 0.0}}
    lid = generate_sync(client, auth, site, **extra)
    first = client.get(f"/api/layouts/{lid}", headers=auth).json()
    m = first["metrics"]
    assert m["turbine_count"] > 0
    assert "wind_net_aep_mwh" not in m  # no resource yet: said, not invented
    assert any(w.startswith("no wind resource: wind energy not computed") for w in first["warnings"])
    assert _post(client, auth, site, "w.csv", sample("weibull-12-sector.csv")).status_code == 201
    lid = generate_sync(client, auth, site, **extra)
    body = client.get(f"/api/layouts/{lid}", headers=auth).json()
    m = body["metrics"]
    assert m["wind_gross_aep_mwh"] > m["wind_net_aep_mwh"] > 0
    assert m["wind_shear_exponent"] == pytest.approx(0.143)
