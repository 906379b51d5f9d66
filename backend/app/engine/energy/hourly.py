"""The plant's AC output folded onto one 8760-hour year, for storage dispatch."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

HOURS = 8760


def hourly_year_mw(
    power_kw: np.ndarray, index: pd.DatetimeIndex, *, longitude_deg: float | None = None
) -> np.ndarray:
    """(8760,) mean AC power [MW] of each hour of a non-leap year (Jan 1 00:00 first) in the site's
    local standard time: UTC + round(longitude / 15°) h (a firm window such as 18-22 is read on that
    clock; no daylight saving). A naive index, or no longitude, is taken as already local.

    power_kw: power at each weather step [kW]; sub-hourly steps average into their hour, several
    years average per (month, day, hour), 29 February is dropped, and an hour the data lacks takes
    the mean of its month's same hour of day (0 if none)."""
    if longitude_deg is not None and index.tz is not None:
        offset = datetime.timezone(datetime.timedelta(hours=round(longitude_deg / 15.0)))
        index = index.tz_convert(offset)
    s = pd.Series(np.asarray(power_kw, dtype=float), index=index)
    hourly = s.groupby([index.month, index.day, index.hour]).mean()
    year = pd.date_range("2001-01-01", periods=HOURS, freq="h")
    keys = pd.MultiIndex.from_arrays([year.month, year.day, year.hour])
    out = hourly.reindex(keys)
    if out.isna().any():
        by_month_hour = s.groupby([index.month, index.hour]).mean()
        fill = by_month_hour.reindex(pd.MultiIndex.from_arrays([year.month, year.hour])).to_numpy()
        values = out.to_numpy()
        values = np.where(np.isnan(values), fill, values)
        filled: np.ndarray = np.nan_to_num(values, nan=0.0) / 1000.0
        return filled
    mw: np.ndarray = out.to_numpy(dtype=float) / 1000.0
    return mw
