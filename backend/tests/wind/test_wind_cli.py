"""`sitelayouts generate --wind FILE`: bad wind inputs exit 2 naming the problem; a wind hybrid on
the large sample parcel reports wind energy from the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2]
SAMPLES = BACKEND / "app" / "samples"
BASE = (
    "generate",
    str(SAMPLES / "large-site.kml"),
    "--capacity-kw",
    "30000",
    "--flat",
    "--profile",
    "wind_hybrid",
)


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEATHER_SOURCE": "clearsky", "DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args],
        cwd=BACKEND,
        env={**env, "PYTHONPATH": str(BACKEND)},
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_bad_wind_file_exits_2_naming_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    rows = "0,0.25,8,2,80\n90,0.25,x,2,80\n180,0.25,8,2,80\n270,0.25,8,2,80\n"
    bad.write_text("sector_deg,frequency,weibull_a_m_s,weibull_k,height_m\n" + rows)
    out = _run(*BASE, "--wind", str(bad), tmp_path=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "line 3, column weibull_a_m_s" in out.stderr


def test_custom_curve_needs_its_rotor(tmp_path: Path) -> None:
    curve = tmp_path / "curve.csv"
    curve.write_text("wind_speed_m_s,power_kw,thrust_coefficient\n3,10,0.8\n10,2000,0.7\n25,2000,0.1\n")
    out = _run(*BASE, "--turbine-curve", str(curve), "--hub-height-m", "100", tmp_path=tmp_path)
    assert out.returncode == 2 and "--rotor-diameter-m" in out.stderr


def test_wind_hybrid_with_a_wind_file(tmp_path: Path) -> None:
    wind = SAMPLES / "wind" / "weibull-12-sector.csv"
    out = _run(*BASE, "--wind", str(wind), "--wind-shear", "0.2", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    m = json.loads(out.stdout)
    assert m["turbine_count"] > 0
    assert m["wind_shear_exponent"] == 0.2
    assert m["wind"]["resource"]["kind"] == "weibull" and m["wind"]["resource"]["hourly_synthesised"] is True
    lines = {line["item"] for line in m["cost"]["capex"]["lines"]}
    assert {"Wind turbines", "Turbine foundations", "Crane pads"} <= lines


def test_optimise_turbines_flag_records_the_orientation_search(tmp_path: Path) -> None:
    """--optimise-turbines SECONDS: the design says which orientations were tried and which was kept
    (the prevailing one first; how many fit the budget depends on the machine, so not asserted)."""
    wind = SAMPLES / "wind" / "weibull-12-sector.csv"
    out = _run(*BASE, "--wind", str(wind), "--optimise-turbines", "1", "--no-energy", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    opt = json.loads(out.stdout)["wind"]["optimisation"]
    rotations = [c["rotation_deg"] for c in opt["candidates"]]
    assert rotations and opt["chosen_rotation_deg"] in rotations
    best = max(opt["candidates"], key=lambda c: c["aep_mwh"])
    assert best["rotation_deg"] == opt["chosen_rotation_deg"]
    assert json.loads(out.stdout)["wind"]["spacing"]["rotation_deg"] == opt["chosen_rotation_deg"]
