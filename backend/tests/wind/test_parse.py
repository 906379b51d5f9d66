"""Wind resource files: the shipped samples read, bad files name the line and column."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from app.engine.wind.resource import hourly
from app.engine.wind.turbines import parse_curve_csv
from app.errors import InvalidInput
from app.wind.parse import parse_wind

WEIBULL_HEADER = "sector_deg,frequency,weibull_a_m_s,weibull_k,height_m\n"


def sample(name: str) -> bytes:
    return resources.files("app.samples").joinpath("wind", name).read_bytes()


def _weibull_rows(n: int = 4, **bad: str) -> bytes:
    rows = [[f"{i * 360 / n:g}", f"{1 / n:g}", "8.0", "2.0", "100"] for i in range(n)]
    for key, value in bad.items():
        line, col = key.split("_", 1)
        rows[int(line[1:])][int(col[1:])] = value
    return (WEIBULL_HEADER + "\n".join(",".join(r) for r in rows) + "\n").encode()


def test_samples_parse_to_the_same_climate() -> None:
    w = parse_wind(sample("weibull-12-sector.csv"), filename="weibull-12-sector.csv")
    t = parse_wind(sample("sample-12-sector.tab"), filename="sample-12-sector.tab")
    s = parse_wind(sample("timeseries-january.csv"), filename="timeseries-january.csv")
    assert (w.kind, t.kind, s.kind) == ("weibull", "tab", "timeseries")
    assert w.height_m == t.height_m == s.height_m == 100.0
    # The .tab sample is the Weibull table binned at 1 m/s: the same mean speed within 0.1 %.
    assert t.mean_speed() == pytest.approx(w.mean_speed(), rel=1e-3)
    assert np.allclose(t.frequency, w.frequency)
    assert s.speed_m_s is not None and len(s.speed_m_s) == 744
    speed, _direction, synthesised = hourly(s)
    assert not synthesised and speed.shape == (8760,)
    assert speed[:744] == pytest.approx(s.speed_m_s)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"a,b\n1,2\n", "not a recognised wind resource"),
        (_weibull_rows(r1_c2="fast"), "line 3, column weibull_a_m_s: not a number"),
        (_weibull_rows(r2_c3="0"), "line 4, column weibull_k: 0 is outside"),
        (_weibull_rows(r1_c0="45"), "line 3, column sector_deg: expected 90"),
        (_weibull_rows(r3_c4="80"), "line 5, column height_m"),
        (_weibull_rows(r0_c1="0.5"), "frequency column sums to 1.25"),
        (WEIBULL_HEADER.replace(",weibull_k", "").encode() + b"0,1,8,100\n", "missing column(s) weibull_k"),
        (
            b"timestamp,speed_m_s,direction_deg,height_m\n"
            + b"".join(f"2023-01-01T{h:02d}:00:00,5,270,80\n".encode() for h in range(23))
            + b"yesterday,5,270,80\n",
            "line 25, column timestamp",
        ),
        (
            b"timestamp,speed_m_s,direction_deg,height_m\n"
            + b"".join(f"2023-01-01T{h:02d}:00:00,5,270,80\n".encode() for h in range(23))
            + b"2023-01-02T00:00:00,5,400,80\n",
            "line 25, column direction_deg: 400 is outside",
        ),
        (b"title\n1 2 50\n4 1 0\n25 25 25 25\n1 100 100 100\n", "line 5: expected a bin speed and 4"),
    ],
)
def test_bad_files_name_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_wind(data, filename="x.tab" if data.startswith(b"title") else "x.csv")
    assert message in str(exc.value)


def test_custom_curve_csv_errors_name_line_and_column() -> None:
    with pytest.raises(InvalidInput, match="line 3, column power_kw"):
        parse_curve_csv("wind_speed_m_s,power_kw,thrust_coefficient\n3,10,0.8\n4,x,0.8\n5,100,0.8\n")
    with pytest.raises(InvalidInput, match="must increase"):
        parse_curve_csv("wind_speed_m_s,power_kw,thrust_coefficient\n3,10,0.8\n3,20,0.8\n5,100,0.8\n")
