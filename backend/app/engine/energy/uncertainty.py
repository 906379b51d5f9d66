"""P50 and P90 of the annual energy: the typical year is the P50; the P90s spread it by the
inter-annual variability of the weather and the modelling uncertainty, combined in quadrature.

σ_1yr = √(σ_iav² + σ_res² + σ_mod²), σ_10yr = √(σ_iav²/10 + σ_res² + σ_mod²) (the 10-year mean's
weather spread shrinks with √10; the resource and model errors do not average out), and
P90 = P50 · (1 − 1.2816 σ) for a normal distribution (Dobos, Gilman & Kasberg 2012, "P50/P90
analysis for solar energy systems using the System Advisor Model", NREL/CP-6A20-54488).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# One-sided 90 % quantile of the standard normal distribution.
Z90 = 1.2816
# A calendar year counts for the variability when the data cover this many hours of it.
MIN_YEAR_HOURS = 8000.0


@dataclass(frozen=True, kw_only=True)
class Exceedance:
    """P90s [MWh/yr] and what they rest on [%, 1-σ of the annual energy]."""

    p90_1yr_mwh: float
    p90_10yr_mwh: float
    uncertainty_1yr_pct: float
    uncertainty_10yr_pct: float
    interannual_variability_pct: float
    interannual_variability_source: str
    resource_uncertainty_pct: float
    model_uncertainty_pct: float

    def to_document(self) -> dict[str, Any]:
        return {
            "p90_1yr_mwh": round(self.p90_1yr_mwh, 3),
            "p90_10yr_mwh": round(self.p90_10yr_mwh, 3),
            "uncertainty_1yr_pct": round(self.uncertainty_1yr_pct, 3),
            "uncertainty_10yr_pct": round(self.uncertainty_10yr_pct, 3),
            "interannual_variability_pct": round(self.interannual_variability_pct, 3),
            "interannual_variability_source": self.interannual_variability_source,
            "resource_uncertainty_pct": self.resource_uncertainty_pct,
            "model_uncertainty_pct": self.model_uncertainty_pct,
        }


def yearly_variability_pct(energy_kwh: pd.Series, step_hours: float) -> tuple[float, int] | None:
    """CoV [%] (sample standard deviation / mean) of the energy of each calendar year the series
    covers fully (≥ 8,000 h), and how many years; None with fewer than two such years."""
    by_year = energy_kwh.groupby(energy_kwh.index.year)
    totals = [float(s.sum()) for _, s in by_year if len(s) * step_hours >= MIN_YEAR_HOURS]
    if len(totals) < 2 or np.mean(totals) <= 0:
        return None
    return float(np.std(totals, ddof=1) / np.mean(totals) * 100.0), len(totals)


def exceedance(
    p50_mwh: float,
    *,
    interannual_pct: float,
    interannual_source: str,
    resource_pct: float,
    model_pct: float,
) -> Exceedance:
    """The P90s of an annual energy P50 [MWh/yr] from the 1-σ spreads [%] (module docstring)."""
    s1 = math.sqrt(interannual_pct**2 + resource_pct**2 + model_pct**2)
    s10 = math.sqrt(interannual_pct**2 / 10.0 + resource_pct**2 + model_pct**2)
    return Exceedance(
        p90_1yr_mwh=max(p50_mwh * (1.0 - Z90 * s1 / 100.0), 0.0),
        p90_10yr_mwh=max(p50_mwh * (1.0 - Z90 * s10 / 100.0), 0.0),
        uncertainty_1yr_pct=s1,
        uncertainty_10yr_pct=s10,
        interannual_variability_pct=interannual_pct,
        interannual_variability_source=interannual_source,
        resource_uncertainty_pct=resource_pct,
        model_uncertainty_pct=model_pct,
    )
