"""Battery sizing and dispatch (app/engine/storage): the answer replayed hour by hour here,
independently of the solver, meets its claim and never breaks a limit; a smaller battery fails."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.storage.dispatch import Dispatch, Limits, SizingOptions, dispatch
from app.engine.storage.params import StorageInput
from app.engine.storage.report import hourly_table, storage_metrics, storage_section, typical_day
from app.engine.storage.target import target_series

TOL = 1e-5  # MW / MWh: the solver's feasibility tolerance, scaled


def pv_days(days: int, *, peak_mw: float = 100.0, dark: tuple[int, ...] = (), seed: int = 0) -> np.ndarray:
    """A PV year in local time: a half-sine 06-18 h, days scaled 0.4-1 by cloud, `dark` days at 5 %."""
    h = np.arange(days * 24) % 24
    day = np.arange(days * 24) // 24
    cloud = np.random.default_rng(seed).uniform(0.4, 1.0, days)
    cloud[list(dark)] = 0.05
    return np.clip(np.sin((h - 6) / 12 * np.pi), 0.0, None) * peak_mw * cloud[day]


def evening(days: int, mw: float, window: tuple[int, int] = (18, 22)) -> np.ndarray:
    h = np.arange(days * 24) % 24
    return np.where((h >= window[0]) & (h < window[1]), mw, 0.0)


def replay(d: Dispatch, limits: Limits) -> dict[str, object]:
    """The dispatch re-simulated from its charge / discharge decisions: SoC recurrence with √RTE
    each way from the year-end SoC (cyclic), the grid balance, and the days the target is met."""
    eta = math.sqrt(limits.round_trip_efficiency)
    gen = d.pv_mw + d.wind_mw
    soc = np.empty_like(d.soc_mwh)
    prev = d.soc_mwh[-1]
    for t in range(len(gen)):
        prev = prev + eta * d.charge_mw[t] - d.discharge_mw[t] / eta
        soc[t] = prev
    grid = gen - d.charge_mw - d.spill_mw + d.discharge_mw
    met = (grid >= d.target_mw - 1e-4) | (d.target_mw <= 0)
    days = len(gen) // 24
    target_days = (d.target_mw.reshape(days, 24) > 0).any(axis=1)
    met_days = met.reshape(days, 24).all(axis=1) & target_days
    return {"soc": soc, "grid": grid, "share": met_days.sum() / max(target_days.sum(), 1)}


def check_limits(d: Dispatch, limits: Limits) -> None:
    r = replay(d, limits)
    soc = r["soc"]
    assert isinstance(soc, np.ndarray)
    assert np.allclose(soc, d.soc_mwh, atol=1e-3)  # the reported SoC is the recurrence's
    assert soc.min() >= limits.soc_min * d.energy_mwh - 1e-3
    assert soc.max() <= limits.soc_max * d.energy_mwh + 1e-3
    assert d.charge_mw.max() <= d.power_mw + TOL and d.discharge_mw.max() <= d.power_mw + TOL
    assert (d.charge_mw + d.spill_mw <= d.pv_mw + d.wind_mw + TOL).all()  # charged from the plant only
    grid = r["grid"]
    assert isinstance(grid, np.ndarray)
    assert np.allclose(grid, d.grid_mw, atol=1e-6)
    assert grid.max() <= limits.export_limit_mw + TOL
    usable = (limits.soc_max - limits.soc_min) * d.energy_mwh
    years = len(grid) / 8760
    assert d.discharge_mw.sum() <= limits.warranty_cycles_per_yr * usable * years + 1e-3


LIMITS = Limits(
    round_trip_efficiency=0.86, soc_min=0.05, soc_max=0.95, warranty_cycles_per_yr=365, export_limit_mw=100
)


def test_every_day_lp_meets_the_target_within_limits_and_is_the_smallest() -> None:
    pv = pv_days(365)
    target = evening(365, 20.0)
    d = dispatch(pv, None, target, LIMITS)
    check_limits(d, LIMITS)
    assert replay(d, LIMITS)["share"] == 1.0 and d.firm_days_met_share == 1.0
    # 80 MWh each evening through the discharge efficiency, within the usable 90 %: a closed form.
    eta = math.sqrt(0.86)
    assert d.energy_mwh == pytest.approx(80.0 / eta / 0.9, rel=1e-4)
    assert d.power_mw == pytest.approx(20.0, rel=1e-6)
    # Optimality: 2 % less energy cannot meet every evening.
    smaller = dispatch(
        pv, None, target, LIMITS, SizingOptions(energy_mwh=d.energy_mwh * 0.98, power_mw=d.power_mw)
    )
    assert smaller.firm_days_met_share < 1.0
    check_limits(smaller, LIMITS)


def test_a_share_of_days_gives_up_the_dark_days_and_a_smaller_battery_fails_it() -> None:
    days = 40
    pv = pv_days(days, dark=(5, 6, 20, 33))
    target = evening(days, 20.0)
    every = dispatch(pv, None, target, LIMITS)
    share = dispatch(pv, None, target, LIMITS, SizingOptions(days_share=0.9))
    assert share.status == "Optimal"
    check_limits(share, LIMITS)
    met = replay(share, LIMITS)["share"]
    assert isinstance(met, float) and met >= 0.9
    # Two dark days in a row need energy carried over: the every-day battery is much larger.
    assert share.energy_mwh < 0.6 * every.energy_mwh
    smaller = dispatch(
        pv, None, target, LIMITS, SizingOptions(energy_mwh=share.energy_mwh * 0.97, power_mw=share.power_mw)
    )
    assert smaller.firm_days_met_share < 0.9


def test_a_load_profile_target_is_met_hour_by_hour() -> None:
    params = StorageInput(load_profile_mw=[5.0] * 6 + [0.0] * 12 + [8.0] * 6)
    target = target_series(params, 30 * 24)
    assert target[0] == 5.0 and target[23] == 8.0 and target[12] == 0.0
    d = dispatch(pv_days(30, peak_mw=60.0), None, target, LIMITS)
    check_limits(d, LIMITS)
    assert replay(d, LIMITS)["share"] == 1.0


def test_fixed_battery_respects_its_limits_and_the_warranty_cycles() -> None:
    limits = Limits(round_trip_efficiency=0.9, soc_min=0.1, soc_max=0.9, warranty_cycles_per_yr=100,
                    export_limit_mw=50)  # fmt: skip
    pv = pv_days(60, peak_mw=80.0)  # above the 50 MW export limit around noon
    d = dispatch(pv, None, np.zeros(len(pv)), limits, SizingOptions(energy_mwh=40.0, power_mw=10.0))
    assert d.energy_mwh == 40.0 and d.power_mw == 10.0
    check_limits(d, limits)
    base = float(np.clip(pv - 50.0, 0.0, None).sum())
    section = storage_section(d, StorageInput(power_mw=10, energy_mwh=40), export_limit_mw=50.0)
    assert section["curtailment_without_storage_mwh"] == pytest.approx(base, abs=1e-2)
    assert section["curtailment_avoided_mwh"] == pytest.approx(base - d.spill_mw.sum(), abs=1e-2)
    assert section["curtailment_avoided_mwh"] > 0
    # 100 cycles a year bind: 60 days allow 100·60/365 full cycles of the usable 32 MWh.
    assert d.discharge_mw.sum() <= 100 * 32.0 * 60 * 24 / 8760 + 1e-3


def test_wind_charges_the_battery_too() -> None:
    days = 20
    wind = np.full(days * 24, 10.0)
    target = evening(days, 25.0)
    d = dispatch(np.zeros(days * 24), wind, target, LIMITS)
    check_limits(d, LIMITS)
    assert d.firm_days_met_share == 1.0
    assert d.discharge_mw.sum() > 0


def test_report_rows_and_metrics() -> None:
    d = dispatch(pv_days(10), None, evening(10, 10.0), LIMITS)
    rows = hourly_table(d)
    assert len(rows) == 240 and rows[0]["hour"] == 0 and rows[-1]["hour"] == 239
    day = typical_day(d)
    assert [r["hour"] for r in day] == list(range(24))
    assert day[19]["firm_target_mw"] == 10.0
    assert day[19]["grid_mw"] == pytest.approx(float(np.mean(d.grid_mw.reshape(10, 24)[:, 19])), abs=1e-3)
    params = StorageInput(firm_power_mw=10, firm_window=(18, 22))
    m = storage_metrics(storage_section(d, params, export_limit_mw=100.0))
    assert m["storage_kwh"] == pytest.approx(d.energy_mwh * 1000, abs=0.1)
    assert m["storage_duration_h"] == pytest.approx(d.energy_mwh / d.power_mw, abs=1e-3)
    assert 0 <= m["firm_days_met_share"] <= 1


def test_a_target_above_the_grid_limit_is_refused() -> None:
    with pytest.raises(Exception, match="export limit"):
        dispatch(pv_days(2), None, evening(2, 150.0), LIMITS)


def test_too_little_generation_is_said_not_hidden() -> None:
    pv = pv_days(5, peak_mw=5.0)  # ≈ 25 MWh a day against 80 MWh each evening
    d = dispatch(pv, None, evening(5, 20.0), LIMITS)
    assert d.firm_days_met_share == 0.0
    assert d.notes and "most days it can meet" in d.notes[0]
