"""Storage end to end: `sitelayouts generate --firm-power-mw … --storage-dispatch FILE.csv` writes the
hourly year; the API refuses bad `storage` / `gas` objects with a 422 naming the field (SQLite and
PostgreSQL) and designs a hybrid with a battery sized to its target."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Owner

BACKEND = Path(__file__).resolve().parents[3]
SAMPLE = BACKEND / "app" / "samples" / "sample-site.kml"


def test_cli_writes_the_dispatch_year(tmp_path: Path) -> None:
    out_csv = tmp_path / "dispatch.csv"
    env = {**os.environ, "WEATHER_SOURCE": "clearsky", "DATA_DIR": str(tmp_path / "data")}
    args = ["generate", str(SAMPLE), "--capacity-kw", "8000", "--flat", "--profile", "hybrid",
            "--firm-power-mw", "2", "--firm-hours", "4", "--firm-window", "18-22", "--firm-days-share", "1",
            "--storage-dispatch", str(out_csv), "--export", "pdf", "--export-dir", str(tmp_path)]  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args],
        cwd=BACKEND, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout)  # stdout is JSON only (HiGHS's banner silenced)
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 8760
    assert list(rows[0]) == ["hour", "pv_mw", "wind_mw", "charge_mw", "discharge_mw", "soc_mwh", "grid_mw",
                             "firm_target_mw"]  # fmt: skip
    assert [int(r["hour"]) for r in rows[:3]] == [0, 1, 2]
    # The target is met in every window hour of the year, as the metrics claim.
    firm = [r for r in rows if float(r["firm_target_mw"]) > 0]
    assert len(firm) == 365 * 4
    assert all(float(r["grid_mw"]) >= 2.0 - 1e-3 for r in firm)
    assert metrics["firm_days_met_share"] == 1.0
    assert metrics["storage_kwh"] > 8_000 / 1000 * 1000  # ≥ 8 MWh delivered each evening, nameplate more
    containers = metrics["counts_by_type"]["battery_container"]
    assert containers * 3727 >= metrics["storage_kwh"]  # the containers hold the sized MWh
    sources = {s["source"] for s in metrics["economics_by_source"]}
    assert {"pv", "storage"} <= sources
    assert metrics["plant_lcoe_lower_bound_usd_per_mwh"] > 0  # clear-sky PV year: a bound
    # The PDF carries the storage section with its typical-day dispatch chart.
    import pypdf

    (pdf,) = tmp_path.glob("*.pdf")
    # pypdf splits kerned pairs ("T ypical"): compare without spaces.
    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages).replace(" ", "")
    assert "Typicalday" in text and "EnergyandLCOEbysource" in text


def test_cli_refuses_a_bad_window(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "generate", str(SAMPLE), "--capacity-kw", "4000", "--flat",
         "--profile", "hybrid", "--firm-power-mw", "2", "--firm-window", "evening"],
        cwd=BACKEND, env={**os.environ, "DATA_DIR": str(tmp_path)}, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "--firm-window" in run.stderr


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"storage": {"firm_power_mw": 5}}, "firm_window"),
        ({"storage": {"firm_power_mw": 5, "firm_window": [18, 22], "firm_days_share": 2}}, "firm_days_share"),
        ({"storage": {"load_profile_mw": [1, 2, 3]}}, "load_profile_mw"),
        ({"storage": {"energy_mwh": 10}}, "power_mw"),
        ({"gas": {"fuel_price_usd_per_mmbtu": -1}}, "fuel_price_usd_per_mmbtu"),
    ],
)
def test_api_refuses_bad_storage_by_field(
    client: TestClient, owner: Owner, extra: dict[str, object], field: str
) -> None:
    headers, site_id = owner
    body = {
        "site_id": site_id,
        "target_capacity_kw": 4000,
        "use_terrain": False,
        "profile": "hybrid",
        **extra,
    }
    r = client.post("/api/layouts/generate", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert field in r.text


def test_api_hybrid_with_a_firm_target_stores_and_exports_the_dispatch(
    client: TestClient, owner: Owner
) -> None:
    import io
    import zipfile

    from tests.conftest import generate_sync

    headers, site_id = owner
    storage = {"firm_power_mw": 1.0, "firm_window": [19, 22], "firm_days_share": 1.0}
    layout_id = generate_sync(client, headers, site_id, profile="hybrid", storage=storage)
    layout = client.get(f"/api/layouts/{layout_id}", headers=headers).json()
    metrics = layout["metrics"]
    assert metrics["firm_days_met_share"] == 1.0
    assert metrics["storage_kwh"] > 0 and metrics["plant_lcoe_lower_bound_usd_per_mwh"] > 0
    r = client.get(f"/api/layouts/{layout_id}/export/csv", headers=headers)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("storage_dispatch.csv").decode())))
        sources = list(csv.DictReader(io.StringIO(z.read("energy_by_source.csv").decode())))
    assert len(rows) == 8760
    assert all(float(x["grid_mw"]) >= 1.0 - 1e-3 for x in rows if float(x["firm_target_mw"]) > 0)
    assert [s["source"] for s in sources][-1] == "plant"
