"""Through the API, on both databases: the gen-tie to a point outside the parcel is drawn and priced;
without a point the cost says so; a gas plant over its target says why in the warnings and status."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, shape

from app.engine.core.crs import site_crs, to_utm
from tests.conftest import Owner, generate_sync


def test_gen_tie_to_a_point_outside_the_parcel_is_drawn_and_priced(client: TestClient, owner: Owner) -> None:
    headers, site_id = owner
    site = client.get(f"/api/sites/{site_id}", headers=headers).json()
    boundary = shape(site["boundary"])
    _, miny, maxx, maxy = boundary.bounds
    poi = {"type": "Point", "coordinates": [maxx + 0.006, (miny + maxy) / 2]}  # ≈ 500 m east
    r = client.patch(f"/api/sites/{site_id}", json={"interconnection_point": poi}, headers=headers)
    assert r.status_code == 200, r.text

    layout_id = generate_sync(client, headers, site_id)
    fc = client.get(f"/api/layouts/{layout_id}/geojson", headers=headers).json()
    (tie,) = [f for f in fc["features"] if f["properties"]["kind"] == "gen_tie"]
    crs = site_crs(boundary)
    length_m = to_utm(LineString(tie["geometry"]["coordinates"]), crs).length
    assert length_m > 400.0
    assert tie["geometry"]["coordinates"][0] == pytest.approx(poi["coordinates"], abs=1e-7)

    design = client.get(f"/api/layouts/{layout_id}/design", headers=headers).json()
    (line,) = [x for x in design["cost"]["capex"]["lines"] if x["key"] == "gen_tie_usd_per_km"]
    rate = design["cost"]["unit_costs"]["gen_tie_usd_per_km"]["value"]["69"]
    assert line["usd"] == pytest.approx(length_m / 1000.0 * rate, rel=2e-3)
    layout = client.get(f"/api/layouts/{layout_id}", headers=headers).json()
    assert layout["metrics"]["gen_tie_length_m"] == pytest.approx(length_m, abs=0.5)
    assert not any("no interconnection point" in w for w in layout["warnings"])


def test_a_requested_voltage_class_is_the_one_drawn_listed_and_priced(
    client: TestClient, owner: Owner
) -> None:
    headers, site_id = owner
    site = client.get(f"/api/sites/{site_id}", headers=headers).json()
    _, miny, maxx, maxy = shape(site["boundary"]).bounds
    poi = {"type": "Point", "coordinates": [maxx + 0.004, (miny + maxy) / 2]}
    assert client.patch(
        f"/api/sites/{site_id}", json={"interconnection_point": poi}, headers=headers
    ).is_success
    layout_id = generate_sync(client, headers, site_id, cost={"gen_tie_voltage_kv": 230})
    fc = client.get(f"/api/layouts/{layout_id}/geojson", headers=headers).json()
    (tie,) = [f for f in fc["features"] if f["properties"]["kind"] == "gen_tie"]
    design = client.get(f"/api/layouts/{layout_id}/design", headers=headers).json()
    (line,) = [x for x in design["cost"]["capex"]["lines"] if x["key"] == "gen_tie_usd_per_km"]
    layout = client.get(f"/api/layouts/{layout_id}", headers=headers).json()
    assert tie["properties"]["voltage_kv"] == 230
    assert design["bom"]["gen_tie"]["voltage_kv"] == 230
    assert layout["metrics"]["gen_tie_voltage_kv"] == 230
    assert line["item"] == "gen-tie line 230 kV" and line["unit_cost"] == 1_400_000.0


def test_without_an_interconnection_point_the_cost_says_the_gen_tie_is_zero(
    client: TestClient, owner: Owner
) -> None:
    headers, site_id = owner
    layout_id = generate_sync(client, headers, site_id)
    layout = client.get(f"/api/layouts/{layout_id}", headers=headers).json()
    assert layout["metrics"]["gen_tie_length_m"] == 0.0
    assert any("no interconnection point" in w and "0 km" in w for w in layout["warnings"])
    design = client.get(f"/api/layouts/{layout_id}/design", headers=headers).json()
    assert any("no interconnection point" in w for w in design["cost"]["warnings"])


def test_gas_bess_overshoot_is_explained_in_warnings_and_status(client: TestClient, owner: Owner) -> None:
    headers, site_id = owner
    layout_id = generate_sync(client, headers, site_id, profile="gas_bess", target_capacity_kw=20000)
    layout = client.get(f"/api/layouts/{layout_id}", headers=headers).json()
    placed = layout["metrics"]["total_capacity_kw"]
    assert placed == 48_000.0  # one 48 MW turbine: units come whole
    over = layout["warnings"][0]
    assert "capacity over target" in over
    assert "1 × 48,000 kW gas turbine" in over and "+28,000 kW" in over and "+140 %" in over
    assert layout["metrics"]["capacity_over_target_pct"] == pytest.approx(140.0)
    status = client.get(f"/api/layouts/{layout_id}/status", headers=headers).json()
    assert over in status["warnings"]


@pytest.mark.parametrize(
    ("cost", "named"),
    [
        ({"interconnection_usd_per_kwac": 5000}, "interconnection_usd_per_kwac"),
        ({"gen_tie_voltage_kv": 100}, "gen_tie_voltage_kv"),
        ({"gen_tie_usd_per_km": {"69": -1}}, "gen_tie_usd_per_km.69"),
    ],
)
def test_bad_grid_cost_overrides_are_422_naming_the_key(
    client: TestClient, owner: Owner, cost: dict[str, Any], named: str
) -> None:
    headers, site_id = owner
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, "cost": cost}
    r = client.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert named in r.text
