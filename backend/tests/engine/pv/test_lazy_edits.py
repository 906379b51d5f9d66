"""The cheap paths of the PV edits give what the plain ones give (issue 21 item 9: speed without a
different design): tables dropped without re-indexing and re-indexed once equal tables dropped
and re-indexed each time; the partial nearest-first sort is the prefix of a full stable sort;
the two-piece test of a candidate cut agrees with SciPy's component count on the whole graph."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from app.engine.blocks.strategies import get_strategy
from app.engine.core.grid import flat_grid
from app.engine.pv.compact import _two_pieces
from app.engine.pv.design import parse_design
from app.engine.pv.plant import (
    PvLayout,
    _nearest_first,
    _row_runs_loop,
    design_pv_plant,
    reindexed,
    row_runs,
    trimmed,
    without_tables,
)
from tests.engine.factory import square_utm


def _layout() -> PvLayout:
    crs, sq = square_utm(600)
    grid = flat_grid(tuple(np.add(sq.bounds, (-50, -50, 50, 50))), resolution_m=10.0, crs=crs)  # type: ignore[arg-type]
    c = shapely.centroid(sq)
    lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(c.x, c.y)
    return design_pv_plant(
        area=sq,
        grid=grid,
        design=parse_design({"structure": "fixed"}),
        lon_lat=lonlat,
        target_ac_kw=20_000,
        weights=get_strategy("density"),
        density=False,
        hub_xy=(c.x, c.y),
    )


def test_drops_without_reindex_then_one_reindex_equal_reindexed_drops() -> None:
    pv = _layout()
    n = len(pv.plant.tables)
    assert n > 200 and len(pv.plant.blocks) >= 2
    rng = np.random.default_rng(7)
    first = rng.choice(n, 40, replace=False)
    eager = without_tables(pv, first)
    lazy = without_tables(pv, first, reindex=False)
    # Stale indices in between: the blocks still list their tables by position.
    assert any(t.index != i for i, t in enumerate(lazy.plant.tables))
    for b in lazy.plant.blocks:
        assert all(lazy.plant.tables[i].block == b.index for i in b.tables)
    second = rng.choice(len(eager.plant.tables), 30, replace=False)
    eager = trimmed(without_tables(eager, second))
    lazy = reindexed(trimmed(without_tables(lazy, second, reindex=False), reindex=False))
    assert lazy.plant.tables == eager.plant.tables
    assert lazy.plant.blocks == eager.plant.blocks
    assert [t.index for t in lazy.plant.tables] == list(range(len(lazy.plant.tables)))
    # Nothing to re-index: the same layout back.
    assert reindexed(eager) is eager


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=60),
    count=st.integers(min_value=1, max_value=70),
)
def test_nearest_first_is_the_prefix_of_a_stable_sort(values: list[int], count: int) -> None:
    d = np.asarray(values, dtype=float)  # few distinct values: many ties
    full = np.argsort(d, kind="stable")
    got = _nearest_first(d, count)
    assert len(got) >= min(count, len(d))
    assert got.tolist() == full[: len(got)].tolist()


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=14),
    edges=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=30),
    side=st.lists(st.booleans(), min_size=14, max_size=14),
)
def test_two_pieces_agrees_with_components_of_each_side(
    n: int, edges: list[tuple[int, int]], side: list[bool]
) -> None:
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges if a < n and b < n and a != b})
    pa = np.asarray([p[0] for p in pairs], dtype=np.int64)
    pb = np.asarray([p[1] for p in pairs], dtype=np.int32)
    mask = np.asarray(side[:n])

    def pieces(sel: np.ndarray) -> int:
        idx = np.flatnonzero(sel)
        where = np.full(n, -1)
        where[idx] = np.arange(len(idx))
        keep = sel[pa] & sel[pb]
        g = coo_matrix((np.ones(int(keep.sum())), (where[pa[keep]], where[pb[keep]])), shape=(len(idx),) * 2)
        return int(connected_components(g, directed=False)[0])

    expected = bool(mask.any() and (~mask).any() and pieces(mask) == 1 and pieces(~mask) == 1)
    assert _two_pieces(mask, pa, pb, n) == expected


def test_row_runs_at_once_equal_row_runs_table_by_table() -> None:
    pv = _layout()
    tables = pv.plant.tables
    xy = shapely.get_coordinates(np.asarray([t.polygon for t in tables], dtype=object)).reshape(-1, 5, 2)
    u, v = pv.frame.to_frame(xy[..., 0], xy[..., 1])
    rows = np.asarray([t.row for t in tables])
    u0, u1, v0, v1 = u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)
    for gap in (0.5, 3.0, 12.0):
        loop = np.asarray(_row_runs_loop(np.lexsort((u0, rows)), rows, u0, u1, v0, v1, gap))
        got = row_runs(pv, max_gap_m=gap)
        assert len(got) == len(loop)
        assert gap < 3.0 or len(got) < len(tables) / 2  # tables do merge
        us = np.stack([loop[:, 0], loop[:, 1], loop[:, 1], loop[:, 0]], axis=1)
        vs = np.stack([loop[:, 2], loop[:, 2], loop[:, 3], loop[:, 3]], axis=1)
        x, y = pv.frame.to_grid(us, vs)
        assert all(
            shapely.equals_exact(g, e, 0.0)
            for g, e in zip(got, shapely.polygons(np.stack([x, y], -1)), strict=True)
        )
