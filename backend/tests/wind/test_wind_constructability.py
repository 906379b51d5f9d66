"""The turbines' MV collection in the constructability check (app/engine/civil/constructability.py,
`wind_constructability`), recomputed from the geometry: on a hybrid parcel with a wetland between
the turbines no wind cable or trench enters the wetland or leaves the parcel, and every turbine pad
is on the entry's road network; a wetland the collection does cross, and a turbine whose road is
not joined to the substation's, are reported as problems (warned, not `ok`)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from app.engine.civil.constructability import wind_constructability
from app.engine.core.crs import WGS84, reproject_many, to_utm, to_wgs84
from app.engine.core.types import Exclusion, LayoutParams, LayoutResult, SiteInput
from app.engine.layout import generate, generate_layout
from tests.engine.factory import grid_for, make_site
from tests.wind.test_layout import resource

RES_M = 30.0
# The access tolerance of the check: two DEM cells [m].
TOL_M = 2 * RES_M


def _run(extra_never: Polygon | None = None) -> tuple[LayoutResult, Polygon, Polygon, Point]:
    """A 3.6 km square, entry on the west edge, a 300 m × 2.6 km wetland 0.7 km in: turbines on
    both sides of it. extra_never: a zone (UTM) the collection check alone is told of."""
    case = make_site(3600, 3600, entry=(0, 1800))
    x0, y0, _, _ = case.boundary.bounds
    wet = box(x0 + 700, y0 + 500, x0 + 1000, y0 + 3100)
    site = SiteInput(
        boundary=case.site.boundary,
        entry_point=case.site.entry_point,
        exclusions=(Exclusion(geometry=to_wgs84(wet, case.crs), zone_type="wetland"),),  # type: ignore[arg-type]
    )
    grid = grid_for(case.boundary, case.crs, resolution_m=RES_M)
    params = LayoutParams(target_capacity_kw=60_000, profile="wind_hybrid", use_terrain=False)
    if extra_never is None:
        result = generate_layout(site, grid, params, wind_resource=resource())
    else:
        with pytest.MonkeyPatch.context() as mp:
            real = generate._collection_checks

            def forced(frame: Any, state: Any) -> Any:
                c = real(frame, state)
                assert c is not None
                return type(c)(**{**c.__dict__, "never_zones": (*c.never_zones, extra_never)})

            mp.setattr(generate, "_collection_checks", forced)
            result = generate_layout(site, grid, params, wind_resource=resource())
    return result, case.boundary, wet, Point(x0, y0 + 1800)


@pytest.fixture(scope="module")
def hybrid() -> tuple[LayoutResult, Polygon, Polygon, Point]:
    return _run()


def _wind_lines(result: LayoutResult) -> list[LineString]:
    feats = [
        e["geometry"]
        for e in result.extras
        if e["kind"] in ("cable", "trench") and e["properties"].get("source") == "wind"
    ]
    return reproject_many(feats, WGS84, result.crs)


def test_no_wind_cable_crosses_the_wetland_between_the_turbines_nor_leaves_the_parcel(
    hybrid: tuple[LayoutResult, Polygon, Polygon, Point],
) -> None:
    result, parcel, wet, entry = hybrid
    pads = [to_utm(a.footprint, result.crs) for a in result.assets if a.asset_type == "wind_turbine"]
    xs = [p.centroid.x for p in pads]
    # The wetland stands between turbines: some west of it, some east.
    assert min(xs) < wet.bounds[0] and max(xs) > wet.bounds[2]
    lines = _wind_lines(result)
    assert len(lines) >= len(pads)
    inside = sum(ln.intersection(wet.buffer(-0.05)).length for ln in lines)
    outside = sum(ln.difference(parcel.buffer(0.05)).length for ln in lines)
    assert inside < 0.5 and outside < 0.5
    # Every turbine pad on the road network the entry reaches (roads touching within 0.5 m).
    roads = shapely.union_all([to_utm(r.geometry, result.crs).buffer(0.5) for r in result.roads])
    net = next(g for g in shapely.get_parts(roads) if g.distance(entry) <= TOL_M)
    assert all(net.distance(p) <= TOL_M for p in pads)
    section = result.metrics["constructability"]
    assert section["cable_in_no_cross_zone_m"] == 0.0 and section["cable_outside_parcel_m"] == 0.0
    assert section["unreachable_asset_count"] == 0 and section["ok"] is True
    assert result.design["constructability"] == section
    # The wind circuits are MV feeders: the longest is in max_mv_feeder_m.
    circuits = result.design["wind"]["collection"]["circuits"]
    assert section["max_mv_feeder_m"] >= max(c["length_m"] for c in circuits) - 0.1


def test_a_zone_a_wind_cable_crosses_is_a_problem_and_warned(
    hybrid: tuple[LayoutResult, Polygon, Polygon, Point],
) -> None:
    base, _, _, _ = hybrid
    # A never-crossed zone across the middle of the longest wind cable leg, 40 m wide.
    longest = max(_wind_lines(base), key=lambda ln: ln.length)
    zone = longest.interpolate(0.5, normalized=True).buffer(20.0)
    result, _, _, _ = _run(extra_never=zone)
    expected = sum(ln.intersection(zone.buffer(-0.05)).length for ln in _wind_lines(result))
    assert expected > 30.0
    section = result.metrics["constructability"]
    assert section["cable_in_no_cross_zone_m"] == pytest.approx(expected, abs=0.2)
    assert section["ok"] is False
    assert any("wind collection" in p for p in section["problems"])
    warned = [w for w in result.warnings if w.startswith("not constructable as drawn: ")]
    assert any("wind collection" in w for w in warned)


def test_a_turbine_whose_road_is_not_joined_to_the_substation_is_unreachable() -> None:
    # Two road pieces, each from its own entry: the substation on the west one; turbine A on the
    # west road, B on the east road (reached from entry 2 only), C on no road (counted by the PV
    # check already, not again).
    west, east = LineString([(0, 0), (1000, 0)]), LineString([(2000, 0), (3000, 0)])
    sub = box(100, 10, 200, 60)
    pads = [box(800, 10, 850, 60), box(2500, 10, 2550, 60), box(2500, 500, 2550, 550)]
    section = {"unreachable_asset_count": 1, "cable_in_no_cross_zone_m": 0.0, "problems": ["x"], "ok": False}
    out, added = wind_constructability(
        section,
        cable_lines=[LineString([(150, 0), (825, 0)])],
        roads=[west, east],
        entries=[Point(0, 0), Point(3000, 0)],
        turbine_pads=pads,
        substation=sub,
        boundary=box(-10, -100, 3010, 600),
        never_zones=[],
        crossable_zones=[],
        access_tol_m=TOL_M,
        circuit_lengths_m=[675.0],
    )
    assert out["unreachable_asset_count"] == 2
    assert added == ["1 turbine(s) have no road joined to the substation for their collection circuit"]
    assert out["problems"] == ["x", *added] and out["ok"] is False
    assert out["max_mv_feeder_m"] == 675.0
    # A cable off the parcel and one through a never-crossed zone, measured.
    out, added = wind_constructability(
        {"problems": []},
        cable_lines=[LineString([(0, 0), (0, 800)]), LineString([(300, 0), (300, 300)])],
        roads=[west],
        entries=[Point(0, 0)],
        turbine_pads=[],
        substation=sub,
        boundary=box(-10, -100, 3010, 600),
        never_zones=[box(250, 100, 350, 200)],
        crossable_zones=[],
        access_tol_m=TOL_M,
    )
    assert out["cable_outside_parcel_m"] == pytest.approx(200.0, abs=0.1)
    assert out["cable_in_no_cross_zone_m"] == pytest.approx(100.0 - 0.1, abs=0.05)
    assert len(added) == 2 and out["ok"] is False
    assert out["unreachable_asset_count"] == 0


def test_long_wind_circuits_are_warned_by_their_circuit_name(
    hybrid: tuple[LayoutResult, Polygon, Polygon, Point],
) -> None:
    # Around the wetland some circuits run past the 5 km MV feeder limit: the warning names the
    # wind circuit (W<n>, as the design and the exports do), not a PV "feeder <n>".
    result, _, _, _ = hybrid
    lengths = {c["circuit"]: c["length_m"] for c in result.design["wind"]["collection"]["circuits"]}
    long = {k for k, v in lengths.items() if v > 5000.0}
    assert long
    warned = {m[1] for w in result.warnings if (m := re.match(r"wind circuit (W\d+) runs ", w))}
    assert warned == long
    pv_longest = max(f["length_m"] for f in result.design["electrical"]["single_line"])
    assert pv_longest <= 5000.0
    assert not [w for w in result.warnings if w.startswith("feeder ") and "MV feeder limit" in w]
