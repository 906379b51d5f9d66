"""Mixes say when they fall short: shares placed short of what was asked are warned with both numbers."""

from __future__ import annotations

import re

import pytest
from shapely.geometry import box

from app.engine.blocks.mix import mix_warnings
from app.engine.blocks.placement import PlacedBlock, PlacedComponent, Placement
from app.engine.blocks.profiles import load_profile
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from tests.engine.factory import grid_for, site_from_utm, square_utm


def _kw(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in re.findall(r"([\d,]+) kW\b", text)]


def test_wind_short_of_its_share_is_topped_up_with_pv_and_says_so() -> None:
    # 60 % of 100 MW is 14 turbines; spaced 4 × 7 rotor diameters, only a few fit on 1.5 km.
    crs, sq = square_utm(1500)
    site = site_from_utm(sq, crs)
    r = generate_layout(
        site, grid_for(sq, crs), LayoutParams(target_capacity_kw=100_000, profile="wind_hybrid")
    )
    wind_kw = sum(a.capacity_kw for a in r.assets if a.asset_type == "wind_turbine")
    pv_kw = r.metrics["total_capacity_kw"] - wind_kw
    assert 0 < wind_kw < 60_000 - 4_200 and pv_kw > 40_000
    msgs = [w for w in r.warnings if w.startswith("wind turbine fell short")]
    assert len(msgs) == 1, r.warnings
    # Both numbers for wind (placed, asked) and for the PV that made up the rest.
    assert _kw(msgs[0]) == [round(wind_kw), 60_000, 100_000, round(pv_kw), 40_000]
    assert "topped up with PV" in msgs[0]


def test_a_mix_that_meets_its_shares_says_nothing() -> None:
    crs, sq = square_utm(4000)
    site = site_from_utm(sq, crs)
    r = generate_layout(
        site, grid_for(sq, crs), LayoutParams(target_capacity_kw=30_000, profile="wind_hybrid")
    )
    wind_kw = sum(a.capacity_kw for a in r.assets if a.asset_type == "wind_turbine")
    # The placer rounds the wind share down to whole turbines (4.2 MW); PV takes the remainder.
    assert 18_000 - 4_200 < wind_kw <= 18_000
    assert not any("fell short" in w or "storage" in w for w in r.warnings)


def _bess_only_placement() -> Placement:
    """A placement holding one substation and one BESS block (two containers), no generation."""
    sub = PlacedBlock(name="substation", centre=(0.0, 0.0), rotation_deg=0.0, access=(0.0, -50.0), hub=True)
    bess = PlacedBlock(
        name="bess_block", centre=(200.0, 0.0), rotation_deg=0.0, access=(200.0, -5.0), hub=False
    )

    def comp(asset_type: str, block: int, storage_kwh: float) -> PlacedComponent:
        return PlacedComponent(
            asset_type=asset_type,
            polygon=box(0, 0, 6, 2.4),
            rotation_deg=0.0,
            block_index=block,
            capacity_kw=0.0,
            storage_kwh=storage_kwh,
            clearance_m=3.0,
            max_slope_deg=3.0,
        )

    return Placement(
        components=[
            comp("substation", 0, 0.0),
            comp("battery_container", 1, 3727.0),
            comp("battery_container", 1, 3727.0),
        ],
        blocks=[sub, bess],
    )


def test_storage_beside_no_pv_is_warned_with_both_numbers() -> None:
    profile = load_profile("hybrid")
    w = mix_warnings(profile, 20_000, _bess_only_placement(), pv_block="pv_block", pv_kw=0.0)
    assert w == ["7,454 kWh of storage placed beside 0 kW of PV (its share: 20,000 kW)"]
    # With PV placed the storage has something to charge from: no warning.
    assert mix_warnings(profile, 20_000, _bess_only_placement(), pv_block="pv_block", pv_kw=20_000.0) == []


def test_pv_short_of_its_share_counts_any_shortfall() -> None:
    # wind_hybrid: 40 % PV. PV is designed table by table, so 1 kW short is short.
    profile = load_profile("wind_hybrid")
    placement = Placement()
    w = mix_warnings(profile, 10_000, placement, pv_block="pv_block", pv_kw=3_999.0)
    assert any(m.startswith("PV fell short") and _kw(m)[:2] == [3_999, 4_000] for m in w)
    assert not any(
        "PV fell short" in m
        for m in mix_warnings(profile, 10_000, placement, pv_block="pv_block", pv_kw=4_000.0)
    )


def test_overshoot_beyond_five_percent_says_the_unit_size_and_by_how_much() -> None:
    crs, sq = square_utm(1500)
    site, grid = site_from_utm(sq, crs), grid_for(sq, crs)
    cases = {("gas_bess", 50_000.0): True, ("gas_bess", 96_000.0): False, ("solar_farm", 20_000.0): False}
    for (profile, target), warned in cases.items():
        r = generate_layout(site, grid, LayoutParams(target_capacity_kw=target, profile=profile))
        placed = r.metrics["total_capacity_kw"]
        over = [w for w in r.warnings if w.startswith("capacity over target")]
        assert r.metrics["capacity_over_target_pct"] == pytest.approx(100 * (placed - target) / target)
        assert bool(over) is warned is (placed > 1.05 * target), (profile, target, placed)
        if warned:
            unit = load_profile(profile).asset_types["gas_turbine"].capacity_kw
            n = round(placed / unit)
            assert placed == n * unit == 96_000.0
            assert r.warnings[0] == over[0]  # first, where a shortfall would be
            assert f"{n} × {unit:,.0f} kW gas turbine" in over[0]
            assert (
                f"+{placed - target:,.0f} kW" in over[0]
                and f"+{100 * (placed - target) / target:.0f} %" in over[0]
            )
