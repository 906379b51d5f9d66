"""`sitelayouts generate`: a layout from a boundary file without a server, end to end.

Run in fresh interpreters (subprocesses) as a user would: what is printed, written and imported.
No timing is asserted (docs/benchmarks.md has the timings); what the command loads is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape

BACKEND = Path(__file__).resolve().parents[1]
SAMPLE = BACKEND / "app" / "samples" / "sample-site.kml"
BASE = ("generate", str(SAMPLE), "--capacity-kw", "10000", "--flat")

# Runs the CLI's own entry point, then reports which libraries it loaded.
PROBE = """
import json, sys
from app.cli.main import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
libs = ("pvlib", "pandas", "httpx", "matplotlib", "ezdxf", "sqlalchemy", "fastapi")
loaded = [m for m in libs if m in sys.modules]
print("@@" + json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def _run(*args: str, tmp_path: Path) -> tuple[int, dict[str, Any] | None, list[str], str]:
    env = {
        **os.environ,
        # Offline and reproducible: the labelled clear-sky year, no PVGIS lookup.
        "WEATHER_SOURCE": "clearsky",
        "DATA_DIR": str(tmp_path / "data"),
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    err, _, probe = out.stderr.rpartition("@@")
    result = json.loads(probe)
    metrics = json.loads(out.stdout) if out.stdout.strip() else None
    return int(result["code"] or 0), metrics, list(result["loaded"]), err


def test_generate_prints_the_plant_with_yield_and_cost(tmp_path: Path) -> None:
    geojson = tmp_path / "layout.geojson"
    code, m, loaded, err = _run(*BASE, "-o", str(geojson), tmp_path=tmp_path)
    assert code == 0, err
    assert m is not None
    assert m["pv_capacity_kw"] >= 10000.0 - 1e-6
    # DC is module nameplate: modules × module power, recomputed here.
    assert m["dc_capacity_kwp"] == pytest.approx(m["module_count"] * m["module_power_w"] / 1000.0)
    assert 1.2 <= m["dc_ac_ratio"] <= 1.35
    # Clear sky is never a price: bound names only, anywhere in the JSON.
    assert m["energy_basis"] == "clearsky_upper_bound"
    assert m["annual_energy_mwh_upper_bound"] > 0 and m["lcoe_lower_bound_usd_per_mwh"] > 0
    assert m["capacity_factor_upper_bound"] > 0 and m["p90_1yr_mwh"] is None
    bare = ('"annual_energy_mwh"', '"specific_yield_kwh_per_kwp"', '"capacity_factor"', '"lcoe_usd_per_mwh"')
    text = json.dumps(m)
    assert not [k for k in bare if k in text], [k for k in bare if k in text]
    assert m["weather_source"] == "clearsky"
    assert any("clear-sky upper bound" in w.lower() for w in m["warnings"])  # never passed off as a P50
    assert "pvlib" in loaded
    features = json.loads(geojson.read_text())["features"]
    tables = [f for f in features if f["properties"].get("asset_type") == "pv_table"]
    assert len(tables) == m["table_count"] == m["counts_by_type"]["pv_table"]
    assert all(shape(f["geometry"]).is_valid for f in tables)


def test_no_energy_gives_the_layout_and_capex_without_loading_the_yield_stack(tmp_path: Path) -> None:
    code, m, loaded, err = _run(*BASE, "--no-energy", tmp_path=tmp_path)
    assert code == 0, err
    assert m is not None
    assert m["pv_capacity_kw"] >= 10000.0 - 1e-6 and m["table_count"] > 0
    assert m["capex_usd"] > 0
    assert m.get("annual_energy_mwh") is None and m["lcoe_usd_per_mwh"] is None
    assert any("energy yield not simulated" in w for w in m["warnings"])
    assert "energy" not in m
    # The progress lines (stderr is not a terminal here) never go backwards.
    pcts = [float(line.split("%")[0]) for line in err.splitlines() if line.strip()[:1].isdigit()]
    assert len(pcts) >= 5 and pcts == sorted(pcts) and pcts[-1] == 100.0, err
    # What makes the layout fast from the command line: no pvlib/pandas, no HTTP client, no
    # export writers, no database or web framework.
    assert loaded == [], f"--no-energy loaded {loaded}"


def test_loss_preset_and_overrides(tmp_path: Path) -> None:
    """--loss-preset picks the stack, --loss overrides one loss; a bad one is refused (exit 2)."""
    code, m, _, err = _run(
        *BASE, "--loss-preset", "conservative", "--loss", "soiling_pct=4", tmp_path=tmp_path
    )
    assert code == 0, err
    assert m is not None and m["loss_preset"] == "conservative"
    stack = {x["key"]: x for x in m["energy"]["loss_stack"]}
    assert stack["soiling_pct"]["input_pct"] == 4.0  # the override
    assert stack["availability_pct"]["input_pct"] == 98.0  # the conservative preset
    assert stack["dc_ohmic_pct"]["input_basis"] == "stc" and stack["soiling_pct"]["input_basis"] == "annual"
    code, _, _, err = _run(*BASE, "--loss-preset", "rosy", tmp_path=tmp_path)
    assert code == 2 and "rosy" in err and "typical" in err
    code, _, _, err = _run(*BASE, "--loss", "soiling_pct=99", tmp_path=tmp_path)
    assert code == 2 and "losses.soiling_pct" in err


def test_weather_file_without_energy_is_refused(tmp_path: Path) -> None:
    weather = tmp_path / "w.csv"
    weather.write_text("x")
    code, m, _, err = _run(*BASE, "--no-energy", "--weather", str(weather), tmp_path=tmp_path)
    assert code == 2 and m is None
    assert "--weather" in err and "--no-energy" in err


def test_console_script_ends_with_complete_output_and_the_commands_status(tmp_path: Path) -> None:
    # `sitelayouts generate` skips the interpreter's teardown once done (app.cli.launch.run): what it
    # printed and wrote must be complete, and its exit status the command's.
    script = Path(sys.executable).with_name("sitelayouts")
    env = {**os.environ, "WEATHER_SOURCE": "clearsky", "DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run(
        [str(script), *BASE, "--no-energy", "--export", "geojson,csv", "--export-dir", str(tmp_path / "x")],
        cwd=BACKEND, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    metrics = json.loads(out.stdout)
    files = {f.suffix: f for f in (tmp_path / "x").iterdir()}
    assert sorted(files) == [".geojson", ".zip"], files
    assert zipfile.ZipFile(files[".zip"]).testzip() is None  # complete: every member's CRC checks
    features = json.loads(files[".geojson"].read_text())["features"]
    assert sum(f["properties"].get("asset_type") == "pv_table" for f in features) == metrics["table_count"]
    weather = tmp_path / "w.csv"
    weather.write_text("x")
    refused = subprocess.run(
        [str(script), *BASE, "--no-energy", "--weather", str(weather)],
        cwd=BACKEND, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and refused.stdout == "" and "--no-energy" in refused.stderr
