"""POST / GET / DELETE /api/sites/{id}/weather on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.models import Site
from app.main import create_app
from app.services import Services, build_services
from app.weather.service import load_weather
from tests.conftest import make_settings, make_user, upload
from tests.weather import formats


def _site(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> dict[str, Any]:
    r = upload(client, auth, "site.kml", sample_kml)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _post(client: TestClient, auth: dict[str, str], site_id: str, name: str, data: bytes) -> Any:
    return client.post(f"/api/sites/{site_id}/weather", files={"file": (name, data)}, headers=auth)


def test_upload_read_and_delete_weather(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, services: Services, settings: Settings
) -> None:
    site = _site(client, auth, sample_kml)
    r = _post(client, auth, site["id"], "greensboro.epw", formats.epw_bytes())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["format"] == "epw" and body["kind"] == "tmy" and body["rows"] == 8760
    assert body["latitude"] == pytest.approx(formats.LAT)
    assert body["filename"] == "greensboro.epw"
    # The sample parcel is not in North Carolina: the distance is reported and flagged.
    assert body["distance_km"] > 50 and any("km from the site" in w for w in body["warnings"])
    assert client.get(f"/api/sites/{site['id']}/weather", headers=auth).json()["format"] == "epw"

    # A second upload replaces the first; the job's loader then reads it (source "file").
    r = _post(client, auth, site["id"], "greensboro.csv", formats.tmy3_bytes())
    assert r.status_code == 201 and r.json()["format"] == "tmy3"
    assert len(services.storage.list("uploads", f"weather/{site['id']}/")) == 1
    with services.session_factory() as session:
        row = session.get(Site, uuid.UUID(site["id"]))
        assert row is not None
        weather = load_weather(row, settings, services.storage)
    assert weather.source == "file" and weather.details["format"] == "tmy3"

    assert client.delete(f"/api/sites/{site['id']}/weather", headers=auth).status_code == 204
    assert client.get(f"/api/sites/{site['id']}/weather", headers=auth).status_code == 404
    assert client.delete(f"/api/sites/{site['id']}/weather", headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"just,some\ncsv,text\n", "unrecognised weather file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"\n".join(formats.tmy3_bytes().splitlines()[:50]), "covers only"),
        (b'{"outputs": {}}', "not a PVGIS TMY response"),
    ],
)
def test_bad_weather_files_get_a_4xx_naming_the_problem(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, data: bytes, message: str
) -> None:
    site = _site(client, auth, sample_kml)
    r = _post(client, auth, site["id"], "weather.csv", data)
    assert r.status_code == 422, r.text
    assert message in r.json()["detail"]
    assert client.get(f"/api/sites/{site['id']}/weather", headers=auth).status_code == 404


def test_weather_of_another_users_site_is_not_found(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, services: Services
) -> None:
    site = _site(client, auth, sample_kml)
    bob = make_user(services, "bob@example.com")
    assert _post(client, bob, site["id"], "w.csv", formats.tmy3_bytes()).status_code == 404
    assert client.get(f"/api/sites/{site['id']}/weather", headers=bob).status_code == 404
    assert client.post(f"/api/sites/{site['id']}/weather", files={"file": ("w.csv", b"x")}).status_code == 401


def test_oversized_weather_file_is_413(database_url: str, tmp_path: Path, sample_kml: bytes) -> None:
    svc = build_services(make_settings(database_url, tmp_path, max_upload_mb=0.5))
    try:
        with TestClient(create_app(services=svc)) as c:
            auth = make_user(svc, "carol@example.com")
            site = _site(c, auth, sample_kml)
            r = _post(c, auth, site["id"], "big.epw", formats.epw_bytes())  # ≈ 1 MB
            assert r.status_code == 413, r.text
            assert "upload limit" in r.json()["detail"]
    finally:
        svc.close()


def test_deleting_the_site_removes_its_weather(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, services: Services
) -> None:
    site = _site(client, auth, sample_kml)
    assert _post(client, auth, site["id"], "w.csv", formats.tmy3_bytes()).status_code == 201
    assert services.storage.list("uploads", f"weather/{site['id']}/")
    assert client.delete(f"/api/sites/{site['id']}", headers=auth).status_code == 204
    assert services.storage.list("uploads", f"weather/{site['id']}/") == []
