"""Collector substations (issue 21 item 6), checked from the output geometry: a flat 180 ha parcel
split north–south by a wetland, with an entry on each side. The far side is built, fed by a
collector substation reached by road and tied to the main substation around the wetland; no cable
runs in the wetland; string runs and DC feeders within their limits measured on the cables."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from shapely.geometry import Point

from app.engine.core.types import LayoutResult
from app.engine.cost.model import estimate_cost
from app.engine.cost.prices import unit_costs
from tests.engine.factory import square_utm
from tests.engine.test_constructable import _check, _run, _utm

TARGET_KW = 80_000.0


@pytest.fixture(scope="module")
def split() -> tuple[LayoutResult, dict[str, Any], list[Any]]:
    crs, parcel = square_utm(1342.0)
    case = {
        "crs": crs,
        "parcel": parcel,
        "zones": [{"type": "wetland", "angle": 90.0, "offset": 0.0, "width": 40.0}],
        "entries": [
            Point(parcel.bounds[0] + 1.0, parcel.centroid.y),
            Point(parcel.bounds[2] - 1.0, parcel.centroid.y),
        ],
    }
    result, polys = _run(case, TARGET_KW, "fixed")
    return result, case, polys


def test_the_far_side_of_a_wetland_is_built_with_a_collector(split: Any) -> None:
    result, case, polys = split
    # Constructable from geometry: cables out of the wetland and in the parcel, every piece of
    # equipment (the collector too) and every table's power station reached along the roads.
    _check(result, case, polys)
    parcel = case["parcel"]
    cx = parcel.centroid.x
    wetland = polys[0]
    coll = [a for a in result.assets if a.asset_type == "collector_substation"]
    main = [a for a in result.assets if a.asset_type == "substation"]
    assert len(coll) == 1 and len(main) == 1
    (cfoot,) = _utm(result, [coll[0].footprint])
    (mfoot,) = _utm(result, [main[0].footprint])
    # The collector stands on the other side of the wetland from the main substation.
    assert (cfoot.centroid.x - cx) * (mfoot.centroid.x - cx) < 0
    tables = _utm(result, [a.footprint for a in result.assets if "modules" in a.properties])
    far = [t for t in tables if (t.centroid.x - cx) * (cfoot.centroid.x - cx) > 0]
    # The near side holds ~62 MWac (the layout without a collector): the rest comes from the far side.
    assert len(far) > 0.1 * len(tables)
    # Capacity close to the target (the wetland and the collector's yard take some land).
    assert result.metrics["total_capacity_kw"] >= 0.95 * TARGET_KW
    # No cable or trench inside the wetland, measured on the geometry.
    wires = _utm(result, [e["geometry"] for e in result.extras if e["kind"] in ("cable", "trench")])
    inside = sum(w.intersection(wetland.buffer(-0.5)).length for w in wires)
    assert inside < 0.5
    # The MV cables on the collector's side end at the collector, not across the wetland.
    mv = _utm(
        result,
        [e["geometry"] for e in result.extras if e["kind"] == "cable" and e["properties"]["level"] == "mv"],
    )
    far_mv = [g for g in mv if (g.centroid.x - cx) * (cfoot.centroid.x - cx) > 0]
    assert far_mv and min(g.distance(cfoot) for g in far_mv) < 50.0
    # The tie joins the two yards around the wetland, never through it.
    ties = [e for e in result.extras if e["kind"] == "collector_tie"]
    assert len(ties) == 1
    (tie,) = _utm(result, [ties[0]["geometry"]])
    assert tie.intersection(wetland.buffer(-0.5)).length < 0.5
    ends = [Point(tie.coords[0]), Point(tie.coords[-1])]
    assert min(p.distance(cfoot) for p in ends) < 1.0 and min(p.distance(mfoot) for p in ends) < 1.0
    assert ties[0]["properties"]["length_m"] == pytest.approx(tie.length, rel=1e-3)
    m = result.metrics
    assert m["collector_substation_count"] == 1
    assert m["collector_tie_length_m"] == pytest.approx(tie.length, rel=1e-3)
    assert not any("left empty" in w for w in result.warnings)


def test_collector_and_its_tie_are_priced(split: Any) -> None:
    result, _, _ = split
    bom = result.design["bom"]
    assert len(bom["collectors"]) == 1
    cost = estimate_cost(bom, None)
    lines = {ln["item"]: ln for ln in cost["capex"]["lines"]}
    costs = unit_costs()["costs"]
    assert lines["collector substation 1"]["usd"] == pytest.approx(
        costs["collector_substation_usd_each"]["value"]
    )
    tie = next(ln for name, ln in lines.items() if name.startswith("collector tie line 1"))
    kv = bom["collectors"][0]["voltage_kv"]
    per_km = costs["gen_tie_usd_per_km"]["value"][f"{kv:g}"]
    assert tie["usd"] == pytest.approx(bom["collectors"][0]["tie_m"] / 1000.0 * per_km, rel=1e-3)


def test_string_runs_and_feeders_within_limits_on_the_cables(split: Any) -> None:
    result, _, _ = split
    strings = [
        e for e in result.extras if e["kind"] == "cable" and e["properties"]["circuit"].endswith("strings")
    ]
    feeders = [
        e for e in result.extras if e["kind"] == "cable" and e["properties"]["circuit"].endswith("feeder")
    ]
    s_geo = _utm(result, [e["geometry"] for e in strings])
    f_geo = _utm(result, [e["geometry"] for e in feeders])
    longest_string = max(p.length for g in s_geo for p in shapely.get_parts(g))
    assert longest_string <= 400.0 + 0.5
    assert max(g.length for g in f_geo) <= 1000.0 + 0.5


def test_no_table_stands_under_the_tie(split: Any) -> None:
    """The tie is an overhead HV line: every table keeps out of its right-of-way (half the class's
    width each side of the centreline; 69 kV 50 ft is the narrowest class, so never nearer than
    7.6 m whatever the class)."""
    result, _, _ = split
    (feature,) = [e for e in result.extras if e["kind"] == "collector_tie"]
    (tie,) = _utm(result, [feature["geometry"]])
    tables = _utm(result, [a.footprint for a in result.assets if "modules" in a.properties])
    nearest = min(t.distance(tie) for t in tables)
    assert nearest >= 0.3048 * 50 / 2 - 0.01
    widths = {69: 15.0, 115: 23.0, 138: 27.0, 230: 35.0, 345: 46.0}
    assert nearest >= widths[int(feature["properties"]["voltage_kv"])] / 2 - 0.01
