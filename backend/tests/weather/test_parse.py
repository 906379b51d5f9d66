"""Weather files of every supported format are read with pvlib.iotools; bad files name the problem."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from app.errors import InvalidInput
from app.weather.parse import detect_format, parse_weather
from tests.weather import formats

# The annual GHI of the TMY3 file, summed straight from its CSV column (W/m² hours → kWh/m²).
RAW_GHI_KWH = float(pd.read_csv(formats.TMY3_PATH, skiprows=1)["GHI (W/m^2)"].sum()) / 1000.0


@pytest.mark.parametrize(
    ("builder", "fmt", "interval"),
    [
        (formats.tmy3_bytes, "tmy3", "ending"),
        (formats.epw_bytes, "epw", "beginning"),
        (formats.pvgis_json_bytes, "pvgis_json", "instant"),
        (formats.pvgis_csv_bytes, "pvgis_csv", "instant"),
        (formats.psm_bytes, "nsrdb_psm", "instant"),
    ],
)
def test_each_format_reads_the_same_year(builder, fmt: str, interval: str) -> None:  # type: ignore[no-untyped-def]
    data = builder()
    assert detect_format(data) == fmt
    w = parse_weather(data, filename=f"site.{fmt}")
    assert w.details["format"] == fmt and w.source == "file"
    assert w.interval_label == interval
    assert len(w.data) == 8760 and w.step_hours == pytest.approx(1.0)
    assert w.data.index.is_monotonic_increasing and w.data.index.tz is not None
    assert w.summary()["ghi_kwh_per_m2_year"] == pytest.approx(RAW_GHI_KWH, abs=0.1)
    assert w.latitude == pytest.approx(formats.LAT) and w.longitude == pytest.approx(formats.LON)
    assert set(w.data.columns) >= {"ghi", "dni", "dhi", "temp_air", "wind_speed"}
    assert w.kind == ("timeseries" if fmt == "nsrdb_psm" else "tmy")


def test_pvgis_months_from_different_years_are_put_in_order() -> None:
    w = parse_weather(formats.pvgis_json_bytes())
    assert set(w.data.index.year) == {1990}
    assert list(w.data.index.month.unique()) == list(range(1, 13))
    # July's irradiance stays July's after re-dating.
    july = w.data[w.data.index.month == 7]["ghi"].sum()
    raw = formats.tmy3_frame().tz_convert("UTC")
    raw_july = raw[(raw.index - pd.Timedelta(hours=1)).month == 7]["ghi"].sum()
    assert july == pytest.approx(raw_july)


def _truncate(data: bytes, lines: int) -> bytes:
    return b"\n".join(data.splitlines()[:lines]) + b"\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"time,irradiance\n1,2\n", "unrecognised weather file"),
        (_truncate(formats.tmy3_bytes(), 100), "covers only 98 hours"),
        (b'{"outputs": {"tmy_hourly": [', "not valid JSON"),
        (json.dumps({"hello": "world"}).encode(), "not a PVGIS TMY response"),
        (_truncate(formats.epw_bytes(), 8) + b"1990,1,1,1,60,x,not-a-number\n", "EPW"),
    ],
)
def test_bad_files_name_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_weather(data)
    assert message in err.value.message


def test_wrong_irradiance_units_are_refused() -> None:
    text = formats.tmy3_bytes().decode()
    lines = text.splitlines()
    header = lines[1].split(",")
    col = header.index("GHI (W/m^2)")
    rows = []
    for line in lines[2:]:
        fields = line.split(",")
        fields[col] = str(float(fields[col]) * 1000)  # kW/m² mistaken for W/m², or Wh
        rows.append(",".join(fields))
    data = "\n".join([lines[0], lines[1], *rows]).encode()
    with pytest.raises(InvalidInput, match="wrong units"):
        parse_weather(data)


def test_missing_temperature_and_wind_get_documented_defaults() -> None:
    body = json.loads(formats.pvgis_json_bytes())
    for row in body["outputs"]["tmy_hourly"]:
        row["T2m"] = None
    w = parse_weather(json.dumps(body).encode())
    assert np.allclose(w.data["temp_air"], 20.0)
