"""Issue 27 item 6: gaps in weather files are counted, refused above 10 % or filled by the
documented method with a warning; an all-missing GHI, a header-only file and a deeply nested
JSON are each refused naming the problem (parser and HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.engine.energy.types import MAX_MISSING_SHARE
from app.errors import InvalidInput
from app.services import Services
from app.weather.parse import parse_weather
from tests.conftest import upload
from tests.weather import formats

# EPW data fields: 6 dry-bulb temperature, 13 GHI, 14 DNI, 15 DHI, 21 wind speed.
TEMP, GHI, DNI, DHI = 6, 13, 14, 15
HEADER = 8


def epw_with(rows: Iterable[int], values: dict[int, str]) -> bytes:
    """The test EPW with `values` (field → text) written into the given data rows (0 = first hour)."""
    lines = formats.epw_bytes().decode().splitlines()
    for i in rows:
        fields = lines[HEADER + i].split(",")
        for field, text in values.items():
            fields[field] = text
        lines[HEADER + i] = ",".join(fields)
    return ("\n".join(lines) + "\n").encode()


def epw_field(row: int, field: int) -> float:
    return float(formats.epw_bytes().decode().splitlines()[HEADER + row].split(",")[field])


NAN3 = {GHI: "NaN", DNI: "NaN", TEMP: "NaN"}


def test_2000_missing_hours_are_refused_with_the_count() -> None:
    data = epw_with(range(3000, 5000), NAN3)
    with pytest.raises(InvalidInput) as err:
        parse_weather(data)
    msg = err.value.message
    assert "2,000 of 8,760 hours (22.8 %) have missing values" in msg
    assert "ghi 2,000" in msg and "dni 2,000" in msg and "temp_air 2,000" in msg
    assert f"at most {100 * MAX_MISSING_SHARE:.0f} % may be missing" in msg


def test_epw_missing_codes_count_as_missing() -> None:
    # 9999 is EPW's code for a missing radiation value, 99.9 for a missing dry-bulb temperature.
    data = epw_with(range(100, 1100), {GHI: "9999", DNI: "9999", TEMP: "99.9"})
    with pytest.raises(InvalidInput, match="1,000 of 8,760 hours"):
        parse_weather(data)


def test_a_few_gaps_are_filled_and_said() -> None:
    short = [4000, 4001]  # two hours: linear interpolation in time
    long = list(range(5000, 5024))  # a day: the month's mean for that hour of day
    data = epw_with([*short, *long], NAN3)
    w = parse_weather(data)
    notes = w.details["warnings"]
    assert len(notes) == 1
    assert "26 of 8,760 hours (0.3 %) had missing values (ghi 26, dni 26, temp_air 26)" in notes[0]
    assert "filled 6 values by linear interpolation" in notes[0]  # 2 hours × 3 columns
    assert "and 72 with the month's mean for that hour of day" in notes[0]  # 24 hours × 3 columns
    t = w.data["temp_air"].to_numpy()
    before, after = epw_field(3999, TEMP), epw_field(4002, TEMP)
    assert t[4000] == pytest.approx(before + (after - before) / 3)
    assert t[4001] == pytest.approx(before + 2 * (after - before) / 3)
    # Hour 5000's stand-in: the mean over the other days of its month at the same hour of day.
    idx = w.data.index
    ts = idx[5000]
    same = [
        epw_field(i, GHI)
        for i in range(len(idx))
        if idx[i].month == ts.month and idx[i].hour == ts.hour and i not in long
    ]
    assert w.data["ghi"].iloc[5000] == pytest.approx(np.mean(same))
    assert not w.data[["ghi", "dni", "temp_air"]].isna().any().any()


def test_all_missing_ghi_is_missing_data_not_a_dark_year() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_weather(epw_with(range(8760), {GHI: "NaN"}))
    assert "no GHI values: all 8,760 hours are missing" in err.value.message
    assert "zero all year" not in err.value.message


def test_a_header_only_tmy3_is_named() -> None:
    head = b"\n".join(formats.tmy3_bytes().splitlines()[:2]) + b"\n"
    with pytest.raises(InvalidInput) as err:
        parse_weather(head)
    assert err.value.message == "the TMY3 CSV file has its 2 header lines but no data rows"


def deep_json(depth: int) -> bytes:
    return ('{"outputs": {"tmy_hourly": ' + "[" * depth + "]" * depth + "}}").encode()


def test_a_deeply_nested_json_is_named() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_weather(deep_json(100_000))
    assert "nested too deeply" in err.value.message and "recursion" not in err.value.message


# -- over HTTP -------------------------------------------------------------------------------------
def _weather(client: TestClient, auth: dict[str, str], site_id: str, data: bytes, name: str) -> Any:
    return client.post(f"/api/sites/{site_id}/weather", files={"file": (name, data)}, headers=auth)


def test_weather_uploads_say_what_was_missing(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site_id = upload(client, auth, "s.kml", sample_kml).json()["id"]
    cases = [
        (epw_with(range(3000, 5000), NAN3), "w.epw", "2,000 of 8,760 hours (22.8 %) have missing values"),
        (epw_with(range(8760), {GHI: "NaN"}), "w.epw", "no GHI values"),
        (b"\n".join(formats.tmy3_bytes().splitlines()[:2]) + b"\n", "w.csv", "no data rows"),
        (deep_json(100_000), "w.json", "nested too deeply"),
    ]
    for data, name, message in cases:
        r = _weather(client, auth, site_id, data, name)
        assert r.status_code == 422 and message in r.json()["detail"], r.text
    assert client.get(f"/api/sites/{site_id}/weather", headers=auth).status_code == 404  # none stored
    r = _weather(client, auth, site_id, epw_with(range(4000, 4002), NAN3), "w.epw")
    assert r.status_code == 201, r.text
    assert any("2 of 8,760 hours" in w and "linear interpolation" in w for w in r.json()["warnings"])


@pytest.mark.parametrize("path", ["/api/layouts/generate", "/api/sites/{site}/studies", "/api/auth/register"])
def test_a_deeply_nested_request_body_is_a_4xx(
    api: TestClient, headers: dict[str, str], site_id: str, async_services: Services, path: str
) -> None:
    depth = 100_000
    body = '{"site_id": "' + site_id + '", "base": ' + "[" * depth + "]" * depth + "}"
    r = api.post(
        path.format(site=site_id), content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert detail == "the request body could not be read as JSON (malformed, or nested too deeply)"
    assert async_services.queue.stats().depth == 0


def test_pvgis_json_gaps_are_filled_too() -> None:
    body = json.loads(formats.pvgis_json_bytes())
    for row in body["outputs"]["tmy_hourly"][2000:2003]:
        row["G(h)"] = None
    w = parse_weather(json.dumps(body).encode())
    assert "3 of 8,760 hours" in w.details["warnings"][0]
