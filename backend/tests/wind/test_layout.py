"""Turbine layout: spaced along and across the energy-prevailing wind of the resource (recomputed
from the placed footprints), inside the tip-height setback; no resource, no wind energy."""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import combinations

import numpy as np
import pytest
import shapely

from app.engine.core.crs import to_utm
from app.engine.core.types import LayoutParams, LayoutResult
from app.engine.layout import generate_layout
from app.engine.wind.outputs import NO_WIND_RESOURCE, with_wind_energy
from app.engine.wind.resource import WindResource
from app.engine.wind.turbines import library_turbine
from tests.engine.factory import grid_for, make_site

TURBINE = library_turbine("iea_3.4mw_130")
D = TURBINE.rotor_diameter_m
# Frequent light northerly winds, less frequent strong south-westerlies: the energy comes from 240°.
FREQ = [0.20, 0.10, 0.04, 0.04, 0.04, 0.05, 0.07, 0.08, 0.14, 0.10, 0.06, 0.08]
A = [5.0, 5.0, 5.5, 6.0, 6.0, 6.5, 7.5, 8.5, 10.5, 9.0, 6.5, 5.5]


def resource() -> WindResource:
    return WindResource(
        kind="weibull",
        height_m=100.0,
        source="test",
        sector_deg=np.arange(12) * 30.0,
        frequency=np.asarray(FREQ) / sum(FREQ),
        weibull_a_m_s=np.asarray(A),
        weibull_k=np.full(12, 2.2),
    )


@lru_cache(maxsize=2)
def _layout(with_resource: bool) -> tuple[LayoutResult, shapely.Polygon]:
    case = make_site(3600, 3600, entry=(0, 1800))
    grid = grid_for(case.boundary, case.crs, resolution_m=30.0)
    params = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid", use_terrain=False)
    result = generate_layout(case.site, grid, params, wind_resource=resource() if with_resource else None)
    return result, case.boundary


def _centres(result: LayoutResult) -> np.ndarray:
    pads = [to_utm(a.footprint, result.crs) for a in result.assets if a.asset_type == "wind_turbine"]
    return np.array([[p.centroid.x, p.centroid.y] for p in pads])


def test_prevailing_direction_is_the_energy_one_not_the_most_frequent() -> None:
    result, _ = _layout(True)
    # Recomputed: frequency × mean cube speed picks 240°, while the most frequent sector is 0°.
    energy = np.asarray(FREQ) * np.asarray(A) ** 3
    assert float(np.arange(12)[np.argmax(energy)] * 30.0) == 240.0
    assert result.design["wind"]["spacing"]["prevailing_deg"] == 240.0


def test_turbines_keep_the_spacing_rule_along_and_across_the_prevailing_wind() -> None:
    result, boundary = _layout(True)
    xy = _centres(result)
    assert len(xy) >= 4
    assert result.metrics["turbine_count"] == len(xy)
    theta = math.radians(240.0)
    along = np.array([math.sin(theta), math.cos(theta)])  # the wind's axis, east/north
    across = np.array([along[1], -along[0]])
    for i, j in combinations(range(len(xy)), 2):
        d = xy[j] - xy[i]
        a, c = abs(float(d @ along)), abs(float(d @ across))
        # Never closer than the across-wind rule; in line with the wind, at least 7 D apart.
        assert math.hypot(a, c) >= 4 * D - 0.1
        if c < 4 * D - 0.1:
            assert a >= 7 * D - 0.1, (i, j, a, c)
    # Tower centres at least 1.5 tip heights inside the parcel boundary.
    setback = 1.5 * (TURBINE.hub_height_m + D / 2)
    for x, y in xy:
        assert boundary.exterior.distance(shapely.Point(x, y)) >= setback - 0.1


def test_turbine_assets_carry_hub_height_and_rotor() -> None:
    result, _ = _layout(True)
    turbines = [a for a in result.assets if a.asset_type == "wind_turbine"]
    assert all(a.properties["hub_height_m"] == 110.0 for a in turbines)
    assert all(a.properties["rotor_diameter_m"] == 130.0 for a in turbines)
    assert sum(1 for e in result.extras if e["kind"] == "crane_pad") == len(turbines)
    assert result.metrics["wind_capacity_kw"] == pytest.approx(len(turbines) * 3370.0)


def test_with_energy_per_turbine_aep_and_metrics() -> None:
    result, _ = _layout(True)
    params = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid")
    out, hourly = with_wind_energy(result, resource(), params, elevation_m=0.0)
    m = out.metrics
    per = out.design["wind"]["turbines"]
    assert m["wind_net_aep_mwh"] == pytest.approx(sum(p["net_aep_mwh"] for p in per), rel=1e-4)
    assert m["wind_gross_aep_mwh"] > m["wind_net_aep_mwh"] > 0
    assert 0 < m["wind_wake_loss_pct"] < 20
    assert hourly is not None and hourly.shape == (8760,)
    props = [a.properties for a in out.assets if a.asset_type == "wind_turbine"]
    assert all("net_aep_mwh" in p and "wake_loss_pct" in p for p in props)


def test_no_resource_means_no_wind_energy() -> None:
    result, _ = _layout(False)
    params = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid")
    out, hourly = with_wind_energy(result, None, params, elevation_m=0.0)
    assert hourly is None
    assert out.metrics["turbine_count"] > 0
    for key in ("wind_gross_aep_mwh", "wind_net_aep_mwh", "wind_wake_loss_pct"):
        assert key not in out.metrics
    assert NO_WIND_RESOURCE in out.warnings
    assert out.design["wind"]["spacing"]["prevailing_deg"] is None


def test_a_partial_year_series_is_said_to_be_one() -> None:
    from importlib import resources as res

    from app.wind.parse import parse_wind

    data = res.files("app.samples").joinpath("wind", "timeseries-january.csv").read_bytes()
    series = parse_wind(data, filename="timeseries-january.csv")
    result, _ = _layout(True)
    params = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid")
    out, hourly = with_wind_energy(result, series, params, elevation_m=0.0)
    assert hourly is not None and out.design["wind"]["resource"]["hourly_synthesised"] is False
    assert any("covers 744 of the year's 8,760 hours" in w for w in out.warnings)
