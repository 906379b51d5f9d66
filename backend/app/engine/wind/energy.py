"""Wind energy of a turbine layout: gross AEP, wake loss (FLORIS), availability and electrical
losses, net P50 per turbine and for the farm, and the hourly net power of a year.

gross: the integral of the power curve over the hub-height wind distribution (Weibull per sector,
the tab histogram, or the time series' mean power × 8760 h), the curve evaluated at the
density-equivalent speed v·(ρ/ρ₀)^(1/3) (IEC 61400-12-1 §9.1.5, pitch-regulated turbines), before
wakes and losses.
wake: FLORIS 4.7 with its Gauss-curl hybrid (GCH) model, run over the resource's
direction × speed bins with and without wakes; the wake loss is 1 − ΣP_wake / ΣP_free weighted by
bin frequency, per turbine and for the farm. Why GCH: it is FLORIS's default, validated on
operating onshore and offshore farms (King et al. 2021, Wind Energy Science 6, 701), and handles
the close, partially-overlapping wakes of hybrid layouts; docs/wind.md compares it with PyWake.
net P50 = gross × (1 − wake) × availability × (1 − electrical loss) (defaults cited in docs/wind.md;
the electrical loss of a layout is its MV collection's, app/engine/wind/collection.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engine.wind.resource import WindResource, bin_centres, hourly, sector_index
from app.engine.wind.turbines import REF_AIR_DENSITY, Turbine
from app.errors import InvalidInput

HOURS = 8760.0
# Availability [%]: contractual turbine availability of modern onshore fleets is 97-98 %
# (LBNL Land-Based Wind Market Report 2024; DNV "typical loss" tables); 97 % keeps grid and
# balance-of-plant downtime in. Electrical loss [%]: collection system and substation transformer,
# 2 % (DNV / NREL Cost of Wind Energy Review loss assumptions, 1.5-3 % typical) — the fallback when no
# MV collection is designed (no substation); a layout computes it from its collection (collection.py).
AVAILABILITY_PCT = 97.0
ELECTRICAL_LOSS_PCT = 2.0
# Ambient turbulence intensity at hub height for the wake model: 8 % (onshore neutral mean,
# IEC 61400-1 class C reference 12 % at 15 m/s falls with speed; FLORIS examples use 6 %).
TURBULENCE_INTENSITY = 0.08
# A farm wake loss outside this range [%] is warned for farms of WAKE_CHECK_MIN_TURBINES or more:
# onshore farms at 4-8 D report 3-15 % (Barthelmie et al. 2009, Wind Energy 12, 431; DNV loss
# tables); a few turbines side by side can legitimately lose less.
WAKE_PLAUSIBLE_PCT = (2.0, 20.0)
WAKE_CHECK_MIN_TURBINES = 5
# Speed bins of the wake computation [m/s] and the nominal direction step [°].
SPEED_BIN_M_S = 1.0
DIRECTION_STEP_DEG = 10.0
WAKE_MODEL = "FLORIS 4.7 Gauss-curl hybrid (GCH)"
# Standard atmosphere (ISA) sea level: 1.225 kg/m³, 288.15 K, lapse 6.5 K/km.
_ISA_EXP = 4.2559


def air_density(elevation_m: float) -> float:
    """Air density [kg/m³] at `elevation_m` [m a.s.l.] by the ISA barometric formula."""
    z = max(-500.0, min(float(elevation_m), 5000.0))
    return float(REF_AIR_DENSITY * (1.0 - 2.25577e-5 * z) ** _ISA_EXP)


def power_kw(turbine: Turbine, speed_m_s: np.ndarray | float, density: float) -> np.ndarray:
    """Turbine power [kW] at hub-height speeds [m/s] and air density [kg/m³] (0 outside the curve)."""
    v_eq = np.asarray(speed_m_s, dtype=float) * (density / REF_AIR_DENSITY) ** (1.0 / 3.0)
    out: np.ndarray = np.interp(v_eq, turbine.wind_speed_m_s, turbine.power_kw, left=0.0, right=0.0)
    return out


def _weibull_cdf(v: np.ndarray, a: float, k: float) -> np.ndarray:
    out: np.ndarray = 1.0 - np.exp(-((np.maximum(v, 0.0) / a) ** k))
    return out


def mean_power_kw(turbine: Turbine, hub: WindResource, density: float) -> float:
    """Mean power of one free-stream turbine [kW] over the hub-height resource."""
    if hub.kind == "timeseries":
        assert hub.speed_m_s is not None
        return float(np.mean(power_kw(turbine, hub.speed_m_s, density)))
    if hub.kind == "tab":
        assert hub.bin_upper_m_s is not None and hub.bin_freq is not None
        p = power_kw(turbine, bin_centres(hub.bin_upper_m_s), density)
        return float(np.sum(hub.frequency * (hub.bin_freq @ p)))
    assert hub.weibull_a_m_s is not None and hub.weibull_k is not None
    # The curve is piecewise linear in v: a fine grid with its breakpoints (and both sides of its
    # cut-in / cut-out jumps) integrates P·f to far better than 0.1 %.
    scale = (REF_AIR_DENSITY / density) ** (1.0 / 3.0)
    knots = turbine.wind_speed_m_s * scale
    v_max = float(knots[-1])
    v = np.unique(np.concatenate([np.linspace(0.0, v_max, 20001), knots, knots - 1e-9, knots + 1e-9]))
    v = v[(v >= 0) & (v <= v_max)]
    p = power_kw(turbine, v, density)
    total = 0.0
    for f, a, k in zip(hub.frequency, hub.weibull_a_m_s, hub.weibull_k, strict=True):
        pdf = (k / a) * (v / a) ** (k - 1.0) * np.exp(-((v / a) ** k))
        total += float(f) * float(np.trapezoid(p * pdf, v))
    return total


def gross_aep_mwh(turbine: Turbine, hub: WindResource, density: float) -> float:
    """Gross AEP of one turbine [MWh/yr]: free stream, before wakes and losses."""
    return mean_power_kw(turbine, hub, density) * HOURS / 1000.0


@dataclass(frozen=True, kw_only=True)
class FlowCases:
    """The resource as direction × speed bins at hub height: directions (D,) [°], speeds (V,) [m/s],
    freq (D, V) summing to 1."""

    directions: np.ndarray
    speeds: np.ndarray
    freq: np.ndarray


def flow_cases(hub: WindResource, turbine: Turbine, density: float) -> FlowCases:
    """Direction × speed bins of the hub resource over the turbine's operating range.

    Each sector is split into sub-directions about DIRECTION_STEP_DEG apart sharing its frequency
    (a 30° sector seen only along its centre line overstates aligned-row wakes)."""
    n_sec = len(hub.sector_deg)
    width = 360.0 / n_sec
    n_sub = max(1, round(width / DIRECTION_STEP_DEG))
    offsets = width * ((np.arange(n_sub) + 0.5) / n_sub - 0.5)
    scale = (REF_AIR_DENSITY / density) ** (1.0 / 3.0)
    lo = math.floor(turbine.cut_in_m_s * scale)
    hi = math.ceil(turbine.cut_out_m_s * scale)
    speeds = np.arange(max(lo, 0) + SPEED_BIN_M_S / 2, hi + SPEED_BIN_M_S / 2 + 1e-9, SPEED_BIN_M_S)
    edges = np.concatenate([speeds - SPEED_BIN_M_S / 2, [speeds[-1] + SPEED_BIN_M_S / 2]])
    if hub.kind == "weibull":
        assert hub.weibull_a_m_s is not None and hub.weibull_k is not None
        per_sector = np.array(
            [
                np.diff(_weibull_cdf(edges, float(a), float(k)))
                for a, k in zip(hub.weibull_a_m_s, hub.weibull_k, strict=True)
            ]
        )
        joint = hub.frequency[:, None] * per_sector
    elif hub.kind == "tab":
        assert hub.bin_upper_m_s is not None and hub.bin_freq is not None
        centres = bin_centres(hub.bin_upper_m_s)
        idx = np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, len(speeds) - 1)
        inside = (centres >= edges[0]) & (centres < edges[-1])
        joint = np.zeros((n_sec, len(speeds)))
        for b in np.flatnonzero(inside):
            joint[:, idx[b]] += hub.frequency * hub.bin_freq[:, b]
    else:
        assert hub.speed_m_s is not None and hub.direction_deg is not None
        sec = sector_index(hub.direction_deg, n_sec)
        vb = np.searchsorted(edges, hub.speed_m_s, side="right") - 1
        ok = (vb >= 0) & (vb < len(speeds))
        joint = np.zeros((n_sec, len(speeds)))
        np.add.at(joint, (sec[ok], vb[ok]), 1.0 / len(hub.speed_m_s))
    directions = (hub.sector_deg[:, None] + offsets[None, :]).ravel() % 360.0
    freq = np.repeat(joint / n_sub, n_sub, axis=0)
    return FlowCases(directions=directions, speeds=speeds, freq=freq)


def floris_turbine(turbine: Turbine) -> dict[str, Any]:
    """The turbine as a FLORIS 4 turbine definition ("simple" operation model: the power and
    thrust curves, corrected for air density; no yaw or tilt)."""
    return {
        "turbine_type": "sitelayouts_turbine",
        "hub_height": turbine.hub_height_m,
        "rotor_diameter": turbine.rotor_diameter_m,
        "TSR": 8.0,
        "operation_model": "simple",
        "power_thrust_table": {
            "ref_air_density": REF_AIR_DENSITY,
            "ref_tilt": 0.0,
            "cosine_loss_exponent_yaw": 1.88,
            "cosine_loss_exponent_tilt": 1.88,
            "wind_speed": [float(v) for v in turbine.wind_speed_m_s],
            "power": [float(p) for p in turbine.power_kw],
            "thrust_coefficient": [float(c) for c in turbine.thrust_coefficient],
        },
    }


def wake_powers(
    turbine: Turbine,
    x_m: np.ndarray,
    y_m: np.ndarray,
    cases: FlowCases,
    density: float,
    *,
    shear: float,
    ti: float = TURBULENCE_INTENSITY,
) -> tuple[np.ndarray, np.ndarray]:
    """Turbine powers [kW] with and without wakes, each (D, V, n), for turbines at (x_m, y_m)
    (east, north [m], any origin) over the flow cases (FLORIS GCH, met. direction convention)."""
    from floris import FlorisModel

    d, v = np.meshgrid(cases.directions, cases.speeds, indexing="ij")
    config = FlorisModel.get_defaults()
    # Our turbine inline: FLORIS then needs no turbine library look-up (its default names one).
    config["farm"] = {
        "layout_x": [float(a) - float(np.mean(x_m)) for a in x_m],
        "layout_y": [float(b) - float(np.mean(y_m)) for b in y_m],
        "turbine_type": [floris_turbine(turbine)],
    }
    config["logging"] = {
        "console": {"enable": False, "level": "ERROR"},
        "file": {"enable": False, "level": "ERROR"},
    }
    fm = FlorisModel(config)
    fm.set(
        wind_directions=d.ravel(),
        wind_speeds=v.ravel(),
        turbulence_intensities=np.full(d.size, ti),
        air_density=density,
        wind_shear=shear,
        reference_wind_height=turbine.hub_height_m,
    )
    fm.run()
    waked = np.asarray(fm.get_turbine_powers(), dtype=float) / 1000.0
    fm.run_no_wake()
    free = np.asarray(fm.get_turbine_powers(), dtype=float) / 1000.0
    shape = (len(cases.directions), len(cases.speeds), len(x_m))
    return waked.reshape(shape), free.reshape(shape)


@dataclass(frozen=True, kw_only=True)
class WindEnergy:
    """The farm's energy: per turbine and farm gross / net AEP [MWh/yr], wake loss [%], and the
    farm efficiency table (D, V) for the hourly series."""

    gross_per_turbine_mwh: float
    wake_loss_pct: np.ndarray  # (n,)
    farm_wake_loss_pct: float
    availability_pct: float
    electrical_loss_pct: float
    density: float
    cases: FlowCases
    efficiency: np.ndarray  # (D, V) farm P_wake / P_free
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.wake_loss_pct)

    @property
    def loss_factor(self) -> float:
        return self.availability_pct / 100.0 * (1.0 - self.electrical_loss_pct / 100.0)

    @property
    def gross_mwh(self) -> float:
        return self.gross_per_turbine_mwh * self.n

    def net_per_turbine_mwh(self) -> np.ndarray:
        out: np.ndarray = self.gross_per_turbine_mwh * (1.0 - self.wake_loss_pct / 100.0) * self.loss_factor
        return out

    @property
    def net_mwh(self) -> float:
        return float(self.net_per_turbine_mwh().sum())


def wind_energy(
    turbine: Turbine,
    hub: WindResource,
    x_m: np.ndarray,
    y_m: np.ndarray,
    *,
    density: float,
    shear: float,
    availability_pct: float = AVAILABILITY_PCT,
    electrical_loss_pct: float = ELECTRICAL_LOSS_PCT,
    ti: float = TURBULENCE_INTENSITY,
) -> WindEnergy:
    """Gross and net energy of turbines at (x_m, y_m) (UTM east, north [m]) on the hub resource.
    InvalidInput for loss figures out of range."""
    if not 50.0 <= availability_pct <= 100.0:
        raise InvalidInput("wind.availability_pct must be between 50 and 100")
    if not 0.0 <= electrical_loss_pct <= 20.0:
        raise InvalidInput("wind.electrical_loss_pct must be between 0 and 20")
    n = len(x_m)
    gross = gross_aep_mwh(turbine, hub, density)
    cases = flow_cases(hub, turbine, density)
    if n == 0:
        raise InvalidInput("no turbines to compute wind energy for")
    waked, free = wake_powers(turbine, x_m, y_m, cases, density, shear=shear, ti=ti)
    w = cases.freq[:, :, None]
    e_waked = (w * waked).sum(axis=(0, 1))
    e_free = (w * free).sum(axis=(0, 1))
    per = np.where(e_free > 0, 100.0 * (1.0 - e_waked / np.maximum(e_free, 1e-12)), 0.0)
    farm = 100.0 * (1.0 - float(e_waked.sum()) / float(e_free.sum())) if e_free.sum() > 0 else 0.0
    fs, fw = free.sum(axis=2), waked.sum(axis=2)
    eff = np.where(fs > 0, fw / np.maximum(fs, 1e-12), 1.0)
    warnings: list[str] = []
    lo, hi = WAKE_PLAUSIBLE_PCT
    if n >= WAKE_CHECK_MIN_TURBINES and not lo <= farm <= hi:
        warnings.append(
            f"wind farm wake loss {farm:.1f} % is outside the plausible {lo:g}-{hi:g} % for onshore farms "
            "(docs/wind.md#wake-loss): check the spacing, the resource and the turbine"
        )
    return WindEnergy(
        gross_per_turbine_mwh=gross,
        wake_loss_pct=np.maximum(per, 0.0),
        farm_wake_loss_pct=max(farm, 0.0),
        availability_pct=availability_pct,
        electrical_loss_pct=electrical_loss_pct,
        density=density,
        cases=cases,
        efficiency=eff,
        warnings=warnings,
    )


def hourly_net_power_mw(
    turbine: Turbine, resource_hub: WindResource, energy: WindEnergy, *, southern: bool = False
) -> np.ndarray:
    """The farm's net power for each hour of a year [MW], shape (8760,); hour 0 = 1 January 00:00.
    From a distribution (weibull, tab) the hours are synthesised (`resource.hourly`; southern: the
    site is south of the equator, its seasons shifted half a year).

    Each hour: n × P(v, ρ) × the farm wake efficiency of its direction and speed bin (FLORIS) ×
    availability × (1 − electrical loss). Its sum is the net AEP up to the sampling of the year."""
    speed, direction, _ = hourly(resource_hub, southern=southern)
    cases = energy.cases
    d_diff = np.abs(((direction[:, None] - cases.directions[None, :]) + 180.0) % 360.0 - 180.0)
    di = np.argmin(d_diff, axis=1)
    edges = np.concatenate([cases.speeds - SPEED_BIN_M_S / 2, [cases.speeds[-1] + SPEED_BIN_M_S / 2]])
    vi = np.clip(np.searchsorted(edges, speed, side="right") - 1, 0, len(cases.speeds) - 1)
    eff = energy.efficiency[di, vi]
    mw = energy.n * power_kw(turbine, speed, energy.density) * eff * energy.loss_factor / 1000.0
    return np.asarray(mw, dtype=float)
