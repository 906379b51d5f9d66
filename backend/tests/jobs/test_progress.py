"""A job's progress only goes forward: the engine's own 0–100 % is one stretch of the job's bar."""

from __future__ import annotations

import uuid
from pathlib import Path

from app.dem.demo import demo_site
from app.engine.core.progress import scaled
from app.engine.core.types import LayoutParams, SiteInput
from app.pipeline.run import STAGE_ENERGY, STAGE_FETCHING_DEM, STAGE_SAVING, DesignInput, run_pipeline
from app.storage.local import LocalStorage
from tests.conftest import make_settings


def test_pipeline_progress_never_goes_backwards(tmp_path: Path) -> None:
    settings = make_settings("sqlite://", tmp_path, dem_source=["flat"], weather_source=["clearsky"])
    params = LayoutParams(target_capacity_kw=5_000, use_terrain=False)
    job = DesignInput(
        layout_id=uuid.uuid4(),
        site_id=uuid.uuid4(),
        site=SiteInput(boundary=demo_site().boundary),
        params=params,
    )
    seen: list[tuple[str, float]] = []
    run_pipeline(
        job,
        settings=settings,
        storage=LocalStorage(tmp_path / "st"),
        progress=lambda s, p: seen.append((s, p)),
    )
    pcts = [p for _, p in seen]
    assert pcts == sorted(pcts), seen
    assert seen[0][0] == STAGE_FETCHING_DEM and seen[-1][0] == STAGE_SAVING
    assert STAGE_ENERGY in {s for s, _ in seen}
    assert len(seen) >= 8  # the engine's own stages are reported too


def test_scaled_maps_a_step_onto_its_stretch() -> None:
    got: list[float] = []
    report = scaled(lambda _s, p: got.append(p), 5.0, 90.0)
    for p in (-3.0, 0.0, 50.0, 100.0, 120.0):
        report("x", p)
    assert got == [5.0, 5.0, 47.5, 90.0, 90.0]
