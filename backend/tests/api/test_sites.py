"""Site upload: KML/KMZ parsing through the API, on SQLite and PostgreSQL, and every hostile file."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from app.services import Services
from tests.conftest import FIXTURES, upload


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_upload_sample_site(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, services: Services
) -> None:
    r = upload(client, auth, "sample-site.kml", sample_kml)
    assert r.status_code == 201, r.text
    site = r.json()
    assert site["name"] == "Sample Solar Site"
    # 0.005° x 0.005° at 35.2°N: 455 m x 556 m = 25.3 ha
    assert site["area_ha"] == pytest.approx(25.28, abs=0.05)
    assert site["boundary"]["type"] == "Polygon"
    assert site["bbox"] == pytest.approx([-101.85, 35.195, -101.845, 35.2])
    assert site["centroid"] == pytest.approx([-101.8475, 35.1975])
    assert site["exclusion_zones"] == [] and site["entry_point"] is None
    # the original file is kept
    assert services.storage.get("uploads", f"{site['id']}/source.kml") == sample_kml

    listed = client.get("/api/sites", headers=auth).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == site["id"]
    assert listed["data"][0]["latest_layout"] is None
    got = client.get(f"/api/sites/{site['id']}", headers=auth).json()
    assert shape(got["boundary"]).equals(shape(site["boundary"]))


def test_upload_kmz(client: TestClient, auth: dict[str, str], services: Services) -> None:
    r = upload(client, auth, "sample-site.kmz", fixture("sample-site.kmz"))
    assert r.status_code == 201, r.text
    assert r.json()["area_ha"] == pytest.approx(25.28, abs=0.05)
    assert services.storage.exists("uploads", f"{r.json()['id']}/source.kmz")


def test_holes_and_multigeometry(client: TestClient, auth: dict[str, str]) -> None:
    r = upload(client, auth, "parcels.kml", fixture("holes-multigeometry.kml"))
    assert r.status_code == 201, r.text
    geom = shape(r.json()["boundary"])
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    with_hole = max(geom.geoms, key=lambda g: g.area)
    assert len(with_hole.interiors) == 1
    # 25.28 ha minus the 1.01 ha pond, plus the 0.004° x 0.004° second parcel (16.2 ha)
    assert r.json()["area_ha"] == pytest.approx(40.45, abs=0.1)


def test_nested_folders_exclusions_and_entry(client: TestClient, auth: dict[str, str]) -> None:
    r = upload(client, auth, "nested.kml", fixture("nested-folders.kml"), name="Renamed")
    assert r.status_code == 201, r.text
    site = r.json()
    assert site["name"] == "Renamed"
    zones = {z["name"]: z for z in site["exclusion_zones"]}
    assert set(zones) == {"Pipeline corridor", "North wetland", "Utility easement"}
    assert zones["North wetland"]["zone_type"] == "wetland"
    assert zones["Utility easement"]["zone_type"] == "easement"
    assert zones["Pipeline corridor"]["zone_type"] == "pipeline"  # its name names the type
    assert site["entry_point"]["coordinates"] == pytest.approx([-101.8475, 35.1951])
    # exclusions are not part of the boundary; 3D coordinates are accepted
    assert site["area_ha"] == pytest.approx(25.28, abs=0.05)


def test_invalid_ring_is_repaired_with_warning(client: TestClient, auth: dict[str, str]) -> None:
    r = upload(client, auth, "bowtie.kml", fixture("bowtie.kml"))
    assert r.status_code == 201, r.text
    assert shape(r.json()["boundary"]).is_valid
    assert any("repaired" in w for w in r.json()["warnings"])


@pytest.mark.parametrize(
    ("filename", "status", "message"),
    [
        ("not-xml.kml", 422, "not valid XML"),
        ("billion-laughs.kml", 422, "entity declarations"),
        ("xxe.kml", 422, "entity declarations"),
        ("empty.kmz", 422, "contains no .kml file"),
        ("zip-bomb.kmz", 422, "zip bomb"),
        ("no-polygon.kml", 422, "no site boundary polygon"),
        ("out-of-range.kml", 422, "out of range"),
        ("zero-area.kml", 422, "zero area"),
    ],
)
def test_hostile_and_broken_files(
    client: TestClient, auth: dict[str, str], filename: str, status: int, message: str
) -> None:
    r = upload(client, auth, filename, fixture(filename))
    assert r.status_code == status, r.text
    assert message in r.json()["detail"]
    assert client.get("/health").status_code == 200
    assert client.get("/api/sites", headers=auth).json()["count"] == 0  # nothing half-stored


def test_wrong_extension_and_empty_file(client: TestClient, auth: dict[str, str]) -> None:
    r = upload(client, auth, "site.geojson", b"{}")
    assert r.status_code == 422 and ".kml or .kmz" in r.json()["detail"]
    r = upload(client, auth, "site.kml", b"")
    assert r.status_code == 422 and "empty" in r.json()["detail"]


def test_upload_over_size_limit(database_url: str, tmp_path: Path, sample_kml: bytes) -> None:
    from app.main import create_app
    from tests.conftest import make_settings, register

    settings = make_settings(database_url, tmp_path, max_upload_mb=0.01)  # ~10 KB
    with TestClient(create_app(settings)) as c:
        headers = register(c, "big@example.com")
        big = sample_kml.replace(b"</Document>", b"<!--" + b"x" * 20_000 + b"--></Document>")
        r = upload(c, headers, "big.kml", big)
        assert r.status_code == 413
        assert "0.01 MB" in r.json()["detail"]


def test_delete_site_removes_rows_and_files(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, services: Services
) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    services.storage.put("outputs", f"terrain/{site['id']}/flat-30m.tif", b"cached")
    assert client.delete(f"/api/sites/{site['id']}", headers=auth).status_code == 204
    assert client.get(f"/api/sites/{site['id']}", headers=auth).status_code == 404
    assert not services.storage.exists("uploads", f"{site['id']}/source.kml")
    assert not services.storage.exists("outputs", f"terrain/{site['id']}/flat-30m.tif")


def test_exclusion_zone_crud(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    base = f"/api/sites/{site['id']}/exclusion-zones"
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [-101.849, 35.199],
                [-101.848, 35.199],
                [-101.848, 35.198],
                [-101.849, 35.198],
                [-101.849, 35.199],
            ]
        ],
    }
    r = client.post(
        base, json={"geometry": square, "zone_type": "wetland", "buffer_m": 10, "name": "Pond"}, headers=auth
    )
    assert r.status_code == 201, r.text
    zone = r.json()
    assert zone["area_ha"] == pytest.approx(1.01, abs=0.05)
    r = client.patch(f"{base}/{zone['id']}", json={"buffer_m": 25}, headers=auth)
    assert r.status_code == 200 and r.json()["buffer_m"] == 25 and r.json()["name"] == "Pond"
    assert [z["id"] for z in client.get(base, headers=auth).json()] == [zone["id"]]
    assert client.delete(f"{base}/{zone['id']}", headers=auth).status_code == 204
    assert client.get(base, headers=auth).json() == []


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]}, "malformed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "out of range"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}, "zero area"),
    ],
)
def test_bad_zone_geometry(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, geometry: dict[str, object], message: str
) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    r = client.post(f"/api/sites/{site['id']}/exclusion-zones", json={"geometry": geometry}, headers=auth)
    assert r.status_code == 422, r.text
    assert message in r.json()["detail"]


def test_document_name_does_not_classify_placemarks(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    kml = sample_kml.replace(b"<name>Sample Solar Site</name>", b"<name>Wetland Ridge Solar</name>")
    r = upload(client, auth, "ridge.kml", kml)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Wetland Ridge Solar" and r.json()["exclusion_zones"] == []
