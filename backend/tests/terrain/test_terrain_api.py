"""Terrain endpoints on the demo site inside the real Jacksboro DEM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import shape

from app.config import Settings
from app.dem.demo import demo_site_kml
from app.services import Services
from tests.conftest import make_settings, register, upload


@pytest.fixture
def settings(database_url: str, tmp_path: Path, dem_dir: Path) -> Settings:
    # Overrides the shared fixture: terrain from the Jacksboro GeoTIFF only (no network here).
    return make_settings(database_url, tmp_path, dem_source=["file"], dem_path=dem_dir)


@pytest.fixture
def site(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    r = upload(client, auth, "demo.kml", demo_site_kml())
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_summary(client: TestClient, auth: dict[str, str], site: dict[str, Any], services: Services) -> None:
    r = client.get(f"/api/sites/{site['id']}/terrain/summary", params={"resolution_m": 10}, headers=auth)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["source"] == "file" and s["resolution_m"] == 10 and s["crs"] == "EPSG:32616"
    assert s["area_ha"] == pytest.approx(site["area_ha"], rel=0.02)
    assert 300 < s["elevation_min_m"] < s["elevation_max_m"] < 400
    assert sum(c["share"] for c in s["slope_classes"]) == pytest.approx(1.0)
    assert services.storage.exists("outputs", f"terrain/{site['id']}/file-10m.tif")


def test_contours(client: TestClient, auth: dict[str, str], site: dict[str, Any]) -> None:
    r = client.get(
        f"/api/sites/{site['id']}/terrain/contours",
        params={"interval_m": 2, "resolution_m": 10},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and fc["features"]
    levels = [f["properties"]["elevation_m"] for f in fc["features"]]
    assert levels == sorted(levels) and all(v % 2 == 0 for v in levels)
    boundary = shape(site["boundary"]).buffer(1e-6)
    for f in fc["features"]:
        assert f["geometry"]["type"] == "MultiLineString"
        assert shape(f["geometry"]).within(boundary)


def test_slope_classes(client: TestClient, auth: dict[str, str], site: dict[str, Any]) -> None:
    r = client.get(f"/api/sites/{site['id']}/terrain/slope", params={"classes": "0,3,90"}, headers=auth)
    assert r.status_code == 200, r.text
    feats = r.json()["features"]
    assert [f["properties"]["label"] for f in feats] == ["0-3", "3-90"]
    assert sum(f["properties"]["area_ha"] for f in feats) == pytest.approx(site["area_ha"], rel=0.01)
    bad = client.get(f"/api/sites/{site['id']}/terrain/slope", params={"classes": "5,2"}, headers=auth)
    assert bad.status_code == 422 and "increasing" in bad.json()["detail"]


def test_buildable_removes_exclusions(client: TestClient, auth: dict[str, str], site: dict[str, Any]) -> None:
    url = f"/api/sites/{site['id']}/terrain/buildable"
    no_setback = {"max_slope_deg": 90, "setback_m": 0}
    with_zones = client.get(url, params=no_setback, headers=auth).json()
    without = client.get(url, params={**no_setback, "exclude_zones": False}, headers=auth).json()
    wetland_ha = site["exclusion_zones"][0]["area_ha"]
    a1 = with_zones["features"][0]["properties"]["area_ha"]
    a0 = without["features"][0]["properties"]["area_ha"]
    assert a0 == pytest.approx(site["area_ha"], rel=0.01)
    assert a0 - a1 == pytest.approx(wetland_ha, rel=0.05)
    gentle = client.get(url, params={"max_slope_deg": 2, "setback_m": 0}, headers=auth).json()
    assert 0 < gentle["features"][0]["properties"]["area_ha"] < a1


def test_buildable_keeps_the_layouts_setback(
    client: TestClient, auth: dict[str, str], site: dict[str, Any]
) -> None:
    # The default preview is the land a default layout may use: inside the 15 m setback, outside
    # the wetland. Recomputed here in UTM 16N with pyproj and shapely, not the engine's helpers.
    tr = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True)

    def to_utm(geojson: dict[str, Any]) -> Any:
        return shapely.transform(shape(geojson), lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))

    boundary = to_utm(site["boundary"])
    wetland = to_utm(site["exclusion_zones"][0]["geometry"])
    expected_ha = boundary.buffer(-15.0).difference(wetland).area / 10_000.0
    url = f"/api/sites/{site['id']}/terrain/buildable"
    r = client.get(url, params={"max_slope_deg": 90}, headers=auth)
    assert r.status_code == 200, r.text
    props = r.json()["features"][0]["properties"]
    assert r.json()["properties"]["setback_m"] == 15.0
    # Raster cells along the edges and the arcs' safety margin: within 1 %.
    assert props["area_ha"] == pytest.approx(expected_ha, rel=0.01)
    assert props["area_ha"] < site["area_ha"] - site["exclusion_zones"][0]["area_ha"]


def test_errors(client: TestClient, auth: dict[str, str], site: dict[str, Any]) -> None:
    base = f"/api/sites/{site['id']}/terrain"
    assert client.get(f"{base}/summary", params={"resolution_m": 0.5}, headers=auth).status_code == 422
    assert client.get(f"{base}/contours", params={"interval_m": 0}, headers=auth).status_code == 422
    assert client.get(f"{base}/summary").status_code == 401
    other = register(client, "bob@example.com")
    assert client.get(f"{base}/summary", headers=other).status_code == 404
