"""The typed result document through the API (SQLite and PostgreSQL): OpenAPI describes every
metric with its unit, responses carry the typed metrics and design, a stored key this version
does not declare does not break a read, and the generate request's nested inputs are the engine's
models — a bad one is a 422 naming it, only the fields given are stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.db.models import Layout
from app.engine.core.document import LayoutMetrics
from app.services import Services
from tests.conftest import Owner, generate_sync


def test_openapi_describes_every_metric_with_its_unit(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    defs = schema["components"]["schemas"]
    metrics = defs["LayoutMetrics"]
    assert metrics.get("additionalProperties") is False
    assert set(metrics["properties"]) == set(LayoutMetrics.model_fields)
    for name, prop in metrics["properties"].items():
        assert prop.get("description"), name
    assert "[kW]" in metrics["properties"]["total_capacity_kw"]["description"]
    assert "[USD/MWh]" in metrics["properties"]["lcoe_usd_per_mwh"]["description"]
    for hybrid in ("turbine_count", "storage_duration_h", "gas_co2_t_per_yr", "plant_lcoe_usd_per_mwh"):
        assert hybrid in metrics["properties"]
    layout = defs["LayoutPublic"]["properties"]["metrics"]
    assert {"$ref": "#/components/schemas/LayoutMetrics"} in layout["anyOf"]
    # The GeoJSON document's `metrics` member is the same typed model, in both places it is served.
    geojson_op = schema["paths"]["/api/layouts/{layout_id}/geojson"]["get"]["responses"]["200"]
    assert geojson_op["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LayoutFeatureCollection"
    }
    assert defs["LayoutFeatureCollection"]["properties"]["metrics"] == {
        "$ref": "#/components/schemas/LayoutMetrics",
        "description": defs["LayoutFeatureCollection"]["properties"]["metrics"]["description"],
    }
    assert defs["LayoutDetail"]["properties"]["geojson"] == {
        "$ref": "#/components/schemas/LayoutFeatureCollection"
    }
    design = defs["DesignDocument"]["properties"]
    assert {"pv", "electrical", "bom", "energy", "cost", "constructability", "wind", "storage", "gas"} <= set(
        design
    )
    # The nested request inputs are documented field by field.
    generate = defs["LayoutGenerate"]["properties"]
    assert any(x.get("$ref", "").endswith("/ElectricalParams") for x in generate["electrical"]["anyOf"])
    assert "t_min_c" in defs["ElectricalParams"]["properties"]
    assert "preset" in defs["LossesInput"]["properties"]
    assert "module_usd_per_wdc" in defs["CostInput"]["properties"]


@pytest.mark.parametrize(
    ("nested", "named"),
    [
        ({"electrical": {"t_min_c": -90}}, "electrical.t_min_c"),
        ({"electrical": {"topology": "radial"}}, "electrical.topology"),
        ({"electrical": {"mystery_v": 3}}, "electrical.mystery_v"),
        ({"electrical": {"mppt_min_v": 1400, "mppt_max_v": 1300}}, "mppt_max_v must exceed mppt_min_v"),
        ({"losses": {"soiling_pct": "x"}}, "losses.soiling_pct"),
        ({"losses": {"preset": "rosy"}}, "losses.preset"),
        ({"losses": {"soilng_pct": 2}}, "losses.soilng_pct"),
        ({"cost": {"module_usd_per_wdc": "cheap"}}, "cost.module_usd_per_wdc"),
        ({"cost": {"modules_usd": 1}}, "cost.modules_usd"),
        ({"cost": {"price_usd_per_mwh": 1e6}}, "cost.price_usd_per_mwh"),
        ({"cost": {"gen_tie_usd_per_km": {"69": -1}}}, "cost.gen_tie_usd_per_km.69"),
        ({"cost": ["not", "an", "object"]}, "cost"),
    ],
)
def test_a_bad_nested_input_is_a_422_naming_it(
    client: TestClient, owner: Owner, nested: dict[str, Any], named: str
) -> None:
    headers, site_id = owner
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, **nested}
    r = client.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert named in r.json()["detail"]
    assert client.get("/api/layouts", headers=headers).json()["count"] == 0


def test_typed_metrics_and_design_and_only_the_given_inputs_stored(client: TestClient, owner: Owner) -> None:
    headers, site_id = owner
    layout_id = generate_sync(
        client,
        headers,
        site_id,
        electrical={"t_min_c": -20},
        losses={"preset": "conservative"},
        cost={"price_usd_per_mwh": 50},
    )
    layout = client.get(f"/api/layouts/{layout_id}", headers=headers).json()
    # Stored as given: the worker fills in the defaults when it parses them.
    assert layout["params"]["electrical"] == {"t_min_c": -20.0}
    assert layout["params"]["losses"] == {"preset": "conservative"}
    assert layout["params"]["cost"] == {"price_usd_per_mwh": 50.0}
    metrics = layout["metrics"]
    assert set(metrics) <= set(LayoutMetrics.model_fields)
    # Only what the layout computed: no nulls for what does not apply (no wind on a PV plant).
    assert "turbine_count" not in metrics
    assert metrics["dc_capacity_kwp"] > 0 and metrics["constructability"]["ok"] in (True, False)
    design = client.get(f"/api/layouts/{layout_id}/design", headers=headers).json()
    assert design["electrical"]["params"]["t_min_c"] == -20.0
    assert design["energy"]["loss_preset"] == "conservative"
    bom = client.get(f"/api/layouts/{layout_id}/bom", headers=headers).json()
    assert bom["modules"]["count"] == metrics["module_count"]


def test_a_stored_undeclared_key_does_not_break_a_read(
    client: TestClient, owner: Owner, services: Services
) -> None:
    headers, site_id = owner
    layout_id = generate_sync(client, headers, site_id)
    with services.session_factory.begin() as session:
        row = session.get(Layout, uuid.UUID(layout_id))
        assert row is not None
        metrics = {**(row.metrics or {}), "retired_figure_m": 3.0}
        session.execute(update(Layout).where(Layout.id == row.id).values(metrics=metrics))
    r = client.get(f"/api/layouts/{layout_id}", headers=headers)
    assert r.status_code == 200, r.text
    assert "retired_figure_m" not in r.json()["metrics"]
    assert r.json()["metrics"]["total_capacity_kw"] > 0
    listed = client.get("/api/layouts", headers=headers)
    assert listed.status_code == 200 and listed.json()["count"] == 1


def test_a_study_base_nested_input_is_the_same_model(client: TestClient, owner: Owner) -> None:
    headers, site_id = owner
    base = {"target_capacity_kw": 4000, "use_terrain": False, "electrical": {"t_min_c": -90}}
    r = client.post(
        f"/api/sites/{site_id}/studies", json={"base": base, "grid": {"gcr": [0.3]}}, headers=headers
    )
    assert r.status_code == 422, r.text
    assert "base.electrical.t_min_c" in r.json()["detail"]
