"""Cost model: CAPEX from a bill of quantities, overrides, real LCOE and NPV against hand annuities."""

from __future__ import annotations

import pytest

from app.engine.cost.model import estimate_cost, lcoe_npv
from app.engine.cost.prices import default_costs, unit_costs
from app.engine.electrical.design import design_electrical
from app.errors import InvalidInput
from tests.engine.electrical.plantgen import synthetic_plant


@pytest.fixture(scope="module")
def bom():
    s = synthetic_plant(blocks_x=2, blocks_y=1, rows=4, per_row=3)
    return design_electrical(s.plant, s.roads, s.substation).bom


def test_lcoe_matches_the_hand_computed_annuity_without_degradation():
    annuity = (1 - 1.05**-20) / 0.05  # 12.4622…
    out = lcoe_npv(
        capex_usd=1e6,
        opex_usd_per_yr=1e4,
        energy_mwh_yr1=1000.0,
        discount_rate=0.05,
        lifetime_yr=20,
        degradation_pct_per_yr=0.0,
        price_usd_per_mwh=100.0,
    )
    assert annuity == pytest.approx(12.46221, abs=1e-5)
    assert out["lcoe_usd_per_mwh"] == pytest.approx(1e6 / (1000 * annuity) + 10.0, rel=1e-12)
    assert out["lcoe_usd_per_mwh"] == pytest.approx(90.2423, abs=1e-3)
    assert out["npv_usd"] == pytest.approx(-1e6 + (100.0 * 1000 - 1e4) * annuity, rel=1e-12)


def test_lcoe_with_degradation_is_a_geometric_series_and_npv_is_zero_at_the_lcoe():
    r, d, n = 0.07, 0.005, 25
    q = (1 - d) / (1 + r)
    pv_energy = 2000.0 / (1 + r) * (1 - q**n) / (1 - q)
    pv_opex = 5e4 * (1 - (1 + r) ** -n) / r
    out = lcoe_npv(
        capex_usd=3e6,
        opex_usd_per_yr=5e4,
        energy_mwh_yr1=2000.0,
        discount_rate=r,
        lifetime_yr=n,
        degradation_pct_per_yr=0.5,
    )
    assert out["lcoe_usd_per_mwh"] == pytest.approx((3e6 + pv_opex) / pv_energy, rel=1e-12)
    assert out["npv_usd"] is None
    at_lcoe = lcoe_npv(
        capex_usd=3e6,
        opex_usd_per_yr=5e4,
        energy_mwh_yr1=2000.0,
        discount_rate=r,
        lifetime_yr=n,
        degradation_pct_per_yr=0.5,
        price_usd_per_mwh=out["lcoe_usd_per_mwh"],
    )
    assert at_lcoe["npv_usd"] == pytest.approx(0.0, abs=1e-3)


def test_capex_lines_follow_the_bom_and_the_unit_costs(bom):
    out = estimate_cost(bom, 10_000.0)
    lines = {line["item"]: line for line in out["capex"]["lines"]}
    wdc = bom["modules"]["count"] * bom["modules"]["power_w"]
    assert lines["PV modules"]["usd"] == pytest.approx(wdc * 0.36, abs=0.01)
    assert lines["piles"]["usd"] == pytest.approx(bom["structures"]["piles"] * 120.0, abs=0.01)
    assert lines["trackers"]["usd"] == pytest.approx(wdc * 0.16, abs=0.01)
    cable_m = sum(c["cable_m"] for c in bom["cables"])
    assert sum(v["quantity"] for k, v in lines.items() if k.startswith("cable")) == pytest.approx(
        cable_m, abs=0.01
    )
    direct = sum(line["usd"] for line in out["capex"]["lines"])
    assert out["capex"]["direct_usd"] == pytest.approx(direct, abs=0.1)
    # EPC 12 % + development 10 % + contingency 3 % of all but the interconnection cost.
    ac_kw = bom["power_stations"]["ac_kw"]
    assert lines["interconnection and network upgrades"]["usd"] == pytest.approx(ac_kw * 100.0, abs=0.01)
    built = direct - ac_kw * 100.0
    assert out["capex_usd"] == pytest.approx(direct + built * 0.25, rel=1e-6)
    # O&M 20 + property tax 4 USD/kWac-yr; no land without an area.
    assert out["opex_usd_per_yr"] == pytest.approx(ac_kw * 24.0, abs=0.01)
    assert out["lcoe_usd_per_mwh"] > 0 and out["npv_usd"] is None


def test_capex_equals_the_sum_of_its_lines(bom):
    out = estimate_cost({**bom, "gen_tie": {"length_m": 2500.0, "interconnection_point": True}}, 10_000.0)
    cap = out["capex"]
    for line in cap["lines"]:
        assert line["usd"] == pytest.approx(line["quantity"] * line["unit_cost"], rel=1e-3, abs=0.01)
    for o in cap["overheads"]:
        assert o["usd"] == pytest.approx(o["base_usd"] * o["pct"] / 100.0, abs=0.01)
    items = [line["item"] for line in cap["lines"]] + [o["item"] for o in cap["overheads"]]
    for needed in (
        "gen-tie line 69 kV",
        "interconnection and network upgrades",
        "development",
        "contingency",
    ):
        assert needed in items
    total = sum(line["usd"] for line in cap["lines"]) + sum(o["usd"] for o in cap["overheads"])
    assert cap["total_usd"] == pytest.approx(total, abs=0.05)
    assert out["capex_usd"] == cap["total_usd"]
    assert out["warnings"] == []


def test_opex_has_o_and_m_property_tax_and_land_lease(bom):
    ac_kw = bom["power_stations"]["ac_kw"]
    out = estimate_cost(bom, 10_000.0, land_ha=12.5, overrides={"land_usd_per_ha_yr": 2000.0})
    by = {line["item"]: line["usd"] for line in out["opex"]["lines"]}
    assert by == pytest.approx(
        {"O&M (fixed)": ac_kw * 20.0, "property tax": ac_kw * 4.0, "land lease": 25_000.0}
    )
    assert out["opex_usd_per_yr"] == pytest.approx(sum(by.values()), abs=0.01)


def test_no_interconnection_point_prices_no_gen_tie_and_says_so(bom):
    out = estimate_cost(bom, 10_000.0)
    tie = next(line for line in out["capex"]["lines"] if line["key"] == "gen_tie_usd_per_km")
    assert tie["quantity"] == 0 and tie["usd"] == 0
    assert len(out["warnings"]) == 1 and "no interconnection point" in out["warnings"][0]
    assert "0 km" in out["warnings"][0]


def test_gen_tie_voltage_class_follows_size_or_the_request(bom):
    with_tie = {**bom, "gen_tie": {"length_m": 1000.0, "interconnection_point": True}}
    auto = estimate_cost(with_tie, None)
    assert auto["capex"]["gen_tie"] == {"length_m": 1000.0, "voltage_kv": 69.0, "usd_per_km": 750_000.0}
    hv = estimate_cost(with_tie, None, overrides={"gen_tie_voltage_kv": 230})
    assert hv["capex"]["gen_tie"]["usd_per_km"] == 1_400_000.0
    assert hv["capex_usd"] - auto["capex_usd"] == pytest.approx(650_000.0 * 1.25, rel=1e-6)
    with pytest.raises(InvalidInput, match="gen_tie_voltage_kv"):
        unit_costs({"gen_tie_voltage_kv": 100})
    priced = unit_costs({"gen_tie_voltage_kv": 100, "gen_tie_usd_per_km": {"100": 850_000.0}})
    assert priced["costs"]["gen_tie_usd_per_km"]["value"]["100"] == 850_000.0


def test_overrides_change_the_price_and_name_the_request_as_source(bom):
    base = estimate_cost(bom, 10_000.0)
    cheap = estimate_cost(bom, 10_000.0, overrides={"module_usd_per_wdc": 0.20}, price_usd_per_mwh=60.0)
    wdc = bom["modules"]["count"] * bom["modules"]["power_w"]
    assert base["capex_usd"] - cheap["capex_usd"] == pytest.approx(wdc * 0.16 * 1.25, rel=1e-6)
    assert cheap["unit_costs"]["module_usd_per_wdc"]["source"] == "request"
    assert cheap["lcoe_usd_per_mwh"] < base["lcoe_usd_per_mwh"]
    assert cheap["npv_usd"] is not None


def test_every_default_price_cites_a_source():
    for key, entry in default_costs()["costs"].items():
        assert entry["source"].strip(), key
        assert entry["unit"].strip(), key


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"nope": 1}, "unknown unit cost"),
        ({"fence_usd_per_m": -1}, "between 0 and 1000"),
        ({"cable_usd_per_m": 3}, "object"),
        ({"interconnection_usd_per_kwac": 5000}, "between 0 and 3000"),
        ({"gen_tie_usd_per_km": {"138": 3e7}}, r"gen_tie_usd_per_km\.138: must be between 0 and 2e\+07"),
        ({"gen_tie_voltage_kv": 1000}, "between 0 and 800"),
        ({"property_tax_usd_per_kwac_yr": 1e9}, "property_tax_usd_per_kwac_yr"),
        ({"gen_tie_voltage_kv": float("inf")}, "must be a number between 0 and 800"),
    ],
)
def test_bad_overrides_are_invalid_input(overrides, match):
    with pytest.raises(InvalidInput, match=match):
        unit_costs(overrides)


def test_lcoe_needs_energy():
    with pytest.raises(InvalidInput, match="positive"):
        lcoe_npv(
            capex_usd=1,
            opex_usd_per_yr=0,
            energy_mwh_yr1=0,
            discount_rate=0.05,
            lifetime_yr=20,
            degradation_pct_per_yr=0,
        )


def test_default_tracker_plant_capex_is_near_the_lbnl_median():
    # LBNL Utility-Scale Solar (2023 ed.): median installed cost of 2022 US utility PV $1.07/Wdc.
    s = synthetic_plant(blocks_x=5, blocks_y=5, rows=13, per_row=8)
    out = estimate_cost(design_electrical(s.plant, s.roads, s.substation).bom, 200_000.0)
    assert 0.8 < out["capex"]["usd_per_wdc"] < 1.3
    assert out["capex"]["usd_per_wac"] > out["capex"]["usd_per_wdc"]
