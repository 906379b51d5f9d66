"""Profiles are data: every JSON profile loads and validates; overrides are checked."""

from __future__ import annotations

import pytest

from app.engine.blocks.profiles import list_profiles, load_profile
from app.engine.core.names import PROFILE_NAMES
from app.errors import InvalidInput


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_profile_loads_and_is_consistent(name: str) -> None:
    p = load_profile(name)
    assert p.name == name
    assert sum(1 for b in p.blocks if b.hub) == 1
    gen = [b for b in p.blocks if b.share is not None]
    assert gen and all(p.block_capacity_kw(b) > 0 for b in gen)
    for spec in p.asset_types.values():
        assert spec.source, "every asset type cites where its numbers come from"


def test_list_profiles_serialisable() -> None:
    import json

    data = list_profiles()
    assert [d["name"] for d in data] == list(PROFILE_NAMES)
    json.dumps(data)


def test_override_applies() -> None:
    p = load_profile("solar_farm", {"pv_block": {"max_slope_deg": 8}, "road": {"max_grade_pct": 12}})
    assert p.asset_types["pv_block"].max_slope_deg == 8
    assert p.road.max_grade_pct == 12
    # The cached base profile is untouched.
    assert load_profile("solar_farm").asset_types["pv_block"].max_slope_deg == 10


@pytest.mark.parametrize(
    "overrides",
    [
        {"pv_block": {"max_slope_deg": 90}},  # above the Field limit
        {"pv_block": {"clearance_m": -1}},
        {"pv_block": {"colour": "red"}},  # unknown field
        {"no_such_asset": {"max_slope_deg": 5}},
        {"road": {"max_grade_pct": 0.5}},
    ],
)
def test_bad_override_is_invalid_input(overrides: dict) -> None:
    with pytest.raises(InvalidInput):
        load_profile("solar_farm", overrides)


def test_unknown_profile() -> None:
    with pytest.raises(InvalidInput):
        load_profile("nuclear")


def test_bess_container_is_a_20ft_iso_and_spacing_in_rotor_diameters() -> None:
    bess = load_profile("bess").asset_types["battery_container"]
    assert (bess.width_m, bess.length_m) == (6.06, 2.44)
    wind = load_profile("wind_hybrid")
    block = next(b for b in wind.blocks if b.name == "wind_turbine")
    assert block.spacing_rotor_diameters == (4.0, 7.0)
    # In the gas plant the BESS stores energy but does not count as generating capacity.
    assert not load_profile("gas_bess").asset_types["battery_container"].generating
