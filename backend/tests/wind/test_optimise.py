"""The turbine lattice orientation search (app/engine/wind/optimise.py, --optimise-turbines): off by
default, the prevailing orientation evaluated first so the result is never worse than the default,
the best candidate kept, the budget bounding how many candidates start (a fake clock: no timing)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from app.engine.wind.energy import air_density, wind_energy
from app.engine.wind.optimise import OFFSETS_DEG, search_orientation
from app.engine.wind.params import parse_wind_params
from app.engine.wind.resource import at_hub
from app.pipeline.run import DesignInput
from app.pipeline.wind import optimise_wind
from tests.engine.factory import grid_for, make_site
from tests.wind.test_layout import resource


class _Clock:
    """Each evaluation advances it by `step` seconds."""

    def __init__(self, step: float) -> None:
        self.t = 0.0
        self.step = step

    def __call__(self) -> float:
        return self.t


def test_budget_bounds_the_candidates_and_the_prevailing_comes_first() -> None:
    clock = _Clock(10.0)
    seen: list[float] = []

    def evaluate(rot: float) -> tuple[int, float]:
        seen.append(rot)
        clock.t += clock.step
        return 5, 1000.0 + (50.0 if abs(rot - 255.0) < 1e-9 else 0.0)

    best, cands = search_orientation(evaluate, 240.0, 35.0, clock=clock)
    # 10 s each: the 1st ends at 10 s, the 2nd at 20 s, the 3rd at 30 s; a 4th would end at 40 s > 35 s.
    assert seen == [240.0, 255.0, 225.0]
    assert best == 255.0 and [c.rotation_deg for c in cands] == seen
    best, cands = search_orientation(evaluate, 240.0, 1e6, clock=clock)
    assert len(cands) == 1 + len(OFFSETS_DEG)


def test_ties_keep_the_prevailing_orientation() -> None:
    best, cands = search_orientation(lambda r: (4, 100.0), 10.0, 1e6, clock=_Clock(1.0))
    assert best == 10.0 and len(cands) == 7


def test_off_by_default() -> None:
    assert parse_wind_params(None).optimise_s == 0.0
    params = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid", use_terrain=False)
    case = make_site(3600, 3600, entry=(0, 1800))
    grid = grid_for(case.boundary, case.crs, resolution_m=30.0)
    job = DesignInput(site_id=uuid.uuid4(), site=case.site, params=params)
    assert optimise_wind(job, params, grid, resource()) == (params, None)


def test_the_chosen_orientation_gives_the_most_energy_recomputed() -> None:
    params = LayoutParams(
        target_capacity_kw=40_000, profile="wind_hybrid", use_terrain=False, wind={"optimise_s": 3600}
    )
    case = make_site(3600, 3600, entry=(0, 1800))
    grid = grid_for(case.boundary, case.crs, resolution_m=30.0)
    job = DesignInput(site_id=uuid.uuid4(), site=case.site, params=params)
    chosen, doc = optimise_wind(job, params, grid, resource())
    assert doc is not None and len(doc["candidates"]) == 1 + len(OFFSETS_DEG)
    aeps = [c["aep_mwh"] for c in doc["candidates"]]
    assert doc["chosen_rotation_deg"] == pytest.approx(
        doc["candidates"][int(np.argmax(aeps))]["rotation_deg"]
    )
    assert max(aeps) >= aeps[0]  # never worse than the default (prevailing) orientation
    assert chosen.wind is not None and chosen.wind["rotation_deg"] == pytest.approx(
        doc["chosen_rotation_deg"]
    )
    # The chosen layout's energy after wakes, recomputed from its turbines (ISA density at the
    # grid's mean elevation, as the pipeline), is the candidate's.
    result = generate_layout(case.site, grid, chosen, wind_resource=resource())
    wp = parse_wind_params(chosen.wind)
    xy = np.array([[t["x_m"], t["y_m"]] for t in result.design["wind"]["turbines"]])
    e = wind_energy(wp.turbine, at_hub(resource(), 110.0, wp.shear_exponent), xy[:, 0], xy[:, 1],
                    density=air_density(float(np.nanmean(grid.data))), shear=wp.shear_exponent)  # fmt: skip
    assert e.gross_mwh * (1 - e.farm_wake_loss_pct / 100) == pytest.approx(max(aeps), rel=1e-4)
    assert result.design["wind"]["spacing"]["rotation_deg"] == pytest.approx(doc["chosen_rotation_deg"])
