"""Wind in the economics: three CAPEX lines priced from the bill of quantities, the wind O&M line,
and a CAPEX total that is still the sum of its lines."""

from __future__ import annotations

import pytest

from app.engine.core.types import LayoutParams
from app.engine.cost.model import estimate_cost
from app.engine.cost.prices import unit_costs
from app.engine.wind.outputs import with_wind_energy
from tests.wind.test_layout import _layout, resource


def test_wind_capex_lines_and_total_is_the_sum_of_lines() -> None:
    result, _ = _layout(True)
    params = LayoutParams(target_capacity_kw=40_000, profile="wind_hybrid")
    out, _ = with_wind_energy(result, resource(), params, elevation_m=0.0)
    bom = out.design["bom"]
    n = out.metrics["turbine_count"]
    assert bom["wind"]["turbines"] == bom["wind"]["foundations"] == bom["wind"]["crane_pads"] == n
    costs = unit_costs()["costs"]
    priced = estimate_cost(bom, 100_000.0)
    lines = {line["item"]: line for line in priced["capex"]["lines"]}
    assert lines["Wind turbines"]["usd"] == pytest.approx(
        n * 3370.0 * costs["wind_turbine_usd_per_kw"]["value"]
    )
    assert lines["Turbine foundations"]["usd"] == pytest.approx(
        n * costs["wind_foundation_usd_each"]["value"]
    )
    pads = sum(e["properties"]["area_m2"] for e in out.extras if e["kind"] == "crane_pad")
    assert lines["Crane pads"]["usd"] == pytest.approx(
        pads * costs["crane_pad_usd_per_m2"]["value"], rel=1e-6
    )
    cap = priced["capex"]
    assert cap["direct_usd"] == pytest.approx(sum(line["usd"] for line in cap["lines"]), abs=0.05)
    assert cap["total_usd"] == pytest.approx(
        cap["direct_usd"] + sum(o["usd"] for o in cap["overheads"]), abs=0.05
    )
    opex = {line["item"]: line["usd"] for line in priced["opex"]["lines"]}
    assert opex["Wind O&M (fixed)"] == pytest.approx(n * 3370.0 * costs["wind_opex_usd_per_kw_yr"]["value"])
    assert priced["opex_usd_per_yr"] == pytest.approx(sum(opex.values()), abs=0.05)
