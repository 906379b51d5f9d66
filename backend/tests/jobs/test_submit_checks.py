"""Issue 27 items 1-2: every nested input is checked at submit by the worker's own parsers (422
naming the field, nothing queued), and a job whose data is bad fails once, by name, never as a
database outage and never through the dead-letter queue."""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, OperationalError

import app.engine.layout as engine_layout
import app.pipeline.yield_cost as yield_cost
from app.db.models import Layout, LayoutStatus
from app.engine.cost.model import lcoe_npv
from app.engine.cost.prices import COST_RANGES, PRICE_RANGE, cost_range, default_costs, parse_cost
from app.errors import InvalidInput, NonFiniteResult
from app.jobs.runner import JobRunner, Outcome, is_retryable, user_message
from app.services import Services
from tests.conftest import receive

# (request fields, the field the answer must name)
BAD_NESTED: list[tuple[dict[str, Any], str]] = [
    ({"cost": {"price_usd_per_mwh": "free"}}, "cost.price_usd_per_mwh"),
    ({"cost": {"price_usd_per_mwh": -1e308}}, "cost.price_usd_per_mwh"),
    ({"cost": {"price_usd_per_mwh": 1e6}}, "cost.price_usd_per_mwh"),
    ({"cost": {"module_usd_per_wdc": 1e308}}, "cost.module_usd_per_wdc"),
    ({"cost": {"discount_rate_real": 5}}, "cost.discount_rate_real"),
    ({"cost": {"lifetime_yr": 30.5}}, "cost.lifetime_yr"),
    ({"cost": {"lifetime_yr": 0}}, "cost.lifetime_yr"),
    ({"cost": {"contingency_pct": 250}}, "cost.contingency_pct"),
    ({"cost": {"cable_usd_per_m": {"H1Z2Z2-K Cu 4 mm²": "cheap"}}}, "cost.cable_usd_per_m.H1Z2Z2-K Cu 4 mm²"),
    ({"cost": "free"}, "cost"),
    ({"losses": {"soiling_pct": "dusty"}}, "losses.soiling_pct"),
    ({"electrical": {"t_min_c": "cold"}}, "electrical.t_min_c"),
    ({"pv": {"gcr": "dense"}}, "gcr"),
    ({"electrical": {"topology": "ring"}}, "electrical.topology"),
    ({"overrides": {"power_station": {"max_slope_deg": "steep"}}}, "overrides.power_station.max_slope_deg"),
    ({"overrides": {"road": {"width_m": 1e308}}}, "overrides.road.width_m"),
]


def layout_count(services: Services) -> int:
    with services.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(Layout)) or 0)


@pytest.mark.parametrize(("fields", "named"), BAD_NESTED, ids=[n for _, n in BAD_NESTED])
def test_generate_refuses_bad_nested_values(
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    async_services: Services,
    fields: dict[str, Any],
    named: str,
) -> None:
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, **fields}
    r = api.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert named in r.json()["detail"]
    assert async_services.queue.stats().depth == 0 and layout_count(async_services) == 0


@pytest.mark.parametrize(("fields", "named"), BAD_NESTED[:6], ids=[n for _, n in BAD_NESTED[:6]])
def test_study_refuses_bad_nested_base_values(
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    async_services: Services,
    fields: dict[str, Any],
    named: str,
) -> None:
    body = {
        "base": {"target_capacity_kw": 4000, "use_terrain": False, **fields},
        "grid": {"gcr": [0.3, 0.4]},
    }
    r = api.post(f"/api/sites/{site_id}/studies", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert named in r.json()["detail"]
    assert async_services.queue.stats().depth == 0 and layout_count(async_services) == 0


def test_values_inside_the_ranges_are_accepted_and_priced(
    api: TestClient, headers: dict[str, str], site_id: str, async_services: Services
) -> None:
    hi = PRICE_RANGE[1]
    cost = {"price_usd_per_mwh": hi, "lifetime_yr": 60, "discount_rate_real": -0.05, "module_usd_per_wdc": 5}
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, "cost": cost}
    r = api.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 202, r.text
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.completed
    layout = api.get(f"/api/layouts/{r.json()['layout_id']}", headers=headers).json()
    m = layout["metrics"]
    # The tests' weather is clear sky: the figures carry their bound names.
    assert m["energy_basis"] == "clearsky_upper_bound"
    assert math.isfinite(m["npv_upper_bound_usd"]) and math.isfinite(m["lcoe_lower_bound_usd_per_mwh"])
    # The NPV recomputed from its stored parts: −CAPEX + Σ (p·E_t − OPEX)/(1+r)^t.
    e1 = m["annual_energy_mwh_upper_bound"]
    npv = -m["capex_usd"] + sum(
        (hi * e1 * (1 - 0.005) ** (t - 1) - m["opex_usd_per_yr"]) / (1 - 0.05) ** t for t in range(1, 61)
    )
    assert m["npv_upper_bound_usd"] == pytest.approx(npv, rel=1e-3)


def test_every_cost_entry_has_a_finite_range() -> None:
    for key, entry in default_costs()["costs"].items():
        lo, hi = cost_range(key)
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi, key
        value = entry["value"]
        for v in value.values() if isinstance(value, dict) else [value]:
            assert lo <= v <= hi, f"{key}: the table's own value {v} is outside its range"
    assert set(COST_RANGES) <= set(default_costs()["costs"])  # no range for a key that does not exist
    assert parse_cost({"price_usd_per_mwh": 40}).price_usd_per_mwh == 40.0
    with pytest.raises(InvalidInput, match=r"cost\.fence_usd_per_m: must be between 0 and 1000"):
        parse_cost({"fence_usd_per_m": 1001})


def test_a_non_finite_figure_is_named() -> None:
    # Outside the submit ranges, the model still refuses to return an infinite NPV.
    with pytest.raises(NonFiniteResult, match="NPV is not a finite number"):
        lcoe_npv(
            capex_usd=1e6,
            opex_usd_per_yr=1e4,
            energy_mwh_yr1=1e4,
            discount_rate=0.06,
            lifetime_yr=30,
            degradation_pct_per_yr=0.5,
            price_usd_per_mwh=-1e308,
        )


def _stored_layout(services: Services, layout_id: str) -> Layout:
    with services.session_factory() as s:
        layout = s.get(Layout, uuid.UUID(layout_id))
        assert layout is not None
        s.expunge(layout)
        return layout


def test_a_bad_value_stored_before_the_checks_fails_once_by_name(
    api: TestClient, headers: dict[str, str], site_id: str, async_services: Services
) -> None:
    """A queued layout whose stored cost is out of range (an old row, or one written around the
    API): the worker's parse names it, the job fails on attempt 1, nothing reaches the DLQ."""
    r = api.post(
        "/api/layouts/generate",
        json={"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False},
        headers=headers,
    )
    layout_id = r.json()["layout_id"]
    with async_services.session_factory.begin() as s:
        layout = s.get(Layout, uuid.UUID(layout_id))
        assert layout is not None
        layout.params = {**layout.params, "cost": {"price_usd_per_mwh": "free"}}
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.failed
    stored = _stored_layout(async_services, layout_id)
    assert stored.status == LayoutStatus.failed.value and stored.attempts == 1
    assert stored.error_message is not None and "cost.price_usd_per_mwh" in stored.error_message
    stats = async_services.queue.stats()
    assert stats.dlq_depth == 0 and stats.depth == 0 and stats.in_flight == 0


def test_a_non_finite_result_is_never_stored(
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    async_services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever makes a figure infinite, the job fails on attempt 1 naming it (not "Database
    unavailable", not retried, not in the DLQ) and no asset is written."""
    real = yield_cost.with_energy_and_cost

    def infinite_npv(result: Any, **kwargs: Any) -> Any:
        out = real(result, **kwargs)
        return replace(out, metrics={**out.metrics, "npv_usd": -math.inf})

    monkeypatch.setattr(yield_cost, "with_energy_and_cost", infinite_npv)
    r = api.post(
        "/api/layouts/generate",
        json={"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False},
        headers=headers,
    )
    layout_id = r.json()["layout_id"]
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.failed
    stored = _stored_layout(async_services, layout_id)
    assert stored.status == LayoutStatus.failed.value and stored.attempts == 1
    assert stored.error_message is not None
    assert "metrics.npv_usd is not a finite number" in stored.error_message
    assert "Database unavailable" not in stored.error_message
    assert stored.metrics is None and stored.asset_count is None
    assert async_services.queue.stats().dlq_depth == 0


def test_data_errors_are_permanent_and_named() -> None:
    refused = DataError("INSERT …", {}, Exception('invalid input syntax for type json\nDETAIL: "-Infinity"'))
    assert not is_retryable(refused)
    assert "Database unavailable" not in user_message(refused)
    assert "invalid input syntax for type json" in user_message(refused)
    assert not is_retryable(ValueError("could not convert string to float: 'free'"))
    bad_float = ValueError("could not convert string to float")
    assert "could not convert string to float" in user_message(bad_float)
    # A real outage stays retryable and is still called one.
    outage = OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert is_retryable(outage) and user_message(outage) == "Database unavailable during layout generation"


# -- item 3: limits derived from the inputs, checked before queueing -------------------------------
# A 50 W module with a 580 W module's voltage and current: the cables carry 13.6 A per string
# while the plant counts 50 W a module, so the DC cable loss came out over 10 % at 92 %.
FIFTY_W = {
    "name": "fifty", "power_w": 50, "length_m": 2.278, "width_m": 1.134,
    "voc_v": 51.8, "isc_a": 14.2, "vmp_v": 42.7, "imp_a": 13.59,
}  # fmt: skip
# 500 W at 100 V: 9 modules stay under 1500 V at −10 °C, 11 are needed for 875 V at 70 °C.
NO_STRING_FITS = {**FIFTY_W, "power_w": 500, "voc_v": 150, "isc_a": 5.5, "vmp_v": 100, "imp_a": 5.0}

DERIVED: list[tuple[dict[str, Any], list[str]]] = [
    ({"pv": {"module": FIFTY_W}}, ["pv.module: power_w 50 W", "vmp_v × imp_a", "580 W"]),
    ({"pv": {"module": {**FIFTY_W, "power_w": 580, "vmp_v": 60}}}, ["vmp_v 60 V must be below voc_v"]),
    ({"pv": {"module": {**FIFTY_W, "power_w": 580, "length_m": 0.5, "width_m": 0.3}}}, ["% efficient"]),
    ({"pv": {"module": NO_STRING_FITS}}, ["pv.module and electrical: no string length fits"]),
    ({"pv": {"pitch_m": 2, "tilt_deg": 10}}, ["pv: pitch_m 2.00 m leaves no gap", "latitude"]),
]


@pytest.mark.parametrize(("fields", "named"), DERIVED, ids=[str(i) for i in range(len(DERIVED))])
def test_derived_limits_are_refused_at_submit(
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    async_services: Services,
    fields: dict[str, Any],
    named: list[str],
) -> None:
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False, **fields}
    r = api.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 422, r.text
    for text in named:
        assert text in r.json()["detail"], r.json()["detail"]
    study = {
        "base": {"target_capacity_kw": 4000, "use_terrain": False, **fields},
        "grid": {"dc_ac_ratio": [1.2]},
    }
    r = api.post(f"/api/sites/{site_id}/studies", json=study, headers=headers)
    assert r.status_code == 422 and named[0] in r.json()["detail"], r.text
    assert async_services.queue.stats().depth == 0 and layout_count(async_services) == 0


def test_a_consistent_small_module_is_accepted() -> None:
    from app.engine.pv.design import parse_design

    module = {
        **FIFTY_W,
        "vmp_v": 18.0,
        "imp_a": 2.78,
        "voc_v": 22.0,
        "isc_a": 3.0,
        "length_m": 0.67,
        "width_m": 0.54,
    }
    assert parse_design({"module": module}).module.power_w == 50


def test_a_design_loss_over_the_override_range_is_simulated_and_said(
    api: TestClient,
    headers: dict[str, str],
    site_id: str,
    async_services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The losses.dc_ohmic_pct range (0–10 %) bounds what a person types; a design that loses more
    in its cables is simulated with its own figure and warned about, not failed at 92 %."""
    from app.engine.energy.losses import parse_losses

    assert parse_losses(None, dc_ohmic_pct=14.2).dc_ohmic_pct == 14.2
    with pytest.raises(InvalidInput, match=r"losses\.dc_ohmic_pct"):
        parse_losses({"dc_ohmic_pct": 14.2})
    real = engine_layout.generate_layout

    def lossy(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        return replace(out, metrics={**out.metrics, "dc_ohmic_loss_pct_stc": 14.2})

    monkeypatch.setattr(engine_layout, "generate_layout", lossy)
    body = {"site_id": site_id, "target_capacity_kw": 4000, "use_terrain": False}
    layout_id = api.post("/api/layouts/generate", json=body, headers=headers).json()["layout_id"]
    assert JobRunner(async_services, worker_id="t").handle(receive(async_services)) is Outcome.completed
    layout = api.get(f"/api/layouts/{layout_id}", headers=headers).json()
    assert any("DC cable loss is 14.2 % at STC" in w for w in layout["warnings"]), layout["warnings"]
