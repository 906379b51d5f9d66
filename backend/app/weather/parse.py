"""Read a weather file (EPW, TMY3 CSV, PVGIS TMY CSV/JSON, NSRDB PSM CSV) with pvlib.iotools.

The format is recognised from the content, not the file name. Files are parsed from memory buffers
only: pvlib's readers would fetch a string starting with "http", which a file must never trigger.
Problems raise `InvalidInput` naming the format and what is wrong.
"""

from __future__ import annotations

import io
import json
from typing import Any, Literal

import numpy as np
import pandas as pd
from pvlib import iotools

from app.engine.energy.types import IntervalLabel, WeatherData, WeatherKind, checked_weather_frame
from app.errors import InvalidInput

WeatherFormat = Literal["epw", "tmy3", "pvgis_csv", "pvgis_json", "nsrdb_psm"]
FORMAT_NAMES: dict[WeatherFormat, str] = {
    "epw": "EPW",
    "tmy3": "TMY3 CSV",
    "pvgis_csv": "PVGIS TMY CSV",
    "pvgis_json": "PVGIS TMY JSON",
    "nsrdb_psm": "NSRDB PSM CSV",
}
SUPPORTED = "EPW, TMY3 CSV, PVGIS TMY CSV or JSON, or NSRDB PSM CSV"
# TMY rows from different years are put on this non-leap year so the index runs in order.
TYPICAL_YEAR = 1990
KEEP = ("ghi", "dni", "dhi", "temp_air", "wind_speed", "albedo", "snow_depth", "precipitation", "snowfall")
# Snow drivers under the readers' names → ours (snow depth [cm], liquid precipitation [mm per step]).
SNOW_COLUMNS = {"liquid_precipitation_depth": "precipitation", "Lprecip depth (mm)": "precipitation"}
# EPW's "missing" codes (EnergyPlus Auxiliary Programs, "Data Field Descriptions" of the weather
# file): 9999 for the radiation fields, 99.9 °C dry-bulb, 999 m/s wind speed. Read as missing.
EPW_MISSING = {"ghi": 9999.0, "dni": 9999.0, "dhi": 9999.0, "temp_air": 99.9, "wind_speed": 999.0}
# Header lines before the first data row.
HEADER_LINES: dict[str, int] = {"epw": 8, "tmy3": 2}


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the weather file is not text")  # pragma: no cover - latin-1 decodes anything


def detect_format(data: bytes) -> WeatherFormat:
    """The weather file format from its first lines; InvalidInput when it is none we read."""
    if not data.strip():
        raise InvalidInput("the weather file is empty")
    if b"\x00" in data[:4096]:
        raise InvalidInput(f"the weather file is binary; upload {SUPPORTED}")
    head = _text(data[:4096]).lstrip()
    first = head.splitlines()[0] if head else ""
    second = head.splitlines()[1] if len(head.splitlines()) > 1 else ""
    if head.startswith("{"):
        return "pvgis_json"
    if first.upper().startswith("LOCATION,"):
        return "epw"
    if first.startswith("Latitude (decimal degrees)"):
        return "pvgis_csv"
    if first.startswith("Source,") or first.startswith('"Source",'):
        return "nsrdb_psm"
    if "Date (MM/DD/YYYY)" in second and len(first.split(",")) >= 7:
        return "tmy3"
    raise InvalidInput(f"unrecognised weather file: expected {SUPPORTED}")


def _on_typical_year(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of a typical year (months from different years) re-dated to TYPICAL_YEAR, in order."""
    idx = df.index
    keep = ~((idx.month == 2) & (idx.day == 29))
    df = df[keep]
    idx = df.index
    new = pd.DatetimeIndex([ts.replace(year=TYPICAL_YEAR) for ts in idx.tz_convert(idx.tz).to_pydatetime()])
    out = df.copy()
    out.index = new
    return out.sort_index()


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    df = df.rename(columns={k: v for k, v in SNOW_COLUMNS.items() if k in df.columns and v not in df.columns})
    cols = [c for c in KEEP if c in df.columns]
    return df[cols].apply(pd.to_numeric, errors="coerce")


def _read(fmt: WeatherFormat, data: bytes) -> tuple[pd.DataFrame, dict[str, Any]]:
    text = _text(data)
    if fmt == "epw":
        df, meta = iotools.read_epw(io.StringIO(text), coerce_year=TYPICAL_YEAR)
        return df, {"latitude": meta.get("latitude"), "longitude": meta.get("longitude"),
                    "elevation_m": meta.get("altitude"), "station": meta.get("city")}  # fmt: skip
    if fmt == "tmy3":
        df, meta = iotools.read_tmy3(io.StringIO(text), coerce_year=TYPICAL_YEAR, map_variables=True)
        station = str(meta.get("Name", "")).strip('"')
        return df, {"latitude": meta.get("latitude"), "longitude": meta.get("longitude"),
                    "elevation_m": meta.get("altitude"), "station": station}  # fmt: skip
    if fmt == "pvgis_json":
        try:
            src = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"the PVGIS JSON file is not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None
        if not isinstance(src, dict) or "tmy_hourly" not in (src.get("outputs") or {}):
            raise InvalidInput("the JSON file is not a PVGIS TMY response (no outputs.tmy_hourly)")
        df, meta = iotools.read_pvgis_tmy(io.StringIO(text), pvgis_format="json", map_variables=True)
        return df, _pvgis_meta(meta)
    if fmt == "pvgis_csv":
        df, meta = iotools.read_pvgis_tmy(io.BytesIO(text.encode()), pvgis_format="csv", map_variables=True)
        return df, _pvgis_meta(meta)
    df, meta = iotools.read_nsrdb_psm4(io.StringIO(text), map_variables=True)
    return df, {"latitude": meta.get("latitude"), "longitude": meta.get("longitude"),
                "elevation_m": meta.get("altitude", meta.get("Elevation"))}  # fmt: skip


def _pvgis_meta(meta: dict[str, Any]) -> dict[str, Any]:
    inputs = meta.get("inputs") or {}
    loc = inputs.get("location", inputs)
    return {
        "latitude": loc.get("latitude"),
        "longitude": loc.get("longitude"),
        "elevation_m": loc.get("elevation"),
        "irradiance_time_offset_h": inputs.get("irradiance time offset"),
    }


def _float_or_none(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def parse_weather(data: bytes, *, source: str = "file", filename: str = "") -> WeatherData:
    """A `WeatherData` from a weather file's bytes. source: the WEATHER_SOURCE name to record;
    filename: for the label. InvalidInput names the format and the problem."""
    fmt = detect_format(data)
    name = FORMAT_NAMES[fmt]
    header = HEADER_LINES.get(fmt)
    if header is not None and not any(line.strip() for line in _text(data).splitlines()[header:]):
        raise InvalidInput(f"the {name} file has its {header} header lines but no data rows")
    try:
        raw, meta = _read(fmt, data)
    except InvalidInput:
        raise
    except RecursionError:
        raise InvalidInput(f"the {name} file is nested too deeply to be a weather file") from None
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InvalidInput(f"could not read the {name} file: {reason}") from None
    df = _frame(raw)
    if fmt == "epw":
        for col, code in EPW_MISSING.items():
            if col in df.columns:
                df[col] = df[col].where(df[col] < code)
    # pvlib labels TMY3 rows by the interval's end and EPW rows by its start (hour − 1).
    interval: IntervalLabel = "beginning" if fmt == "epw" else "ending"
    if fmt in ("pvgis_json", "pvgis_csv"):
        offset = _float_or_none(meta.get("irradiance_time_offset_h"))
        # PVGIS values are estimates at the timestamp (plus its stated offset), in UTC.
        interval = "instant"
        if offset:
            df.index = df.index + pd.Timedelta(hours=offset)
    elif fmt == "nsrdb_psm":
        interval = "instant"  # NSRDB PSM values are instantaneous at their timestamps
    kind: WeatherKind = "tmy"
    if isinstance(df.index, pd.DatetimeIndex) and len(df.index) > 1:
        mixed_years = not df.index.is_monotonic_increasing
        if mixed_years:
            df = _on_typical_year(df)
        elif fmt == "nsrdb_psm":
            kind = "timeseries"
    df, notes = checked_weather_frame(df, what=f"the {name} file")
    lat, lon = _float_or_none(meta.get("latitude")), _float_or_none(meta.get("longitude"))
    if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
        raise InvalidInput(f"the {name} file gives an invalid location ({lat}, {lon})")
    station = f" ({meta['station']})" if meta.get("station") else ""
    where = f"{filename!r} " if filename else ""
    label = f"{name} {where}{'typical year' if kind == 'tmy' else 'time series'}{station}"
    return WeatherData(
        data=df,
        source=source,
        label=label,
        kind=kind,
        interval_label=interval,
        latitude=lat,
        longitude=lon,
        elevation_m=_float_or_none(meta.get("elevation_m")),
        details={"format": fmt, "filename": filename or None, **({"warnings": notes} if notes else {})},
    )
