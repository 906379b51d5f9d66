"""Inputs and outputs of the yield model: a weather year and the energy result (JSON-ready)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from app.engine.core.energy_basis import P90_NOT_GIVEN, basis_of, bound_named
from app.errors import InvalidInput

WeatherKind = Literal["tmy", "timeseries", "clearsky"]
# Where a timestamp sits in its interval: TMY3 / EPW label the interval's end, PVGIS its start.
IntervalLabel = Literal["ending", "beginning", "instant"]
WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")
# Optional snow drivers (see snow.py): snowfall [cm per step], snow_depth [cm], precipitation [mm per step].
SNOW_DRIVERS = ("snowfall", "snow_depth", "precipitation")
CLEARSKY_LABEL = (
    "CLEAR-SKY UPPER BOUND (no clouds; pvlib Ineichen model with the bundled Linke turbidity "
    "climatology) — not a P50; upload a weather file or allow PVGIS for a P50"
)


@dataclass(frozen=True, kw_only=True)
class WeatherData:
    """A weather year for one place.

    data: columns ghi, dni, dhi [W/m²], temp_air [°C], wind_speed [m/s] (optional albedo [0–1]),
    a tz-aware DatetimeIndex at a regular step (hourly or finer); interval_label: which end of the
    interval each timestamp labels. latitude / longitude [° WGS84] and elevation_m [m] of the
    station (None when unknown); source: "file" | "pvgis" | "clearsky"; label: a human description
    of the data; kind: "tmy" (typical year, gives a P50), "timeseries" (measured/modelled years,
    averaged per year) or "clearsky" (an upper bound, never a P50).
    """

    data: pd.DataFrame
    source: str
    label: str
    kind: WeatherKind = "tmy"
    interval_label: IntervalLabel = "ending"
    latitude: float | None = None
    longitude: float | None = None
    elevation_m: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def is_clearsky(self) -> bool:
        return self.kind == "clearsky"

    @property
    def step_hours(self) -> float:
        """The data's time step [h] (median spacing of the index)."""
        idx = self.data.index
        if len(idx) < 2:
            return 1.0
        return _median_step_hours(idx)

    @property
    def years_covered(self) -> float:
        """How many years the data spans [years of 8760 h]."""
        return len(self.data) * self.step_hours / 8760.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready description of the data: source, label, kind, location, totals."""
        ghi_kwh = float(self.data["ghi"].sum()) * self.step_hours / 1000.0 / max(self.years_covered, 1e-9)
        return {
            "source": self.source,
            "label": self.label,
            "kind": self.kind,
            "is_clearsky_upper_bound": self.is_clearsky,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "elevation_m": self.elevation_m,
            "rows": len(self.data),
            "step_hours": self.step_hours,
            "ghi_kwh_per_m2_year": round(ghi_kwh, 1),
            **self.details,
        }


def _median_step_hours(index: pd.DatetimeIndex) -> float:
    """Median spacing of the index [h] (whatever the index's time unit)."""
    return float(np.median((index[1:] - index[:-1]).total_seconds())) / 3600.0


# A weather year with more than this share of its time steps missing a value is refused: the
# yield would be more the gap filling's than the file's (docs/energy.md#gaps-in-weather-files).
MAX_MISSING_SHARE = 0.10
# Gaps up to this many consecutive steps are interpolated linearly in time; longer ones take the
# mean of the same hour of day in the same month (docs/energy.md#gaps-in-weather-files).
INTERPOLATE_MAX_STEPS = 3
_GAP_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")


def check_weather_frame(df: pd.DataFrame, *, what: str) -> pd.DataFrame:
    """`checked_weather_frame` without its notes."""
    return checked_weather_frame(df, what=what)[0]


def checked_weather_frame(df: pd.DataFrame, *, what: str) -> tuple[pd.DataFrame, list[str]]:
    """The frame cleaned for simulation and notes on what was filled in, or InvalidInput naming
    what is wrong with `what`.

    Needs ghi (the simulation splits it with Erbs when dni or dhi is missing),
    temp_air and wind_speed (filled with 20 °C / 1 m/s when absent), a tz-aware DatetimeIndex and
    at least ~a year of data (≥ 8,000 hours). Missing values (NaN): a column other than GHI with
    none at all is dropped (the defaults above apply); more than MAX_MISSING_SHARE of the time
    steps missing a value is refused, fewer are filled (`fill_gaps`). An albedo column with no
    valid value (0–1) is dropped (the model's default albedo applies); its missing values take
    the column's median.
    Snow drivers (snowfall, snow_depth, precipitation) are kept with missing codes (≥ 999,
    negative) read as 0, and dropped when they have no valid value.
    """
    if not isinstance(df.index, pd.DatetimeIndex):
        raise InvalidInput(f"{what}: no timestamps could be read")
    if df.index.tz is None:
        raise InvalidInput(f"{what}: the timestamps have no time zone")
    if "ghi" not in df.columns:
        raise InvalidInput(f"{what}: no global horizontal irradiance (GHI) column")
    if len(df) == 0:
        raise InvalidInput(f"{what}: no data rows (only a header)")
    out = df.sort_index()
    out = out[~out.index.duplicated(keep="first")]
    out, notes = fill_gaps(out, what=what)
    for col in ("ghi", "dni", "dhi"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce").clip(lower=0).fillna(0.0)
    if "temp_air" not in out.columns:
        out["temp_air"] = 20.0
    if "wind_speed" not in out.columns:
        out["wind_speed"] = 1.0
    for col, default in (("temp_air", 20.0), ("wind_speed", 1.0)):
        values = pd.to_numeric(out[col], errors="coerce")
        fill = float(values.mean()) if values.notna().any() else default
        out[col] = values.fillna(fill)
    if "albedo" in out.columns:
        # Files mark a missing albedo as 0 or a negative code (pvlib's TMY3 file is all 0): unknown.
        albedo = pd.to_numeric(out["albedo"], errors="coerce").where(lambda a: (a > 0.01) & (a < 1.0))
        if albedo.notna().any():
            out["albedo"] = albedo.fillna(float(albedo.median()))
        else:
            out = out.drop(columns="albedo")
    for col in SNOW_DRIVERS:
        if col in out.columns:
            # Files mark a missing value with 999 (EPW) or a negative code: unknown, not snow.
            values = pd.to_numeric(out[col], errors="coerce").where(lambda v: (v >= 0) & (v < 999))
            out = out.drop(columns=col) if values.isna().all() else out.assign(**{col: values.fillna(0.0)})
    if len(out) < 2:
        raise InvalidInput(f"{what}: fewer than two time steps")
    step_h = _median_step_hours(out.index)
    if not (0 < step_h <= 1.0 + 1e-6):
        raise InvalidInput(f"{what}: time step of {step_h:g} h; hourly or finer data is needed")
    hours = len(out) * step_h
    if hours < 8000:
        raise InvalidInput(f"{what}: covers only {hours:.0f} hours; a full year (8,760 h) is needed")
    if float(out["ghi"].max()) > 1600:
        raise InvalidInput(
            f"{what}: GHI reaches {float(out['ghi'].max()):.0f} W/m² (over 1,600): wrong units?"
        )
    if float(out["ghi"].sum()) <= 0:
        raise InvalidInput(f"{what}: GHI is zero all year")
    return out, notes


def fill_gaps(df: pd.DataFrame, *, what: str) -> tuple[pd.DataFrame, list[str]]:
    """Missing values (NaN) of ghi, dni, dhi, temp_air and wind_speed counted and filled.

    A GHI column without any value is refused ("no GHI values"); another column without any is
    dropped, with a note. More than MAX_MISSING_SHARE of the time steps missing a value in any
    column is refused with the count. Otherwise, per column: gaps of up to
    INTERPOLATE_MAX_STEPS steps between two values are interpolated linearly in time; the rest
    take the mean of the same hour of day in the same month (else in the year), with a note
    naming how many steps were filled each way. Returns the frame and the notes."""
    out = df.copy()
    notes: list[str] = []
    n = len(out)
    hourly = n > 1 and abs(_median_step_hours(out.index) - 1.0) < 1e-6
    steps = "hours" if hourly else "time steps"
    columns = [c for c in _GAP_COLUMNS if c in out.columns]
    for col in columns:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    if n and out["ghi"].isna().all():
        raise InvalidInput(f"{what}: no GHI values: all {n:,} {steps} are missing")
    for col in list(columns):
        if col != "ghi" and out[col].isna().all():
            out = out.drop(columns=col)
            columns.remove(col)
            notes.append(f"{what}: the {col} column has no values; it was left out (its default applies)")
    missing = out[columns].isna()
    rows = int(missing.any(axis=1).sum())
    if rows == 0:
        return out, notes
    share = rows / n
    per_column = ", ".join(f"{c} {int(k):,}" for c, k in missing.sum().items() if k)
    if share > MAX_MISSING_SHARE:
        raise InvalidInput(
            f"{what}: {rows:,} of {n:,} {steps} ({100 * share:.1f} %) have missing values "
            f"({per_column}); at most {100 * MAX_MISSING_SHARE:.0f} % may be missing"
        )
    interpolated = by_hour = 0
    idx = out.index
    for col in columns:
        s = out[col]
        na = s.isna()
        if not na.any():
            continue
        run = (na != na.shift()).cumsum()
        run_len = na.groupby(run).transform("sum")
        inside = s.interpolate(method="time", limit_area="inside")
        short = na & (run_len <= INTERPOLATE_MAX_STEPS) & inside.notna()
        s = s.where(~short, inside)
        interpolated += int(short.sum())
        rest = s.isna()
        if rest.any():
            by_month_hour = s.groupby([idx.month, idx.hour]).transform("mean")
            by_hour_only = s.groupby(idx.hour).transform("mean")
            s = s.fillna(by_month_hour).fillna(by_hour_only)
            by_hour += int(rest.sum())
        out[col] = s
    notes.append(
        f"{what}: {rows:,} of {n:,} {steps} ({100 * share:.1f} %) had missing values ({per_column}); "
        f"filled {interpolated:,} values by linear interpolation (gaps of up to {INTERPOLATE_MAX_STEPS} "
        f"steps) and {by_hour:,} with the month's mean for that hour of day"
    )
    return out, notes


@dataclass(frozen=True, kw_only=True)
class LossStep:
    """One bar of the loss waterfall: name, change in % of the previous step (negative = loss),
    and the energy or irradiation after it (unit in `unit`)."""

    name: str
    percent: float
    value_after: float
    unit: str

    def to_document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "percent": round(self.percent, 3),
            "value_after": round(self.value_after, 3),
            "unit": self.unit,
        }


@dataclass(frozen=True, kw_only=True)
class EnergyResult:
    """A plant's simulated year.

    annual_energy_mwh [MWh/yr at the grid connection] (P50 when the weather is real; an upper bound
    on clear sky); specific_yield_kwh_per_kwp [kWh/kWp/yr]; performance_ratio (IEC 61724: AC energy
    over plane-of-array irradiation × DC kWp); capacity_factor (AC energy over AC kW × 8760 h);
    monthly_energy_mwh: 12 values, January first; waterfall: irradiation then energy steps;
    weather: the weather summary; label: a warning shown with every figure (clear-sky) or None;
    exceedance: the P90s (None on clear sky, `p90_note` says why); loss_stack: every loss with its
    input, basis (STC / rated / annual), annual share and source; annual_loss_pct: the annual share
    [%] of the design-derived losses (dc_ohmic, ac_ohmic, transformer) for the electrical panel;
    snow: how snow was modelled and its annual loss; notes: warnings about the year (e.g. a cold site
    without snow data).
    """

    annual_energy_mwh: float
    specific_yield_kwh_per_kwp: float
    performance_ratio: float
    capacity_factor: float
    monthly_energy_mwh: tuple[float, ...]
    waterfall: tuple[LossStep, ...]
    dc_kwp: float
    ac_kw: float
    poa_kwh_per_m2: float
    ghi_kwh_per_m2: float
    weather_source: str
    weather: dict[str, Any]
    label: str | None
    model: dict[str, Any]
    losses: dict[str, Any]
    groups: int
    loss_preset: str = "typical"
    exceedance: Any = None
    loss_stack: tuple[dict[str, Any], ...] = ()
    annual_loss_pct: dict[str, float] = field(default_factory=dict)
    snow: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # AC power at the grid connection [MW] on one 8760-hour year (engine/energy/hourly.py), for
    # storage dispatch; None for a plant without tables. Not part of the documents (8760 values).
    hourly_grid_mw: Any = field(default=None, repr=False, compare=False)

    @property
    def is_p50(self) -> bool:
        return self.weather.get("kind") == "tmy"

    @property
    def is_clearsky(self) -> bool:
        return self.weather.get("kind") == "clearsky"

    @property
    def energy_basis(self) -> str:
        """ "p50" (real weather) or "clearsky_upper_bound"."""
        return basis_of(self.is_clearsky)

    def _p90(self) -> dict[str, Any]:
        if self.exceedance is None:
            return {
                "p90_1yr_mwh": None,
                "p90_10yr_mwh": None,
                "p90_note": P90_NOT_GIVEN if self.is_clearsky else None,
            }
        return {**self.exceedance.to_document(), "p90_note": None}

    def to_document(self) -> dict[str, Any]:
        """The JSON "energy" section of a layout's design document (bound names on clear sky)."""
        doc = {
            "energy_basis": self.energy_basis,
            "annual_energy_mwh": round(self.annual_energy_mwh, 3),
            **self._p90(),
            "specific_yield_kwh_per_kwp": round(self.specific_yield_kwh_per_kwp, 2),
            "performance_ratio": round(self.performance_ratio, 4),
            "capacity_factor": round(self.capacity_factor, 4),
            "monthly_energy_mwh": [round(v, 3) for v in self.monthly_energy_mwh],
            "loss_waterfall": [s.to_document() for s in self.waterfall],
            "loss_stack": list(self.loss_stack),
            "loss_preset": self.loss_preset,
            "snow": self.snow,
            "dc_kwp": round(self.dc_kwp, 3),
            "ac_kw": round(self.ac_kw, 3),
            "poa_kwh_per_m2": round(self.poa_kwh_per_m2, 1),
            "ghi_kwh_per_m2": round(self.ghi_kwh_per_m2, 1),
            "weather_source": self.weather_source,
            "weather": self.weather,
            "is_p50": self.is_p50,
            "is_clearsky_upper_bound": self.is_clearsky,
            "label": self.label,
            "notes": list(self.notes),
            "model": self.model,
            "losses": self.losses,
            "simulation_groups": self.groups,
        }
        return bound_named(doc, self.energy_basis)

    def metrics(self) -> dict[str, Any]:
        """The energy keys of the layout / CLI metrics JSON (bound names on clear sky)."""
        p90 = self._p90()
        out = {
            "energy_basis": self.energy_basis,
            "annual_energy_mwh": round(self.annual_energy_mwh, 3),
            "p90_1yr_mwh": p90.get("p90_1yr_mwh"),
            "p90_10yr_mwh": p90.get("p90_10yr_mwh"),
            "energy_uncertainty_1yr_pct": p90.get("uncertainty_1yr_pct"),
            "energy_uncertainty_10yr_pct": p90.get("uncertainty_10yr_pct"),
            "specific_yield_kwh_per_kwp": round(self.specific_yield_kwh_per_kwp, 2),
            "performance_ratio": round(self.performance_ratio, 4),
            "capacity_factor": round(self.capacity_factor, 4),
            "snow_loss_pct": self.snow.get("annual_loss_pct"),
            "loss_preset": self.loss_preset,
            "weather_source": self.weather_source,
            "energy_label": self.label,
        }
        return bound_named(out, self.energy_basis)
