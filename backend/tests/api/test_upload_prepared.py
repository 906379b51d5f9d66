"""The upload's answer and rows come from the parse process (issue 27, point 9): the zones are prepared there
(ids, GeoJSON text, areas, their JSON answer) and inserted in bulk, so the API process holds the GIL only
briefly per upload. What the API answers must still be exactly what it stores: the 201 body equals a later
GET of the same site, zone for zone, on SQLite and PostgreSQL, for a file parsed in the pool (≥ 256 KB)
and one parsed in the request thread."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from app.sites.geometry import area_ha, polygonal_from_geojson
from app.sites.kml import parse_site_file
from app.sites.parse_pool import POOL_MIN_BYTES
from tests.api.test_upload_event_loop import busy_kml
from tests.conftest import upload


@pytest.mark.parametrize("placemarks", [40, 1200], ids=["in-thread", "pool"])
def test_upload_answer_is_what_is_stored(client: TestClient, auth: dict[str, str], placemarks: int) -> None:
    kml = busy_kml(placemarks)
    assert (len(kml) >= POOL_MIN_BYTES) == (placemarks == 1200)
    r = upload(client, auth, "busy.kml", kml)
    assert r.status_code == 201, r.text
    answered = r.json()
    stored = client.get(f"/api/sites/{answered['id']}", headers=auth).json()
    # Zone order is the database's (the relationship has none): compare them by id.
    by_id = {z["id"]: z for z in stored.pop("exclusion_zones")}
    assert {z["id"]: z for z in answered["exclusion_zones"]} == by_id
    assert {k: v for k, v in answered.items() if k != "exclusion_zones"} == stored
    zones = answered["exclusion_zones"]
    assert len(zones) == placemarks and len({z["id"] for z in zones}) == placemarks
    # Recomputed independently from the file: the same names, shapes and areas.
    expected = {e.name: e for e in parse_site_file(kml, "busy.kml").exclusions}
    for z in zones:
        e = expected[z["name"]]
        geom = polygonal_from_geojson(z["geometry"], what="zone")
        assert geom.equals(e.geometry)
        assert math.isclose(z["area_ha"], area_ha(e.geometry), rel_tol=1e-9)
        assert z["zone_type"] == e.zone_type and z["buffer_m"] == 0.0
    # The stored zones are usable as any other: one can be edited through the API.
    first = zones[0]
    edit = client.patch(
        f"/api/sites/{answered['id']}/exclusion-zones/{first['id']}", json={"buffer_m": 5}, headers=auth
    )
    assert edit.status_code == 200, edit.text
    assert edit.json()["buffer_m"] == 5 and edit.json()["geometry"] == first["geometry"]
