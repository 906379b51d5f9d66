"""No plant without a grid connection: the substation is placed first, or the layout fails."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasterio import features
from scipy import ndimage
from shapely import affinity
from shapely.geometry import box

from app.engine.blocks.profiles import load_profile
from app.engine.core.crs import to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from app.engine.terrain.analysis import slope_deg
from app.errors import InvalidInput, NoCapacity, NoGridConnection
from app.jobs.runner import is_retryable, user_message
from tests.engine.factory import grid_for, site_from_utm, utm_origin
from tests.engine.test_constraints import sites


def _diagonal_strip(width_m: float, length_m: float = 1400.0) -> tuple[str, shapely.Polygon]:
    """A strip `width_m` wide running at 45°: axis-aligned rectangles need (a + b)/√2 of width."""
    crs, ox, oy = utm_origin()
    strip = box(ox - length_m / 2, oy - width_m / 2, ox + length_m / 2, oy + width_m / 2)
    return crs, affinity.rotate(strip, 45.0, origin=(ox, oy))


def _substations(result: object, crs: str) -> list[shapely.Polygon]:
    return [to_utm(a.footprint, crs) for a in result.assets if a.asset_type == "substation"]  # type: ignore[attr-defined]


def test_substation_turns_to_fit_a_diagonal_strip() -> None:
    # 80 × 60 m (bess) needs 99 m of width unrotated, 60 m turned 45°: the strip is 90 m wide.
    crs, strip = _diagonal_strip(90.0)
    spec = load_profile("bess").asset_types["substation"]
    assert (spec.width_m + spec.length_m) / math.sqrt(2) > 90.0 > min(spec.width_m, spec.length_m)
    site = site_from_utm(strip, crs)
    r = generate_layout(
        site, grid_for(strip, crs), LayoutParams(target_capacity_kw=5_000, profile="bess", setback_m=0)
    )
    subs = _substations(r, crs)
    assert len(subs) == 1
    assert strip.buffer(1e-3).contains(subs[0])
    assert not any("substation" in w for w in r.warnings)


def test_no_room_for_a_substation_fails_with_the_reason() -> None:
    # 50 m wide: the substation's short side (60 m) fits no rotation, BESS blocks would fit.
    crs, strip = _diagonal_strip(50.0)
    site = site_from_utm(strip, crs)
    with pytest.raises(NoGridConnection) as info:
        generate_layout(
            site, grid_for(strip, crs), LayoutParams(target_capacity_kw=5_000, profile="bess", setback_m=0)
        )
    msg = info.value.message
    assert "80 × 60 m substation" in msg and "5°" in msg
    # The job ends failed at once with this message (not retried), like any invalid input.
    assert isinstance(info.value, InvalidInput)
    assert not is_retryable(info.value)
    assert user_message(info.value) == msg


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), profile=st.sampled_from(["gas_bess", "bess"]), target=st.floats(500, 60_000))
def test_every_completed_layout_has_a_substation_and_roads(
    jacksboro: Grid, data: st.DataObject, profile: str, target: float
) -> None:
    """Random parcels on real (steep) terrain: a substation and roads, or `NoGridConnection`, or
    `NoCapacity` when no road can reach what was placed (reachability is a rule, issue 21)."""
    minx, miny, maxx, maxy = jacksboro.bounds
    cx = data.draw(st.floats(minx + 6000, maxx - 6000))
    cy = data.draw(st.floats(miny + 6000, maxy - 6000))
    boundary, exclusions, entry = data.draw(sites(cx, cy, max_r=1000.0))
    site = site_from_utm(boundary, jacksboro.crs, exclusions, entry)
    params = LayoutParams(
        target_capacity_kw=target, profile=profile, setback_m=data.draw(st.sampled_from([0.0, 15.0, 40.0]))
    )
    try:
        r = generate_layout(site, jacksboro, params)
    except NoGridConnection as exc:
        failure = exc.message
    except NoCapacity as exc:
        failure = exc.message
    else:
        failure = None
    if failure is not None and "no road" in failure:
        return
    if failure is not None:
        assert "substation fits nowhere" in failure
        return
    assert r.metrics["counts_by_type"].get("substation") == 1
    assert r.metrics["total_capacity_kw"] > 0
    # Roads start at the substation's network; if none could be routed, the warning says so.
    assert r.roads or any("no road can reach" in w and "substation" in w for w in r.warnings)


@pytest.mark.parametrize("profile", ["gas_bess", "bess"])
def test_steep_real_parcel_fails_instead_of_completing_without_a_substation(
    jacksboro: Grid, profile: str
) -> None:
    # A Jacksboro parcel where BESS containers find small flat patches but no substation-sized one.
    crs = jacksboro.crs
    boundary = shapely.Point(749019.0, 4043859.0).buffer(1200.0, quad_segs=4)
    slope = slope_deg(jacksboro)
    inside = features.geometry_mask(
        [boundary], out_shape=jacksboro.shape, transform=jacksboro.transform, invert=True
    )
    flat = (slope <= 5.0) & inside
    # Independent check that the substation (≥ 60 m a side, on 30 m cells) cannot fit: no 3 × 3
    # block of cells is all flat enough.
    assert not ndimage.minimum_filter(flat.astype(np.uint8), size=3).any()
    with pytest.raises(NoGridConnection, match="substation fits nowhere"):
        generate_layout(
            site_from_utm(boundary, crs), jacksboro, LayoutParams(target_capacity_kw=30_000, profile=profile)
        )
