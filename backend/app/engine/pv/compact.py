"""Compact blocks: after roads take tables and spare tables top blocks up, the blocks are grouped
again so each is one piece where the land allows (docs/engine.md, "Compact blocks").

Top-ups take the spare tables nearest each short block's power station, wherever they stand, so
a block can end up in several pieces. `regrouped` runs the same recursive coordinate bisection as
the first grouping (`app.engine.pv.blocks.partition`) on the tables as they now are, within each
substation's land, and gives each new group the power station nearest its DC-weighted centre
(an assignment problem over the blocks of equal nominal size, solved exactly with SciPy's
`linear_sum_assignment`); the new grouping is kept only when it leaves at least as many blocks
in one piece, measured as the constructability section measures it. Then small stray pieces go
to the neighbouring block they touch, and a block still in pieces (e.g. crossed by a road) is
cut again together with a neighbour, at the same DC shares, along the first ordering that leaves
both in one piece (`_cut_two`). Last, blocks short of their DC target take tables from their
neighbours, passed along chains of touching blocks from blocks with a table to spare
(`_balanced`), so the top-up that follows needs no distant spare table. UTM [m], row frame.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from app.engine.civil.constructability import block_gap_m, near_pairs, table_pieces
from app.engine.pv.blocks import partition
from app.engine.pv.plant import PvLayout, retotalled, without_tables
from app.engine.pv.types import PvTable

# Blocks whose nominal AC differs by more than this [kW] are not interchangeable.
SIZE_TOL_KW = 1.0
BIG = 1e12
# A stray piece is moved to its neighbour only when it holds at most this share of its block's DC:
# a bigger piece (a block cut in two by a road) stays, or the blocks' DC would no longer balance.
STRAY_SHARE = 0.1
# Mending split blocks pairwise: passes, the largest pair considered (tables), neighbours tried
# (those sharing the most table pairs first) and how far a station
# may stand from its block's nearest table [m] (its 3 m clearance, an 8 m access corridor and 4 m
# to spare: beside its block, across at most one road).
MEND_PASSES = 3
MEND_MAX_TABLES = 3000
MEND_NEIGHBOURS = 3
STATION_REACH_M = 15.0
# Added to a station's distance [m] when the part it would feed does not stand beside it.
AWAY_PENALTY_M = 1e6
# Stations farther from a part's DC-weighted centre than this × the part's extent are away from it
# without measuring (the exact test runs only on the nearer ones).
PART_REACH_FACTOR = 1.0
# Balancing: at most this many one-table moves fill one short block.
BALANCE_MAX_MOVES = 120
# Handing stray pieces over to the neighbouring block they touch: passes (a piece handed over may
# let another touch a home piece).
HAND_PASSES = 2
# Repair rounds (absorb, hand over, balance) while each leaves more blocks in one piece.
REPAIR_ROUNDS = 4
# Touching blocks around those off their DC target that the repair rounds balance.
BALANCE_RINGS = 1


def table_boxes_uv(layout: PvLayout) -> np.ndarray:
    """Each table's rectangle in the row frame (n, 4): u_lo, u_hi, v_lo, v_hi [m]."""
    tables = layout.plant.tables
    if not tables:
        return np.zeros((0, 4))
    n = len(tables)
    xy = shapely.get_coordinates(np.asarray([t.polygon for t in tables], dtype=object))
    u, v = layout.frame.to_frame(xy[:, 0], xy[:, 1])
    u, v = np.asarray(u).reshape(n, -1), np.asarray(v).reshape(n, -1)
    return np.column_stack([u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)])


def _one_piece(
    boxes: np.ndarray, blocks: np.ndarray, gap: float, pairs: tuple[np.ndarray, np.ndarray] | None = None
) -> int:
    lab = table_pieces(boxes, blocks, gap, pairs)
    return sum(1 for k in np.unique(blocks) if len(np.unique(lab[blocks == k])) == 1)


def _gaps_to(boxes: np.ndarray, point_uv: tuple[float, float]) -> np.ndarray:
    """Distance [m] from a point to each of the rectangles `boxes` (row frame)."""
    du = np.maximum(0.0, np.maximum(boxes[:, 0] - point_uv[0], point_uv[0] - boxes[:, 1]))
    dv = np.maximum(0.0, np.maximum(boxes[:, 2] - point_uv[1], point_uv[1] - boxes[:, 3]))
    out: np.ndarray = np.hypot(du, dv)
    return out


def _gap_to(boxes: np.ndarray, point_uv: tuple[float, float]) -> float:
    """Distance [m] from a point to the nearest of the rectangles `boxes` (row frame)."""
    if not len(boxes):
        return float("inf")
    return float(_gaps_to(boxes, point_uv).min())


def _stations_beside(
    boxes: np.ndarray, blk: np.ndarray, st_uv: dict[int, tuple[float, float]], old: np.ndarray
) -> bool:
    """Whether every station stands within `STATION_REACH_M` of its block under `blk`, or no
    farther than under `old`."""
    for k, p in st_uv.items():
        d = _gap_to(boxes[blk == k], p)
        if d > STATION_REACH_M and d > _gap_to(boxes[old == k], p) + 1e-6:
            return False
    return True


def _with_block(t: PvTable, block: int) -> PvTable:
    new: PvTable = object.__new__(PvTable)
    new.__dict__.update(t.__dict__)
    new.__dict__["block"] = block
    return new


def regrouped(layout: PvLayout, block_group: dict[int, int] | None = None) -> PvLayout:
    """`layout` with its tables grouped again into its blocks (see the module docstring).

    block_group: block index → the substation its feeder ends at (0 main, k collector k); tables
    are regrouped only among the blocks of one group (a block never spans two substations' land)."""
    if len(layout.plant.blocks) < 2 or not layout.plant.tables:
        return layout
    boxes = table_boxes_uv(layout)
    gap = block_gap_m(layout.plant.design.pitch_m - layout.plant.design.depth_m)
    pairs = near_pairs(boxes, gap)
    layout, boxes, pairs = _without_islands(layout, boxes, pairs)
    plant = layout.plant
    tables = plant.tables
    dc_ac = plant.design.design.dc_ac_ratio
    blk = np.asarray([t.block for t in tables], dtype=np.int64)
    dc = np.asarray([t.dc_kwp for t in tables], dtype=float)
    xy = np.asarray([t.centre for t in tables], dtype=float)
    u, v = layout.frame.to_frame(xy[:, 0], xy[:, 1])
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    groups: dict[int, list[int]] = {}
    for b in plant.blocks:
        groups.setdefault((block_group or {}).get(b.index, 0), []).append(b.index)
    nominal = {
        b.index: layout.block_sizes_kw[b.index] if b.index < len(layout.block_sizes_kw) else b.ac_kw
        for b in plant.blocks
    }
    station = {b.index: b.station for b in plant.blocks}
    su, sv = layout.frame.to_frame(
        np.asarray([station[k][0] for k in station]), np.asarray([station[k][1] for k in station])
    )
    st_uv = {
        k: (float(a), float(b)) for k, a, b in zip(station, np.atleast_1d(su), np.atleast_1d(sv), strict=True)
    }

    def assign(new: np.ndarray, idx: np.ndarray, members: list[int]) -> None:
        """Bisect tables `idx` into blocks `members`; each part takes the station nearest its
        DC-weighted centre among blocks of its size."""
        if len(members) < 2 or len(idx) == 0:
            if members:
                new[idx] = members[0]
            return
        targets = [nominal[b] * dc_ac for b in members]
        lab = partition(u[idx], v[idx], dc[idx], targets)
        sizes = np.asarray([nominal[b] for b in members])
        st_xy = np.asarray([station[b] for b in members], dtype=float)
        cost = np.full((len(members), len(members)), BIG)
        # The group's tables taken out once (not once per part: a group may hold 300 blocks).
        dc_i, xy_i, boxes_i = dc[idx], xy[idx], boxes[idx]
        for i in range(len(members)):
            sel = lab == i
            if not sel.any():
                cost[i, :] = BIG / 2
                continue
            w = dc_i[sel]
            cx = float(np.average(xy_i[sel, 0], weights=w))
            cy = float(np.average(xy_i[sel, 1], weights=w))
            part = boxes_i[sel]
            same = np.abs(sizes - nominal[members[i]]) <= SIZE_TOL_KW
            d = np.hypot(st_xy[:, 0] - cx, st_xy[:, 1] - cy)
            # A station not beside the part is a last resort (only stations near it are measured).
            near = same & (
                d <= PART_REACH_FACTOR * float(np.hypot(np.ptp(part[:, :2]), np.ptp(part[:, 2:]))) + 1.0
            )
            away = np.ones(len(members), dtype=bool)
            for j in np.flatnonzero(near):
                away[j] = _gap_to(part, st_uv[members[j]]) > STATION_REACH_M
            cost[i, same] = d[same] + AWAY_PENALTY_M * away[same]
        rows, cols = linear_sum_assignment(cost)
        to_block = {int(r): members[int(c)] for r, c in zip(rows, cols, strict=True)}
        new[idx] = [to_block[int(k)] for k in lab]

    # A: every substation's land bisected as a whole.
    by_sink = blk.copy()
    for members in groups.values():
        assign(by_sink, np.flatnonzero(np.isin(blk, members)), members)
    better = _one_piece(boxes, by_sink, gap, pairs) >= _one_piece(boxes, blk, gap, pairs)
    new = by_sink if better and _stations_beside(boxes, by_sink, st_uv, blk) else blk.copy()
    new = _absorbed(boxes, new, dc, gap, block_group or {}, pairs, xy, station)
    new = _pairs_mended(boxes, new, dc, xy, gap, station, st_uv, block_group or {}, pairs)
    targets = np.zeros(int(max(nominal)) + 1)
    for k, kw in nominal.items():
        targets[k] = kw * dc_ac
    new = _balanced(new, dc, xy, targets, station, block_group or {}, pairs, (boxes, st_uv))
    new = _rounds(new, dc, xy, targets, gap, station, st_uv, block_group or {}, pairs, boxes)
    if np.array_equal(new, blk):
        return layout
    moved = tuple(t if new[i] == t.block else _with_block(t, int(new[i])) for i, t in enumerate(tables))
    return retotalled(_replace_tables(layout, moved))


def _without_islands(
    layout: PvLayout, boxes: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]
) -> tuple[PvLayout, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """`layout` without its islands, with the table boxes (row frame [m]) and near pairs
    (`near_pairs`) of the tables left. An island: tables standing apart from the rest of the plant
    (no table of any block within the block gap joins them to it) holding less than
    `STRAY_SHARE` of their block's DC target, whose block has tables elsewhere, e.g. one tracker
    left between a road and a power station's slot. No regrouping can join it to a block; left
    out, the block is balanced from its neighbours and topped up with a spare table touching it."""
    tables = layout.plant.tables
    n = len(tables)
    a, b = pairs
    _, comp = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    dc = np.asarray([t.dc_kwp for t in tables], dtype=float)
    blk = np.asarray([t.block for t in tables], dtype=np.int64)
    comp_dc = np.bincount(comp, weights=dc)
    block_dc = np.bincount(blk, weights=dc)
    dc_ac = layout.plant.design.design.dc_ac_ratio
    target = np.zeros(len(block_dc))
    for blo in layout.plant.blocks:
        if blo.index < len(target):
            kw = layout.block_sizes_kw[blo.index] if blo.index < len(layout.block_sizes_kw) else blo.ac_kw
            target[blo.index] = kw * dc_ac
    small = (comp_dc[comp] < STRAY_SHARE * target[blk] - 1e-9) & (comp_dc[comp] < block_dc[blk] - 1e-9)
    if not small.any():
        return layout, boxes, pairs
    keep = ~small
    where = np.cumsum(keep) - 1
    inside = keep[a] & keep[b]
    return without_tables(layout, np.flatnonzero(small)), boxes[keep], (where[a[inside]], where[b[inside]])


def _absorbed(
    boxes: np.ndarray,
    blk: np.ndarray,
    dc: np.ndarray,
    gap: float,
    block_group: dict[int, int],
    pairs: tuple[np.ndarray, np.ndarray],
    xy: np.ndarray,
    station: dict[int, tuple[float, float]],
) -> np.ndarray:
    """Block labels with each small stray piece (a block's pieces but its largest, by DC, holding at
    most `STRAY_SHARE` of its DC) given to the
    neighbouring block of the same substation it touches most, which gives the same DC back from
    its tables touching the block's main piece; a stray touching none stays."""
    lab = table_pieces(boxes, blk, gap, pairs)
    a, b = pairs
    out = blk.copy()
    piece_dc: dict[int, float] = {}
    np_lab = np.asarray(lab)
    for p, w in zip(np_lab.tolist(), dc.tolist(), strict=True):
        piece_dc[p] = piece_dc.get(p, 0.0) + w
    block_dc: dict[int, float] = {}
    for k, w in zip(blk.tolist(), dc.tolist(), strict=True):
        block_dc[k] = block_dc.get(k, 0.0) + w
    main: dict[int, int] = {}
    for p, k in zip(np_lab.tolist(), blk.tolist(), strict=True):
        if k not in main or piece_dc[p] > piece_dc[main[k]]:
            main[k] = p
    # Pairs across blocks, both ways: (table in a stray piece, neighbouring table).
    cross = blk[a] != blk[b]
    src = np.concatenate([a[cross], b[cross]])
    dst = np.concatenate([b[cross], a[cross]])
    # Only small strays, and only onto a neighbour's main piece of the same substation: the tests
    # per table as arrays (a 1 GWac plant has some 50,000 such pairs), the votes in pair order.
    ks = blk.tolist()
    main_of = np.asarray([main[k] for k in ks], dtype=np.int64)
    pdc = np.asarray([piece_dc[p] for p in np_lab.tolist()], dtype=float)
    bdc = np.asarray([block_dc[k] for k in ks], dtype=float)
    grp = np.asarray([block_group.get(k, 0) for k in ks], dtype=np.int64)
    ok = (
        (main_of[src] != np_lab[src])
        & (main_of[dst] == np_lab[dst])
        & ~(pdc[src] > STRAY_SHARE * bdc[src])
        & (grp[src] == grp[dst])
    )
    votes: dict[int, dict[int, int]] = {}
    for p, k_j in zip(np_lab[src[ok]].tolist(), blk[dst[ok]].tolist(), strict=True):
        votes.setdefault(p, {})
        votes[p][k_j] = votes[p].get(k_j, 0) + 1
    for p, v in votes.items():
        k_to = max(v.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        stray = np_lab == p
        k_from = int(blk[np.flatnonzero(stray)[0]])
        out[stray] = k_to
        # The neighbour gives the same DC back from its tables touching the block's main piece,
        # nearest the block's station: the blocks' DC stays balanced.
        owe = piece_dc[p]
        home = (out == k_from) & (np_lab == main[k_from])
        border = np.unique(np.concatenate([b[home[a] & (out[b] == k_to)], a[home[b] & (out[a] == k_to)]]))
        sx, sy = station[k_from]
        for j in border[np.argsort(np.hypot(xy[border, 0] - sx, xy[border, 1] - sy), kind="stable")]:
            if owe <= 0.5 * float(dc[j]):
                break
            out[j] = k_from
            owe -= float(dc[j])
    return out


def _rounds(
    new: np.ndarray,
    dc: np.ndarray,
    xy: np.ndarray,
    targets: np.ndarray,
    gap: float,
    station: dict[int, tuple[float, float]],
    st_uv: dict[int, tuple[float, float]],
    block_group: dict[int, int],
    pairs: tuple[np.ndarray, np.ndarray],
    boxes: np.ndarray,
) -> np.ndarray:
    """Block labels `new` repaired in rounds while a round leaves more blocks in one piece and no
    more DC short of the targets [kWp] beyond one table (or as many in one piece and less DC
    short) and no more stations away from their blocks (`_n_away`):
    small strays absorbed, other pieces handed over (`_handed_over`), the DC balanced again
    (`_balanced_near`)."""

    table_kwp = float(dc.max())

    def score(lab: np.ndarray) -> tuple[int, float]:
        # DC short of the targets beyond the one-table tolerance [kWp].
        short = np.maximum(targets - np.bincount(lab, weights=dc, minlength=len(targets)) - table_kwp, 0.0)
        return _one_piece(boxes, lab, gap, pairs), -round(float(short.sum()), 6)

    best, best_score = new, score(new)
    for _ in range(REPAIR_ROUNDS):
        cand = _absorbed(boxes, best, dc, gap, block_group, pairs, xy, station)
        cand = _handed_over(boxes, cand, dc, gap, block_group, pairs, st_uv)
        cand = _balanced_near(cand, dc, xy, targets, station, block_group, pairs, (boxes, st_uv))
        got = score(cand)
        # Better: more blocks in one piece, never more DC short (a short block is topped up
        # later from spare tables, which need not touch it), or less short at as many.
        if (
            got[1] < best_score[1] - 1e-6
            or got <= best_score
            or _n_away(boxes, cand, st_uv) > _n_away(boxes, best, st_uv)
        ):
            break
        best, best_score = cand, got
    return best


def _balanced_near(
    blk: np.ndarray,
    dc: np.ndarray,
    xy: np.ndarray,
    targets: np.ndarray,
    station: dict[int, tuple[float, float]],
    block_group: dict[int, int],
    pairs: tuple[np.ndarray, np.ndarray],
    beside: tuple[np.ndarray, dict[int, tuple[float, float]]],
) -> np.ndarray:
    """`_balanced` on the blocks more than one table [kWp] off their DC target and those within
    `BALANCE_RINGS` touching blocks of them only: the chains that refill a handed-over piece run
    there, and each one-table move then scans those blocks' tables, not the plant's (a 1 GWac plant
    has some 30,000). Same labels elsewhere."""
    dc_of = np.bincount(blk, weights=dc, minlength=len(targets))
    present = np.unique(blk)
    off = present[np.abs(dc_of[present] - targets[present]) > float(dc.max())]
    if not len(off):
        return blk
    a, b = pairs
    cross = blk[a] != blk[b]
    adj: dict[int, set[int]] = {}
    for p, q in zip(blk[a[cross]].tolist(), blk[b[cross]].tolist(), strict=True):
        adj.setdefault(p, set()).add(q)
        adj.setdefault(q, set()).add(p)
    ring = {int(k) for k in off}
    frontier = set(ring)
    for _ in range(BALANCE_RINGS):
        frontier = {q for p in frontier for q in adj.get(p, ())} - ring
        ring |= frontier
    sub = np.flatnonzero(np.isin(blk, np.fromiter(ring, dtype=np.int64)))
    where = np.full(len(blk), -1, dtype=np.int64)
    where[sub] = np.arange(len(sub))
    inside = (where[a] >= 0) & (where[b] >= 0)
    boxes, st_uv = beside
    out = blk.copy()
    out[sub] = _balanced(
        blk[sub], dc[sub], xy[sub], targets, station, block_group,
        (where[a[inside]], where[b[inside]]), (boxes[sub], st_uv),
    )  # fmt: skip
    return out


def _n_away(boxes: np.ndarray, blk: np.ndarray, st_uv: dict[int, tuple[float, float]]) -> int:
    """How many stations stand farther than `STATION_REACH_M` from their block under `blk`."""
    n = int(max(max(st_uv), int(blk.max()))) + 1
    su, sv = np.zeros(n), np.zeros(n)
    for k, (pu, pv) in st_uv.items():
        su[k], sv[k] = pu, pv
    # Each table's gap to its own block's station, then the nearest per block (one pass).
    du = np.maximum(0.0, np.maximum(boxes[:, 0] - su[blk], su[blk] - boxes[:, 1]))
    dv = np.maximum(0.0, np.maximum(boxes[:, 2] - sv[blk], sv[blk] - boxes[:, 3]))
    near = np.full(n, np.inf)
    np.minimum.at(near, blk, np.hypot(du, dv))
    return int(sum(1 for k in st_uv if near[k] > STATION_REACH_M))


def _home_pieces(
    boxes: np.ndarray, blk: np.ndarray, lab: np.ndarray, dc: np.ndarray, st_uv: dict[int, tuple[float, float]]
) -> dict[int, int]:
    """Each block's home piece (piece labels `lab`): the one beside its station (within
    `STATION_REACH_M`; the largest by DC when several are), else the one nearest it."""
    home: dict[int, int] = {}
    for k in np.unique(blk).tolist():
        mine = np.flatnonzero(blk == k)
        ps, inv = np.unique(lab[mine], return_inverse=True)
        if len(ps) == 1:
            home[k] = int(ps[0])
            continue
        w = np.bincount(inv, weights=dc[mine])
        p_uv = st_uv.get(k)
        if p_uv is not None:
            gaps = _gaps_to(boxes[mine], p_uv)
            near = gaps <= max(STATION_REACH_M, float(gaps.min()) + 1e-6)
            beside = np.bincount(inv[near], minlength=len(ps)) > 0
            w = np.where(beside, w, -1.0)
        home[k] = int(ps[int(np.argmax(w))])
    return home


def _handed_over(
    boxes: np.ndarray,
    blk: np.ndarray,
    dc: np.ndarray,
    gap: float,
    block_group: dict[int, int],
    pairs: tuple[np.ndarray, np.ndarray],
    st_uv: dict[int, tuple[float, float]],
) -> np.ndarray:
    """Block labels with every piece of a block but its home piece (`_home_pieces`: beside its
    station) handed whole to the neighbouring block (same substation) whose home piece it touches
    most: both stay or become one piece, and `_balanced` then passes the DC back along chains of
    touching blocks. A piece touching no neighbour's home piece stays. Row frame [m]."""
    out = blk.copy()
    a, b = pairs
    for _ in range(HAND_PASSES):
        lab = table_pieces(boxes, out, gap, pairs)
        home = _home_pieces(boxes, out, lab, dc, st_uv)
        homes = np.asarray([home[k] for k in out.tolist()], dtype=np.int64)
        stray = lab != homes
        if not stray.any():
            break
        grp = np.asarray([block_group.get(k, 0) for k in out.tolist()], dtype=np.int64)
        src = np.concatenate([a, b])
        dst = np.concatenate([b, a])
        ok = stray[src] & ~stray[dst] & (out[src] != out[dst]) & (grp[src] == grp[dst])
        votes: dict[int, dict[int, int]] = {}
        for p, k_to in zip(lab[src[ok]].tolist(), out[dst[ok]].tolist(), strict=True):
            v = votes.setdefault(p, {})
            v[k_to] = v.get(k_to, 0) + 1
        if not votes:
            break
        for p, v in votes.items():
            out[lab == p] = max(v.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    return out


def _balanced(
    blk: np.ndarray,
    dc: np.ndarray,
    xy: np.ndarray,
    targets: np.ndarray,
    station: dict[int, tuple[float, float]],
    block_group: dict[int, int],
    pairs: tuple[np.ndarray, np.ndarray],
    beside: tuple[np.ndarray, dict[int, tuple[float, float]]],
) -> np.ndarray:
    """Block labels with each block short of its DC target [kWp] (`targets`, by block index)
    filled from its neighbours rather than from distant spare tables: one table at a time passes
    along the shortest chain of touching blocks (same substation) from the nearest block that can
    spare a table (it stays at or above its target), each block of the chain giving the next its
    table touching it nearest that block's station; the blocks between keep their DC. Blocks
    topped up from far spare tables afterwards would be in pieces again. UTM [m]."""
    out = blk.copy()
    a, b = pairs
    if not len(a):
        return out
    dc_of = np.bincount(out, weights=dc, minlength=len(targets))
    # Block adjacency once: moving a few border tables hardly changes which blocks touch.
    cross = out[a] != out[b]
    adj: dict[int, set[int]] = {}
    for p, q in zip(out[a[cross]].tolist(), out[b[cross]].tolist(), strict=True):
        if block_group.get(p, 0) == block_group.get(q, 0):
            adj.setdefault(p, set()).add(q)
            adj.setdefault(q, set()).add(p)
    n = len(out)
    nbr = coo_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    table_kwp = float(dc.max())
    for k in sorted((int(q) for q in np.unique(out)), key=lambda q: dc_of[q] - targets[q]):
        # One table at a time along the chain to the nearest block that can spare one.
        for _ in range(BALANCE_MAX_MOVES):
            if targets[k] - dc_of[k] <= 1e-6:
                break
            chain = _chain_to_surplus(k, table_kwp, adj, dc_of - targets)
            if len(chain) < 2 or not _pass_one(out, chain, nbr, xy, dc, dc_of, station, beside):
                break
    return out


def _pass_one(
    out: np.ndarray,
    chain: list[int],
    nbr: csr_matrix,
    xy: np.ndarray,
    dc: np.ndarray,
    dc_of: np.ndarray,
    station: dict[int, tuple[float, float]],
    beside: tuple[np.ndarray, dict[int, tuple[float, float]]],
) -> bool:
    """Each block of `chain` gives the next one its table touching it nearest that block's station
    and farthest from its own (labels `out` and block DC `dc_of` [kWp] updated in place), never
    the last table beside its own station (`beside`: table boxes and stations, row frame);
    False (nothing moved) when some block of the chain has no such table."""
    boxes, st_uv = beside
    moves = []
    for giver, taker in itertools.pairwise(chain):
        own = np.flatnonzero(out == giver)
        # The giver's rows of the adjacency straight from its CSR arrays (no sparse slicing).
        rows, at = _csr_gather(nbr.indptr, own)
        touch = np.unique(rows[out[nbr.indices[at]] == taker])
        # Tables beside the giver's station stay, unless another one is beside it too.
        near_own = _gaps_to(boxes[own], st_uv[giver]) <= STATION_REACH_M
        if near_own.sum() <= 1:
            touch = np.setdiff1d(touch, own[near_own])
        if not len(touch):
            return False
        tx, ty = station[taker]
        gx, gy = station[giver]
        key = np.hypot(xy[touch, 0] - tx, xy[touch, 1] - ty) - np.hypot(xy[touch, 0] - gx, xy[touch, 1] - gy)
        moves.append((int(touch[np.argmin(key)]), giver, taker))
    for j, giver, taker in moves:
        out[j] = taker
        dc_of[giver] -= dc[j]
        dc_of[taker] += dc[j]
    return True


def _chain_to_surplus(k: int, need: float, adj: dict[int, set[int]], surplus: np.ndarray) -> list[int]:
    """The shortest chain of touching blocks from the nearest block whose surplus DC [kWp] covers
    `need` to block `k` (giver first, `k` last); [k] alone when there is none."""
    prev = {k: k}
    frontier = [k]
    while frontier:
        nxt = []
        for p in frontier:
            for q in sorted(adj.get(p, ())):
                if q in prev:
                    continue
                prev[q] = p
                if surplus[q] >= need - 1e-6:
                    chain = [q]
                    while chain[-1] != k:
                        chain.append(prev[chain[-1]])
                    return chain
                nxt.append(q)
        frontier = nxt
    return [k]


def _orders(
    boxes: np.ndarray,
    xy: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    st_first: tuple[float, float],
    st_second: tuple[float, float],
) -> Iterator[np.ndarray]:
    """Orderings of tables a two-way cut may follow: along each row-frame axis both ways, and by
    the difference of the distances along the tables' adjacency graph from each station (a
    Voronoi split on the graph: a cut there follows the tables' own gaps, e.g. a road). Yielded
    one by one: the caller stops at the first that cuts (most often the graph split)."""
    cu, cv = (boxes[:, 0] + boxes[:, 1]) / 2, (boxes[:, 2] + boxes[:, 3]) / 2
    n = len(boxes)
    a, b = pairs
    if n > 2 and len(a):
        w = np.hypot(cu[a] - cu[b], cv[a] - cv[b]) + 1e-3
        graph = coo_matrix((w, (a, b)), shape=(n, n))
        src = [int(np.argmin(np.hypot(xy[:, 0] - s[0], xy[:, 1] - s[1]))) for s in (st_first, st_second)]
        d = dijkstra(graph, directed=False, indices=src)
        d = np.where(np.isfinite(d), d, 1e9)
        # The graph split first: it succeeds most often.
        yield np.argsort(d[0] - d[1], kind="stable")
    yield np.lexsort((cv, cu))
    yield np.lexsort((cv, -cu))
    yield np.lexsort((cu, cv))
    yield np.lexsort((cu, -cv))


def _pairs_mended(
    boxes: np.ndarray,
    blk: np.ndarray,
    dc: np.ndarray,
    xy: np.ndarray,
    gap: float,
    station: dict[int, tuple[float, float]],
    st_uv: dict[int, tuple[float, float]],
    block_group: dict[int, int],
    pairs: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Each block still in pieces is cut again together with a neighbour it touches: their
    tables re-split in two at the same DC shares along the first ordering (`_orders`) that leaves
    both in one piece, each with its station beside it. UTM / row frame [m]."""
    out = blk.copy()
    a, b = pairs
    # Cuts that failed, by their whole input (the pair, its tables and which are the first
    # block's): a later pass retries only pairs whose tables changed (same answers, less work).
    failed: set[tuple[int, int, bytes, bytes]] = set()
    # Each table's pairs (positions in `a`, `b`), CSR: the pairs touching a block or two are
    # gathered from their tables instead of a scan of all pairs (~100,000 at 1 GWac) per block.
    n = len(out)
    ends = np.concatenate([a, b])
    inc = np.concatenate([np.arange(len(a)), np.arange(len(a))])[np.argsort(ends, kind="stable")]
    inc_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=inc_ptr[1:])

    def touching(tables: np.ndarray) -> np.ndarray:
        """The pairs touching `tables`, ascending (the order a mask over all pairs gives)."""
        return np.unique(inc[_csr_gather(inc_ptr, tables)[1]])

    for _ in range(MEND_PASSES):
        lab = table_pieces(boxes, out, gap, (a, b))
        # Blocks with more than one piece, ascending: one sort of the (block, piece) pairs.
        ks, n_pieces = np.unique(np.unique(np.column_stack([out, lab]), axis=0)[:, 0], return_counts=True)
        split = [int(k) for k in ks[n_pieces > 1]]
        if not split:
            break
        changed = False
        for k in split:
            members = np.flatnonzero(out == k)
            if len(np.unique(lab[members])) < 2:
                continue  # mended with an earlier neighbour
            mk = touching(members)  # the pairs touching `members`
            ends_k = out[np.concatenate([a[mk], b[mk]])].tolist()
            # The set built in the same order as before: its iteration order breaks ties.
            nbrs = set(ends_k) - {k}
            shared: dict[int, int] = {}
            for q in ends_k:
                shared[q] = shared.get(q, 0) + 1
            ranked = sorted(nbrs, key=lambda q: -shared[q])
            for m in ranked[:MEND_NEIGHBOURS]:
                if block_group.get(m, 0) != block_group.get(k, 0):
                    continue
                idx = np.flatnonzero((out == k) | (out == m))
                if len(idx) > MEND_MAX_TABLES:
                    continue
                key = (k, m, idx.tobytes(), (out[idx] == k).tobytes())
                if key in failed:
                    continue
                where = np.full(len(out), -1, dtype=np.int64)
                where[idx] = np.arange(len(idx))
                near = touching(idx)
                inside = near[(where[a[near]] >= 0) & (where[b[near]] >= 0)]
                sub = (where[a[inside]], where[b[inside]])
                got = _cut_two(
                    boxes[idx], dc[idx], xy[idx], float(dc[out == k].sum()), gap, station, st_uv, (k, m), sub
                )
                if got is None:
                    failed.add(key)
                    continue
                out[idx] = np.where(got, k, m)
                changed = True
                break
        if not changed:
            break
    return out


def _cut_two(
    boxes: np.ndarray,
    dc: np.ndarray,
    xy: np.ndarray,
    first_dc: float,
    gap: float,
    station: dict[int, tuple[float, float]],
    st_uv: dict[int, tuple[float, float]],
    pair: tuple[int, int],
    pairs: tuple[np.ndarray, np.ndarray],
) -> np.ndarray | None:
    """A mask of the tables for the first block of `pair` (`pairs`: their tables within `gap`, as
    `near_pairs` gives them): the cut (at `first_dc` [kWp], within
    one table) along an ordering that leaves both parts in one piece, each with its station within
    `STATION_REACH_M` of it; None when no ordering does."""
    k, m = pair
    n = len(dc)
    # The adjacency sorted by its first table once: each candidate cut then builds its graph in
    # CSR form directly (cheaper than `table_pieces`' COO per cut; same connectivity).
    by_a = np.argsort(pairs[0], kind="stable")
    pa, pb = pairs[0][by_a], pairs[1][by_a].astype(np.int32)
    for order in _orders(boxes, xy, pairs, station[k], station[m]):
        cum = np.cumsum(dc[order])
        n_first = int(np.searchsorted(cum, first_dc - 1e-9)) + 1
        for first_part in (order[:n_first], order[n_first:]):
            mask = np.zeros(len(dc), dtype=bool)
            mask[first_part] = True
            if abs(float(dc[mask].sum()) - first_dc) > float(dc.max()) + 1e-6:
                continue
            # The stations first: a cheap test that rules most cuts out before the graph one.
            if (
                _gap_to(boxes[mask], st_uv[k]) > STATION_REACH_M
                or _gap_to(boxes[~mask], st_uv[m]) > STATION_REACH_M
            ):
                continue
            if _two_pieces(mask, pa, pb, n):
                return mask
    return None


def _two_pieces(mask: np.ndarray, pa: np.ndarray, pb: np.ndarray, n: int) -> bool:
    """Whether the tables in `mask` and those outside it are each one piece: (pa, pb) the pairs of
    tables within the block gap, sorted by pa. Edges join tables on one side only, so the graph
    has exactly two components when both sides are non-empty and each is connected."""
    if not mask.any() or mask.all():
        return False
    same = mask[pa] == mask[pb]
    rows = pa[same]
    # A table with no neighbour on its own side (and not alone there) splits that side: answered
    # without building the graph (many candidate cuts strand a table at their edge).
    lonely = np.bincount(rows, minlength=n) + np.bincount(pb[same], minlength=n) == 0
    n_in = int(mask.sum())
    if (n_in > 1 and lonely[mask].any()) or (n - n_in > 1 and lonely[~mask].any()):
        return False
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    graph = csr_matrix((np.ones(len(rows)), pb[same], indptr), shape=(n, n))
    count, _ = connected_components(graph, directed=False)
    return int(count) == 2


def _csr_gather(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR rows `rows`: each stored entry's row and its position in the CSR arrays, row by
    row in stored order (what slicing the matrix by `rows` gives, without SciPy's overhead)."""
    start = indptr[rows]
    count = indptr[rows + 1] - start
    total = int(count.sum())
    first = np.cumsum(count) - count
    at = np.arange(total) + np.repeat(start - first, count)
    return np.repeat(rows, count), at


def _replace_tables(layout: PvLayout, tables: Sequence[PvTable]) -> PvLayout:
    from dataclasses import replace

    return replace(layout, plant=replace(layout.plant, tables=tuple(tables)))
