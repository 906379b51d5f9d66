"""The PV perimeter track: a track piece no road from an entry joins (recomputed here from the road
features' geometry: pieces that touch, the entry's piece) is left out by the engine and warned
with its length; the constructability check still counts any that were drawn (a guard) as a
problem; on flat land the whole track hangs on the access roads."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
import shapely
from shapely.geometry import LineString, Point

from app.engine.civil.constructability import JOIN_TOL_M, isolated_tracks, reached_roads
from app.engine.core.crs import to_utm
from app.engine.core.types import LayoutParams, LayoutResult
from app.engine.layout import generate_layout
from tests.engine.factory import grid_for, site_from_utm, square_utm

RES_M = 10.0
PROBLEM = r"(\d+) perimeter track piece\(s\) \(([\d,]+) m\) have no road joined to an entry"


@lru_cache(maxsize=2)
def _layout(terrain: str) -> tuple[LayoutResult, Point]:
    size, kw = (800.0, 20_000) if terrain == "flat" else (1200.0, 40_000)
    crs, sq = square_utm(size)
    x0, y0 = sq.bounds[:2]
    entry = Point(x0, y0 + size / 2)
    site = site_from_utm(sq, crs, [], entry)
    params = LayoutParams(target_capacity_kw=kw, pv={"perimeter_road": True})
    return generate_layout(site, grid_for(sq, crs, terrain=terrain, resolution_m=RES_M), params), entry


def _cut_off_tracks(result: LayoutResult, entry: Point) -> list[LineString]:
    """Perimeter tracks outside the road piece the entry is on (roads joined when within
    JOIN_TOL_M; the entry within two DEM cells of its road), from the features alone."""
    lines = [to_utm(r.geometry, result.crs) for r in result.roads]
    pieces = list(shapely.get_parts(shapely.union_all([ln.buffer(JOIN_TOL_M / 2) for ln in lines])))
    live = [p for p in pieces if p.distance(entry) <= 2 * RES_M + JOIN_TOL_M / 2]
    assert live, "no road at the entry"
    return [
        ln
        for ln, r in zip(lines, result.roads, strict=True)
        if r.road_class == "perimeter"
        and not any(p.covers(ln.interpolate(0.5, normalized=True)) for p in live)
    ]


def test_track_pieces_no_road_reaches_are_left_out_and_warned() -> None:
    result, entry = _layout("rolling")
    # Rolling ground: the grade check leaves track stretches between steep ones that no access
    # road crosses; those are left out (they were 3 of 4 pieces here), the joined ones kept.
    assert any(r.road_class == "perimeter" for r in result.roads)
    assert _cut_off_tracks(result, entry) == []
    (warning,) = [w for w in result.warnings if "no access road joins it" in w]
    left_m = float(re.search(r"over ([\d,]+) m", warning)[1].replace(",", ""))  # type: ignore[index]
    assert left_m > 0.0
    section = result.metrics["constructability"]
    assert not any(re.fullmatch(PROBLEM, p) for p in section["problems"])


def test_on_flat_land_the_track_is_joined_to_the_access_roads() -> None:
    result, entry = _layout("flat")
    assert any(r.road_class == "perimeter" for r in result.roads)
    assert _cut_off_tracks(result, entry) == []
    assert not any("perimeter track" in p for p in result.metrics["constructability"]["problems"])


class _Road:
    def __init__(self, geometry: LineString, road_class: str) -> None:
        self.geometry, self.road_class, self.length_m = geometry, road_class, geometry.length


def test_a_track_joined_through_another_track_is_reached() -> None:
    access = _Road(LineString([(0, 0), (100, 0)]), "access")
    ring = _Road(LineString([(50, -10), (50, 10), (150, 10), (150, -10), (50, -10)]), "perimeter")
    spur = _Road(LineString([(150, 10), (150, 60)]), "perimeter")  # joined only through the ring
    lone = _Road(LineString([(300, 0), (400, 0)]), "perimeter")
    roads = [access, ring, spur, lone]
    reach = reached_roads([r.geometry for r in roads], [Point(0, 0)], 20.0)
    assert isolated_tracks(roads, reach) == [lone]
    assert lone.length_m == pytest.approx(100.0)
