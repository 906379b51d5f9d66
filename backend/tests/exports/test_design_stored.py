"""Exports of a designed PV layout generated and stored through the API (SQLite and PostgreSQL):
the stored design and cable features come back through `result_from_rows` into every format."""

from __future__ import annotations

import csv
import io
import zipfile

import ezdxf
import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.conftest import upload


def _generate(client: TestClient, auth: dict[str, str], sample_kml: bytes, **extra: object) -> str:
    r = upload(client, auth, "site.kml", sample_kml, name="Designed")
    assert r.status_code == 201, r.text
    body = {
        "site_id": r.json()["id"],
        "target_capacity_kw": 3000,
        "use_terrain": False,
        "profile": "solar_farm",
        "pv": {"structure": "fixed"},
        **extra,
    }
    r = client.post("/api/layouts/generate", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["layout"]["id"])


def test_stored_layout_exports_carry_the_design(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    layout_id = _generate(client, auth, sample_kml)
    bom = client.get(f"/api/layouts/{layout_id}/bom", headers=auth)
    assert bom.status_code == 200, bom.text
    modules = bom.json()["modules"]["count"]

    r = client.get(f"/api/layouts/{layout_id}/export/csv", headers=auth)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = set(zf.namelist())
        rows = {n: list(csv.DictReader(io.StringIO(zf.read(n).decode("utf-8")))) for n in names}
    assert {"bom.csv", "cables.csv", "energy.csv", "losses.csv", "cost.csv"} <= names
    by_item = {r["item"]: r for r in rows["bom.csv"]}
    assert int(by_item["PV modules"]["quantity"]) == modules > 0
    # No weather file and no PVGIS in the tests: the clear-sky fallback, labelled as such.
    summary = {r["key"]: r["value"] for r in rows["energy_summary.csv"]}
    assert summary["weather_source"] == "clearsky"
    assert {r["basis"] for r in rows["energy.csv"]} == {"clear-sky upper bound (not a P50)"}

    r = client.get(f"/api/layouts/{layout_id}/export/dxf", headers=auth)
    assert r.status_code == 200
    dwg = ezdxf.read(io.StringIO(r.content.decode("utf-8")))
    mv = [c for c in rows["cables.csv"] if c["level"] == "mv"]
    assert len(dwg.modelspace().query('LWPOLYLINE[layer=="CABLE_MV"]')) >= len(mv) > 0

    r = client.get(f"/api/layouts/{layout_id}/export/pdf", headers=auth)
    assert r.status_code == 200
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert "clear-sky upper bound" in text.replace("\n", " ").lower()
    lcoe = next(c for c in rows["cost.csv"] if c["line"].startswith("LCOE"))
    assert f"{float(lcoe['unit_cost_usd']):,.2f} USD/MWh" in text


BARE = (
    "annual_energy_mwh",
    "specific_yield_kwh_per_kwp",
    "capacity_factor",
    "lcoe_usd_per_mwh",
    "npv_usd",
    "pv_energy_mwh",
    "plant_energy_mwh",
    "plant_lcoe_usd_per_mwh",
)


def _no_bare_keys(value: object, where: str) -> None:
    """No bare energy / LCOE key anywhere in a JSON value (bound names only)."""
    if isinstance(value, dict):
        bare = sorted(k for k in value if k in BARE and value[k] is not None)
        assert not bare, f"{where}: bare {bare}"
        for k, v in value.items():
            _no_bare_keys(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_bare_keys(v, f"{where}[{i}]")


def test_clear_sky_layout_has_no_bare_lcoe_anywhere(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    """No weather file and no PVGIS: clear sky. The API (layout, status), CSV and PDF name the
    energy an upper bound and the LCOE a lower bound, never a bare figure."""
    layout_id = _generate(client, auth, sample_kml)
    layout = client.get(f"/api/layouts/{layout_id}", headers=auth).json()
    metrics = layout["metrics"]
    assert metrics["energy_basis"] == "clearsky_upper_bound"
    assert metrics["lcoe_lower_bound_usd_per_mwh"] > 0 and metrics["annual_energy_mwh_upper_bound"] > 0
    assert metrics["capacity_factor_upper_bound"] > 0
    assert metrics["specific_yield_kwh_per_kwp_upper_bound"] > 0
    assert metrics["p90_1yr_mwh"] is None  # no P90 on clear sky
    _no_bare_keys(layout, "layout")
    design = client.get(f"/api/layouts/{layout_id}/design", headers=auth).json()
    _no_bare_keys(design, "design")
    assert design["energy"]["p90_note"].startswith("no P90 on a clear-sky year")
    assert design["cost"]["lcoe_lower_bound_usd_per_mwh"] == metrics["lcoe_lower_bound_usd_per_mwh"]
    status = client.get(f"/api/layouts/{layout_id}/status", headers=auth).json()
    assert status["status"] == "completed" and status["annual_energy_mwh"] is None

    r = client.get(f"/api/layouts/{layout_id}/export/csv", headers=auth)
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist()}
    summary = {row["key"]: row["value"] for row in csv.DictReader(io.StringIO(texts["energy_summary.csv"]))}
    assert summary["energy_basis"] == "clearsky_upper_bound"
    assert "annual_energy_mwh_upper_bound" in summary and "annual_energy_mwh" not in summary
    assert "capacity_factor_upper_bound" in summary and "capacity_factor" not in summary
    cost_lines = [row["line"] for row in csv.DictReader(io.StringIO(texts["cost.csv"]))]
    assert [x for x in cost_lines if "LCOE" in x] == ["LCOE lower bound (real; clear-sky energy)"]
    assert not any("lcoe_usd_per_mwh" in t for t in texts.values())

    r = client.get(f"/api/layouts/{layout_id}/export/pdf", headers=auth)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    flat = " ".join(text.split())
    hits = [i for i in range(len(flat)) if flat.startswith("LCOE", i)]
    assert hits, "the PDF shows the LCOE (as a lower bound)"
    for i in hits:
        assert "lower bound" in flat[i : i + 40], flat[i : i + 60]


def test_clear_sky_hybrid_names_plant_figures_as_bounds(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    """A PV + BESS hybrid sized to a firm target on a clear-sky year: the PV, storage and plant
    energy and LCOE are bounds in the API and the CSV's energy by source, never bare figures."""
    layout_id = _generate(
        client,
        auth,
        sample_kml,
        profile="hybrid",
        storage={"firm_power_mw": 0.5, "firm_hours": 2, "firm_window": [19, 21], "firm_days_share": 1.0},
    )
    layout = client.get(f"/api/layouts/{layout_id}", headers=auth).json()
    assert layout["status"] == "completed", layout
    metrics = layout["metrics"]
    assert metrics["energy_basis"] == "clearsky_upper_bound"
    assert metrics["plant_lcoe_lower_bound_usd_per_mwh"] > 0
    assert metrics["plant_energy_mwh_upper_bound"] >= metrics["pv_energy_mwh_upper_bound"] * 0.9
    _no_bare_keys(layout, "layout")
    design = client.get(f"/api/layouts/{layout_id}/design", headers=auth).json()
    _no_bare_keys(design, "design")
    assert {row["source"] for row in design["economics_by_source"]} >= {"pv", "storage"}
    # The plant's energy adds up from its own hourly year: PV in, battery losses out.
    table = design["storage"]["dispatch"]
    col = {c: i for i, c in enumerate(table["columns"])}
    total = {
        c: sum(row[col[c]] for row in table["rows"])
        for c in ("pv_mw", "charge_mw", "discharge_mw", "grid_mw")
    }
    # The hourly PV is the year's net energy (its transformers' night draw, a few tenths of a
    # percent, is the only part the dispatch's non-negative PV column leaves out).
    assert total["pv_mw"] == pytest.approx(metrics["pv_energy_mwh_upper_bound"], rel=5e-3)
    # Hour by hour, grid = PV − charge + discharge, within the table's rounding (four columns at
    # 1 kW each; the year's sums gather 8,760 roundings, so they are compared per row).
    worst = max(
        abs(row[col["grid_mw"]] - (row[col["pv_mw"]] - row[col["charge_mw"]] + row[col["discharge_mw"]]))
        for row in table["rows"]
    )
    assert worst <= 2.5e-3
    assert total["grid_mw"] == pytest.approx(metrics["plant_energy_mwh_upper_bound"], rel=1e-3)
    assert total["discharge_mw"] < total["charge_mw"]  # round-trip losses
    r = client.get(f"/api/layouts/{layout_id}/export/csv", headers=auth)
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        by_source = list(csv.DictReader(io.StringIO(zf.read("energy_by_source.csv").decode("utf-8"))))
    assert "lcoe_usd_per_mwh" not in by_source[0]
    plant = next(row for row in by_source if row["source"] == "plant")
    assert float(plant["lcoe_lower_bound_usd_per_mwh"]) == metrics["plant_lcoe_lower_bound_usd_per_mwh"]


def test_a_hybrids_headline_lcoe_is_the_plants(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    """With a battery priced in, the headline LCOE (metrics, cost section, PDF page 1) is the
    plant's (all CAPEX, OPEX and delivered energy), recomputed here from the cost section."""
    layout_id = _generate(
        client,
        auth,
        sample_kml,
        profile="hybrid",
        storage={"power_mw": 0.5, "energy_mwh": 1.0},
    )
    metrics = client.get(f"/api/layouts/{layout_id}", headers=auth).json()["metrics"]
    cost = client.get(f"/api/layouts/{layout_id}/design", headers=auth).json()["cost"]
    assert metrics["lcoe_lower_bound_usd_per_mwh"] == metrics["plant_lcoe_lower_bound_usd_per_mwh"]
    r, life = cost["discount_rate_real"], cost["lifetime_yr"]
    d = (cost.get("degradation_pct_per_yr") or 0.0) / 100.0
    energy = sum(
        metrics["plant_energy_mwh_upper_bound"] * (1 - d) ** (t - 1) / (1 + r) ** t
        for t in range(1, life + 1)
    )
    opex = cost["opex_usd_per_yr"] * sum((1 + r) ** -t for t in range(1, life + 1))
    assert metrics["lcoe_lower_bound_usd_per_mwh"] == pytest.approx(
        (cost["capex_usd"] + opex) / energy, rel=1e-3
    )
    pdf = client.get(f"/api/layouts/{layout_id}/export/pdf", headers=auth)
    first = " ".join(pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "Plant energy (all sources)" in first and "Plant LCOE lower bound" in first
