"""End-to-end behaviour of `generate_layout` on small in-memory sites."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point, box

from app.engine.blocks.placement import EPS_M
from app.engine.core.names import PROFILE_NAMES, STRATEGY_NAMES
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from app.errors import InvalidInput, JobCancelled, NoCapacity, NoGridConnection
from tests.engine.checks import check_hard_constraints
from tests.engine.factory import grid_for, site_from_utm, square_utm


@pytest.fixture(scope="module")
def square() -> tuple:
    crs, sq = square_utm(1000)
    return crs, sq, site_from_utm(sq, crs)


@pytest.mark.parametrize(
    "params",
    [
        LayoutParams(target_capacity_kw=0),
        LayoutParams(target_capacity_kw=-5),
        LayoutParams(target_capacity_kw=math.nan),
        LayoutParams(target_capacity_kw=1000, profile="nuclear"),
        LayoutParams(target_capacity_kw=1000, strategy="random"),
        LayoutParams(target_capacity_kw=1000, overrides={"pv_block": {"max_slope_deg": 99}}),
    ],
)
def test_invalid_input(square: tuple, params: LayoutParams) -> None:
    crs, sq, site = square
    with pytest.raises(InvalidInput):
        generate_layout(site, grid_for(sq, crs), params)


def test_deterministic(square: tuple) -> None:
    crs, sq, site = square
    grid = grid_for(sq, crs, terrain="rolling")
    params = LayoutParams(target_capacity_kw=30_000, profile="hybrid")
    a = generate_layout(site, grid, params)
    b = generate_layout(site, grid, params)
    assert a == b


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_capacity_meets_target_without_a_spare_asset(square: tuple, profile: str) -> None:
    crs, sq, site = square
    grid = grid_for(sq, crs, terrain="rolling")
    params = LayoutParams(target_capacity_kw=21_000, profile=profile)
    r = generate_layout(site, grid, params)
    check_hard_constraints(site, grid, params, r)
    cap = r.metrics["total_capacity_kw"]
    assert cap >= 21_000
    smallest = min(a.capacity_kw for a in r.assets if a.capacity_kw > 0)
    assert cap - 21_000 < smallest
    assert r.metrics["counts_by_type"]["substation"] == 1
    assert r.metrics["storage_kwh"] == sum(a.storage_kwh for a in r.assets)
    if profile in ("gas_bess", "hybrid", "wind_hybrid"):
        # Storage is reported in kWh and never counted as capacity.
        assert r.metrics["storage_kwh"] > 0
        assert all(a.capacity_kw == 0 for a in r.assets if a.asset_type == "battery_container")


def test_shortfall_is_warned_with_both_numbers(square: tuple) -> None:
    crs, sq, site = square
    r = generate_layout(site, grid_for(sq, crs), LayoutParams(target_capacity_kw=500_000))
    cap = r.metrics["total_capacity_kw"]
    assert 0 < cap < 500_000
    assert "500,000" in r.warnings[0] and f"{cap:,.0f}" in r.warnings[0]


def test_density_packs_the_usable_area_at_the_design_gcr(square: tuple) -> None:
    """With a target beyond the site, `density` fills the usable area: the module area placed is
    close to GCR × usable area (corridors, roads, substation and O&M take the rest) and never above."""
    crs, sq, site = square
    params = LayoutParams(target_capacity_kw=10_000_000, strategy="density")
    r = generate_layout(site, grid_for(sq, crs), params)
    check_hard_constraints(site, grid_for(sq, crs), params, r)
    m = r.metrics
    module_area = m["module_count"] * 2.278 * 1.134  # the default module's area [m²]
    usable = (1000 - 2 * params.setback_m) ** 2
    assert module_area <= m["gcr"] * usable
    assert module_area >= 0.8 * m["gcr"] * usable, (module_area, m["gcr"] * usable)


def test_no_cap_on_asset_count() -> None:
    crs, sq = square_utm(2500)
    site = site_from_utm(sq, crs)
    params = LayoutParams(target_capacity_kw=200_000, profile="bess", strategy="density")
    r = generate_layout(site, grid_for(sq, crs, resolution_m=20.0), params)
    assert r.metrics["total_capacity_kw"] >= 200_000
    assert r.metrics["counts_by_type"]["battery_container"] >= 107


def test_strategies_trade_off_earthwork_and_roads(square: tuple) -> None:
    crs, sq, site = square
    grid = grid_for(sq, crs, terrain="rolling", amplitude_m=12.0)
    res = {
        s: generate_layout(site, grid, LayoutParams(target_capacity_kw=20_000, strategy=s))
        for s in STRATEGY_NAMES
    }
    pads = {s: sum(a.cut_m3 + a.fill_m3 for a in r.assets) for s, r in res.items()}
    assert pads["low_earthwork"] <= pads["clustered"]
    assert pads["low_earthwork"] <= pads["density"]
    roads = {s: r.metrics["road_length_m"] for s, r in res.items()}
    assert roads["clustered"] <= roads["low_earthwork"]
    for r in res.values():
        assert r.metrics["total_capacity_kw"] >= 20_000


def test_exclusion_and_setback_shrink_buildable_area(square: tuple) -> None:
    crs, sq, _ = square
    x0, y0 = sq.bounds[:2]
    hole = box(x0 + 300, y0 + 300, x0 + 600, y0 + 600)
    site = site_from_utm(sq, crs, [(hole, 25.0)])
    r = generate_layout(site, grid_for(sq, crs), LayoutParams(target_capacity_kw=10_000_000))
    expected = (970 * 970 - 350 * 350 - (4 - math.pi) * 25**2) / 10_000
    assert r.metrics["buildable_area_ha"] == pytest.approx(expected, rel=2e-3)
    assert r.metrics["capacity_density_kw_per_ha"] == pytest.approx(
        r.metrics["total_capacity_kw"] / r.metrics["buildable_area_ha"]
    )
    assert EPS_M < 0.05


def test_progress_stages_and_abort(square: tuple) -> None:
    crs, sq, site = square
    seen: list[tuple[str, float]] = []
    generate_layout(
        site,
        grid_for(sq, crs),
        LayoutParams(target_capacity_kw=5000),
        progress=lambda s, p: seen.append((s, p)),
    )
    stages = [s for s, _ in seen]
    expected = ("analysing_terrain", "placing_assets", "routing_roads", "computing_earthwork", "finalising")
    for stage in expected:
        assert stage in stages
    assert [p for _, p in seen] == sorted(p for _, p in seen)

    def cancel(stage: str, pct: float) -> None:
        if stage == "routing_roads":
            raise JobCancelled()

    with pytest.raises(JobCancelled):
        generate_layout(site, grid_for(sq, crs), LayoutParams(target_capacity_kw=5000), progress=cancel)


def test_steep_site_places_nothing_but_says_so() -> None:
    crs, sq = square_utm(600)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs, terrain="rolling", amplitude_m=200.0, wavelength_m=200.0)
    # Nothing fits, the substation first: the layout fails with the reason instead of completing
    # empty (a plant without a grid connection is no layout).
    with pytest.raises((NoGridConnection, NoCapacity), match=r"fits nowhere|no generating capacity"):
        generate_layout(site, grid, LayoutParams(target_capacity_kw=5000))


def test_entry_point_starts_the_road_network(square: tuple) -> None:
    crs, sq, _ = square
    x0, y0 = sq.bounds[:2]
    entry = Point(x0, y0 + 500)
    site = site_from_utm(sq, crs, entry=entry)
    r = generate_layout(site, grid_for(sq, crs), LayoutParams(target_capacity_kw=10_000))
    from app.engine.core.crs import to_utm

    starts = [to_utm(rd.geometry, crs) for rd in r.roads if rd.road_class == "spine"]
    assert any(Point(line.coords[0]).distance(entry) < 1e-3 for line in starts)


def test_usable_area_keeps_the_full_setback_and_buffer_along_arcs() -> None:
    import shapely
    from shapely.geometry import Polygon

    from app.engine.blocks.placement import QUAD_SEGS, arc_safe, usable_area

    # An L-shaped parcel (a reflex corner rounds the setback) and a round exclusion.
    parcel = Polygon([(0, 0), (600, 0), (600, 300), (300, 300), (300, 600), (0, 600)])
    zone = Point(150, 150).buffer(40, quad_segs=3)
    keepout = zone.buffer(arc_safe(25.0), quad_segs=QUAD_SEGS)
    usable = usable_area(parcel, 15.0, [keepout])
    edge = shapely.segmentize(usable.boundary, 0.05)
    pts = shapely.points(shapely.get_coordinates(edge))
    assert shapely.distance(pts, parcel.boundary).min() >= 15.0
    assert shapely.distance(pts, zone).min() >= 25.0


def test_flat_grid_means_no_earthwork(square: tuple) -> None:
    crs, sq, site = square
    params = LayoutParams(target_capacity_kw=30_000, profile="hybrid", use_terrain=False)
    r = generate_layout(site, grid_for(sq, crs), params)
    assert r.metrics["cut_volume_m3"] == 0 and r.metrics["fill_volume_m3"] == 0
    assert all(a.slope_deg == 0 and a.pad_elevation_m == pytest.approx(a.elevation_m) for a in r.assets)
    assert all(rd.max_grade_pct == 0 for rd in r.roads)


def test_slope_override_changes_what_fits(square: tuple) -> None:
    crs, sq, site = square
    grid = grid_for(sq, crs, terrain="rolling", amplitude_m=10.0)
    loose = generate_layout(site, grid, LayoutParams(target_capacity_kw=1e7))
    strict = generate_layout(
        site, grid, LayoutParams(target_capacity_kw=1e7, overrides={"pv": {"max_slope_deg": 3}})
    )
    assert strict.metrics["total_capacity_kw"] < loose.metrics["total_capacity_kw"]
    assert all(a.slope_deg <= 3 + 1e-4 for a in strict.assets if a.asset_type == "pv_table")


def test_rotated_blocks_keep_every_constraint() -> None:
    # A long narrow north-south parcel: BESS blocks (24 m x 2.4 m) fit better turned 90°.
    crs, sq = square_utm(1000)
    x0, y0 = sq.bounds[:2]
    strip = box(x0, y0, x0 + 90, y0 + 1000)
    site = site_from_utm(strip, crs)
    grid = grid_for(strip, crs, terrain="rolling", amplitude_m=2.0)
    params = LayoutParams(target_capacity_kw=1e6, profile="bess", strategy="density", setback_m=10)
    r = generate_layout(site, grid, params)
    check_hard_constraints(site, grid, params, r)
    rotations = {a.rotation_deg for a in r.assets if a.asset_type == "battery_container"}
    assert rotations == {90.0}
