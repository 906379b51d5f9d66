"""The hourly year synthesised from a distribution: its marginal is the resource's (the gross AEP
from the hours equals the Weibull integral, computed independently with scipy), and it has the
documented diurnal (night peak) and seasonal (winter peak, half a year later south of the equator)
cycles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate

from app.engine.wind.energy import power_kw
from app.engine.wind.resource import HOURS, WindResource, at_hub, hourly
from app.engine.wind.turbines import library_turbine
from tests.wind.test_layout import resource

TURBINE = library_turbine("iea_3.4mw_130")


def _weibull_mean_power_kw(r: WindResource) -> float:
    """Σ sectors f · ∫ P(v) pdf(v) dv, by scipy quad over the curve's pieces (independent of the engine)."""
    assert r.weibull_a_m_s is not None and r.weibull_k is not None
    knots = list(TURBINE.wind_speed_m_s)
    total = 0.0
    for f, a, k in zip(r.frequency, r.weibull_a_m_s, r.weibull_k, strict=True):

        def g(v: float, a: float = float(a), k: float = float(k)) -> float:
            pdf = (k / a) * (v / a) ** (k - 1) * np.exp(-((v / a) ** k))
            return float(np.interp(v, TURBINE.wind_speed_m_s, TURBINE.power_kw, left=0.0, right=0.0)) * pdf

        total += float(f) * sum(
            integrate.quad(g, lo, hi, limit=200)[0] for lo, hi in itertools.pairwise(knots)
        )
    return total


def _one_sector(a: float, k: float) -> WindResource:
    return WindResource(
        kind="weibull",
        height_m=110.0,
        source="test",
        sector_deg=np.array([0.0]),
        frequency=np.array([1.0]),
        weibull_a_m_s=np.array([a]),
        weibull_k=np.array([k]),
    )


@pytest.mark.parametrize(("a", "k"), [(7.0, 2.0), (9.0, 2.4), (6.0, 1.6)])
def test_one_sector_marginal_is_kept_exactly(a: float, k: float) -> None:
    r = _one_sector(a, k)
    speed, _, synthesised = hourly(r)
    assert synthesised and speed.shape == (HOURS,)
    gross = float(np.mean(power_kw(TURBINE, speed, 1.225)))
    assert gross == pytest.approx(_weibull_mean_power_kw(r), rel=2e-3)
    # Every quantile of the year is the Weibull's: the sorted speeds are its inverse CDF at (i + ½)/n.
    q = (np.arange(HOURS) + 0.5) / HOURS
    assert np.sort(speed) == pytest.approx(a * (-np.log1p(-q)) ** (1.0 / k), rel=1e-9)


@pytest.mark.parametrize("southern", [False, True])
def test_twelve_sector_gross_aep_within_one_percent_of_the_weibull_integral(southern: bool) -> None:
    hub = at_hub(resource(), TURBINE.hub_height_m, 0.143)
    speed, _, _ = hourly(hub, southern=southern)
    gross = float(np.mean(power_kw(TURBINE, speed, 1.225))) * 8760 / 1000
    expect = _weibull_mean_power_kw(hub) * 8760 / 1000
    assert gross == pytest.approx(expect, rel=0.01)


def test_diurnal_cycle_peaks_at_night_and_swings_about_ten_percent() -> None:
    hub = at_hub(resource(), TURBINE.hub_height_m, 0.143)
    speed, _, _ = hourly(hub)
    by_hour = speed.reshape(365, 24).mean(axis=0)
    rel = by_hour / speed.mean()
    peak = int(np.argmax(by_hour))
    assert peak in {21, 22, 23, 0, 1, 2}
    assert int(np.argmin(by_hour)) in range(8, 16)
    assert 0.05 < (rel.max() - rel.min()) / 2 < 0.2


@pytest.mark.parametrize("southern", [False, True])
def test_seasons_winter_windier_than_summer_by_hemisphere(southern: bool) -> None:
    hub = at_hub(resource(), TURBINE.hub_height_m, 0.143)
    speed, _, _ = hourly(hub, southern=southern)
    day = np.arange(HOURS) // 24
    dec_feb = speed[(day < 59) | (day >= 334)].mean()
    jun_aug = speed[(day >= 151) & (day < 243)].mean()
    winter, summer = (jun_aug, dec_feb) if southern else (dec_feb, jun_aug)
    assert winter > 1.1 * summer


def test_a_measured_time_series_is_not_reshaped() -> None:
    rng = np.random.default_rng(1)
    v = rng.weibull(2.0, HOURS) * 8.0
    ts = WindResource(
        kind="timeseries",
        height_m=110.0,
        source="test",
        sector_deg=np.arange(12) * 30.0,
        frequency=np.full(12, 1 / 12),
        speed_m_s=v,
        direction_deg=rng.random(HOURS) * 360,
        hour_of_year=np.arange(HOURS),
    )
    speed, _, synthesised = hourly(ts)
    assert not synthesised and np.allclose(speed, v)
