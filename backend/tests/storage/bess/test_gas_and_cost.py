"""Gas fills the firm gap; the whole-plant CAPEX is the sum of its lines; the storage / gas
request objects are refused by field name."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.cost.model import estimate_cost, lcoe_npv
from app.engine.cost.plant import augmentation, plant_economics
from app.engine.gas.dispatch import gas_fill, gas_metrics
from app.engine.storage.params import GasInput, parse_gas, parse_storage
from app.errors import InvalidInput

from .test_dispatch import LIMITS, evening, pv_days


def test_gas_fills_what_the_battery_cannot_and_explains_its_overshoot() -> None:
    from app.engine.storage.dispatch import SizingOptions, dispatch

    days = 30
    pv = pv_days(days, peak_mw=40.0)
    target = evening(days, 30.0)
    # A battery too small for 30 MW × 4 h: gas fills the rest, hour by hour.
    d = dispatch(pv, None, target, LIMITS, SizingOptions(energy_mwh=50.0, power_mw=12.0))
    gap = np.clip(target - d.grid_mw, 0.0, None)
    assert gap.max() > 0
    gas = gas_fill(gap, GasInput(unit_kw=7_000.0))
    units = int(np.ceil(gap.max() * 1000 / 7_000 - 1e-9))
    assert gas["units"] == units and gas["installed_kw"] == units * 7_000
    assert gas["overshoot_kw"] == pytest.approx(units * 7_000 - gap.max() * 1000, abs=0.2)
    assert "granularity" in gas["overshoot_reason"]
    served = np.minimum(gap, units * 7.0)
    assert (d.grid_mw + served >= target - 1e-4).all()  # the target is met every hour
    energy = served.sum() * 8760 / len(gap)
    assert gas["energy_mwh"] == pytest.approx(energy, rel=1e-6)
    mmbtu = energy * 9_500 / 1000
    assert gas["fuel_cost_usd_per_yr"] == pytest.approx(mmbtu * 3.5, rel=1e-6)
    assert gas["co2_t_per_yr"] == pytest.approx(mmbtu * 53.06 / 1000, rel=1e-4)
    m = gas_metrics(gas)
    assert m["gas_capacity_kw"] == gas["installed_kw"]


def test_gas_without_a_target_runs_at_its_capacity_factor() -> None:
    gas = gas_fill(None, GasInput(units=2, unit_kw=48_000, capacity_factor_pct=15))
    assert gas["energy_mwh"] == pytest.approx(96 * 8760 * 0.15)
    assert gas["overshoot_kw"] == 0.0


BOM = {
    "modules": {"count": 10_000, "power_w": 580},
    "transformers": {"total_kva": 5_000},
    "power_stations": {"ac_kw": 4_600},
    "structures": {"type": "fixed", "piles": 2_000},
    "cables": [],
    "trenches": {"dc_m": 1_000, "mv_m": 500},
    "roads": [{"area_m2": 3_000}],
    "fence_m": 1_200,
    "gates": 1,
    "grading": {"total_m3": 0},
    "gen_tie": {"length_m": 0, "interconnection_point": False},
}


def test_whole_plant_capex_is_the_sum_of_its_lines() -> None:
    pv_cost = estimate_cost(BOM, 10_000.0)
    storage = {"energy_kwh": 20_000.0, "power_kw": 5_000.0, "discharge_mwh": 6_000.0}
    gas = gas_fill(
        np.full(8760, 0.0) + np.where(np.arange(8760) % 24 == 19, 3.0, 0.0), GasInput(unit_kw=2_000)
    )
    out = plant_economics(pv_cost, overrides=None, pv_energy_mwh=10_000.0, storage=storage, gas=gas,
                          plant_energy_mwh=15_000.0)  # fmt: skip
    cap = out["cost"]["capex"]
    items = {li["item"] for li in cap["lines"]}
    assert {"BESS energy (DC block)", "BESS power (PCS)", "BESS augmentation (PV of)", "Gas units"} <= items
    total = sum(li["usd"] for li in cap["lines"]) + sum(o["usd"] for o in cap["overheads"])
    assert cap["total_usd"] == pytest.approx(total, abs=0.05)
    assert out["cost"]["capex_usd"] == cap["total_usd"]
    lines = {li["item"]: li for li in cap["lines"]}
    assert lines["BESS energy (DC block)"]["usd"] == pytest.approx(20_000 * 250.0)
    assert lines["BESS power (PCS)"]["usd"] == pytest.approx(5_000 * 150.0)
    # Augmentation recomputed: 2 %/yr fade restored at years 8, 16, 24 (30-year life), price −3 %/yr, 6 %.
    lost = 1 - 0.98**8
    pv_aug = sum(20_000 * lost * 250 * 0.97**y / 1.06**y for y in (8, 16, 24))
    assert lines["BESS augmentation (PV of)"]["usd"] == pytest.approx(pv_aug, rel=1e-6)
    assert augmentation(20_000, fade_pct_per_yr=2, interval_yr=8, lifetime_yr=30, price_usd_per_kwh=250,
                        decline_pct_per_yr=3, discount_rate=0.06)[1] == pytest.approx(pv_aug)  # fmt: skip
    assert gas["installed_kw"] == 4_000  # a 3 MW gap in 2 MW units
    assert lines["Gas units"]["usd"] == pytest.approx(4_000 * 1_400.0)
    # OPEX: the PV's plus the battery's fixed O&M, the gas O&M and its fuel.
    opex = out["cost"]["opex"]
    assert opex["total_usd_per_yr"] == pytest.approx(sum(o["usd"] for o in opex["lines"]), abs=0.05)
    assert any(o["item"] == "Gas fuel" for o in opex["lines"])
    # Per-source and plant LCOE by the same formula.
    by = {s["source"]: s for s in out["economics_by_source"]}
    assert set(by) == {"pv", "storage", "gas"}
    expect = lcoe_npv(
        capex_usd=cap["total_usd"],
        opex_usd_per_yr=opex["total_usd_per_yr"],
        energy_mwh_yr1=15_000.0,
        discount_rate=0.06,
        lifetime_yr=30,
        degradation_pct_per_yr=0.5,
    )["lcoe_usd_per_mwh"]
    assert out["plant_lcoe_usd_per_mwh"] == pytest.approx(expect, rel=1e-6)
    assert sum(s["capex_usd"] for s in by.values()) == pytest.approx(cap["total_usd"], abs=0.1)


def test_a_plant_without_pv_gets_a_cost_of_its_own() -> None:
    gas = gas_fill(None, GasInput(units=1, unit_kw=48_000))
    out = plant_economics(None, overrides={"gas_unit_usd_per_kw": 1000}, pv_energy_mwh=None, gas=gas)
    cap = out["cost"]["capex"]
    assert cap["total_usd"] == pytest.approx(48_000_000.0)
    assert out["plant_energy_mwh"] == pytest.approx(gas["energy_mwh"])


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"firm_power_mw": 10}, "firm_window"),
        ({"firm_power_mw": 10, "firm_window": [18, 22], "firm_hours": 6}, "firm_hours"),
        ({"firm_power_mw": -1, "firm_window": [18, 22]}, "storage.firm_power_mw"),
        ({"firm_days_share": 1.5}, "storage.firm_days_share"),
        ({"power_mw": 10}, "energy_mwh"),
        ({"load_profile_mw": [1.0] * 5}, "storage.load_profile_mw"),
        ({"soc_min_pct": 50, "soc_max_pct": 40}, "soc_min_pct"),
        ({"firm_window": [25, 3], "firm_power_mw": 3}, "storage.firm_window"),
        ({"bogus": 1}, "storage.bogus"),
    ],
)
def test_bad_storage_objects_are_refused_by_name(values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput, match=field.replace(".", r"\.")):
        parse_storage(values)


def test_bad_gas_objects_are_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match=r"gas\.heat_rate_btu_per_kwh"):
        parse_gas({"heat_rate_btu_per_kwh": 100})


def test_study_storage_axes_make_fixed_batteries() -> None:
    from app.studies.grid import count_variants, expand, variant_body

    grid: dict[str, list[object] | None] = {"storage_mwh": [40.0, 80.0], "storage_hours": [2.0, 4.0]}
    variants = expand(grid)
    assert count_variants(grid) == 4 and len(variants) == 4
    base = {"target_capacity_kw": 20_000, "profile": "hybrid", "storage": {"round_trip_efficiency": 0.9}}
    bodies = [variant_body(base, v) for v in variants]
    got = sorted((b["storage"]["energy_mwh"], b["storage"]["power_mw"]) for b in bodies)
    assert got == [(40.0, 10.0), (40.0, 20.0), (80.0, 20.0), (80.0, 40.0)]
    assert all(b["storage"]["round_trip_efficiency"] == 0.9 for b in bodies)
    with pytest.raises(InvalidInput, match="storage_hours needs"):
        variant_body({"target_capacity_kw": 1}, {"storage_hours": 4.0})


def test_a_placed_count_above_the_gap_is_explained_as_such() -> None:
    gap = np.where(np.arange(8760) % 24 == 19, 40.0, 0.0)
    gas = gas_fill(gap, GasInput(unit_kw=48_000), placed_units=3)
    assert gas["installed_kw"] == 144_000 and gas["overshoot_kw"] == pytest.approx(104_000)
    assert gas["overshoot_reason"].startswith("installed count")
    assert "8,000 kW of the overshoot is unit granularity" in gas["overshoot_reason"]


def test_wind_rows_carry_the_turbines_capex_and_their_o_and_m() -> None:
    """The wind row holds the turbine lines, its kW share of the substation and interconnection
    (sized on PV AC + wind), the overheads on them and the turbines' fixed O&M; the PV row the rest."""
    bom = {**BOM, "wind": {"capacity_kw": 6_800.0, "foundations": 2, "crane_pad_m2": 3_000.0}}
    cost = estimate_cost(bom, 10_000.0)
    out = plant_economics(cost, overrides=None, pv_energy_mwh=10_000.0, wind_energy_mwh=20_000.0)
    by = {s["source"]: s for s in out["economics_by_source"]}
    wind_lines = [
        li
        for li in cost["capex"]["lines"]
        if li["item"] in {"Wind turbines", "Turbine foundations", "Crane pads"}
    ]
    wind_om = next(o for o in cost["opex"]["lines"] if o["item"] == "Wind O&M (fixed)")
    assert len(wind_lines) == 3
    pv_ac = float(BOM["power_stations"]["ac_kw"])
    grid_lines = [
        li
        for li in cost["capex"]["lines"]
        if li["item"] in {"substation", "interconnection and network upgrades"}
    ]
    assert all(li["quantity"] == pytest.approx(pv_ac + 6_800.0) for li in grid_lines)
    share = 6_800.0 / (pv_ac + 6_800.0)
    sub = share * sum(li["usd"] for li in grid_lines if li["item"] == "substation")
    ic = share * sum(li["usd"] for li in grid_lines if li["item"] != "substation")
    # EPC overhead, development and contingency on wind's lines too (not on the interconnection).
    rate = sum(o["pct"] for o in cost["capex"]["overheads"]) / 100.0
    built = sum(li["usd"] for li in wind_lines) + sub
    assert by["wind"]["capex_usd"] == pytest.approx(built * (1 + rate) + ic, abs=0.01)
    # The PV row and the wind row add up to the cost document's CAPEX.
    assert by["pv"]["capex_usd"] + by["wind"]["capex_usd"] == pytest.approx(
        cost["capex"]["total_usd"], abs=0.02
    )
    assert wind_om["usd"] > 0
    assert by["wind"]["opex_usd_per_yr"] == pytest.approx(wind_om["usd"])
    assert by["pv"]["opex_usd_per_yr"] == pytest.approx(
        cost["opex"]["total_usd_per_yr"] - wind_om["usd"], abs=0.01
    )
    expect = lcoe_npv(
        capex_usd=by["wind"]["capex_usd"],
        opex_usd_per_yr=wind_om["usd"],
        energy_mwh_yr1=20_000.0,
        discount_rate=0.06,
        lifetime_yr=30,
        degradation_pct_per_yr=0.0,
    )["lcoe_usd_per_mwh"]
    assert by["wind"]["lcoe_usd_per_mwh"] == pytest.approx(expect, rel=1e-5)
