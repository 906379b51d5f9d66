"""GET /api/layouts/{id}/design: the design document of a generated layout, on both databases.

A PV layout generated through the API (no weather file, so the clear-sky fallback applies) must
serve a document whose parts agree with each other and with the layout's metrics; a layout
without a design (gas/BESS, or stored before designs) and another user's layout are 404.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import uuid
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db.models import Layout, LayoutStatus
from app.services import Services
from tests.conftest import Owner, generate_sync, make_user


def test_design_document_of_a_generated_pv_layout(client: TestClient, owner: Owner) -> None:
    headers, site_id = owner
    layout_id = generate_sync(client, headers, site_id)
    r = client.get(f"/api/layouts/{layout_id}/design", headers=headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert {"pv", "electrical", "bom", "energy", "cost"} <= set(doc)
    assert "features" not in doc  # cables and fences are served by the GeoJSON, not here

    # The bill of quantities is the same one /bom serves.
    bom = client.get(f"/api/layouts/{layout_id}/bom", headers=headers)
    assert bom.status_code == 200
    assert bom.json() == doc["bom"]

    # Strings: the stringing total, the blocks' sum and the BOM agree.
    el = doc["electrical"]
    strings = el["stringing"]["strings"]
    assert sum(b["strings"] for b in el["blocks"]) == strings == doc["bom"]["strings"]["count"]
    assert doc["bom"]["modules"]["count"] == sum(b["modules"] for b in el["blocks"])
    # Every block is on exactly one MV feeder.
    on_feeders = sorted(b for f in el["single_line"] for b in f["blocks"])
    assert on_feeders == sorted(b["block"] for b in el["blocks"])
    # Annual ohmic DC loss is the STC loss scaled by the loss factor — the simulation's (Σp²/Σp).
    annual = el["losses"]["annual"]
    stc_dc_pct = el["losses"]["stc"]["dc_pct"]
    assert annual["dc_ohmic_pct"] == pytest.approx(stc_dc_pct * annual["loss_factor"], abs=0.01)
    assert annual["basis"].startswith("annual, from the hourly energy simulation")

    # Energy: no weather file and no PVGIS in tests, so the clear-sky fallback, labelled as such.
    energy = doc["energy"]
    assert energy["weather_source"] == "clearsky"
    assert energy["is_clearsky_upper_bound"] is True
    assert energy["is_p50"] is False
    assert "upper bound" in energy["label"].lower() and "not a p50" in energy["label"].lower()
    assert len(energy["monthly_energy_mwh"]) == 12
    # Clear sky: the energy is only under its upper-bound names.
    assert energy["energy_basis"] == "clearsky_upper_bound" and "annual_energy_mwh" not in energy
    annual_mwh = energy["annual_energy_mwh_upper_bound"]
    assert sum(energy["monthly_energy_mwh"]) == pytest.approx(annual_mwh, rel=1e-3)
    dc_kwp = doc["bom"]["modules"]["dc_kwp"]
    expected_yield = annual_mwh * 1000 / dc_kwp
    assert energy["specific_yield_kwh_per_kwp_upper_bound"] == pytest.approx(expected_yield, rel=1e-3)
    # The waterfall ends at the annual energy, each step applied to the previous value.
    steps = energy["loss_waterfall"]
    assert steps[-1]["value_after"] == pytest.approx(annual_mwh, rel=1e-4)
    for prev, step in itertools.pairwise(steps):
        if step["unit"] == prev["unit"]:
            expected = prev["value_after"] * (1 + step["percent"] / 100)
            assert step["value_after"] == pytest.approx(expected, rel=1e-3)

    # Cost: the total is the lines plus the overheads; LCOE is positive; no price, so no NPV.
    cost = doc["cost"]
    capex = cost["capex"]
    direct = sum(line["usd"] for line in capex["lines"])
    assert direct == pytest.approx(capex["direct_usd"], rel=1e-6)
    assert direct + sum(o["usd"] for o in capex["overheads"]) == pytest.approx(capex["total_usd"], rel=1e-6)
    assert capex["usd_per_wdc"] == pytest.approx(capex["total_usd"] / (dc_kwp * 1000), rel=1e-3)
    assert cost["lcoe_lower_bound_usd_per_mwh"] > 0 and cost["npv_upper_bound_usd"] is None
    assert "lcoe_usd_per_mwh" not in cost and cost["energy_basis"] == "clearsky_upper_bound"
    for line in capex["lines"]:
        assert line["key"] in cost["unit_costs"], line
        assert cost["unit_costs"][line["key"]]["source"].strip()

    # The layout's metrics carry the same headline numbers and label.
    metrics = client.get(f"/api/layouts/{layout_id}", headers=headers).json()["metrics"]
    assert metrics["annual_energy_mwh_upper_bound"] == pytest.approx(annual_mwh, rel=1e-6)
    assert metrics["weather_source"] == "clearsky"
    assert metrics["capex_usd"] == pytest.approx(capex["total_usd"], rel=1e-6)
    assert math.isclose(
        metrics["lcoe_lower_bound_usd_per_mwh"], cost["lcoe_lower_bound_usd_per_mwh"], rel_tol=1e-6
    )

    # One annual DC wiring figure: the waterfall, the loss stack, the electrical panel, the metrics
    # and the CSV's losses agree; the STC figure is the electrical design's, in both places.
    dc_step = next(s for s in steps if s["name"] == "DC wiring (ohmic)")
    stack = {x["key"]: x for x in energy["loss_stack"]}
    assert stack["dc_ohmic_pct"]["input_basis"] == "stc"
    assert stack["dc_ohmic_pct"]["input_pct"] == pytest.approx(stc_dc_pct, abs=1e-4)
    assert metrics["dc_ohmic_loss_pct_stc"] == pytest.approx(stc_dc_pct, abs=1e-4)
    figures = {
        "waterfall": -dc_step["percent"],
        "loss stack": stack["dc_ohmic_pct"]["annual_pct"],
        "electrical panel": annual["dc_ohmic_pct"],
        "metrics": metrics["dc_ohmic_loss_pct_annual"],
    }
    r = client.get(f"/api/layouts/{layout_id}/export/csv", headers=headers)
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        losses_csv = list(csv.DictReader(io.StringIO(zf.read("losses.csv").decode("utf-8"))))
        stack_csv = list(csv.DictReader(io.StringIO(zf.read("loss_stack.csv").decode("utf-8"))))
    figures["csv"] = -float(next(x for x in losses_csv if x["step"] == "DC wiring (ohmic)")["percent"])
    dc_row = next(x for x in stack_csv if x["key"] == "dc_ohmic_pct")
    figures["csv loss stack"] = float(dc_row["annual_pct"])
    assert dc_row["input_basis"] == "stc"
    assert float(dc_row["input_pct"]) == pytest.approx(stc_dc_pct, abs=1e-4)
    assert max(figures.values()) - min(figures.values()) < 1e-3, figures
    assert 0 < figures["waterfall"] < stc_dc_pct  # I²R: the annual share is below the STC one


def test_design_404_for_another_user_unknown_layout_and_no_auth(
    client: TestClient, services: Services, owner: Owner
) -> None:
    headers, site_id = owner
    layout_id = generate_sync(client, headers, site_id)
    other = make_user(services, "someone-else@example.com")
    for path in ("design", "bom"):
        r = client.get(f"/api/layouts/{layout_id}/{path}", headers=other)
        assert r.status_code == 404, r.text
        assert client.get(f"/api/layouts/{uuid.uuid4()}/{path}", headers=headers).status_code == 404
        assert client.get(f"/api/layouts/{layout_id}/{path}").status_code == 401
        assert client.get(f"/api/layouts/{layout_id}/{path}", headers=headers).status_code == 200
    assert client.get("/api/layouts/not-a-uuid/design", headers=headers).status_code == 422


def test_a_gas_bess_layout_has_gas_and_economics_but_no_bom(client: TestClient, owner: Owner) -> None:
    # Issue 23: gas plants get their gas units, fuel and CO2 and a cost (no PV bill of quantities).
    headers, site_id = owner
    layout_id = generate_sync(client, headers, site_id, profile="gas_bess", target_capacity_kw=20000)
    r = client.get(f"/api/layouts/{layout_id}/design", headers=headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["gas"]["installed_kw"] > 0 and doc["gas"]["co2_t_per_yr"] > 0
    assert {s["source"] for s in doc["economics_by_source"]} >= {"gas"}
    assert "bom" not in doc
    assert client.get(f"/api/layouts/{layout_id}/bom", headers=headers).status_code == 404


@pytest.mark.parametrize("design", [None, {}, {"features": [{"type": "Feature"}]}])
def test_design_404_for_a_layout_stored_without_one(
    client: TestClient, services: Services, owner: Owner, design: dict[str, Any] | None
) -> None:
    headers, site_id = owner
    with services.session_factory.begin() as session:
        # A completed layout from before design documents: only the features, or nothing.
        site_layout = Layout(
            site_id=uuid.UUID(site_id),
            owner_id=_owner_id(client, headers),
            status=LayoutStatus.completed.value,
            params={"profile": "solar_farm"},
            design=design,
        )
        session.add(site_layout)
        session.flush()
        layout_id = site_layout.id
    r = client.get(f"/api/layouts/{layout_id}/design", headers=headers)
    assert r.status_code == 404
    assert str(layout_id) in r.json()["detail"]


def _owner_id(client: TestClient, headers: dict[str, str]) -> uuid.UUID:
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    return uuid.UUID(me.json()["id"])


def test_loss_preset_and_overrides_through_the_api(client: TestClient, owner: Owner) -> None:
    """losses: a preset with per-loss overrides reaches the yield; a bad one is a 422 naming it."""
    headers, site_id = owner
    layout_id = generate_sync(client, headers, site_id, losses={"preset": "conservative", "soiling_pct": 4.0})
    energy = client.get(f"/api/layouts/{layout_id}/design", headers=headers).json()["energy"]
    assert energy["loss_preset"] == "conservative"
    stack = {x["key"]: x for x in energy["loss_stack"]}
    assert stack["soiling_pct"]["input_pct"] == 4.0 and stack["availability_pct"]["input_pct"] == 98.0
    for losses, field in (({"preset": "rosy"}, "losses.preset"), ({"lid_pct": 50}, "losses.lid_pct")):
        body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, "losses": losses}
        r = client.post("/api/layouts/generate", json=body, headers=headers)
        assert r.status_code == 422, r.text
        assert field in r.text
