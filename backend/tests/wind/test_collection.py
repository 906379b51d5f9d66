"""The turbines' MV collection (app/engine/wind/collection.py), recomputed from the geometry: every
turbine on exactly one circuit, each circuit's cable at least the straight line along its chain and
following the roads, within the ampacity; the loss recomputed from I²R; the features, BOM and CAPEX
carry it; the substation and interconnection are sized on PV AC + wind (+ the BESS up to the POI)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from app.engine.core.crs import to_utm
from app.engine.core.types import LayoutParams
from app.engine.cost.model import estimate_cost
from app.engine.cost.plant import plant_economics
from app.engine.cost.prices import unit_costs
from app.engine.electrical.conductors import AL_MV_35KV
from app.engine.electrical.params import ElectricalParams
from app.engine.wind.collection import annual_loss_pct, design_collection
from app.engine.wind.outputs import with_wind_energy
from tests.wind.test_layout import _layout, resource

PARAMS = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid")


def _wind() -> tuple[dict, list]:  # type: ignore[type-arg]
    result, _ = _layout(True)
    return result.design["wind"], list(result.extras)


def test_every_turbine_is_on_one_circuit_and_each_leg_is_no_shorter_than_the_straight_line() -> None:
    doc, _ = _wind()
    col = doc["collection"]
    xy = {t["id"]: (t["x_m"], t["y_m"]) for t in doc["turbines"]}
    on = [t for c in col["circuits"] for t in c["turbines"]]
    assert sorted(on) == sorted(xy)
    result, _ = _layout(True)
    sub = next(a for a in result.assets if a.asset_type == "substation")
    s = to_utm(sub.footprint, result.crs).centroid
    for c in col["circuits"]:
        chain = [(s.x, s.y)] + [xy[t] for t in c["turbines"]]
        straight = sum(math.dist(a, b) for a, b in itertools.pairwise(chain))
        assert c["length_m"] >= straight - 1.0
        # One pad transformer per turbine: the circuit carries their kVA.
        kva = col["pad_transformer"]["kva"]
        assert c["mva"] == pytest.approx(len(c["turbines"]) * kva / 1000.0, rel=1e-3)


def test_wind_cables_follow_the_roads_and_stay_within_the_ampacity() -> None:
    result, _ = _layout(True)
    cables = [e for e in result.extras if e["kind"] == "cable" and e["properties"].get("source") == "wind"]
    assert cables and all(e["properties"]["level"] == "mv" for e in cables)
    roads = shapely.union_all([to_utm(r.geometry, result.crs) for r in result.roads])
    margin = ElectricalParams().mv_ampacity_margin
    amp = {c.name: c.ampacity_a for c in AL_MV_35KV}
    on_road = total = 0.0
    for e in cables:
        line = to_utm(e["geometry"], result.crs)
        # Drawn length = the length the BOM prices.
        assert line.length == pytest.approx(e["properties"]["length_m"], rel=1e-3, abs=0.5)
        on_road += line.intersection(roads.buffer(1.0)).length
        total += line.length
        assert e["properties"]["current_a"] <= margin * amp[e["properties"]["conductor"]] + 1e-6
    # Along the access roads, but for the spurs from the tower to its road.
    assert on_road / total > 0.8
    # Each leg's current: the rated current of the turbines beyond it, √3 · V · I = kVA.
    doc = result.design["wind"]
    kva = doc["collection"]["pad_transformer"]["kva"]
    v = doc["collection"]["voltage_kv"]
    for e in cables:
        p = e["properties"]
        circuit = next(c for c in doc["collection"]["circuits"] if c["circuit"] == p["feeder"])
        k = int(p["circuit"].split(".")[1]) - 1
        beyond = len(circuit["turbines"]) - k
        assert p["current_a"] == pytest.approx(beyond * kva / (math.sqrt(3) * v), rel=1e-3)


def test_design_collection_loss_is_the_sum_of_i2r_over_legs() -> None:
    """Four turbines on a straight road east of the substation: one circuit, legs tapering, the
    rated loss = Σ 3 I² R L, and the annual loss scales with Σp²/Σp."""
    road = LineString([(0, 0), (3000, 0)])
    turbines = [(600.0 * (i + 1), 30.0) for i in range(4)]
    access = [(x, 0.0) for x, _ in turbines]
    prm = ElectricalParams()
    col = design_collection([road], (0.0, -20.0), turbines, access, ["A", "B", "C", "D"], 3370.0, prm)
    assert len(col.mv.feeders) == 1
    f = col.mv.feeders[0]
    assert [col.turbine_ids[b] for b in f.blocks] == ["A", "B", "C", "D"]
    currents = [leg.current_a for leg in f.legs]
    assert currents == sorted(currents, reverse=True)
    i1 = 3370.0 / prm.power_factor * 1000.0 / (math.sqrt(3) * 34_500.0)
    assert currents[-1] == pytest.approx(i1, rel=1e-6)
    loss = sum(3 * leg.current_a**2 * leg.conductor.r_ohm_per_m(prm.conductor_temp_c) * leg.length_m
               for leg in f.legs)  # fmt: skip
    assert col.cable_loss_kw == pytest.approx(loss / 1000.0, rel=1e-9)
    # Route ≥ the straight line along the chain, ≥ the sum of the spurs' and the road's length.
    assert f.length_m >= 2400.0 + 20.0
    p = np.full(8760, 0.5)
    got = annual_loss_pct(col.document()["rated_losses_kw"], col.rated_kw, p)
    expect_cable = 100.0 * col.cable_loss_kw / col.rated_kw * 0.5
    assert got["cable_pct"] == pytest.approx(expect_cable, rel=1e-3)
    nl = 4 * col.pad_kva * prm.transformer_no_load_pct / 100.0
    ld = 4 * col.pad_kva * prm.transformer_load_loss_pct / 100.0
    expect_tr = 100.0 * (ld * 0.5 / col.rated_kw + nl * 8760 / (0.5 * col.rated_kw * 8760))
    assert got["transformer_pct"] == pytest.approx(expect_tr, rel=1e-3)


def test_electrical_loss_is_computed_from_the_collection_unless_given() -> None:
    result, _ = _layout(True)
    out, _ = with_wind_energy(result, resource(), PARAMS, elevation_m=0.0)
    losses = out.design["wind"]["losses"]
    assert losses["electrical_basis"].startswith("computed")
    assert losses["electrical_pct"] == pytest.approx(
        losses["collection_cable_pct"] + losses["pad_transformer_pct"], abs=1e-3
    )
    assert 0.3 < losses["electrical_pct"] < 5.0
    given = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid", wind={"electrical_loss_pct": 2.0})
    out2, _ = with_wind_energy(result, resource(), given, elevation_m=0.0)
    assert out2.design["wind"]["losses"]["electrical_pct"] == 2.0
    # Net AEP moves by the loss ratio only.
    r = out.metrics["wind_net_aep_mwh"] / out2.metrics["wind_net_aep_mwh"]
    assert r == pytest.approx((1 - losses["electrical_pct"] / 100) / 0.98, rel=1e-4)


def test_bom_and_capex_carry_the_collection_and_the_substation_is_sized_on_pv_plus_wind() -> None:
    result, _ = _layout(True)
    out, _ = with_wind_energy(result, resource(), PARAMS, elevation_m=0.0)
    bom = out.design["bom"]
    col = out.design["wind"]["collection"]
    cables = [c for c in bom["cables"] if c["level"] == "wind_mv"]
    assert sum(c["route_m"] for c in cables) == pytest.approx(col["cable_route_m"], abs=0.5)
    assert all(c["cable_m"] == pytest.approx(3 * c["route_m"], abs=0.2) for c in cables)
    # The headline metres are the BOM's, wind collection included.
    assert out.metrics["trench_length_m"] == pytest.approx(bom["trenches"]["total_m"], abs=0.5)
    assert out.metrics["cable_length_m"] == pytest.approx(sum(c["cable_m"] for c in bom["cables"]), abs=1.0)
    assert bom["wind"]["pad_transformers"] == out.metrics["turbine_count"]
    costs = unit_costs()["costs"]
    priced = estimate_cost(bom, 100_000.0)
    cap = priced["capex"]
    lines = {li["item"]: li for li in cap["lines"]}
    table = costs["cable_usd_per_m"]["value"]
    for c in cables:
        li = lines[f"cable {c['conductor']} (wind_mv)"]
        assert li["usd"] == pytest.approx(c["cable_m"] * table[c["conductor"]], abs=0.01)
    assert lines["Turbine pad-mounted transformers"]["usd"] == pytest.approx(
        bom["wind"]["pad_transformers"] * bom["wind"]["pad_transformer_kva"]
        * costs["wind_pad_transformer_usd_per_kva"]["value"], rel=1e-6
    )  # fmt: skip
    assert lines["MV trench (wind collection)"]["quantity"] == pytest.approx(bom["trenches"]["wind_mv_m"])
    pv_ac = bom["power_stations"]["ac_kw"]
    wind_kw = bom["wind"]["capacity_kw"]
    assert lines["substation"]["quantity"] >= pv_ac + wind_kw - 1e-6
    assert lines["interconnection and network upgrades"]["quantity"] == pytest.approx(pv_ac + wind_kw)
    assert cap["direct_usd"] == pytest.approx(sum(li["usd"] for li in cap["lines"]), abs=0.05)
    assert cap["total_usd"] == pytest.approx(
        cap["direct_usd"] + sum(o["usd"] for o in cap["overheads"]), abs=0.05
    )


@pytest.mark.parametrize(("limit_mw", "expect_kw"), [(None, 10_000.0), (45.0, 5_000.0), (30.0, 0.0)])
def test_the_battery_adds_to_the_export_only_up_to_the_poi_limit(
    limit_mw: float | None, expect_kw: float
) -> None:
    result, _ = _layout(True)
    out, _ = with_wind_energy(result, resource(), PARAMS, elevation_m=0.0)
    priced = estimate_cost(out.design["bom"], 100_000.0)
    gen = priced["capex"]["export"]["substation_kw"]
    assert gen == pytest.approx(40_000.0, abs=1.0)  # 16.41 MW PV AC + 7 × 3.37 MW
    storage = {
        "energy_kwh": 40_000.0,
        "power_kw": 10_000.0,
        "discharge_mwh": 1000.0,
        "export_limit_mw": limit_mw,
    }
    econ = plant_economics(
        priced, overrides=None, pv_energy_mwh=50_000.0, wind_energy_mwh=50_000.0, storage=storage
    )
    cap = econ["cost"]["capex"]
    share = {li["item"]: li for li in cap["lines"] if "BESS export share" in li["item"]}
    got = share["substation (BESS export share)"]["quantity"] if share else 0.0
    assert got == pytest.approx(expect_kw, abs=1.0)
    assert cap["total_usd"] == pytest.approx(
        sum(li["usd"] for li in cap["lines"]) + sum(o["usd"] for o in cap["overheads"]), abs=0.5
    )
