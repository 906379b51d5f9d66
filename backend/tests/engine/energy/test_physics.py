"""The yield model against physics: orderings, proportionality and energy balance, not snapshots."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from pvlib import irradiance, solarposition

from app.engine.energy import Losses, simulate_plant
from app.engine.energy.groups import MAX_GROUPS, group_tables
from app.engine.energy.synthetic import uniform_plant
from app.engine.energy.types import CLEARSKY_LABEL, WeatherData
from app.engine.pv.design import PvDesign
from app.engine.pv.modules import DEFAULT_MODULE
from app.weather.clearsky import clearsky_weather
from tests.weather.formats import LAT, LON

MONO = DEFAULT_MODULE.model_copy(update={"bifaciality": 0.0})


def _sim(weather: WeatherData, lat: float = LAT, lon: float = LON, ac_kw: float = 4000.0, **design: object):
    plant = uniform_plant(PvDesign(**design), latitude=lat, longitude=lon, ac_kw=ac_kw)  # type: ignore[arg-type]
    return simulate_plant(plant, weather), plant


def test_tracker_beats_fixed_tilt_at_mid_latitude(tmy: WeatherData) -> None:
    fixed, _ = _sim(tmy, structure="fixed", module=MONO)
    tracker, _ = _sim(tmy, structure="tracker", module=MONO)
    # Single-axis trackers gain 10-25 % over fixed tilt at 36° N (NREL ATB, PVWatts runs).
    gain = tracker.specific_yield_kwh_per_kwp / fixed.specific_yield_kwh_per_kwp - 1.0
    assert 0.08 < gain < 0.30
    assert tracker.poa_kwh_per_m2 > fixed.poa_kwh_per_m2 > fixed.ghi_kwh_per_m2


def test_yield_scales_with_dc(tmy: WeatherData) -> None:
    small, ps = _sim(tmy, ac_kw=4000.0)
    # The same plant twice over (copied tables and blocks): exactly twice the energy.
    n, nb = len(ps.tables), len(ps.blocks)
    twice = replace(
        ps,
        tables=ps.tables + tuple(replace(t, index=t.index + n, block=t.block + nb) for t in ps.tables),
        blocks=ps.blocks
        + tuple(replace(b, index=b.index + nb, tables=tuple(i + n for i in b.tables)) for b in ps.blocks),
    )
    big = simulate_plant(twice, tmy)
    assert big.dc_kwp == pytest.approx(2 * small.dc_kwp)
    assert big.annual_energy_mwh == pytest.approx(2 * small.annual_energy_mwh, rel=1e-9)
    assert big.specific_yield_kwh_per_kwp == pytest.approx(small.specific_yield_kwh_per_kwp, rel=1e-9)
    # A plant ten times larger, sized by the same rules, has the same specific yield within 0.5 %.
    large, pl = _sim(tmy, ac_kw=40_000.0)
    assert pl.dc_kwp == pytest.approx(10 * ps.dc_kwp, rel=0.01)
    assert large.specific_yield_kwh_per_kwp == pytest.approx(small.specific_yield_kwh_per_kwp, rel=0.005)


def _clipping_pct(result) -> float:  # type: ignore[no-untyped-def]
    return -next(s.percent for s in result.waterfall if s.name.startswith("Inverter clipping"))


def test_clipping_appears_as_dc_ac_rises(tmy: WeatherData) -> None:
    runs = [_sim(tmy, dc_ac_ratio=r)[0] for r in (1.0, 1.3, 1.6)]
    clip = [_clipping_pct(r) for r in runs]
    assert clip[0] < 0.05
    assert clip[0] < clip[1] < clip[2]
    assert clip[2] > 3.0
    yields = [r.specific_yield_kwh_per_kwp for r in runs]
    assert yields[0] > yields[1] > yields[2]  # each extra kWp produces less
    cf = [r.capacity_factor for r in runs]
    assert cf[0] < cf[1] < cf[2]  # while the AC connection is used more


def test_southern_hemisphere_faces_the_equator() -> None:
    lat, lon = -33.9, 18.6  # Cape Town
    weather = clearsky_weather(lat, lon, 50.0)
    north, plant = _sim(weather, lat=lat, lon=lon, module=MONO)
    assert plant.design.azimuth_deg == 0.0  # the default faces north there
    south, _ = _sim(weather, lat=lat, lon=lon, module=MONO, azimuth_deg=180.0)
    assert north.annual_energy_mwh > 1.15 * south.annual_energy_mwh
    monthly = north.monthly_energy_mwh
    # Summer is December-January in the south: more energy than in June-July.
    assert monthly[11] + monthly[0] > monthly[5] + monthly[6]
    tracker, _ = _sim(weather, lat=lat, lon=lon, structure="tracker", module=MONO)
    assert tracker.annual_energy_mwh > 0


def test_clear_sky_year_exceeds_the_tmy_year(tmy: WeatherData, clear_greensboro: WeatherData) -> None:
    real, _ = _sim(tmy)
    clear, _ = _sim(clear_greensboro)
    assert clear.annual_energy_mwh > 1.15 * real.annual_energy_mwh
    assert clear.label == CLEARSKY_LABEL and "upper bound" in clear.label.lower()
    doc = clear.to_document()
    assert doc["is_clearsky_upper_bound"] is True and doc["is_p50"] is False
    assert doc["weather_source"] == "clearsky"
    assert real.to_document()["is_p50"] is True and real.label is None


def test_energy_balance_of_the_result(tmy: WeatherData) -> None:
    r, _ = _sim(tmy, structure="tracker")
    assert sum(r.monthly_energy_mwh) == pytest.approx(r.annual_energy_mwh, rel=1e-9)
    assert r.waterfall[-1].value_after == pytest.approx(r.annual_energy_mwh, rel=1e-9)
    assert r.waterfall[0].value_after == pytest.approx(r.ghi_kwh_per_m2, rel=1e-9)
    # Each step's value follows from the previous one and its percentage.
    for prev, step in zip(r.waterfall[1:6], r.waterfall[2:6], strict=False):
        assert step.value_after == pytest.approx(prev.value_after * (1 + step.percent / 100), rel=1e-9)
    assert r.specific_yield_kwh_per_kwp == pytest.approx(r.annual_energy_mwh * 1000 / r.dc_kwp)
    assert r.capacity_factor == pytest.approx(r.annual_energy_mwh * 1000 / (r.ac_kw * 8760))
    assert 0.7 < r.performance_ratio < 0.95
    doc = r.to_document()
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc  # JSON-ready, no NaN
    assert len(doc["monthly_energy_mwh"]) == 12 and doc["weather_source"] == "file"
    assert {s["name"] for s in doc["loss_waterfall"]} >= {
        "Soiling",
        "Availability",
        "Inverter clipping (DC/AC ratio)",
    }


def test_losses_are_applied_as_documented(tmy: WeatherData) -> None:
    plant = uniform_plant(PvDesign(module=MONO), latitude=LAT, longitude=LON, ac_kw=4000.0)
    # The transformer's iron loss is drawn every hour, outages or not: 0 here so availability scales all.
    base = simulate_plant(
        plant, tmy, Losses(availability_pct=100.0, soiling_pct=0.0, transformer_iron_pct=0.0)
    )
    down = simulate_plant(
        plant, tmy, Losses(availability_pct=90.0, soiling_pct=0.0, transformer_iron_pct=0.0)
    )
    assert down.annual_energy_mwh == pytest.approx(0.9 * base.annual_energy_mwh, rel=1e-9)
    soiled = simulate_plant(
        plant, tmy, Losses(availability_pct=100.0, soiling_pct=5.0, transformer_iron_pct=0.0)
    )
    assert 0.93 < soiled.annual_energy_mwh / base.annual_energy_mwh < 0.96


def test_unshaded_plane_irradiance_matches_pvlib_transposition(tmy: WeatherData) -> None:
    """The nominal plane-of-array irradiation equals pvlib's Hay–Davies transposition, recomputed here."""
    design = PvDesign(module=MONO, tilt_deg=25.0, azimuth_deg=180.0)
    plant = uniform_plant(design, latitude=LAT, longitude=LON, ac_kw=4000.0)
    r = simulate_plant(plant, tmy, latitude=LAT, longitude=LON, elevation_m=0.0)
    # The file's albedo column is all 0 (missing): dropped, so the default 0.2 applies.
    assert "albedo" not in tmy.data.columns
    df = tmy.data
    times = df.index - pd.Timedelta(minutes=30)
    sp = solarposition.get_solarposition(times, LAT, LON, altitude=0.0, temperature=df["temp_air"].to_numpy())
    day = (sp["zenith"].to_numpy() < 90) & (df["ghi"].to_numpy() > 0)
    poa = irradiance.get_total_irradiance(
        25.0, 180.0, sp["zenith"].to_numpy()[day], sp["azimuth"].to_numpy()[day],
        df["dni"].to_numpy()[day], df["ghi"].to_numpy()[day],
        np.minimum(df["dhi"], df["ghi"]).to_numpy()[day],
        dni_extra=irradiance.get_extra_radiation(times).to_numpy()[day], albedo=0.2,
        model="haydavies",
    )  # fmt: skip
    expected = float(np.nansum(poa["poa_global"])) / 1000.0
    assert r.poa_kwh_per_m2 == pytest.approx(expected, rel=1e-6)


def test_terrain_groups_and_cross_slope(tmy: WeatherData) -> None:
    design = PvDesign(structure="tracker", module=MONO)
    flat = uniform_plant(design, latitude=LAT, longitude=LON, ac_kw=4000.0)
    tables = list(flat.tables)
    rng = np.random.default_rng(1)
    mixed = tuple(
        replace(t, slope_along_pct=float(a), slope_across_pct=float(c))
        for t, a, c in zip(
            tables, rng.uniform(-8, 8, len(tables)), rng.uniform(-8, 8, len(tables)), strict=True
        )
    )
    plant = replace(flat, tables=mixed)
    groups, _ = group_tables(plant)
    assert 1 < len(groups) <= MAX_GROUPS
    assert sum(g.dc_kwp for g in groups) == pytest.approx(plant.dc_kwp)
    assert any(abs(g.cross_axis_tilt_deg) > 1.0 for g in groups)
    assert any(abs(g.axis_tilt_deg) > 1.0 for g in groups)
    r_flat = simulate_plant(flat, tmy)
    r_mixed = simulate_plant(plant, tmy)
    # Moderate random slopes shift the yield by a few percent at most.
    assert r_mixed.annual_energy_mwh == pytest.approx(r_flat.annual_energy_mwh, rel=0.05)
    assert r_mixed.groups == len(groups)


def test_cec_module_uses_the_single_diode_model(tmy: WeatherData) -> None:
    from app.engine.pv.modules import cec_module

    cec = cec_module("Canadian_Solar_Inc__CS6U_330P")
    r_cec, _ = _sim(tmy, module=cec)
    assert r_cec.model["module_model"] == "CEC single-diode"
    custom = cec.model_copy(update={"source": "datasheet"})
    r_pvw, _ = _sim(tmy, module=custom)
    assert r_pvw.model["module_model"].startswith("PVWatts")
    assert r_cec.specific_yield_kwh_per_kwp == pytest.approx(r_pvw.specific_yield_kwh_per_kwp, rel=0.05)


def test_vectorised_cross_axis_tilt_matches_pvlib() -> None:
    from pvlib import tracking

    from app.engine.energy.groups import cross_axis_tilt_deg

    rng = np.random.default_rng(3)
    slope_az = rng.uniform(0, 360, 50)
    slope_tilt = rng.uniform(0.1, 12, 50)
    for axis_az in (0.0, 90.0, 180.0, 215.0):
        axis_tilt = np.asarray(tracking.calc_axis_tilt(slope_az, slope_tilt, axis_az))
        ours = cross_axis_tilt_deg(slope_az, slope_tilt, axis_az, axis_tilt)
        theirs = [
            tracking.calc_cross_axis_tilt(sa, st, axis_az, at)
            for sa, st, at in zip(slope_az, slope_tilt, axis_tilt, strict=True)
        ]
        assert np.allclose(ours, theirs, atol=1e-9)


def test_plant_edge_cases(tmy: WeatherData) -> None:
    from app.engine.energy import parse_losses
    from app.errors import InvalidInput

    plant = uniform_plant(PvDesign(module=MONO), latitude=LAT, longitude=LON, ac_kw=4000.0)
    empty = simulate_plant(replace(plant, tables=(), blocks=()), tmy)
    assert empty.annual_energy_mwh == 0.0 and empty.to_document()["monthly_energy_mwh"] == [0.0] * 12
    # Tables not yet assigned to a block are simulated on a virtual block at the design DC/AC.
    orphans = replace(plant, tables=tuple(replace(t, block=-1) for t in plant.tables), blocks=())
    r_orphan = simulate_plant(orphans, tmy)
    r = simulate_plant(plant, tmy)
    assert r_orphan.ac_kw == pytest.approx(plant.dc_kwp / 1.25)
    assert r_orphan.annual_energy_mwh == pytest.approx(r.annual_energy_mwh, rel=0.01)
    with pytest.raises(InvalidInput, match=r"losses\.soiling_pct"):
        parse_losses({"soiling_pct": 80})
    assert parse_losses({}, dc_ohmic_pct=2.2).dc_ohmic_pct == 2.2
    assert parse_losses({"dc_ohmic_pct": 1.0}, dc_ohmic_pct=2.2).dc_ohmic_pct == 1.0


def test_time_conventions_of_file_formats_agree(tmy: WeatherData) -> None:
    """The same hours as TMY3 (labelled by their end) and EPW (pvlib labels by their start) give
    the same year: a wrong half-hour shift would move the sun by 7.5° and change the fixed-tilt yield."""
    from app.weather.parse import parse_weather
    from tests.weather.formats import epw_bytes

    epw = parse_weather(epw_bytes())
    plant = uniform_plant(PvDesign(module=MONO), latitude=LAT, longitude=LON, ac_kw=4000.0)
    a, b = simulate_plant(plant, tmy), simulate_plant(plant, epw)
    assert b.annual_energy_mwh == pytest.approx(a.annual_energy_mwh, rel=1e-3)
    # The same data labelled as instantaneous (no half-hour shift) measurably differs.
    shifted = replace(tmy, interval_label="instant")
    c = simulate_plant(plant, shifted)
    assert abs(c.annual_energy_mwh / a.annual_energy_mwh - 1) > 2e-3
