"""Snow cover losses from the weather: pvlib's NREL snow model (`pvlib.snow.coverage_nrel`,
Marion et al. 2013; Ryberg & Freeman 2017, NREL/TP-6A20-68705) and its DC loss
(`pvlib.snow.dc_loss_nrel`).

Which weather drives it (the first that applies):
1. a `snowfall` column [cm per step];
2. a `snow_depth` column [cm] (EPW): snowfall = the depth's rises from one step to the next, and the
   depth also clears the modules when the ground is bare (pvlib's `threshold_depth`);
3. a `precipitation` column [mm of water per step] (EPW, TMY3): precipitation falling at an air
   temperature ≤ 1 °C is snow, 1 mm of water = 1 cm of snow (the 10:1 snow-to-liquid ratio);
4. none of these: no snow loss is modelled; if a month averages ≤ 0 °C the result says snow is
   likely and was not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from pvlib import snow

from app.engine.energy.types import WeatherData

SNOW_AIR_TEMP_C = 1.0
COLD_MONTH_C = 0.0


@dataclass(frozen=True, kw_only=True, eq=False)
class SnowInput:
    """The snowfall [cm per step] and ground snow depth [cm] (or None) on the weather's index,
    and which rule gave them (`driver`); snowfall None when the weather has no snow data."""

    snowfall: pd.Series | None
    depth: pd.Series | None
    driver: str
    cold_months: list[int] = field(default_factory=list)

    @cached_property
    def has_events(self) -> bool:
        """Whether any step covers the modules (snowfall over pvlib's 1 cm/h threshold on snowy
        ground); without one the loss is zero and the coverage model is not run."""
        if self.snowfall is None or float(self.snowfall.max()) <= 0:
            return False
        return bool(snow.fully_covered_nrel(self.snowfall, self.depth).any())

    @property
    def note(self) -> str | None:
        """Why snow was not modelled at a cold site, else None."""
        if self.snowfall is not None or not self.cold_months:
            return None
        return (
            f"snow loss not modelled: {len(self.cold_months)} month(s) average ≤ 0 °C but the weather "
            "has no snowfall, snow depth or precipitation; upload an EPW with them for a snow loss"
        )


def snow_input(weather: WeatherData) -> SnowInput:
    """The snow drivers of a weather year by the rule in the module docstring."""
    df = weather.data
    temp = df["temp_air"]
    monthly = temp.groupby(df.index.month).mean()
    cold = [int(m) for m, t in monthly.items() if float(t) <= COLD_MONTH_C]
    depth = df["snow_depth"].clip(lower=0) if "snow_depth" in df.columns else None
    if "snowfall" in df.columns:
        return SnowInput(
            snowfall=df["snowfall"].clip(lower=0), depth=depth, driver="snowfall", cold_months=cold
        )
    if depth is not None and float(depth.max()) > 0:
        rises = depth.diff().clip(lower=0).fillna(0.0)
        return SnowInput(snowfall=rises, depth=depth, driver="snow depth rises", cold_months=cold)
    if "precipitation" in df.columns:
        precip = df["precipitation"].clip(lower=0)
        falls = precip.where(temp <= SNOW_AIR_TEMP_C, 0.0)
        return SnowInput(
            snowfall=falls,
            depth=None,
            driver="precipitation at ≤ 1 °C (10:1 snow-to-liquid)",
            cold_months=cold,
        )
    return SnowInput(snowfall=None, depth=None, driver="none", cold_months=cold)


def snow_dc_loss(
    inp: SnowInput, poa: np.ndarray, temp_air: np.ndarray, surface_tilt: np.ndarray, num_strings: int
) -> np.ndarray:
    """DC loss fraction [0–1] per step of the weather's index (all hours: snow stays overnight).

    poa: front irradiance [W/m²], temp_air [°C], surface_tilt [°] per step; num_strings: strings
    (module rows) up the table's slant height — a covered row loses its whole string."""
    if inp.snowfall is None or not inp.has_events:
        return np.zeros(len(poa))
    index = inp.snowfall.index
    coverage = snow.coverage_nrel(
        inp.snowfall,
        pd.Series(poa, index=index),
        pd.Series(temp_air, index=index),
        surface_tilt,
        snow_depth=inp.depth,
    )
    loss = snow.dc_loss_nrel(coverage, max(int(num_strings), 1))
    out: np.ndarray = np.clip(np.nan_to_num(np.asarray(loss, dtype=float)), 0.0, 1.0)
    return out
