"""The typed result document (app/engine/core/document.py): every metric and design key the
pipeline produces on the demo site — fixed and tracker PV, a hybrid profile, BESS, with and without
an energy year (clear-sky and P50 weather) and cost — is declared, with the declared type, and the
typed form serialises back to exactly what was computed."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from app.cli.generate import read_site_file
from app.config import Settings, load_settings
from app.dem.demo import demo_site_kml, write_demo_dem
from app.engine.core.document import (
    DesignDocument,
    LayoutMetrics,
    UndeclaredResultKey,
    check_result,
    document_problems,
)
from app.engine.core.types import LayoutParams
from app.exports.pdf import DESIGN_METRICS
from app.pipeline.run import Designed, DesignInput, run_pipeline
from app.weather.parse import parse_weather
from tests.weather.formats import epw_bytes

CASES: dict[str, tuple[dict[str, Any], str]] = {
    # name: (LayoutParams fields, energy: "clearsky" | "p50" | "none")
    "fixed": ({"profile": "solar_farm"}, "clearsky"),
    "tracker_p50_price": (
        {
            "profile": "solar_farm",
            "pv": {"structure": "tracker"},
            "electrical": {"topology": "string"},
            "cost": {"price_usd_per_mwh": 55},
        },
        "p50",
    ),
    "fixed_no_energy_flat": ({"profile": "solar_farm", "use_terrain": False}, "none"),
    "hybrid": ({"profile": "hybrid"}, "clearsky"),
    "bess": ({"profile": "bess"}, "clearsky"),
}


@pytest.fixture(scope="module")
def designed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Designed]:
    tmp = tmp_path_factory.mktemp("doc")
    dem = write_demo_dem(tmp / "dem")
    kml = tmp / "demo.kml"
    kml.write_bytes(demo_site_kml())
    site, _ = read_site_file(kml)
    settings: Settings = load_settings(
        dem_source=["file"], dem_path=dem, weather_source=["clearsky"], strict_result_document=True
    )
    weather = parse_weather(epw_bytes(), filename="year.epw")
    out = {}
    for name, (fields, energy) in CASES.items():
        params = LayoutParams(target_capacity_kw=4000, dem_resolution_m=20, **fields)
        out[name] = run_pipeline(
            DesignInput(site_id="doc-test", site=site, params=params),
            settings=settings
            if fields.get("use_terrain", True)
            else settings.model_copy(update={"dem_source": ["flat"]}),
            storage=None,
            progress=lambda stage, pct: None,
            weather=weather if energy == "p50" else None,
            simulate=energy != "none",
        )
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_every_key_is_declared_and_round_trips(designed: dict[str, Designed], name: str) -> None:
    result = designed[name].result
    # extra="forbid": validation fails on any key not declared, and on a value of another type.
    metrics = LayoutMetrics.model_validate(result.metrics)
    design = DesignDocument.model_validate(result.design)
    # The typed form serialises to exactly the keys and values computed (no nulls added).
    as_json = json.loads(json.dumps(result.metrics))
    assert metrics.model_dump(mode="json") == as_json
    assert design.model_dump(mode="json") == json.loads(json.dumps(result.design))
    assert metrics.total_capacity_kw == pytest.approx(result.metrics["total_capacity_kw"])


def test_the_cases_cover_what_each_part_of_the_pipeline_writes(designed: dict[str, Designed]) -> None:
    keys = {name: set(d.result.metrics) for name, d in designed.items()}
    # Clear-sky: bound names only; P50: the bare names, P90 and NPV at the request's price.
    assert {"annual_energy_mwh_upper_bound", "lcoe_lower_bound_usd_per_mwh"} <= keys["fixed"]
    assert "annual_energy_mwh" not in keys["fixed"]
    assert {"annual_energy_mwh", "lcoe_usd_per_mwh", "npv_usd", "p90_1yr_mwh"} <= keys["tracker_p50_price"]
    assert designed["tracker_p50_price"].result.metrics["npv_usd"] is not None
    assert designed["tracker_p50_price"].result.metrics["structure"] == "tracker"
    # Without a yield: CAPEX but no energy; terrain provenance everywhere.
    assert "capex_usd" in keys["fixed_no_energy_flat"] and "energy_basis" not in keys["fixed_no_energy_flat"]
    assert all({"dem_source", "terrain_assessed", "constructability"} <= k for k in keys.values())
    # BESS: no PV design, no design document sections but what applies.
    assert "dc_capacity_kwp" not in keys["bess"] and keys["bess"] >= {"storage_kwh", "total_capacity_kw"}
    declared = set(LayoutMetrics.model_fields)
    assert set().union(*keys.values()) <= declared


def test_every_metric_is_described_with_its_unit() -> None:
    for name, field in LayoutMetrics.model_fields.items():
        assert field.description, name
    for key in ("road_length_m", "capex_usd_per_wdc", "annual_energy_mwh", "buildable_area_ha"):
        assert "[" in (LayoutMetrics.model_fields[key].description or ""), key


def test_an_undeclared_key_fails_strict_and_is_logged_otherwise(caplog: pytest.LogCaptureFixture) -> None:
    metrics = {"total_capacity_kw": 1000.0, "mystery_figure": 3.0}
    with pytest.raises(UndeclaredResultKey, match=r"metrics\.mystery_figure"):
        check_result(metrics, {}, strict=True)
    with pytest.raises(UndeclaredResultKey, match=r"design\.windfarm"):
        check_result({}, {"windfarm": {}}, strict=True)
    with pytest.raises(UndeclaredResultKey, match=r"metrics\.table_count"):
        check_result({"table_count": "many"}, {}, strict=True)
    with caplog.at_level(logging.ERROR, logger="app.engine.core.document"):
        problems = check_result(metrics, {}, strict=False)
    assert problems == ["metrics.mystery_figure: Extra inputs are not permitted"]
    assert "mystery_figure" in caplog.text


def test_a_stored_document_is_read_leniently(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="app.engine.core.document"):
        m = LayoutMetrics.from_stored({"total_capacity_kw": 5.0, "retired_key": 1, "table_count": "x"})
    assert m is not None
    assert m.model_dump() == {"total_capacity_kw": 5.0}
    assert "retired_key" in caplog.text and "table_count" in caplog.text
    assert LayoutMetrics.from_stored(None) is None


def test_hybrid_sections_are_typed() -> None:
    doc = DesignDocument.model_validate(
        {
            "wind": {
                "turbines": [],
                "turbine": {"rated_kw": 3370, "power_curve": [[3.0, 0.0], [12.0, 3370.0]]},
            },
            "storage": {"power_kw": 1000, "energy_kwh": 4000},
            "gas": {"units": 2},
            "economics_by_source": [{"source": "pv", "lcoe_usd_per_mwh": 40.0}],
        }
    )
    assert doc.wind is not None and doc.wind.turbines == [] and doc.wind.turbine is not None
    assert doc.wind.turbine.power_curve == [[3.0, 0.0], [12.0, 3370.0]]
    assert doc.storage is not None and doc.storage.energy_kwh == 4000
    assert doc.economics_by_source is not None and doc.economics_by_source[0].source == "pv"
    # A wrong type in a hybrid section is named like any other.
    problems = document_problems({}, {"storage": {"power_kw": "lots"}, "gas": {"units": "two"}})
    assert any(p.startswith("design.storage.power_kw") for p in problems), problems
    assert any(p.startswith("design.gas.units") for p in problems), problems
    m = LayoutMetrics.model_validate({"turbine_count": 3, "plant_lcoe_usd_per_mwh": 41.5, "storage_kw": 2000})
    assert m.turbine_count == 3


def test_the_pdf_design_metrics_are_declared() -> None:
    assert {key for key, *_ in DESIGN_METRICS} <= set(LayoutMetrics.model_fields)
