"""The turbines' share of the target: a wind input and a study axis (wind hybrids)."""

from __future__ import annotations

import pytest

from app.engine.blocks.profiles import load_profile
from app.engine.wind.layout import plan_wind
from app.engine.wind.params import parse_wind_params
from app.errors import InvalidInput
from app.studies.grid import check_conflicts, expand, variant_body


def test_share_sets_the_turbine_block_share() -> None:
    plan = plan_wind(load_profile("wind_hybrid"), parse_wind_params({"share": 0.3}), None)
    assert plan is not None
    block = next(b for b in plan.profile.blocks if b.name == plan.block)
    assert block.share == pytest.approx(0.3)
    with pytest.raises(InvalidInput, match=r"wind\.share"):
        parse_wind_params({"share": 1.5})


def test_wind_share_axis_makes_variants_with_the_share() -> None:
    base = {"target_capacity_kw": 30000, "profile": "wind_hybrid", "wind": {"shear_exponent": 0.2}}
    variants = expand({"wind_share": [0.2, 0.5], "gcr": [0.3, 0.4]})
    assert len(variants) == 4
    bodies = [variant_body(base, v) for v in variants]
    assert sorted({b["wind"]["share"] for b in bodies}) == [0.2, 0.5]
    assert all(b["wind"]["shear_exponent"] == 0.2 for b in bodies)
    with pytest.raises(InvalidInput, match="only wind_hybrid has turbines"):
        check_conflicts({"target_capacity_kw": 1, "profile": "solar_farm"}, {"wind_share": [0.2]})
    with pytest.raises(InvalidInput, match=r"base\.wind\.share"):
        check_conflicts({**base, "wind": {"share": 0.4}}, {"wind_share": [0.2]})
