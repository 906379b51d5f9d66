"""Closed forms of the DC / LV circuits (app.engine.electrical.dc) and the MV feeders
(app.engine.electrical.mv), checked on every circuit of a synthetic plant: the I²R loss
k·I²·R·L and the voltage drop of each circuit recomputed here from the conductor's resistance per
km at 20 °C and the linear temperature law (copper 0.393 %/K, aluminium 0.403 %/K, IEC 60228)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.electrical.conductors import Conductor
from app.engine.electrical.dc import DcResult
from app.engine.electrical.design import design_electrical
from app.engine.electrical.mv import MvResult
from tests.engine.electrical.plantgen import synthetic_plant

T_C = 50.0  # conductor temperature [°C]
MV_KV = 34.5
PF = 0.95
LV_V = 800.0


def _r_ohm_per_m(c: Conductor) -> float:
    alpha = 0.00393 if c.material == "Cu" else 0.00403
    return c.r20_ohm_per_km / 1000.0 * (1.0 + alpha * (T_C - 20.0))


@pytest.fixture(scope="module", params=["central", "string"])
def design(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    s = synthetic_plant(blocks_x=3, blocks_y=2, rows=6, per_row=3, partial_every=4)
    params = {
        "topology": request.param,
        "conductor_temp_c": T_C,
        "mv_voltage_kv": MV_KV,
        "power_factor": PF,
        "lv_ac_voltage_v": LV_V,
    }
    return s, design_electrical(s.plant, s.roads, s.substation, params)


def test_string_loss_is_imp_squared_r_l(design) -> None:  # type: ignore[no-untyped-def]
    s, e = design
    dc: DcResult = e.dc
    imp = s.plant.design.design.module.imp_a
    assert len(dc.string_loss_w) > 0 and np.all(dc.string_cable_m > 0)
    for d in range(len(dc.string_loss_w)):
        # Each string carries Imp through its + and − conductors; string_cable_m counts both.
        expected = imp**2 * _r_ohm_per_m(dc.string_conductor[d]) * dc.string_cable_m[d]
        assert dc.string_loss_w[d] == pytest.approx(expected, rel=1e-9)


def test_feeder_loss_and_drop_closed_form(design) -> None:  # type: ignore[no-untyped-def]
    s, e = design
    dc: DcResult = e.dc
    imp = s.plant.design.design.module.imp_a
    for d in range(len(dc.feeder_loss_w)):
        r = _r_ohm_per_m(dc.feeder_conductor[d])
        length = float(dc.feeder_route_m[d])
        par = int(dc.feeder_parallel[d])
        if dc.topology == "central":
            # DC feeder: the device's strings' Imp on a + and a − conductor per run.
            i = int(dc.device_strings[d]) * imp
            assert dc.feeder_current_a[d] == pytest.approx(i, rel=1e-12)
            assert dc.feeder_loss_w[d] == pytest.approx(2 * i**2 * r * length / par, rel=1e-9)
        else:
            # LV AC feeder: three-phase, I ≤ P_inverter / (√3·V·pf); ΔV = √3·I·R·L.
            i = float(dc.feeder_current_a[d])
            assert 0 < i <= dc.device_ac_kw[d] * 1000 / (math.sqrt(3) * LV_V * PF) + 1e-9
            assert dc.feeder_loss_w[d] == pytest.approx(3 * i**2 * r * length / par, rel=1e-9)
            drop = math.sqrt(3) * (i / par) * r * length / LV_V * 100
            assert dc.feeder_drop_pct[d] == pytest.approx(drop, rel=1e-9)


def test_mv_feeder_loss_and_drop_closed_form(design) -> None:  # type: ignore[no-untyped-def]
    s, e = design
    mv: MvResult = e.mv
    v = MV_KV * 1000.0
    assert len(mv.feeders) > 0
    served = []
    for f in mv.feeders:
        # The first leg carries every station of the feeder: I = S / (√3·V).
        assert f.legs[0].current_a == pytest.approx(f.mva * 1e6 / (math.sqrt(3) * v), rel=1e-9)
        currents = [leg.current_a for leg in f.legs]
        assert currents == sorted(currents, reverse=True)  # tapers outwards
        drop = 0.0
        for leg in f.legs:
            r = _r_ohm_per_m(leg.conductor)
            assert leg.loss_w == pytest.approx(3 * leg.current_a**2 * r * leg.length_m, rel=1e-9)
            drop += math.sqrt(3) * leg.current_a * r * leg.length_m / v * 100
        assert f.loss_w == pytest.approx(sum(leg.loss_w for leg in f.legs), rel=1e-12)
        assert f.drop_pct == pytest.approx(drop, rel=1e-9)
        assert f.length_m == pytest.approx(sum(leg.length_m for leg in f.legs), rel=1e-12)
        served.extend(f.blocks)
    # Station apparent power = block AC as built / pf: the feeders' MVA add up to the plant's.
    total_mva = float(np.sum(e.dc.block_ac_kw)) / PF / 1000
    assert sum(f.mva for f in mv.feeders) == pytest.approx(total_mva, rel=1e-9)
    assert sorted(served) == list(range(len(s.plant.blocks)))
