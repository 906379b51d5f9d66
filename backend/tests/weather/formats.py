"""Weather files in each supported format, built from the TMY3 file that ships with pvlib.

Each writer follows the layout the format's producer emits (EPW 8-line header and 35 fields;
PVGIS TMY API v5 CSV and JSON; NSRDB PSM CSV with two metadata lines), so the readers in
pvlib.iotools are exercised on what users upload.
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pvlib

TMY3_PATH = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
LAT, LON, ELEV = 36.1, -79.95, 273.0


def tmy3_bytes() -> bytes:
    return TMY3_PATH.read_bytes()


@functools.cache
def tmy3_frame() -> pd.DataFrame:
    df, _ = pvlib.iotools.read_tmy3(TMY3_PATH, coerce_year=1990, map_variables=True)
    return df  # shared: callers must not modify it


@functools.cache
def epw_bytes() -> bytes:
    return _epw(tmy3_frame())


@functools.cache
def snowy_epw_bytes() -> bytes:
    """The Greensboro year made a snowy site: December–February 12 °C colder, a 6-hour storm every
    6th day at 3 °C below freezing (2 mm of water an hour, the ground's snow depth rising 2 cm an
    hour), the snow on the ground melting at 0.5 cm an hour afterwards."""
    df = tmy3_frame().copy()
    winter = df.index.month.isin([12, 1, 2])
    df.loc[winter, "temp_air"] = df.loc[winter, "temp_air"] - 12.0
    storm = winter & (df.index.dayofyear % 6 == 0) & (df.index.hour >= 2) & (df.index.hour < 8)
    df.loc[storm, "temp_air"] = -3.0
    depth = np.zeros(len(df))
    level = 0.0
    for i, is_storm in enumerate(storm):
        level = level + 2.0 if is_storm else max(level - 0.5, 0.0)
        depth[i] = level
    return _epw(df, snow_depth=depth, precipitation=np.where(storm, 2.0, 0.0))


def _epw(df: pd.DataFrame, snow_depth: Any = None, precipitation: Any = None) -> bytes:
    lines = [
        f"LOCATION,Greensboro,NC,USA,TMY3,723170,{LAT},{LON},-5.0,{ELEV}",
        "DESIGN CONDITIONS,0",
        "TYPICAL/EXTREME PERIODS,0",
        "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
        "COMMENTS 1,built for tests from pvlib's 723170TYA.CSV",
        "COMMENTS 2,",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    depth = np.zeros(len(df)) if snow_depth is None else snow_depth
    precip = np.zeros(len(df)) if precipitation is None else precipitation
    for i, r in enumerate(df.itertuples()):
        ts = r.Index
        end = ts
        hour = end.hour if end.hour else 24
        day = end - pd.Timedelta(hours=1) if end.hour == 0 else end
        fields: list[Any] = [
            1990,
            day.month,
            day.day,
            hour,
            60,
            "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9",
        ]
        fields += [r.temp_air, r.temp_dew, r.relative_humidity, r.pressure * 100, 0, 0, 300]
        fields += [r.ghi, r.dni, r.dhi, 0, 0, 0, 0, r.wind_direction, r.wind_speed, 5, 5, 9999, 77777, 9]
        fields += ["999999999", 0, 0.1, round(float(depth[i]), 1), 88, 0.2, float(precip[i]), 1]
        lines.append(",".join(str(f) for f in fields))
    return ("\n".join(lines) + "\n").encode()


def _pvgis_rows(year_of_month: dict[int, int]) -> list[dict[str, Any]]:
    df = tmy3_frame().tz_convert("UTC")
    rows = []
    for r in df.itertuples():
        ts = r.Index
        start = ts - pd.Timedelta(hours=1)
        year = year_of_month[start.month]
        rows.append(
            {
                "time(UTC)": f"{year}{start.month:02d}{start.day:02d}:{start.hour:02d}00",
                "T2m": float(r.temp_air),
                "RH": float(r.relative_humidity),
                "G(h)": float(r.ghi),
                "Gb(n)": float(r.dni),
                "Gd(h)": float(r.dhi),
                "IR(h)": 300.0,
                "WS10m": float(r.wind_speed),
                "WD10m": float(r.wind_direction),
                "SP": float(r.pressure * 100),
            }
        )
    rows.sort(key=lambda row: row["time(UTC)"][4:])
    return rows


# PVGIS picks each month from a different year: the files are out of calendar order.
YEARS = {m: 2005 + (m * 7) % 15 for m in range(1, 13)}


@functools.cache
def pvgis_json_bytes() -> bytes:
    body = {
        "inputs": {
            "location": {"latitude": LAT, "longitude": LON, "elevation": ELEV},
            "meteo_data": {"radiation_db": "PVGIS-NSRDB", "year_min": 2005, "year_max": 2020},
        },
        "outputs": {
            "months_selected": [{"month": m, "year": y} for m, y in YEARS.items()],
            "tmy_hourly": _pvgis_rows(YEARS),
        },
        "meta": {"inputs": {}, "outputs": {}},
    }
    return json.dumps(body).encode()


@functools.cache
def pvgis_csv_bytes() -> bytes:
    out = io.StringIO()
    out.write(f"Latitude (decimal degrees): {LAT}\r\nLongitude (decimal degrees): {LON}\r\n")
    out.write(f"Elevation (m): {ELEV}\r\nmonth,year\r\n")
    for m, y in YEARS.items():
        out.write(f"{m},{y}\r\n")
    out.write("time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP\r\n")
    for r in _pvgis_rows(YEARS):
        out.write(",".join(str(v) for v in r.values()) + "\r\n")
    out.write("T2m: 2-m air temperature (degree Celsius)\r\nPVGIS (c) European Union, 2001-2024\r\n")
    return out.getvalue().encode()


@functools.cache
def psm_bytes(year: int = 2019) -> bytes:
    df = tmy3_frame()
    out = io.StringIO()
    out.write(
        "Source,Location ID,City,State,Country,Latitude,Longitude,Time Zone,Elevation,Local Time Zone\n"
    )
    out.write(f"NSRDB,123456,-,-,-,{LAT},{LON},-5,{int(ELEV)},-5\n")
    out.write("Year,Month,Day,Hour,Minute,GHI,DNI,DHI,Temperature,Wind Speed,Surface Albedo\n")
    for r in df.itertuples():
        ts = r.Index
        start = ts - pd.Timedelta(hours=1)
        out.write(
            f"{year},{start.month},{start.day},{start.hour},30,{r.ghi},{r.dni},{r.dhi},"
            f"{r.temp_air},{r.wind_speed},0.2\n"
        )
    return out.getvalue().encode()
