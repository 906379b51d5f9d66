"""Zone types and several entries through the API and the KML reader (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.engine.civil.zones import ZONE_RULES, crossing_rule, zone_type_from_text
from app.sites.kml import parse_site_file
from tests.conftest import upload

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-101.849, 35.199], [-101.848, 35.199], [-101.848, 35.198], [-101.849, 35.198], [-101.849, 35.199]]
    ],
}

KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Mill Creek Solar</name>
<Placemark><name>Mill Creek Solar</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
-101.8500,35.2000 -101.8450,35.2000 -101.8450,35.1950 -101.8500,35.1950 -101.8500,35.2000
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Folder><name>Constraints</name>
<Placemark><name>Dry wash</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
-101.8480,35.2000 -101.8475,35.2000 -101.8475,35.1950 -101.8480,35.1950 -101.8480,35.2000
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>HV power line easement</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
-101.8500,35.1980 -101.8450,35.1980 -101.8450,35.1978 -101.8500,35.1978 -101.8500,35.1980
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>Zone A</name><ExtendedData><Data name="zone_type"><value>protected</value></Data>
</ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>
-101.8460,35.1960 -101.8455,35.1960 -101.8455,35.1955 -101.8460,35.1955 -101.8460,35.1960
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder>
<Placemark><name>Site entry west</name><Point><coordinates>-101.8500,35.1970</coordinates></Point></Placemark>
<Placemark><name>Gate east</name><Point><coordinates>-101.8450,35.1970</coordinates></Point></Placemark>
</Document></kml>"""


def test_every_type_has_a_rule_and_the_default_is_never_crossed() -> None:
    assert ZONE_RULES["exclusion"] == "never"
    assert {t for t, r in ZONE_RULES.items() if r == "never"} == {
        "exclusion",
        "wetland",
        "water",
        "protected",
        "building",
    }
    assert {t for t, r in ZONE_RULES.items() if r == "right_angle"} == {"easement", "pipeline", "power_line"}
    assert {t for t, r in ZONE_RULES.items() if r == "culvert"} == {"wash", "drainage", "creek"}
    assert crossing_rule("made up") == "never"
    assert zone_type_from_text("HV power line easement") == "power_line"
    assert zone_type_from_text("Arroyo") == "wash"
    assert zone_type_from_text("Field 3") is None
    assert zone_type_from_text("Water") == "water"


def test_kml_names_folders_and_data_give_zone_types_and_every_entry_is_kept() -> None:
    parsed = parse_site_file(KML, "mill.kml")
    types = {z.name: z.zone_type for z in parsed.exclusions}
    # "Mill Creek Solar" names the site, not a creek: it stays the boundary.
    assert parsed.area_ha == pytest.approx(25.28, abs=0.05)
    assert types == {"Dry wash": "wash", "HV power line easement": "power_line", "Zone A": "protected"}
    assert parsed.entry_point is not None and parsed.entry_point.geom_type == "MultiPoint"
    assert [(p.x, p.y) for p in parsed.entry_point.geoms] == [(-101.85, 35.197), (-101.845, 35.197)]


def test_zone_type_is_validated_on_create_and_update(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    base = f"/api/sites/{site['id']}/exclusion-zones"
    r = client.post(base, json={"geometry": SQUARE, "zone_type": "swamp-ish"}, headers=auth)
    assert r.status_code == 422 and "zone_type" in r.text and "power_line" in r.text
    r = client.post(base, json={"geometry": SQUARE, "zone_type": "pipeline"}, headers=auth)
    assert r.status_code == 201, r.text
    zone = r.json()
    assert zone["zone_type"] == "pipeline"
    assert client.patch(f"{base}/{zone['id']}", json={"zone_type": "nope"}, headers=auth).status_code == 422
    r = client.patch(f"{base}/{zone['id']}", json={"zone_type": "creek"}, headers=auth)
    assert r.status_code == 200 and r.json()["zone_type"] == "creek"
    assert client.get(base, headers=auth).json()[0]["zone_type"] == "creek"


def test_several_entries_are_stored_as_a_multipoint(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    url = f"/api/sites/{site['id']}"
    two = {"type": "MultiPoint", "coordinates": [[-101.85, 35.197], [-101.845, 35.197]]}
    r = client.patch(url, json={"entry_point": two}, headers=auth)
    assert r.status_code == 200, r.text
    assert client.get(url, headers=auth).json()["entry_point"] == two
    far = {"type": "MultiPoint", "coordinates": [[-101.85, 35.197], [-100.0, 35.197]]}
    r = client.patch(url, json={"entry_point": far}, headers=auth)
    assert r.status_code == 422 and "entry_point 2" in r.text


def test_kml_upload_keeps_types_and_entries(client: TestClient, auth: dict[str, str]) -> None:
    r = upload(client, auth, "mill.kml", KML)
    assert r.status_code == 201, r.text
    site = r.json()
    assert {z["zone_type"] for z in site["exclusion_zones"]} == {"wash", "power_line", "protected"}
    assert site["entry_point"]["type"] == "MultiPoint"
