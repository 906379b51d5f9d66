"""The `make_site` factory, and a layout on a factory-made site checked by the independent
constraint checker (slopes recomputed from the grid)."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from app.engine.core.crs import to_utm
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from tests.engine.checks import check_hard_constraints
from tests.engine.factory import grid_for, make_site, utm_origin


def test_make_site_places_parcel_exclusions_and_entry_in_metres() -> None:
    case = make_site(800.0, 500.0, exclusions=[(box(100, 100, 200, 150), 15.0)], entry=(400.0, 0.0))
    _, x0, y0 = utm_origin()
    assert case.boundary.bounds == pytest.approx((x0, y0, x0 + 800.0, y0 + 500.0))
    # The WGS84 input goes back to the same parcel in UTM (round trip well under a millimetre).
    back = to_utm(case.site.boundary, case.crs)
    assert back.symmetric_difference(case.boundary).area < 1e-3
    (ex,) = case.site.exclusions
    assert ex.buffer_m == 15.0
    assert to_utm(ex.geometry, case.crs).bounds == pytest.approx(
        (x0 + 100, y0 + 100, x0 + 200, y0 + 150), abs=1e-4
    )
    assert case.site.entry_point is not None
    assert to_utm(case.site.entry_point, case.crs).distance(Point(x0 + 400.0, y0)) < 1e-4


def test_layout_on_a_factory_site_keeps_out_of_its_exclusion() -> None:
    pond = Point(500.0, 500.0).buffer(90.0)
    case = make_site(1000.0, exclusions=[(pond, 25.0)], entry=(500.0, 0.0))
    grid = grid_for(case.boundary, case.crs, terrain="rolling")
    params = LayoutParams(target_capacity_kw=20_000, profile="hybrid")
    r = generate_layout(case.site, grid, params)
    assert r.assets
    check_hard_constraints(case.site, grid, params, r)
