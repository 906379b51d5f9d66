"""Property-based tests: the hard constraints hold on random sites, terrains and parameters."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon

from app.engine.core.grid import Grid
from app.engine.core.names import PROFILE_NAMES, STRATEGY_NAMES
from app.engine.core.types import LayoutParams, LayoutResult, SiteInput
from app.engine.layout import generate_layout
from app.errors import NoCapacity, NoGridConnection
from tests.engine.checks import check_hard_constraints
from tests.engine.factory import grid_for, site_from_utm, utm_origin


def _star(cx: float, cy: float, radii: list[float], phase: float) -> Polygon:
    n = len(radii)
    pts = [
        (cx + r * math.cos(phase + 2 * math.pi * i / n), cy + r * math.sin(phase + 2 * math.pi * i / n))
        for i, r in enumerate(radii)
    ]
    return Polygon(pts)


def _layout(site: SiteInput, grid: Grid, params: LayoutParams) -> LayoutResult | None:
    """The layout, or None when the site cannot take a substation, or no road reaches what was
    placed (reachability is a rule, issue 21; the job then fails, saying why)."""
    try:
        return generate_layout(site, grid, params)
    except NoGridConnection as exc:
        reason = exc.message
    except NoCapacity as exc:
        reason = exc.message
        assert "no road" in reason
        return None
    assert "substation fits nowhere" in reason
    return None


@st.composite
def sites(
    draw: st.DrawFn, cx: float, cy: float, max_r: float = 900.0
) -> tuple[Polygon | MultiPolygon, list, Point | None]:
    n = draw(st.integers(5, 10))
    radii = draw(st.lists(st.floats(0.45 * max_r, max_r), min_size=n, max_size=n))
    phase = draw(st.floats(0, math.pi))
    outer = _star(cx, cy, radii, phase)
    boundary = outer
    if draw(st.booleans()):
        hole = _star(
            cx + draw(st.floats(-100, 100)),
            cy + draw(st.floats(-100, 100)),
            [draw(st.floats(40, 150)) for _ in range(6)],
            phase,
        )
        if outer.contains(hole.buffer(5)):
            boundary = Polygon(outer.exterior.coords, [hole.exterior.coords])
    if draw(st.integers(0, 4)) == 0:
        # A second, separate parcel: a MultiPolygon site (roads cannot cross between the parts).
        other = _star(cx + 2.3 * max_r, cy, [0.5 * max_r] * 6, phase)
        boundary = MultiPolygon([boundary, other])
    exclusions = []
    for _ in range(draw(st.integers(0, 3))):
        ex_c = (cx + draw(st.floats(-0.6, 0.6)) * max_r, cy + draw(st.floats(-0.6, 0.6)) * max_r)
        shape = Point(ex_c).buffer(draw(st.floats(20, 200)), quad_segs=4)
        exclusions.append((shape, draw(st.sampled_from([0.0, 10.0, 25.0]))))
    entry = None
    if draw(st.booleans()):
        entry = outer.exterior.interpolate(draw(st.floats(0, 1)), normalized=True)
    return boundary, exclusions, entry


params_st = st.builds(
    lambda profile, strategy, target, setback: LayoutParams(
        target_capacity_kw=target, profile=profile, strategy=strategy, setback_m=setback
    ),
    st.sampled_from(PROFILE_NAMES),
    st.sampled_from(STRATEGY_NAMES),
    st.floats(500, 60_000),
    st.sampled_from([0.0, 15.0, 40.0]),
)


# CI runs the same examples every time (derandomized: a fresh clone has no hypothesis database, and
# a new random find must not turn main red on an unrelated commit); HYPOTHESIS_EXPLORE=1 draws new
# ones locally. Finds are kept as explicit regression sites (test_hard_constraints_jacksboro_found_sites).
DERANDOMIZE = os.environ.get("HYPOTHESIS_EXPLORE") != "1"


@settings(
    max_examples=45, deadline=None, derandomize=DERANDOMIZE, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data(), params=params_st, terrain=st.sampled_from(["flat", "rolling", "ridge"]))
def test_hard_constraints_synthetic(data: st.DataObject, params: LayoutParams, terrain: str) -> None:
    crs, ox, oy = utm_origin()
    boundary, exclusions, entry = data.draw(sites(ox, oy))
    site = site_from_utm(boundary, crs, exclusions, entry)
    grid = grid_for(boundary, crs, resolution_m=10.0 if terrain != "ridge" else 15.0, terrain=terrain)
    result = _layout(site, grid, params)
    if result is not None:
        check_hard_constraints(site, grid, params, result)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), params=params_st)
def test_hard_constraints_jacksboro(jacksboro: Grid, data: st.DataObject, params: LayoutParams) -> None:
    minx, miny, maxx, maxy = jacksboro.bounds
    # Centres well inside the DEM, so the site and its margin stay on valid data.
    cx = data.draw(st.floats(minx + 6000, maxx - 6000))
    cy = data.draw(st.floats(miny + 6000, maxy - 6000))
    boundary, exclusions, entry = data.draw(sites(cx, cy, max_r=1500.0))
    site = site_from_utm(boundary, jacksboro.crs, exclusions, entry)
    result = _layout(site, jacksboro, params)
    if result is None:
        return
    assert np.isfinite(result.metrics["total_capacity_kw"])
    check_hard_constraints(site, jacksboro, params, result)


# Sites hypothesis found on the Jacksboro DEM (issue 21), kept as fixed regression cases: each had a
# road whose drawn line climbed 14.6-22 % ground against the 10 % limit. A road's straight lead to
# the exact entry / boundary root stood on steep ground (up to 27 %), and the snapped (or
# simplified) line was compared with the routed one over the whole road, lead included, so a
# snapped switchback step could be as steep as the lead. The third is a 91 m road whose middle
# (all the check sees between its 1.5-cell ends) was snapped across a 16 % cell edge.
JACKSBORO_CASES = [
    pytest.param(
        "MULTIPOLYGON (((735613.8341210335 4058471.2010735697, 736258.3965094892 4057896.4487716435, "
        "736667.6792692782 4057060.1716318633, 737398.5162101856 4057614.5750550423, "
        "737924.6779913629 4058066.120842291, 737837.8575345991 4058754.0176559496, "
        "737455.5349560102 4059302.4881118597, 736777.065626339 4059479.861836446, "
        "736116.4540767426 4059163.465155889, 735613.8341210335 4058471.2010735697), "
        "(736906.043196822 4058518.952050468, 736891.4841976208 4058427.7107038996, "
        "737017.2709102544 4058389.230094327, 736986.0288418878 4058517.436602216, "
        "737022.5008982559 4058645.0245404877, 736873.5102583882 4058649.4955601376, "
        "736906.043196822 4058518.952050468)), "
        "((739639.3540433069 4058460.296983727, 740001.9828481406 4057803.79081475, "
        "740751.8482706328 4057789.5834873915, 741139.0848882912 4058431.88232901, "
        "740776.4560834575 4059088.388497987, 740026.5906609653 4059102.5958253453, "
        "739639.3540433069 4058460.296983727)))",
        (736003.2459266455, 4059007.5423055366),
        LayoutParams(
            target_capacity_kw=26036.659324504344, profile="wind_hybrid", strategy="balanced", setback_m=0.0
        ),
        id="wind_hybrid-entry-15.4pct",
    ),
    pytest.param(
        "MULTIPOLYGON (((737240.827648415 4052736.0163850603, 736012.3042418185 4053033.777354043, "
        "735480.6123889063 4051668.518531273, 736492.7906676421 4050709.4318903806, "
        "737763.4337938494 4050927.54646776, 738368.1905693634 4052164.191062365, "
        "737240.827648415 4052736.0163850603)), "
        "((740648.9265855411 4052622.497873926, 739909.7380119326 4052495.611102958, "
        "739650.0308921905 4051792.011634542, 740129.512346057 4051215.298937094, "
        "740868.7009196655 4051342.185708062, 741128.4080394076 4052045.785176478, "
        "740648.9265855411 4052622.497873926)))",
        None,
        LayoutParams(
            target_capacity_kw=44713.350126143785, profile="solar_farm", strategy="clustered", setback_m=0.0
        ),
        id="solar_farm-no-entry-14.6pct",
    ),
    pytest.param(
        "MULTIPOLYGON (((737614.219465799 4042586.162225269, 737147.8059370022 4043228.125373768, "
        "736393.1329945959 4042982.9172705663, 736393.1329945959 4042189.407179971, "
        "737147.8059370022 4041944.1990767694, 737614.219465799 4042586.162225269)), "
        "((741139.219465799 4042586.162225269, 740764.219465799 4043235.681278107, "
        "740014.219465799 4043235.681278107, 739639.219465799 4042586.162225269, "
        "740014.219465799 4041936.6431724303, 740764.219465799 4041936.6431724303, "
        "741139.219465799 4042586.162225269)))",
        None,
        LayoutParams(
            target_capacity_kw=50077.22909397475, profile="wind_hybrid", strategy="clustered", setback_m=0.0
        ),
        id="wind_hybrid-short-road-16.2pct",
    ),
]


@pytest.mark.parametrize(("boundary_wkt", "entry_xy", "params"), JACKSBORO_CASES)
def test_hard_constraints_jacksboro_found_sites(
    jacksboro: Grid, boundary_wkt: str, entry_xy: tuple[float, float] | None, params: LayoutParams
) -> None:
    boundary = shapely.from_wkt(boundary_wkt)
    entry = Point(entry_xy) if entry_xy is not None else None
    site = site_from_utm(boundary, jacksboro.crs, [], entry)
    result = _layout(site, jacksboro, params)
    assert result is not None and result.roads
    check_hard_constraints(site, jacksboro, params, result)
