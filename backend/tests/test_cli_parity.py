"""`sitelayouts generate` and the API compute a layout through the same pipeline: for the same site
file and parameters they report the same metrics, warnings and terrain provenance."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli.main import app as cli_app
from app.dem.demo import demo_site_kml, write_demo_dem
from app.main import create_app
from app.pipeline.run import TERRAIN_NOT_ASSESSED
from app.services import build_services
from tests.conftest import make_settings, make_user, upload

# What the CLI prints besides the stored metrics: the design document's tables and its warnings.
CLI_ONLY = {"warnings", "bom", "energy", "cost", "single_line", "terrain_source"}


def _same(a: Any, b: Any) -> bool:
    """Equal values, NaN equal to NaN (the JSON column and json.dumps both keep it)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("use_terrain", [False, True], ids=["flat", "dem"])
def test_cli_and_api_report_the_same_metrics(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_terrain: bool
) -> None:
    dem_file = write_demo_dem(tmp_path / "dem")
    settings = make_settings(
        database_url,
        tmp_path,
        dem_source=["file"] if use_terrain else ["flat"],
        dem_path=dem_file,
        weather_source=["clearsky"],
    )
    kml = tmp_path / "demo-site.kml"
    kml.write_bytes(demo_site_kml())

    # The API, synchronous path.
    services = build_services(settings)
    try:
        with TestClient(create_app(services=services)) as client:
            headers = make_user(services, "parity@example.com")
            site = upload(client, headers, kml.name, kml.read_bytes())
            assert site.status_code == 201, site.text
            r = client.post(
                "/api/layouts/generate",
                json={
                    "site_id": site.json()["id"],
                    "target_capacity_kw": 5_000,
                    "use_terrain": use_terrain,
                    "dem_resolution_m": 30,
                },
                headers=headers,
            )
            assert r.status_code == 201, r.text
            stored = r.json()["layout"]
    finally:
        services.close()

    # The CLI, in this process, on the same settings.
    monkeypatch.setattr("app.config.get_settings", lambda: settings)
    args = ["generate", str(kml), "--capacity-kw", "5000", "--resolution-m", "30"]
    args += ["--dem", str(dem_file)] if use_terrain else ["--flat"]
    out = CliRunner().invoke(cli_app, args, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    printed = json.loads(out.stdout)

    api_metrics: dict[str, Any] = stored["metrics"]
    assert set(printed) - set(api_metrics) <= CLI_ONLY
    assert set(api_metrics) <= set(printed)
    differing = {k: (printed[k], v) for k, v in api_metrics.items() if not _same(printed[k], v)}
    assert differing == {}
    assert printed["warnings"] == stored["warnings"]
    # The provenance the CLI used to lack.
    assert printed["dem_source"] == ("file" if use_terrain else "flat")
    assert printed["terrain_assessed"] is use_terrain
    assert (TERRAIN_NOT_ASSESSED in printed["warnings"]) is (not use_terrain)
    if use_terrain:
        # The Jacksboro GeoTIFF's own cells: 3 arc-seconds of latitude [m].
        assert printed["dem_native_resolution_m"] == pytest.approx(3 / 3600 * 111_320, rel=1e-3)
    assert printed["capex_usd"] is not None and printed["capex_usd"] > 0
    assert printed["cost"]["capex_usd"] == printed["capex_usd"]
