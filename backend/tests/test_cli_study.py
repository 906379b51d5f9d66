"""`sitelayouts study`: variants run in parallel processes without a server; the table is sorted by
LCOE, the CSV carries the same rows, and bad grids exit 2 naming the problem."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

from app.samples import sample_path

BACKEND = Path(__file__).resolve().parents[1]
CLI = str(BACKEND / ".venv" / "bin" / "sitelayouts")
FIFTY_GCRS = [round(0.1 + 0.004 * i, 3) for i in range(50)]


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEATHER_SOURCE": "clearsky", "DEM_SOURCE": "flat", "STORAGE_DIR": str(tmp_path)}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def test_study_runs_the_grid_and_sorts_by_lcoe(tmp_path: Path) -> None:
    grid = tmp_path / "grid.json"
    grid.write_text(json.dumps({"base": {"setback_m": 20}, "grid": {"structure": ["fixed", "tracker"]}}))
    out_csv = tmp_path / "table.csv"
    site = str(sample_path("sample-site.kml"))
    args = ["study", site, "--grid", str(grid), "--capacity-kw", "3000", "--flat", "--workers", "2"]
    r = run([*args, "--csv", str(out_csv)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 variants on 2 processes" in r.stderr
    rows = json.loads(r.stdout)
    assert sorted(row["variant"]["structure"] for row in rows) == ["fixed", "tracker"]
    assert all(row["status"] == "completed" and row["weather_source"] == "clearsky" for row in rows)
    # Clear sky: the LCOE is only a lower bound, marked on every row, and no bare LCOE is printed.
    assert all(row["lcoe_is_lower_bound"] and "lcoe_usd_per_mwh" not in row for row in rows)
    lcoe = [row["lcoe_lower_bound_usd_per_mwh"] for row in rows]
    assert lcoe == sorted(lcoe) and lcoe[0] > 0
    by = {row["variant"]["structure"]: row for row in rows}
    # Physics, not a snapshot: a single-axis tracker yields more per kWp than fixed tilt here (35° N).
    yld = "specific_yield_kwh_per_kwp_upper_bound"
    assert by["tracker"][yld] > by["fixed"][yld]
    for row in rows:
        assert row["ac_capacity_mw"] >= 3.0
        mwh = row[yld] * row["dc_capacity_mwp"]
        assert mwh == pytest.approx(row["annual_energy_mwh_upper_bound"], rel=0.01)
    with out_csv.open() as f:
        table = list(csv.DictReader(f))
    assert [t["structure"] for t in table] == [row["variant"]["structure"] for row in rows]
    assert [float(t["lcoe_lower_bound_usd_per_mwh"]) for t in table] == lcoe
    assert {t["lcoe_usd_per_mwh"] for t in table} == {""} and {t["energy_basis"] for t in table} == {
        "clearsky_upper_bound"
    }


@pytest.mark.parametrize(
    ("grid", "extra", "message"),
    [
        ({"gcr": FIFTY_GCRS, "dc_ac_ratio": [1.1, 1.2, 1.3, 1.4, 1.5]}, ["--capacity-kw", "3000"],
         "250 variants, 50 over the limit of 200"),
        ({"gcr": [0.3, 0.99]}, ["--capacity-kw", "3000"], "variant 2 (gcr=0.99): pv.gcr"),
        ({"gcr": [0.3]}, [], "give --capacity-kw"),
        ({"colour": ["red"]}, ["--capacity-kw", "3000"], "colour"),
        ({"base": {"pv": {"pitch_m": 8}}, "grid": {"gcr": [0.3]}}, ["--capacity-kw", "3000"],
         "base.pv.pitch_m and grid.gcr conflict"),
    ],
)  # fmt: skip
def test_bad_grids_exit_2_naming_the_problem(
    tmp_path: Path, grid: dict[str, object], extra: list[str], message: str
) -> None:
    path = tmp_path / "grid.json"
    path.write_text(json.dumps(grid))
    r = run(["study", str(sample_path("sample-site.kml")), "--grid", str(path), "--flat", *extra], tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr


def test_a_deeply_nested_grid_file_is_named(tmp_path: Path) -> None:
    from app.cli.study import read_grid_file
    from app.errors import InvalidInput

    path = tmp_path / "grid.json"
    path.write_text('{"gcr": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InvalidInput, match="nested too deeply"):
        read_grid_file(path)
