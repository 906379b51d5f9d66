"""Demo site, rename, entry / interconnection points, stale layouts, map guides, basemap config and
export file names — through the API on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import Point, Polygon, shape

from app.dem.demo import DEMO_SITE_NAME, demo_site
from app.services import Services
from tests.conftest import make_user, upload

# The sample parcel (backend/app/samples/sample-site.kml) lies in UTM zone 14N.
UTM14 = Transformer.from_crs("EPSG:4326", "EPSG:32614", always_xy=True)


def transform(t: Any, geom: Any) -> Any:
    return shapely.transform(geom, lambda xy: np.column_stack(t(xy[:, 0], xy[:, 1])))


def utm(geom: Any) -> Any:
    return transform(UTM14.transform, geom)


def new_site(client: TestClient, auth: dict[str, str], kml: bytes) -> dict[str, Any]:
    r = upload(client, auth, "sample-site.kml", kml)
    assert r.status_code == 201, r.text
    return dict(r.json())


def generate(client: TestClient, auth: dict[str, str], site_id: str) -> dict[str, Any]:
    r = client.post(
        "/api/layouts/generate",
        json={"site_id": site_id, "target_capacity_kw": 2000, "use_terrain": False},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["layout"])


def stale(client: TestClient, auth: dict[str, str], layout_id: str) -> bool:
    r = client.get(f"/api/layouts/{layout_id}", headers=auth)
    assert r.status_code == 200, r.text
    return bool(r.json()["stale"])


def test_demo_site_once_per_user(client: TestClient, auth: dict[str, str], services: Services) -> None:
    r = client.post("/api/sites/demo", headers=auth)
    assert r.status_code == 201, r.text
    site = r.json()
    expected = demo_site()
    assert site["name"] == DEMO_SITE_NAME
    assert shape(site["boundary"]).equals_exact(expected.boundary, 1e-6)
    assert len(site["exclusion_zones"]) == 1
    assert shape(site["exclusion_zones"][0]["geometry"]).equals_exact(expected.wetland, 1e-6)
    assert shape(site["entry_point"]).equals_exact(expected.entrance, 1e-6)
    # The area recomputed here in UTM 16N (Tennessee) from the demo's own polygon.
    utm16 = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True)
    assert site["area_ha"] == pytest.approx(
        transform(utm16.transform, expected.boundary).area / 1e4, rel=1e-3
    )

    again = client.post("/api/sites/demo", headers=auth)
    assert again.status_code == 200 and again.json()["id"] == site["id"]
    assert client.get("/api/sites", headers=auth).json()["count"] == 1

    bob = make_user(services, "bob@example.com")
    theirs = client.post("/api/sites/demo", headers=bob)
    assert theirs.status_code == 201 and theirs.json()["id"] != site["id"]
    assert client.post("/api/sites/demo").status_code == 401


def test_rename_site(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> None:
    site = new_site(client, auth, sample_kml)
    r = client.patch(f"/api/sites/{site['id']}", json={"name": "  North parcel  "}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "North parcel"
    assert r.json()["inputs_changed_at"] is None  # a name does not change what a layout uses
    assert client.get(f"/api/sites/{site['id']}", headers=auth).json()["name"] == "North parcel"
    assert client.get("/api/sites", headers=auth).json()["data"][0]["name"] == "North parcel"

    for bad in ("", "   ", "x" * 256):
        r = client.patch(f"/api/sites/{site['id']}", json={"name": bad}, headers=auth)
        assert r.status_code == 422 and "name" in r.json()["detail"], r.text


def test_place_and_clear_points(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> None:
    site = new_site(client, auth, sample_kml)
    url = f"/api/sites/{site['id']}"
    poi = {"type": "Point", "coordinates": [-101.8445, 35.1990]}  # ~45 m east of the parcel
    r = client.patch(url, json={"interconnection_point": poi}, headers=auth)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["interconnection_point"] == {"type": "Point", "coordinates": [-101.8445, 35.199]}
    assert got["inputs_changed_at"] is not None
    assert got["name"] == site["name"] and got["entry_point"] is None  # untouched fields stay

    entry = {"type": "Point", "coordinates": [-101.8475, 35.195, 1012.0]}
    r = client.patch(url, json={"entry_point": entry}, headers=auth)
    assert r.json()["entry_point"] == {"type": "Point", "coordinates": [-101.8475, 35.195]}
    assert r.json()["interconnection_point"] is not None
    assert r.json()["inputs_changed_at"] > got["inputs_changed_at"]

    r = client.patch(url, json={"interconnection_point": None}, headers=auth)
    assert r.status_code == 200 and r.json()["interconnection_point"] is None
    assert client.get(url, headers=auth).json()["entry_point"] is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"interconnection_point": {"type": "Point", "coordinates": [35.1975, -101.8475]}}, "latitude"),
        ({"interconnection_point": {"type": "Point", "coordinates": [-101.0, 35.1975]}}, "km from the site"),
        ({"entry_point": {"type": "Polygon", "coordinates": []}}, "GeoJSON Point"),
        ({"entry_point": {"type": "Point", "coordinates": ["a", 1]}}, "numbers"),
        ({"entry_point": {"type": "Point", "coordinates": [1]}}, "[longitude, latitude]"),
        ({"name": None}, "name"),
    ],
)
def test_bad_points_are_4xx(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, body: dict[str, Any], message: str
) -> None:
    site = new_site(client, auth, sample_kml)
    r = client.patch(f"/api/sites/{site['id']}", json=body, headers=auth)
    assert r.status_code in (400, 422), r.text
    assert message in r.json()["detail"]
    field = next(iter(body))
    assert field in r.json()["detail"]
    assert client.get(f"/api/sites/{site['id']}", headers=auth).json()["inputs_changed_at"] is None


def test_layouts_go_stale_when_inputs_change(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site = new_site(client, auth, sample_kml)
    first = generate(client, auth, site["id"])
    assert first["stale"] is False and not stale(client, auth, first["id"])

    # renaming does not make it stale
    client.patch(f"/api/sites/{site['id']}", json={"name": "Renamed"}, headers=auth)
    assert not stale(client, auth, first["id"])

    zone_geom = {
        "type": "Polygon",
        "coordinates": [[[-101.849, 35.199], [-101.848, 35.199], [-101.848, 35.198], [-101.849, 35.199]]],
    }
    r = client.post(f"/api/sites/{site['id']}/exclusion-zones", json={"geometry": zone_geom}, headers=auth)
    assert r.status_code == 201, r.text
    zone_id = r.json()["id"]
    assert stale(client, auth, first["id"])
    listed = client.get("/api/layouts", params={"site_id": site["id"]}, headers=auth).json()["data"]
    assert [x["stale"] for x in listed] == [True]

    second = generate(client, auth, site["id"])
    assert second["stale"] is False
    # renaming a zone changes nothing the engine uses
    r = client.patch(
        f"/api/sites/{site['id']}/exclusion-zones/{zone_id}", json={"name": "Pond"}, headers=auth
    )
    assert r.status_code == 200 and not stale(client, auth, second["id"])
    # its buffer does
    client.patch(f"/api/sites/{site['id']}/exclusion-zones/{zone_id}", json={"buffer_m": 5}, headers=auth)
    assert stale(client, auth, second["id"])

    third = generate(client, auth, site["id"])
    assert (
        client.delete(f"/api/sites/{site['id']}/exclusion-zones/{zone_id}", headers=auth).status_code == 204
    )
    assert stale(client, auth, third["id"])

    fourth = generate(client, auth, site["id"])
    poi = {"type": "Point", "coordinates": [-101.8475, 35.1951]}
    client.patch(f"/api/sites/{site['id']}", json={"interconnection_point": poi}, headers=auth)
    assert stale(client, auth, fourth["id"])
    fifth = generate(client, auth, site["id"])
    # placing the same point again is no change
    client.patch(f"/api/sites/{site['id']}", json={"interconnection_point": poi}, headers=auth)
    assert not stale(client, auth, fifth["id"])


def test_guides_setback_line_and_zone_buffers(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site = new_site(client, auth, sample_kml)
    zone_geom = {
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
    client.post(
        f"/api/sites/{site['id']}/exclusion-zones", json={"geometry": zone_geom, "buffer_m": 20}, headers=auth
    )
    client.post(f"/api/sites/{site['id']}/exclusion-zones", json={"geometry": zone_geom}, headers=auth)
    r = client.get(f"/api/sites/{site['id']}/guides", params={"setback_m": 25}, headers=auth)
    assert r.status_code == 200, r.text
    features = r.json()["features"]
    setback = [f for f in features if f["properties"]["kind"] == "setback"]
    buffers = [f for f in features if f["properties"]["kind"] == "exclusion_buffer"]
    assert len(setback) == 1 and len(buffers) == 1  # the zone without a buffer has no outline
    boundary = utm(shape(site["boundary"]))
    line = utm(shape(setback[0]["geometry"]))
    # every vertex of the setback line is inside the parcel, 25 m from its edge
    for x, y in line.coords:
        assert boundary.contains(Point(x, y))
        assert boundary.exterior.distance(Point(x, y)) == pytest.approx(25, abs=0.05)
    zone = utm(Polygon(zone_geom["coordinates"][0]))
    outline = utm(shape(buffers[0]["geometry"]))
    assert outline.contains(zone)
    assert outline.area == pytest.approx(zone.buffer(20).area, rel=0.01)
    assert buffers[0]["properties"]["buffer_m"] == 20

    # a setback that swallows the parcel leaves no line; out of range is a 422
    r = client.get(f"/api/sites/{site['id']}/guides", params={"setback_m": 400}, headers=auth)
    assert [f["properties"]["kind"] for f in r.json()["features"]] == ["exclusion_buffer"]
    assert client.get(f"/api/sites/{site['id']}/guides?setback_m=-1", headers=auth).status_code == 422


def test_config_names_the_basemaps(client: TestClient) -> None:
    cfg = client.get("/api/config").json()
    assert re.fullmatch(r"https://tile\.openstreetmap\.org/\{z\}/\{x\}/\{y\}\.png", cfg["basemap_url"])
    assert "OpenStreetMap" in cfg["basemap_attribution"]
    assert "{z}" in cfg["satellite_url"] and "Esri" in cfg["satellite_attribution"]


def test_config_basemap_is_configurable(database_url: str, tmp_path: Any) -> None:
    from app.main import create_app
    from app.services import build_services
    from tests.conftest import make_settings

    svc = build_services(
        make_settings(
            database_url, tmp_path, basemap_url="http://tiles.local/{z}/{x}/{y}.png", satellite_url=""
        )
    )
    try:
        with TestClient(create_app(services=svc)) as c:
            cfg = c.get("/api/config").json()
    finally:
        svc.close()
    assert cfg["basemap_url"] == "http://tiles.local/{z}/{x}/{y}.png"
    assert cfg["satellite_url"] == ""


def test_export_file_named_site_layout_format(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site = new_site(client, auth, sample_kml)
    client.patch(f"/api/sites/{site['id']}", json={"name": "Mesa Norte"}, headers=auth)
    generate(client, auth, site["id"])
    second = generate(client, auth, site["id"])
    mwac = f"{second['total_capacity_kw'] / 1000:.4g}MWac"
    for fmt, ext in (("csv", "csv.zip"), ("geojson", "geojson"), ("kmz", "kmz")):
        r = client.get(f"/api/layouts/{second['id']}/export/{fmt}", headers=auth)
        assert r.status_code == 200, r.text
        name = re.search(r'filename="([^"]+)"', r.headers["content-disposition"])
        assert name is not None
        assert name.group(1) == f"Mesa-Norte-layout-2-solar_farm-{mwac}.{ext}"
