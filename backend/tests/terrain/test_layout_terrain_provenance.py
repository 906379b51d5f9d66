"""Layouts say what terrain they used: DEM source, grid and native resolution, and warnings."""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import pytest
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from app.config import Settings
from app.dem.demo import demo_site
from app.engine.core.geojson import layout_feature_collection
from app.engine.core.types import LayoutParams, LayoutResult, SiteInput
from app.pipeline.run import TERRAIN_NOT_ASSESSED, DesignInput, run_pipeline, with_terrain_provenance
from app.storage.local import LocalStorage
from tests.conftest import make_settings

SITE = box(-84.36, 36.68, -84.35, 36.69)  # inside the Jacksboro DEM


@pytest.fixture
def dem_settings(tmp_path: Path, dem_dir: Path) -> Settings:
    return make_settings("sqlite://", tmp_path, dem_source=["file"], dem_path=dem_dir)


def _job(use_terrain: bool, resolution_m: float = 10.0, boundary: BaseGeometry = SITE) -> DesignInput:
    params = LayoutParams(target_capacity_kw=5_000, dem_resolution_m=resolution_m, use_terrain=use_terrain)
    return DesignInput(
        layout_id=uuid.uuid4(), site_id=uuid.uuid4(), site=SiteInput(boundary=boundary), params=params
    )


def _empty_result() -> LayoutResult:
    return LayoutResult(
        assets=(), roads=(), metrics={"total_capacity_kw": 0.0}, warnings=("w0",), crs="EPSG:32616"
    )


def test_terrain_on_finer_than_source(dem_settings: Settings) -> None:
    r = with_terrain_provenance(
        _empty_result(), _job(True), source="file", grid_resolution_m=10.0, settings=dem_settings
    )
    native_m = 3 / 3600 * 111_320  # 3 arc-second cells north-south [m]
    assert r.metrics["dem_source"] == "file"
    assert r.metrics["dem_resolution_m"] == 10.0
    assert r.metrics["dem_native_resolution_m"] == pytest.approx(native_m, rel=1e-3)
    assert r.metrics["dem_resolution_label"] == f"10 m grid resampled from ≈ {native_m:.0f} m source"
    assert r.metrics["terrain_assessed"] is True
    assert r.metrics["total_capacity_kw"] == 0.0  # the engine's metrics are kept
    assert r.warnings[0] == "w0"
    assert any("finer than its DEM source" in w for w in r.warnings)
    assert TERRAIN_NOT_ASSESSED not in r.warnings
    coarse = with_terrain_provenance(
        _empty_result(), _job(True, 90.0), source="file", grid_resolution_m=90.0, settings=dem_settings
    )
    assert coarse.warnings == ("w0",)


def test_terrain_off_warns_not_assessed(dem_settings: Settings) -> None:
    r = with_terrain_provenance(
        _empty_result(), _job(False), source="flat", grid_resolution_m=10.0, settings=dem_settings
    )
    assert r.metrics["dem_source"] == "flat"
    assert r.metrics["dem_native_resolution_m"] is None
    assert r.metrics["terrain_assessed"] is False
    assert TERRAIN_NOT_ASSESSED in r.warnings
    assert "not assessed" in TERRAIN_NOT_ASSESSED


@pytest.mark.parametrize("use_terrain", [True, False])
def test_pipeline_carries_provenance(dem_settings: Settings, tmp_path: Path, use_terrain: bool) -> None:
    storage = LocalStorage(tmp_path / "st")
    # The demo site: ground gentle enough for a substation (the engine refuses a plant without one).
    job = _job(use_terrain, 30.0, boundary=demo_site().boundary)
    result = run_pipeline(job, settings=dem_settings, storage=storage, progress=lambda s, p: None).result
    fc = layout_feature_collection(job.site, result, job.params)
    assert result.metrics["dem_source"] == ("file" if use_terrain else "flat")
    assert result.metrics["dem_resolution_m"] == 30.0
    assert (TERRAIN_NOT_ASSESSED in result.warnings) is (not use_terrain)
    if use_terrain:
        assert math.isclose(result.metrics["dem_native_resolution_m"], 3 / 3600 * 111_320, rel_tol=1e-3)
    assert fc["metrics"]["dem_source"] == result.metrics["dem_source"]
