"""The router's shared ground: a `RoadSite` (and its graph) derived with further equipment routes
exactly as one built from scratch, a window's CSR holds exactly the graph's edges inside it, and
collector ties routed over one shared ground are the lines each tie routed alone would be."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, box

from app.engine.blocks.profiles import RoadSpec
from app.engine.civil.collectors import TieRouter
from app.engine.civil.gentie import route_gen_tie
from app.engine.civil.road_graph import OFFSETS, RoadGraph
from app.engine.civil.roads import RoadSite, route_on
from app.engine.terrain.analysis import slope_deg
from tests.engine.factory import grid_for, square_utm


def _ground() -> tuple:
    # A steep ridge: knight moves exist on its flanks, none on the level ground beside it.
    crs, sq = square_utm(800)
    grid = grid_for(sq, crs, terrain="ridge")
    x0, y0 = sq.bounds[:2]
    equipment = [box(x0 + 100, y0 + 100, x0 + 160, y0 + 140), box(x0 + 600, y0 + 500, x0 + 660, y0 + 540)]
    more = [box(x0 + 300, y0 + 200, x0 + 360, y0 + 240), box(x0 + 150, y0 + 600, x0 + 210, y0 + 640)]
    kwargs = dict(
        grid=grid,
        slope_deg=slope_deg(grid),
        boundary=sq,
        obstacles=[box(x0 + 450, y0 + 50, x0 + 500, y0 + 300)],
        footprints=[box(x0 + 200, y0 + 400, x0 + 300, y0 + 420)],
        spec=RoadSpec(max_grade_pct=12.0),
    )
    return sq, kwargs, equipment, more


def test_a_site_derived_with_more_equipment_is_the_site_built_with_it() -> None:
    sq, kwargs, equipment, more = _ground()
    built = RoadSite(**kwargs, equipment=[*equipment, *more])
    derived = RoadSite(**kwargs, equipment=equipment).with_equipment(more)
    assert derived.graph is not None and built.graph is not None
    assert np.array_equal(derived.passable, built.passable)
    assert (derived.passable != RoadSite(**kwargs, equipment=equipment).passable).any()
    assert np.array_equal(derived.graph.weights, built.graph.weights)
    x0, y0 = sq.bounds[:2]
    terminals = [(x0 + 700, y0 + 700), (x0 + 120, y0 + 700), (x0 + 700, y0 + 120), (x0 + 400, y0 + 420)]
    nets = [
        route_on(s, terminals=terminals, labels=list("abcd"), root=Point(x0 + 5, y0 + 300), hub=0)
        for s in (built, derived)
    ]
    assert nets[0].segments and [g.geometry.wkt for g in nets[0].segments] == [
        g.geometry.wkt for g in nets[1].segments
    ]
    assert nets[0].segments == nets[1].segments and nets[0].unreachable == nets[1].unreachable


def test_a_window_csr_holds_exactly_the_edges_inside_the_window() -> None:
    _, kwargs, equipment, _ = _ground()
    graph = RoadSite(**kwargs, equipment=equipment).graph
    assert isinstance(graph, RoadGraph) and np.isfinite(graph.weights[8:]).any()
    h, w = graph.shape
    for r0, r1, c0, c1 in ((0, h, 0, w), (10, 40, 30, 75), (0, 12, 0, 9)):
        m = graph._csr(r0, r1, c0, c1)
        ww = c1 - c0
        for node in range(m.shape[0]):
            r, c = r0 + node // ww, c0 + node % ww
            want = [
                ((r + dr - r0) * ww + (c + dc - c0), float(graph.weights[k, r, c]))
                for k, (dr, dc) in enumerate(OFFSETS)
                if r0 <= r + dr < r1 and c0 <= c + dc < c1 and np.isfinite(graph.weights[k, r, c])
            ]
            a, b = m.indptr[node], m.indptr[node + 1]
            assert list(zip(m.indices[a:b].tolist(), m.data[a:b].tolist(), strict=True)) == want


def test_ties_over_a_shared_ground_are_the_ties_routed_alone() -> None:
    sq, kwargs, equipment, more = _ground()
    grid, x0, y0 = kwargs["grid"], *sq.bounds[:2]
    hub = (x0 + 130.0, y0 + 120.0)  # inside the first footprint: the main substation's yard
    router = TieRouter(grid, hub, kwargs["obstacles"], equipment)
    for yard in more:
        c = yard.centroid
        others = [m for m in more if m is not yard]
        shared = router.tie((c.x, c.y), [yard, *others])  # its own yard is no obstacle
        alone = route_gen_tie(
            grid=grid,
            slope_deg=slope_deg(grid),
            substation_xy=(c.x, c.y),
            poi_xy=hub,
            obstacles=kwargs["obstacles"],
            equipment=[equipment[1], *others],
        )
        assert shared is not None and shared.wkt == alone.geometry.wkt


def test_edge_costs_follow_the_documented_formula() -> None:
    # Recomputed edge by edge from the module's formula: run · (mean factor · (1 + (g/limit)²) +
    # mean surcharge) + grading volume · GRADING_M_PER_M3; forbidden beyond limit + allowance.
    from app.engine.civil.road_graph import GRADING_ALLOWANCE_PCT, GRADING_M_PER_M3, KNIGHT_FROM

    rng = np.random.default_rng(7)
    z = 100.0 + np.cumsum(rng.normal(0.0, 1.2, (30, 34)), axis=0)
    factor = np.where(rng.random(z.shape) < 0.2, 4.0, 1.0)
    factor[rng.random(z.shape) < 0.05] = np.inf
    surcharge = np.where(rng.random(z.shape) < 0.1, 25.0, 0.0)
    res, limit, width = 10.0, 8.0, 6.0
    graph = RoadGraph(z, factor, surcharge, resolution_m=res, limit_pct=limit, width_m=width)

    def at(a: np.ndarray, r: float, c: float) -> float:
        # Bilinear between cell centres (the mean of the cells around a half-way point).
        r0, c0 = int(np.floor(r)), int(np.floor(c))
        rs, cs = ([r0] if r == r0 else [r0, r0 + 1]), ([c0] if c == c0 else [c0, c0 + 1])
        return float(np.mean([a[i, j] for i in rs for j in cs]))

    def grade(r: int, c: int, dr: int, dc: int) -> float:
        run = res * float(np.hypot(dr, dc))
        zm = at(z, r + dr / 2, c + dc / 2)
        return max(abs(zm - z[r, c]), abs(z[r + dr, c + dc] - zm)) / (run / 2)

    h, w = z.shape
    checked = steep_seen = knights = 0
    for k, (dr, dc) in enumerate(OFFSETS):
        for r in range(3, h - 3):
            for c in range(3, w - 3):
                run = res * float(np.hypot(dr, dc))
                g = grade(r, c, dr, dc)
                cells = [(r, c), (r + dr, c + dc)]
                if k >= 8:  # a knight move: the two cells its centreline crosses join the mean
                    if abs(dr) == 1:
                        cells += [(r, c + dc // 2), (r + dr, c + dc // 2)]
                    else:
                        cells += [(r + dr // 2, c), (r + dr // 2, c + dc)]
                    # ... and it exists only where a step from either end climbs over half the limit
                    steepest = max(grade(i, j, a, b) for i, j in cells[:2] for a, b in OFFSETS[:8])
                    if steepest <= KNIGHT_FROM * limit / 100.0:
                        assert graph.weights[k, r, c] == np.inf
                        continue
                fs = [factor[i, j] for i, j in cells]
                ss = [surcharge[i, j] for i, j in cells]
                want = run * (np.mean(fs) * (1 + (g / (limit / 100.0)) ** 2) + np.mean(ss))
                want += max(g - limit / 100.0, 0.0) * run * run / 4.0 * width * GRADING_M_PER_M3
                if not np.isfinite(want) or g * 100.0 > limit + GRADING_ALLOWANCE_PCT:
                    assert graph.weights[k, r, c] == np.inf
                    continue
                steep_seen += g * 100.0 > limit
                assert graph.weights[k, r, c] == pytest.approx(want, rel=1e-6)
                checked += 1
                knights += k >= 8
    assert checked > 1_000 and steep_seen > 10 and knights > 100
