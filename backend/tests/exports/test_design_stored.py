"""Exports of a designed PV layout generated and stored through the API (SQLite and PostgreSQL):
the stored design and cable features come back through `result_from_rows` into every format."""

from __future__ import annotations

import csv
import io
import zipfile

import ezdxf
import pypdf
from fastapi.testclient import TestClient

from tests.conftest import upload


def _generate(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> str:
    r = upload(client, auth, "site.kml", sample_kml, name="Designed")
    assert r.status_code == 201, r.text
    body = {
        "site_id": r.json()["id"],
        "target_capacity_kw": 3000,
        "use_terrain": False,
        "profile": "solar_farm",
        "pv": {"structure": "fixed"},
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
    lcoe = next(c for c in rows["cost.csv"] if c["line"] == "LCOE (real)")
    assert f"{float(lcoe['unit_cost_usd']):,.2f} USD/MWh" in text
