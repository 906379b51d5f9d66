"""Table-level PV: hard constraints recomputed independently from the geometry and the grid.

Slopes under a table are recomputed here with scipy's RegularGridInterpolator (bilinear between
cell centres) and numpy's least squares, not read back from the engine; row directions with
pyproj's Geod on the WGS84 output; areas with shapely.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from scipy.interpolate import RegularGridInterpolator
from shapely.geometry import Point, Polygon, box

from app.engine.blocks.strategies import get_strategy
from app.engine.core.crs import to_utm, utm_crs_for
from app.engine.core.grid import Grid, flat_grid
from app.engine.core.types import LayoutParams
from app.engine.layout import generate_layout
from app.engine.pv.design import parse_design, resolve_design
from app.engine.pv.plant import design_pv_plant
from app.errors import NoCapacity
from tests.engine.factory import grid_for, site_from_utm, square_utm

GEOD = Geod(ellps="WGS84")
PV = ("pv_table", "tracker")


def _interp(grid: Grid) -> RegularGridInterpolator:
    t = grid.transform
    rows, cols = grid.shape
    xs = t.c + (np.arange(cols) + 0.5) * t.a
    ys = t.f + (np.arange(rows) + 0.5) * t.e  # descending
    return RegularGridInterpolator(
        (ys[::-1], xs), np.asarray(grid.data, dtype=float)[::-1, :], bounds_error=False, fill_value=None
    )


def _slopes_pct(poly: Polygon, interp: RegularGridInterpolator) -> tuple[float, float]:
    """(along, across) ground slope [%] under a rectangular table: plane through 5 points along each
    long edge, least squares; 'along' is the long side's direction."""
    c = np.asarray(poly.exterior.coords)[:4]
    e1, e2 = c[1] - c[0], c[3] - c[0]
    if np.hypot(*e1) < np.hypot(*e2):
        e1, e2 = e2, e1
    centre = c.mean(axis=0)
    pts = [centre + a * e1 + b * e2 for a in np.linspace(-0.5, 0.5, 5) for b in (-0.5, 0.5)]
    pts_a = np.asarray(pts)
    z = interp(np.column_stack([pts_a[:, 1], pts_a[:, 0]]))
    u = (pts_a - centre) @ (e1 / np.hypot(*e1))
    v = (pts_a - centre) @ (e2 / np.hypot(*e2))
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(u), u, v]), z, rcond=None)
    return abs(coef[1]) * 100.0, abs(coef[2]) * 100.0


def _tables(result) -> list:
    return [a for a in result.assets if a.asset_type in ("pv_table", "tracker")]


@pytest.mark.parametrize("structure", ["fixed", "tracker"])
def test_tables_inside_apart_and_within_terrain_limits(structure: str) -> None:
    crs, sq = square_utm(900)
    hole = box(sq.bounds[0] + 300, sq.bounds[1] + 300, sq.bounds[0] + 420, sq.bounds[1] + 380)
    site = site_from_utm(sq, crs, exclusions=[(hole, 20.0)])
    grid = grid_for(sq, crs, terrain="rolling", amplitude_m=10.0, wavelength_m=400.0)
    params = LayoutParams(target_capacity_kw=30_000, pv={"structure": structure})
    result = generate_layout(site, grid, params)
    tables = _tables(result)
    assert tables, result.warnings
    polys = [to_utm(a.footprint, crs) for a in tables]
    usable = sq.buffer(-params.setback_m).difference(hole.buffer(20.0))
    assert all(usable.buffer(0.05).contains(p) for p in polys)
    # No two tables overlap.
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="intersects")
    pairs = [(i, j) for i, j in zip(a, b, strict=True) if i < j]
    assert all(polys[i].intersection(polys[j]).area < 1e-6 for i, j in pairs)
    # Each table within its structure's limits, recomputed from the grid.
    interp = _interp(grid)
    design = parse_design({"structure": structure})
    for p in polys:
        along, across = _slopes_pct(p, interp)
        if structure == "fixed":
            assert math.degrees(math.atan(math.hypot(along, across) / 100.0)) <= design.max_slope_deg + 1e-6
        else:
            assert along <= design.max_slope_along_pct + 1e-6
            assert across <= design.max_slope_across_pct + 1e-6
    # No table under a road or power station.
    roads = [to_utm(r.geometry, crs).buffer(r.width_m / 2) for r in result.roads]
    equipment = [
        to_utm(a.footprint, crs) for a in result.assets if a.asset_type not in ("pv_table", "tracker")
    ]
    for obstacle in roads + equipment:
        assert not any(obstacle.intersects(p) for p in polys)


def _row_spacing(polys: list[Polygon], row_az_deg: float, crs: str, lonlat: tuple[float, float]) -> float:
    """Smallest spacing [m] between the centre lines of adjacent rows, across rows in true north."""
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x0, y0 = t.transform(*lonlat)
    x1, y1 = t.transform(lonlat[0], lonlat[1] + 0.01)
    north = math.atan2(x1 - x0, y1 - y0)
    across = math.radians(row_az_deg + 90.0) + north
    n = np.array([math.sin(across), math.cos(across)])
    v = np.array([np.asarray(p.centroid.coords[0]) @ n for p in polys])
    levels = np.unique(np.round(v, 3))
    return float(np.diff(levels).min())


@pytest.mark.parametrize("structure", ["fixed", "tracker"])
def test_rows_are_a_pitch_apart_in_true_north(structure: str) -> None:
    crs, sq = square_utm(700)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs)
    result = generate_layout(site, grid, LayoutParams(target_capacity_kw=20_000, pv={"structure": structure}))
    m = result.metrics
    polys = [to_utm(a.footprint, crs) for a in _tables(result)]
    c = site.boundary.centroid
    row_az = 90.0 if structure == "fixed" else 0.0
    assert _row_spacing(polys, row_az, crs, (c.x, c.y)) >= m["pitch_m"] - 1e-3
    # The long side of every table runs along the row direction in true north (geodesic azimuth).
    for a in _tables(result)[:50]:
        xy = np.asarray(a.footprint.exterior.coords)
        az, _, dist = GEOD.inv(xy[0, 0], xy[0, 1], xy[1, 0], xy[1, 1])
        az2, _, dist2 = GEOD.inv(xy[1, 0], xy[1, 1], xy[2, 0], xy[2, 1])
        long_az = az if dist > dist2 else az2
        assert min(abs((long_az - row_az + 90) % 180 - 90), 180) < 0.05


@pytest.mark.parametrize(("lon", "lat", "facing"), [(-101.85, 35.2, 180.0), (149.1, -35.3, 0.0)])
def test_fixed_tables_face_the_equator(lon: float, lat: float, facing: float) -> None:
    crs = utm_crs_for(lon, lat)
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = t.transform(lon, lat)
    sq = box(x, y, x + 500, y + 500)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs)
    result = generate_layout(site, grid, LayoutParams(target_capacity_kw=5_000))
    tables = _tables(result)
    assert tables and all(a.properties["azimuth_deg"] == facing for a in tables)
    assert result.metrics["azimuth_deg"] == facing
    assert 10.0 <= result.metrics["tilt_deg"] <= 35.0


def _offered(poly: Polygon, crs: str, structure: str = "fixed") -> float:
    grid = flat_grid(
        tuple(np.add(poly.bounds, (-50, -50, 50, 50))),
        resolution_m=10.0,
        crs=crs,  # type: ignore[arg-type]
    )
    c = shapely.centroid(poly)
    lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(c.x, c.y)
    out = design_pv_plant(
        area=poly,
        grid=grid,
        design=parse_design({"structure": structure}),
        lon_lat=lonlat,
        target_ac_kw=1e9,
        weights=get_strategy("density"),
        density=True,
        hub_xy=(c.x, c.y),
    )
    return out.offered_kwp


@settings(max_examples=6, deadline=None)
@given(angle=st.floats(min_value=1.0, max_value=89.0))
def test_rotated_parcel_fits_within_5pct_of_north_up(angle: float) -> None:
    crs, sq = square_utm(1500)
    north_up = _offered(sq, crs)
    rotated = shapely.affinity.rotate(sq, angle, origin="centroid")
    assert _offered(rotated, crs) >= 0.95 * north_up


@pytest.mark.parametrize("structure", ["fixed", "tracker"])
def test_flat_square_matches_analytical_row_packing(structure: str) -> None:
    """Rows = floor((S − depth)/pitch) + 1; per row: full bays of 8 tables (fixed) or 2 trackers
    between access corridors (road + shoulders), then what fits in the last bay."""
    crs, sq = square_utm(1000)
    setback = 15.0
    area = sq.buffer(-setback, join_style="mitre")
    lat = 40.0
    d = parse_design({"structure": structure})
    rd = resolve_design(d, lat)
    side = 1000.0 - 2 * setback
    rows = math.floor((side - rd.depth_m) / rd.pitch_m) + 1
    gap = d.row_end_clearance_m
    per_bay = 8 if structure == "fixed" else 2
    bay = per_bay * (rd.length_m + gap) - gap
    corridor = d.internal_road_width_m + 3.0
    full = math.floor(side / (bay + corridor))
    rest = side - full * (bay + corridor)
    per_row = full * per_bay + max(0, math.floor((rest + gap) / (rd.length_m + gap)))
    analytical_kwp = rows * per_row * d.table_kwp
    got = _offered(area, crs, structure)
    assert abs(got - analytical_kwp) <= 0.03 * analytical_kwp


def test_every_pocket_that_holds_a_table_gets_one() -> None:
    """Fragmented land: flat pockets among steep ground are filled, as far as the target needs."""
    crs, sq = square_utm(1200)
    grid = grid_for(sq, crs)
    rows, cols = grid.shape
    z = np.asarray(grid.data, dtype=np.float32).copy()
    yy, xx = np.mgrid[0:rows, 0:cols]
    z += (np.sin(xx / 3.0) * np.cos(yy / 3.0) * 25.0).astype(np.float32)  # steep everywhere …
    for r0, c0 in [(20, 20), (60, 80), (95, 30), (30, 95)]:
        z[r0 : r0 + 12, c0 : c0 + 12] = 300.0  # … but four flat pockets of 120 m
    # … joined by 60 m wide level tracks: roads within grade must reach the pockets (issue 21).
    z[27:33, 20:107] = z[62:68, 30:92] = z[20:, 30:36] = 300.0  # the last one out to the boundary
    grid = Grid(data=z, transform=grid.transform, crs=crs)
    entry = Point(grid.transform.c + 33.0 * grid.transform.a, sq.bounds[1])  # where the track meets the edge
    site = site_from_utm(sq, crs, entry=entry)
    result = generate_layout(site, grid, LayoutParams(target_capacity_kw=50_000, strategy="density"))
    tables = [to_utm(a.footprint, crs) for a in _tables(result)]
    equipment = [
        to_utm(a.footprint, crs) for a in result.assets if a.asset_type in ("substation", "om_building")
    ]
    t = grid.transform
    filled = 0
    for r0, c0 in [(20, 20), (60, 80), (95, 30), (30, 95)]:
        pocket = box(t.c + c0 * t.a, t.f + (r0 + 12) * t.e, t.c + (c0 + 12) * t.a, t.f + r0 * t.e)
        if any(pocket.intersects(e) for e in equipment):
            continue  # the substation or O&M building took this flat pocket
        assert any(pocket.contains(p) for p in tables), "a pocket that holds tables got none"
        filled += 1
    assert filled >= 1


def test_no_capacity_fails_with_what_the_terrain_offers() -> None:
    crs, sq = square_utm(600)
    site = site_from_utm(sq, crs)
    grid = grid_for(sq, crs, terrain="ridge")
    z = np.asarray(grid.data, dtype=np.float32).copy()
    rows, cols = z.shape
    z += np.arange(cols, dtype=np.float32)[None, :] * 6.0  # ≈ 31° everywhere …
    r0, c0 = rows // 2 - 6, cols // 2 - 6
    z[r0 : r0 + 12, c0 : c0 + 12] = z[r0, c0]  # … but a 120 m flat yard the substation takes
    grid = Grid(data=z, transform=grid.transform, crs=crs)
    with pytest.raises(NoCapacity, match=r"ha usable, .* ha lie within the slope limit"):
        # Trackers of 120 modules (≈ 138 m) fit neither the steep ground nor the yard.
        generate_layout(
            site,
            grid,
            LayoutParams(
                target_capacity_kw=10_000,
                pv={"structure": "tracker", "modules_along": 120, "min_tracker_fraction": 1.0},
            ),
        )


@pytest.mark.parametrize("structure", ["fixed", "tracker"])
def test_blocks_are_near_equal_and_add_up(structure: str) -> None:
    crs, sq = square_utm(1200)
    site = site_from_utm(sq, crs)
    result = generate_layout(
        site, grid_for(sq, crs), LayoutParams(target_capacity_kw=40_000, pv={"structure": structure})
    )
    m = result.metrics
    d = parse_design({"structure": structure})
    tables = _tables(result)
    by_block: dict[int, float] = {}
    for a in tables:
        by_block[a.properties["block"]] = by_block.get(a.properties["block"], 0.0) + a.properties["dc_kwp"]
    assert len(by_block) == m["block_count"] == math.ceil(40_000 / d.block_ac_kw)
    target_dc = d.block_ac_kw * d.dc_ac_ratio
    for dc in by_block.values():
        assert abs(dc - target_dc) <= d.table_kwp + 1e-6
    assert sum(by_block.values()) == pytest.approx(m["dc_capacity_kwp"])
    assert m["total_capacity_kw"] == pytest.approx(40_000, rel=1e-6)
    stations = [a for a in result.assets if a.asset_type == "power_station"]
    assert len(stations) == m["block_count"]
    # Every power station touches the road network (its access point is a road end).
    roads = shapely.union_all([to_utm(r.geometry, crs) for r in result.roads])
    for s in stations:
        assert to_utm(s.footprint, crs).distance(roads) < 20.0


def test_perimeter_road_runs_inside_the_fence_clear_of_tables() -> None:
    crs, sq = square_utm(800)
    site = site_from_utm(sq, crs)
    params = LayoutParams(target_capacity_kw=20_000, pv={"perimeter_road": True})
    result = generate_layout(site, grid_for(sq, crs, terrain="rolling"), params)
    perimeter = [to_utm(r.geometry, crs) for r in result.roads if r.road_class == "perimeter"]
    assert perimeter
    fences = [to_utm(f["geometry"], crs) for f in result.extras if f["kind"] == "fence"]
    tables = [to_utm(a.footprint, crs) for a in _tables(result)]
    for ring in perimeter:
        band = ring.buffer(2.5)
        assert not any(band.intersects(t) for t in tables)
        assert any(Polygon(f.coords).covers(ring) for f in fences)
    rolling = grid_for(sq, crs, terrain="rolling")
    plain = generate_layout(site, rolling, LayoutParams(target_capacity_kw=20_000))
    assert result.metrics["road_length_m"] > plain.metrics["road_length_m"]


@pytest.mark.parametrize("structure", ["fixed", "tracker"])
def test_blocks_are_compact_fields_without_stray_tables(structure: str) -> None:
    """A site much larger than the target: every table has a neighbour of its own block within
    two pitches plus a corridor, and the field stays around the substation."""
    crs, sq = square_utm(1500)
    site = site_from_utm(sq, crs)
    params = LayoutParams(target_capacity_kw=20_000, pv={"structure": structure})
    result = generate_layout(site, grid_for(sq, crs), params)
    m = result.metrics
    reach = 2 * m["pitch_m"] + 10.0
    tables = _tables(result)
    by_block: dict[int, list[Polygon]] = {}
    for a in tables:
        by_block.setdefault(a.properties["block"], []).append(to_utm(a.footprint, crs))
    for polys in by_block.values():
        tree = shapely.STRtree(polys)
        for i, p in enumerate(polys):
            near = [j for j in tree.query(p, predicate="dwithin", distance=reach) if j != i]
            assert near, "a table stands apart from its block"
    sub = next(to_utm(a.footprint, crs) for a in result.assets if a.asset_type == "substation")
    field = shapely.union_all([to_utm(a.footprint, crs) for a in tables]).convex_hull
    # The field's hull covers about the area the tables need, not the whole 225 ha parcel.
    assert field.area < 0.5 * sq.area
    assert field.distance(sub) < 200.0


def test_road_buildup_is_the_section_over_every_road() -> None:
    crs, sq = square_utm(600)
    site = site_from_utm(sq, crs)
    result = generate_layout(
        site, grid_for(sq, crs, terrain="rolling"), LayoutParams(target_capacity_kw=10_000)
    )
    area = sum(to_utm(r.geometry, crs).length * r.width_m for r in result.roads)
    assert result.metrics["road_area_m2"] == pytest.approx(area, rel=1e-3)
    assert result.metrics["road_buildup_m3"] == pytest.approx(0.30 * area, rel=1e-3)
    assert result.metrics["road_buildup_m3"] > 0
