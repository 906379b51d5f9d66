"""Wind energy: the gross AEP is the Weibull integral of the power curve; wakes cost energy, more
so the closer the turbines; the hourly year adds up to the net AEP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate

from app.engine.wind.energy import (
    air_density,
    gross_aep_mwh,
    hourly_net_power_mw,
    wind_energy,
)
from app.engine.wind.resource import WindResource, at_hub
from app.engine.wind.turbines import library_turbine

TURBINE = library_turbine("iea_3.4mw_130")


def _weibull(a: float, k: float, freq: list[float], height_m: float = 110.0) -> WindResource:
    n = len(freq)
    return WindResource(
        kind="weibull",
        height_m=height_m,
        source="test",
        sector_deg=np.arange(n) * 360.0 / n,
        frequency=np.asarray(freq, dtype=float),
        weibull_a_m_s=np.full(n, a),
        weibull_k=np.full(n, k),
    )


def _quad_aep_mwh(a: float, k: float, density: float) -> float:
    """8760 h × ∫ P(v·(ρ/ρ₀)^⅓) f(v) dv, integrated independently by scipy's adaptive quadrature."""
    c = (density / 1.225) ** (1 / 3)
    ws, kw = TURBINE.wind_speed_m_s, TURBINE.power_kw

    def f(v: float) -> float:
        p = float(np.interp(v * c, ws, kw, left=0.0, right=0.0))
        return p * (k / a) * (v / a) ** (k - 1) * np.exp(-((v / a) ** k))

    breaks = list(ws / c)
    val, _ = integrate.quad(f, 0.0, float(ws[-1] / c), points=breaks, limit=500)
    return val * 8760.0 / 1000.0


@pytest.mark.parametrize(("a", "k", "density"), [(8.0, 2.0, 1.225), (6.5, 1.8, 1.225), (9.5, 2.6, 1.12)])
def test_single_turbine_gross_aep_is_the_weibull_integral(a: float, k: float, density: float) -> None:
    resource = _weibull(a, k, [0.1, 0.2, 0.3, 0.4])
    ours = gross_aep_mwh(TURBINE, resource, density)
    assert ours == pytest.approx(_quad_aep_mwh(a, k, density), rel=0.01)
    # And through the whole energy step for a lone turbine: no wake, gross as above.
    e = wind_energy(TURBINE, resource, np.array([0.0]), np.array([0.0]), density=density, shear=0.143)
    assert e.gross_mwh == pytest.approx(ours)
    assert e.farm_wake_loss_pct == pytest.approx(0.0, abs=1e-9)
    assert e.net_mwh == pytest.approx(ours * 0.97 * 0.98)


def test_shear_scales_the_weibull_scale_to_hub_height() -> None:
    r = _weibull(7.0, 2.0, [0.25] * 4, height_m=80.0)
    hub = at_hub(r, 110.0, 0.2)
    assert hub.weibull_a_m_s is not None
    assert hub.weibull_a_m_s[0] == pytest.approx(7.0 * (110 / 80) ** 0.2)
    assert hub.height_m == 110.0


def test_air_density_falls_with_elevation() -> None:
    assert air_density(0.0) == pytest.approx(1.225)
    # ISA at 1000 m: 1.112 kg/m³.
    assert air_density(1000.0) == pytest.approx(1.1117, abs=1e-3)


def _west_wind_loss(spacing_d: float) -> tuple[float, np.ndarray]:
    """Two turbines on an east-west line, wind only from the west sector (270°)."""
    r = _weibull(8.0, 2.0, [0.0, 0.0, 0.0, 1.0])
    d = TURBINE.rotor_diameter_m
    e = wind_energy(
        TURBINE, r, np.array([0.0, spacing_d * d]), np.array([0.0, 0.0]), density=1.225, shear=0.143
    )
    return e.farm_wake_loss_pct, e.wake_loss_pct


def test_two_aligned_turbines_lose_energy_to_the_wake_of_the_upwind_one() -> None:
    farm, per = _west_wind_loss(5.0)
    assert farm > 1.0
    # The western (upwind) turbine is free; the eastern one carries the loss.
    assert per[0] == pytest.approx(0.0, abs=0.05)
    assert per[1] > 2.0


def test_wake_loss_grows_as_spacing_shrinks() -> None:
    losses = [_west_wind_loss(s)[0] for s in (10.0, 7.0, 5.0, 3.0)]
    assert all(b > a for a, b in itertools.pairwise(losses)), losses


def test_hourly_net_power_adds_up_to_the_net_aep() -> None:
    r = _weibull(8.0, 2.0, [0.1, 0.2, 0.3, 0.4])
    d = TURBINE.rotor_diameter_m
    e = wind_energy(
        TURBINE, r, np.array([0.0, 7 * d, 0.0]), np.array([0.0, 0.0, 4 * d]), density=1.2, shear=0.143
    )
    mw = hourly_net_power_mw(TURBINE, r, e)
    assert mw.shape == (8760,)
    assert mw.min() >= 0.0 and mw.max() <= 3 * TURBINE.rated_kw / 1000.0
    # A synthesised year samples the distribution: its energy is the AEP within a few per cent.
    assert mw.sum() == pytest.approx(e.net_mwh, rel=0.05)
    # Seeded: the same year every time.
    assert np.array_equal(mw, hourly_net_power_mw(TURBINE, r, e))


def test_tab_and_series_gross_aep_match_their_own_integrals() -> None:
    from importlib import resources

    from app.engine.wind.energy import power_kw
    from app.wind.parse import parse_wind

    def load(name: str) -> WindResource:
        return parse_wind(resources.files("app.samples").joinpath("wind", name).read_bytes(), filename=name)

    weibull, tab, series = (
        at_hub(load(n), 110.0, 0.143)
        for n in ("weibull-12-sector.csv", "sample-12-sector.tab", "timeseries-january.csv")
    )
    # The .tab sample is the Weibull table in 1 m/s bins: the bin sum is the integral within 2 %.
    assert gross_aep_mwh(TURBINE, tab, 1.225) == pytest.approx(
        gross_aep_mwh(TURBINE, weibull, 1.225), rel=0.02
    )
    # A series: its mean power × 8760 h, recomputed from the sheared speeds.
    assert series.speed_m_s is not None
    v = series.speed_m_s
    expected = float(np.mean(np.interp(v, TURBINE.wind_speed_m_s, TURBINE.power_kw, left=0, right=0))) * 8.76
    assert gross_aep_mwh(TURBINE, series, 1.225) == pytest.approx(expected)
    e = wind_energy(TURBINE, series, np.array([0.0, 700.0]), np.array([0.0, 0.0]), density=1.225, shear=0.143)
    assert e.gross_mwh == pytest.approx(2 * expected)
    assert hourly_net_power_mw(TURBINE, series, e).shape == (8760,)
    assert power_kw(TURBINE, 30.0, 1.225) == 0.0  # beyond cut-out
