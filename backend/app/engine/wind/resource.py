"""The wind resource at a site, sheared to hub height, as the layout and the energy model read it.

Three kinds (app/wind/parse.py reads the files):
- "weibull": per direction sector a frequency and Weibull A [m/s] and k at one height;
- "tab": a WAsP / WindPRO observed wind climate, per sector a frequency and a speed histogram;
- "timeseries": hourly (or finer) speed [m/s] and direction [°] at one height.
Directions are where the wind comes FROM, degrees clockwise from north.

Shear: the power law v(h) = v(h_ref) · (h / h_ref)^α (IEC 61400-1 §6.3 normal wind profile form);
α = DEFAULT_SHEAR = 1/7 ≈ 0.143 (the classic neutral-stability open-terrain value; IEC 61400-1 uses
0.2 for design loads, which overstates the energy), overridable per layout (`wind.shear_exponent`).
Scaling speeds by a constant factor scales a Weibull A and the histogram's bin edges alike; k and
the shape are unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from scipy.special import gamma as gamma_fn

from app.errors import InvalidInput

DEFAULT_SHEAR = 0.143
SHEAR_RANGE = (0.0, 0.6)
# Hourly synthesis from a distribution (docs/wind.md#hourly-synthesis): lag-1 autocorrelations of
# the Gaussian processes behind speed and direction, and the seed (the same year every run).
SYNTH_SPEED_AR1 = 0.95
SYNTH_DIRECTION_AR1 = 0.98
SYNTH_SEED = 20231
HOURS = 8760
# The synthesised year's diurnal and seasonal shape (docs/wind.md#hourly-synthesis), added to the
# speed process in its standard-normal units before the rank mapping (so the marginal is kept):
# at 80-120 m hub heights over land the wind peaks at night, when the stable boundary layer
# decouples from the ground and the nocturnal low-level jet forms, and is weakest around midday
# (Wharton & Lundquist 2012, Environ. Res. Lett. 7, 014005; Banta et al. 2002, Boundary-Layer
# Meteorol. 105, 221), a daily swing of about ±10 % of the mean speed; mid-latitude winds are
# strongest in winter and weakest in late summer, about ±15 % of the annual mean (Pryor &
# Barthelmie 2010, Renew. Sustain. Energy Rev. 14, 430; the monthly capacity factors of the US
# fleet, EIA Electric Power Monthly, swing ~±25 % in energy). 0.2 and 0.3 in normal units give
# about those swings in speed at k ≈ 2 (tests/wind/test_synthesis.py measures them).
SYNTH_DIURNAL_AMPLITUDE = 0.2
SYNTH_DIURNAL_PEAK_HOUR = 23.0
SYNTH_SEASONAL_AMPLITUDE = 0.3
# Mid-January in the northern hemisphere; half a year later in the southern.
SYNTH_SEASONAL_PEAK_DAY = 15.0

ResourceKind = Literal["weibull", "tab", "timeseries"]


@dataclass(frozen=True, kw_only=True)
class WindResource:
    """A wind climate at `height_m` [m above ground].

    sector_deg (S,): sector centres [°]; frequency (S,): share of time per sector (sums to 1).
    weibull: weibull_a_m_s, weibull_k (S,). tab: bin_upper_m_s (B,), bin_freq (S, B) rows summing to 1.
    timeseries: speed_m_s, direction_deg, hour_of_year (N,) (hour 0 = 1 January 00:00).
    """

    kind: ResourceKind
    height_m: float
    source: str
    sector_deg: np.ndarray
    frequency: np.ndarray
    weibull_a_m_s: np.ndarray | None = None
    weibull_k: np.ndarray | None = None
    bin_upper_m_s: np.ndarray | None = None
    bin_freq: np.ndarray | None = None
    speed_m_s: np.ndarray | None = None
    direction_deg: np.ndarray | None = None
    hour_of_year: np.ndarray | None = None

    def scaled(self, factor: float, height_m: float) -> WindResource:
        """Every speed times `factor`, said to be at `height_m`."""
        return replace(
            self,
            height_m=height_m,
            weibull_a_m_s=None if self.weibull_a_m_s is None else self.weibull_a_m_s * factor,
            bin_upper_m_s=None if self.bin_upper_m_s is None else self.bin_upper_m_s * factor,
            speed_m_s=None if self.speed_m_s is None else self.speed_m_s * factor,
        )

    def sector_mean_speed(self) -> np.ndarray:
        """Mean wind speed per sector [m/s]."""
        if self.kind == "weibull":
            assert self.weibull_a_m_s is not None and self.weibull_k is not None
            out: np.ndarray = self.weibull_a_m_s * gamma_fn(1.0 + 1.0 / self.weibull_k)
            return out
        if self.kind == "tab":
            assert self.bin_upper_m_s is not None and self.bin_freq is not None
            return np.asarray(self.bin_freq @ bin_centres(self.bin_upper_m_s), dtype=float)
        assert self.speed_m_s is not None and self.direction_deg is not None
        idx = sector_index(self.direction_deg, len(self.sector_deg))
        sums = np.bincount(idx, weights=self.speed_m_s, minlength=len(self.sector_deg))
        counts = np.bincount(idx, minlength=len(self.sector_deg))
        return np.asarray(np.where(counts > 0, sums / np.maximum(counts, 1), 0.0), dtype=float)

    def mean_speed(self) -> float:
        """Mean wind speed over all directions [m/s]."""
        if self.kind == "timeseries":
            assert self.speed_m_s is not None
            return float(np.mean(self.speed_m_s))
        return float(np.sum(self.frequency * self.sector_mean_speed()))


def bin_centres(upper: np.ndarray) -> np.ndarray:
    """Histogram bin centres [m/s] from bin upper limits (the first bin starts at 0)."""
    lower = np.concatenate([[0.0], upper[:-1]])
    out: np.ndarray = (lower + upper) / 2.0
    return out


def sector_index(direction_deg: np.ndarray, n_sectors: int) -> np.ndarray:
    """The sector (0 … n-1, sector 0 centred on north) of each direction [°]."""
    width = 360.0 / n_sectors
    out: np.ndarray = (
        np.floor(((np.asarray(direction_deg) % 360.0) + width / 2.0) / width) % n_sectors
    ).astype(np.int64)
    return out


def shear_factor(from_m: float, to_m: float, alpha: float) -> float:
    """Power-law speed ratio v(to) / v(from)."""
    return float((to_m / from_m) ** alpha)


def check_shear(alpha: float | None) -> float:
    """The shear exponent to use (DEFAULT_SHEAR when None); InvalidInput outside SHEAR_RANGE."""
    if alpha is None:
        return DEFAULT_SHEAR
    lo, hi = SHEAR_RANGE
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, int | float)
        or not math.isfinite(alpha)
        or not lo <= alpha <= hi
    ):
        raise InvalidInput(f"wind.shear_exponent must be a number between {lo:g} and {hi:g}, got {alpha!r}")
    return float(alpha)


def at_hub(resource: WindResource, hub_height_m: float, alpha: float) -> WindResource:
    """The resource sheared from its measurement height to `hub_height_m` [m] (power law, `alpha`)."""
    return resource.scaled(shear_factor(resource.height_m, hub_height_m, alpha), hub_height_m)


def rose(resource: WindResource) -> list[dict[str, float]]:
    """design["wind"]["rose"]: per sector its centre [°], frequency and mean speed [m/s]."""
    means = resource.sector_mean_speed()
    return [
        {
            "sector_deg": round(float(d), 2),
            "frequency": round(float(f), 5),
            "mean_speed_m_s": round(float(m), 3),
        }
        for d, f, m in zip(resource.sector_deg, resource.frequency, means, strict=True)
    ]


def summary(resource: WindResource, hub: WindResource, alpha: float) -> dict[str, Any]:
    """design["wind"]["resource"] (HYBRID_CONTRACT.md)."""
    return {
        "kind": resource.kind,
        "measurement_height_m": resource.height_m,
        "hub_height_m": hub.height_m,
        "shear_exponent": alpha,
        "mean_speed_hub_m_s": round(hub.mean_speed(), 3),
        "hourly_synthesised": resource.kind != "timeseries",
        "source": resource.source,
    }


def _ar1_normals(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """A stationary standard-normal AR(1) series of length n with lag-1 autocorrelation phi."""
    eps = rng.standard_normal(n)
    z = np.empty(n)
    z[0] = eps[0]
    s = math.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        z[t] = phi * z[t - 1] + s * eps[t]
    return z


def _ranks(z: np.ndarray) -> np.ndarray:
    """Evenly spread quantiles (rank + ½) / n in the order of `z`: the year's marginal is then the
    resource's exactly (a strongly autocorrelated series' own sample would stray by ~10 %), and
    the hour-to-hour persistence is z's."""
    out = np.empty(len(z))
    out[np.argsort(z, kind="stable")] = (np.arange(len(z)) + 0.5) / len(z)
    return out


def diurnal_seasonal_shape(southern: bool = False) -> np.ndarray:
    """The synthesised year's deterministic shape (8760,) in standard-normal units: a diurnal
    cosine peaking at SYNTH_DIURNAL_PEAK_HOUR and a seasonal one peaking on SYNTH_SEASONAL_PEAK_DAY
    (+ half a year in the southern hemisphere); hour 0 = 1 January 00:00."""
    h = np.arange(HOURS, dtype=float)
    day = h / 24.0
    peak_day = SYNTH_SEASONAL_PEAK_DAY + (365.0 / 2.0 if southern else 0.0)
    out: np.ndarray = SYNTH_DIURNAL_AMPLITUDE * np.cos(
        2.0 * np.pi * (h % 24.0 - SYNTH_DIURNAL_PEAK_HOUR) / 24.0
    ) + SYNTH_SEASONAL_AMPLITUDE * np.cos(2.0 * np.pi * (day - peak_day) / 365.0)
    return out


def hourly(
    resource: WindResource, seed: int = SYNTH_SEED, *, southern: bool = False
) -> tuple[np.ndarray, np.ndarray, bool]:
    """An 8760-hour year of (speed [m/s], direction [°]) and whether it was synthesised.

    Both processes are turned into quantiles by rank, not by the normal CDF, so the sector shares
    and the speed quantiles of the year match the resource exactly.
    A time series is averaged into hour-of-year slots (several years: the mean per hour; hours the
    file lacks: the series' overall mean speed and its most frequent sector). A distribution
    (weibull, tab) is synthesised, seeded (docs/wind.md#hourly-synthesis): a Gaussian AR(1)
    process (φ = SYNTH_DIRECTION_AR1) mapped through the cumulative sector frequencies picks the
    sector each hour (neighbouring sectors are neighbours in that order, so direction drifts);
    another (φ = SYNTH_SPEED_AR1) plus the diurnal and seasonal shape (`diurnal_seasonal_shape`;
    southern: the site is south of the equator) mapped to evenly spread quantiles by rank picks
    the speed from that sector's distribution (inverse Weibull CDF, or the histogram's CDF, linear
    within a bin). Each marginal matches the resource (the shape moves which hours are windy, not
    how many); the autocorrelation is that of typical hourly wind records.
    """
    if resource.kind == "timeseries":
        assert resource.speed_m_s is not None and resource.direction_deg is not None
        assert resource.hour_of_year is not None
        h = resource.hour_of_year % HOURS
        counts = np.bincount(h, minlength=HOURS)
        sums = np.bincount(h, weights=resource.speed_m_s, minlength=HOURS)
        rad = np.radians(resource.direction_deg)
        sx = np.bincount(h, weights=np.sin(rad), minlength=HOURS)
        sy = np.bincount(h, weights=np.cos(rad), minlength=HOURS)
        speed = np.where(counts > 0, sums / np.maximum(counts, 1), float(np.mean(resource.speed_m_s)))
        direction = np.degrees(np.arctan2(sx, sy)) % 360.0
        fill = float(resource.sector_deg[int(np.argmax(resource.frequency))])
        direction = np.where(counts > 0, direction, fill)
        return speed, direction, False
    rng = np.random.default_rng(seed)
    u_dir = _ranks(_ar1_normals(rng, HOURS, SYNTH_DIRECTION_AR1))
    u_speed = _ranks(_ar1_normals(rng, HOURS, SYNTH_SPEED_AR1) + diurnal_seasonal_shape(southern))
    cum = np.cumsum(resource.frequency)
    sector = np.minimum(np.searchsorted(cum / cum[-1], u_dir, side="right"), len(cum) - 1)
    # Quantiles strictly inside (0, 1): the Weibull inverse is infinite at 1.
    q = np.clip(u_speed, 1e-9, 1.0 - 1e-9)
    if resource.kind == "weibull":
        assert resource.weibull_a_m_s is not None and resource.weibull_k is not None
        a, k = resource.weibull_a_m_s[sector], resource.weibull_k[sector]
        speed = a * (-np.log1p(-q)) ** (1.0 / k)
    else:
        assert resource.bin_upper_m_s is not None and resource.bin_freq is not None
        edges = np.concatenate([[0.0], resource.bin_upper_m_s])
        cdf = np.concatenate(
            [np.zeros((len(resource.sector_deg), 1)), np.cumsum(resource.bin_freq, axis=1)], axis=1
        )
        speed = np.array([np.interp(qq, cdf[s], edges) for qq, s in zip(q, sector, strict=True)])
    # Within its sector the direction is uniform (the sector's centre alone would put every hour on
    # the line of a turbine row, the worst wake, where the energy model averages the sector).
    width = 360.0 / len(resource.sector_deg)
    direction = (resource.sector_deg[sector] + width * (rng.random(HOURS) - 0.5)) % 360.0
    return np.asarray(speed, dtype=float), direction, True
