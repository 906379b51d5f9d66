"""Limiting cases of the yield model (app.engine.energy.simulate): a dark year and a plant clipped
at its inverters, each against a closed form computed from the inputs here."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pvlib import solarposition

from app.engine.energy.losses import Losses
from app.engine.energy.simulate import simulate_plant
from app.engine.energy.synthetic import uniform_plant
from app.engine.energy.types import WeatherData
from app.engine.pv.design import PvDesign
from tests.weather.formats import LAT, LON

AC_KW = 4000.0


def _plant():  # type: ignore[no-untyped-def]
    return uniform_plant(PvDesign(structure="fixed"), latitude=LAT, longitude=LON, ac_kw=AC_KW)


def test_a_dark_year_produces_only_the_transformer_no_load_draw(tmy: WeatherData) -> None:
    data = tmy.data.copy()
    data[["ghi", "dni", "dhi"]] = 0.0
    dark = replace(tmy, data=data)
    plant = _plant()
    ac_kw = sum(b.ac_kw for b in plant.blocks)
    iron_pct = 0.1
    r = simulate_plant(plant, dark, Losses(transformer_iron_pct=iron_pct))
    # Nothing is generated; the transformers stay energised all year: −iron % × rating × 8760 h.
    assert r.annual_energy_mwh == pytest.approx(-iron_pct / 100 * ac_kw * 8760 / 1000, rel=1e-6)
    assert r.poa_kwh_per_m2 == pytest.approx(0.0, abs=1e-9)
    none = simulate_plant(plant, dark, Losses(transformer_iron_pct=0.0))
    assert none.annual_energy_mwh == pytest.approx(0.0, abs=1e-9)
    assert all(m == pytest.approx(0.0, abs=1e-9) for m in none.monthly_energy_mwh)


def test_inverter_clipping_caps_ac_at_the_rating(tmy: WeatherData) -> None:
    plant = _plant()
    # The same DC behind inverters of 2 % of their rating: clipped in almost every daylight hour.
    small = replace(plant, blocks=tuple(replace(b, ac_kw=b.ac_kw * 0.02) for b in plant.blocks))
    ac_kw = sum(b.ac_kw for b in small.blocks)
    lossless = Losses(transformer_iron_pct=0.0, auxiliary_pct=0.0, availability_pct=100.0)
    r = simulate_plant(small, tmy, lossless)
    sun = solarposition.get_solarposition(tmy.data.index, LAT, LON)
    day_h = float((sun["zenith"] < 90.0).sum()) * tmy.step_hours
    cap_mwh = ac_kw * day_h / 1000
    # Never more than the rating in any daylight hour ...
    assert r.annual_energy_mwh <= cap_mwh * 1.02
    # ... and, with 50× the DC, at the rating for most of them.
    assert r.annual_energy_mwh > 0.6 * cap_mwh
    # The unclipped plant makes far more from the same DC.
    full = simulate_plant(plant, tmy, lossless)
    assert full.annual_energy_mwh > 10 * r.annual_energy_mwh
