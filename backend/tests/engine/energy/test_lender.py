"""What a lender reads: snow losses from the weather, P50 / P90, the loss stack and its presets."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from app.engine.energy import Losses, simulate_plant
from app.engine.energy.losses import LOSS_PRESETS, parse_losses
from app.engine.energy.synthetic import uniform_plant
from app.engine.energy.types import EnergyResult, WeatherData
from app.engine.energy.uncertainty import Z90
from app.engine.pv.design import PvDesign
from app.engine.pv.modules import DEFAULT_MODULE
from app.errors import InvalidInput
from app.weather.parse import parse_weather
from tests.weather.formats import LAT, LON, snowy_epw_bytes

MONO = DEFAULT_MODULE.model_copy(update={"bifaciality": 0.0})


def _plant(structure: str = "fixed"):  # type: ignore[no-untyped-def]
    design = PvDesign(structure=structure, module=MONO)
    return uniform_plant(design, latitude=LAT, longitude=LON, ac_kw=4000.0)


def _step(r: EnergyResult, start: str) -> float:
    return next(s.percent for s in r.waterfall if s.name.startswith(start))


@pytest.fixture(scope="module")
def snowy() -> WeatherData:
    return parse_weather(snowy_epw_bytes(), filename="snowy.epw")


def test_snow_loss_at_a_snowy_site_only_in_its_snowy_months(snowy: WeatherData) -> None:
    plant = _plant()
    r = simulate_plant(plant, snowy)
    off = simulate_plant(plant, snowy, Losses(snow=False))
    assert r.snow["modelled"] and r.snow["driver"] == "snow depth rises"
    assert r.snow["annual_loss_pct"] == pytest.approx(-_step(r, "Snow cover"), abs=1e-3)
    assert r.snow["annual_loss_pct"] > 0.5
    assert _step(off, "Snow cover") == 0.0
    # Only the months with storms lose energy; the others are identical to the run without snow.
    pairs = zip(r.monthly_energy_mwh, off.monthly_energy_mwh, strict=True)
    for m, (with_snow, without) in enumerate(pairs, 1):
        if m in (12, 1, 2):
            assert with_snow < without * 0.99, m
        else:
            assert with_snow == pytest.approx(without, rel=1e-9), m


def test_snow_from_cold_precipitation_when_there_is_no_snow_depth(snowy: WeatherData) -> None:
    """Rule 3: precipitation falling at ≤ 1 °C is snow (10:1)."""
    rain_only = replace(snowy, data=snowy.data.drop(columns="snow_depth"))
    r = simulate_plant(_plant(), rain_only)
    assert r.snow["driver"].startswith("precipitation")
    assert -_step(r, "Snow cover") > 0.5
    # The same precipitation at warm temperatures is rain: no snow loss.
    warm = rain_only.data.assign(temp_air=rain_only.data["temp_air"].clip(lower=5.0))
    assert _step(simulate_plant(_plant(), replace(rain_only, data=warm)), "Snow cover") == 0.0


def test_no_snow_loss_at_a_desert_site(tmy: WeatherData) -> None:
    """A hot year (its rain never falls below 1 °C, no month below freezing): no snow loss, no note."""
    assert "precipitation" in tmy.data.columns  # the TMY3 file's liquid precipitation is read
    hot = replace(tmy, data=tmy.data.assign(temp_air=tmy.data["temp_air"] + 12.0))
    r = simulate_plant(_plant("tracker"), hot)
    assert _step(r, "Snow cover") == 0.0 and r.snow["annual_loss_pct"] == 0.0
    assert r.notes == () and not r.snow["cold_months"]


def test_cold_site_without_snow_data_says_snow_was_not_modelled(tmy: WeatherData) -> None:
    data = tmy.data.drop(columns=[c for c in ("precipitation", "snow_depth") if c in tmy.data.columns])
    cold = replace(tmy, data=data.assign(temp_air=data["temp_air"] - 15.0))
    r = simulate_plant(_plant(), cold)
    assert _step(r, "Snow cover") == 0.0 and r.snow["cold_months"]
    assert len(r.notes) == 1 and "snow loss not modelled" in r.notes[0]


def test_p90_from_the_typical_year_with_the_default_variability(tmy: WeatherData) -> None:
    r = simulate_plant(_plant(), tmy)
    ex = r.exceedance
    s1 = math.sqrt(4.5**2 + 5.0**2 + 3.0**2)
    s10 = math.sqrt(4.5**2 / 10 + 5.0**2 + 3.0**2)
    assert ex.p90_1yr_mwh == pytest.approx(r.annual_energy_mwh * (1 - Z90 * s1 / 100), rel=1e-12)
    assert ex.p90_10yr_mwh == pytest.approx(r.annual_energy_mwh * (1 - Z90 * s10 / 100), rel=1e-12)
    assert ex.p90_1yr_mwh < ex.p90_10yr_mwh < r.annual_energy_mwh
    assert "Gueymard" in ex.interannual_variability_source
    m = r.metrics()
    assert m["energy_basis"] == "p50" and m["p90_1yr_mwh"] == round(ex.p90_1yr_mwh, 3)


def test_p90_widens_with_variability(tmy: WeatherData) -> None:
    plant = _plant()
    calm = simulate_plant(plant, tmy, Losses(interannual_variability_pct=2.0))
    wild = simulate_plant(plant, tmy, Losses(interannual_variability_pct=8.0))
    assert calm.annual_energy_mwh == wild.annual_energy_mwh  # the P50 does not move
    gap = lambda r: r.annual_energy_mwh - r.exceedance.p90_1yr_mwh  # noqa: E731
    gap10 = lambda r: r.annual_energy_mwh - r.exceedance.p90_10yr_mwh  # noqa: E731
    assert gap(wild) > gap(calm) > 0
    # Ten years average the weather out: the 10-year P90 widens less.
    assert 0 < gap10(wild) - gap10(calm) < gap(wild) - gap(calm)


def test_variability_measured_from_a_multi_year_series(tmy: WeatherData) -> None:
    """Three years (irradiance ×0.92, ×1.0, ×1.06): the variability is the CoV of their simulated
    energies, recomputed here from each year simulated on its own."""
    plant = _plant()
    years, scales = (2001, 2002, 2003), (0.92, 1.0, 1.06)
    frames, singles = [], []
    for year, k in zip(years, scales, strict=True):
        df = tmy.data.copy()
        df[["ghi", "dni", "dhi"]] = df[["ghi", "dni", "dhi"]] * k
        df.index = pd.DatetimeIndex([t.replace(year=year) for t in df.index])
        frames.append(df)
        singles.append(simulate_plant(plant, replace(tmy, data=df, kind="timeseries")).annual_energy_mwh)
    multi = replace(tmy, data=pd.concat(frames), kind="timeseries")
    r = simulate_plant(plant, multi)
    expected = float(np.std(singles, ddof=1) / np.mean(singles) * 100)
    assert r.exceedance.interannual_variability_pct == pytest.approx(expected, rel=2e-3)
    assert "3 years" in r.exceedance.interannual_variability_source
    assert r.annual_energy_mwh == pytest.approx(np.mean(singles), rel=1e-3)


def test_no_p90_on_clear_sky(clear_greensboro: WeatherData) -> None:
    r = simulate_plant(_plant(), clear_greensboro)
    assert r.exceedance is None
    doc = r.to_document()
    assert doc["p90_1yr_mwh"] is None and "clear-sky" in doc["p90_note"]
    assert doc["energy_basis"] == "clearsky_upper_bound" and "annual_energy_mwh" not in doc
    assert doc["annual_energy_mwh_upper_bound"] == round(r.annual_energy_mwh, 3)
    assert set(r.metrics()) >= {"annual_energy_mwh_upper_bound", "capacity_factor_upper_bound"}
    assert not {"annual_energy_mwh", "capacity_factor", "specific_yield_kwh_per_kwp"} & set(r.metrics())


def test_presets_order_the_energy_and_overrides_win(tmy: WeatherData) -> None:
    plant = uniform_plant(PvDesign(module=DEFAULT_MODULE), latitude=LAT, longitude=LON, ac_kw=4000.0)
    e = {p: simulate_plant(plant, tmy, parse_losses({"preset": p})).annual_energy_mwh for p in LOSS_PRESETS}
    assert e["conservative"] < e["typical"] < e["optimistic"]
    assert parse_losses(None) == Losses()  # typical is the default
    mixed = parse_losses({"preset": "conservative", "soiling_pct": 0.5})
    assert mixed.soiling_pct == 0.5 and mixed.availability_pct == 98.0
    # The electrical design's DC loss is used unless the request sets it.
    assert parse_losses({}, dc_ohmic_pct=1.2).dc_ohmic_pct == 1.2
    assert parse_losses({"dc_ohmic_pct": 2.0}, dc_ohmic_pct=1.2).dc_ohmic_pct == 2.0
    with pytest.raises(InvalidInput, match=r"losses\.preset: unknown preset 'rosy'"):
        parse_losses({"preset": "rosy"})
    with pytest.raises(InvalidInput, match=r"losses\.auxiliary_pct"):
        parse_losses({"auxiliary_pct": 9})


def test_every_loss_states_its_basis_and_its_annual_share(tmy: WeatherData) -> None:
    r = simulate_plant(_plant(), tmy, Losses(dc_ohmic_pct=1.5))
    stack = {x["key"]: x for x in r.loss_stack}
    assert "rear_mismatch_pct" not in stack  # monofacial
    assert all(x["input_basis"] and x["source"] for x in r.loss_stack)
    assert stack["dc_ohmic_pct"]["input_basis"] == "stc" and stack["soiling_pct"]["input_basis"] == "annual"
    # I²R at STC → a lower annual share; a flat annual loss is its own annual share.
    assert 0.3 < stack["dc_ohmic_pct"]["annual_pct"] < 1.5
    assert stack["soiling_pct"]["annual_pct"] == pytest.approx(2.0, abs=1e-6)
    assert stack["dc_ohmic_pct"]["annual_pct"] == pytest.approx(r.annual_loss_pct["dc_ohmic_pct"], abs=1e-4)
    # Iron loss is drawn all year: its energy is the rating share × every hour.
    iron = r.annual_loss_pct["transformer_no_load_mwh"]
    assert iron == pytest.approx(0.1 / 100 * r.ac_kw * 8760 / 1000, rel=1e-9)
