"""Inverter blocks: which tables to build, how they group into blocks, where power stations go.

Selection: tables are ranked by the strategy (distance to the substation for compact fields,
ground quality for low_earthwork) and taken until the DC target is met.
Grouping: recursive coordinate bisection — split the tables across their longer extent at the
point where the DC on each side matches the blocks assigned to it. Every block is contiguous in
that order and its DC is within one table of its target (the documented tolerance).
Power stations: in each block, the table ending on an access corridor nearest the block's
DC-weighted centre gives up its slot to the power station, which then sits beside the road.
"""

from __future__ import annotations

import math

import numpy as np

EPS = 1e-9


def select_tables(score: np.ndarray, dc_kwp: np.ndarray, need_kwp: float) -> np.ndarray:
    """Indices of the lowest-`score` tables whose DC [kWp] first reaches `need_kwp` (all if short)."""
    order = np.argsort(score, kind="stable")
    cum = np.cumsum(dc_kwp[order])
    k = int(np.searchsorted(cum, need_kwp - EPS)) + 1
    return np.sort(order[: min(k, len(order))])


def block_sizes_kw(target_ac_kw: float, block_ac_kw: float) -> list[float]:
    """AC sizes [kW] of the blocks that make up `target_ac_kw`: full blocks and one remainder."""
    n = max(1, math.ceil(target_ac_kw / block_ac_kw - 1e-9))
    sizes = [block_ac_kw] * (n - 1)
    sizes.append(target_ac_kw - block_ac_kw * (n - 1))
    return sizes


def partition(u: np.ndarray, v: np.ndarray, dc: np.ndarray, targets: list[float]) -> np.ndarray:
    """Block label per table: contiguous groups whose DC [kWp] follow `targets` (see module doc).

    u, v: table centres [m] in any orthogonal frame; dc: table DC [kWp]."""
    labels = np.zeros(len(u), dtype=np.int64)

    def split(idx: np.ndarray, first: int, tg: list[float]) -> None:
        if len(tg) == 1 or len(idx) == 0:
            labels[idx] = first
            return
        half = len(tg) // 2
        left_dc = sum(tg[:half]) / max(sum(tg), EPS) * float(dc[idx].sum())
        su, sv = np.ptp(u[idx]), np.ptp(v[idx])
        key = u[idx] if su >= sv else v[idx]
        second = v[idx] if su >= sv else u[idx]
        order = idx[np.lexsort((second, key))]
        cum = np.cumsum(dc[order])
        k = int(np.searchsorted(cum, left_dc - EPS))
        # Nearer of the two cut points around the exact share.
        if k < len(order) and k > 0 and abs(cum[k - 1] - left_dc) < abs(cum[k] - left_dc):
            k -= 1
        k = min(max(k + 1, 1), len(order) - 1) if len(order) > 1 else len(order)
        split(order[:k], first, tg[:half])
        split(order[k:], first + half, tg[half:])

    split(np.arange(len(u)), 0, list(targets))
    return labels


def partition_groups(
    u: np.ndarray, v: np.ndarray, dc: np.ndarray, targets: list[float], group: np.ndarray
) -> np.ndarray:
    """Block labels as `partition`, but no block spans two `group`s (pieces of land fed by
    different substations): each group gets whole blocks in proportion to its DC (largest
    remainder); a group too small for one block is labelled -1 (left out)."""
    groups = np.unique(group)
    if len(groups) <= 1:
        return partition(u, v, dc, targets)
    total = float(dc.sum())
    share = np.array([float(dc[group == g].sum()) / max(total, EPS) * len(targets) for g in groups])
    n = np.floor(share).astype(np.int64)
    for k in np.argsort(-(share - n), kind="stable")[: len(targets) - int(n.sum())]:
        n[k] += 1
    labels = np.full(len(u), -1, dtype=np.int64)
    first = 0
    for g, m in zip(groups, n.tolist(), strict=True):
        if m <= 0:
            continue
        idx = np.flatnonzero(group == g)
        labels[idx] = first + partition(u[idx], v[idx], dc[idx], targets[first : first + m])
        first += m
    return labels


def station_candidates(
    labels: np.ndarray, u: np.ndarray, v: np.ndarray, dc: np.ndarray, at_corridor: np.ndarray, block: int
) -> np.ndarray:
    """Tables of `block` whose slot a power station may take, best first: those ending on a
    corridor by distance to the block's DC-weighted centre, then the others by distance."""
    idx = np.flatnonzero(labels == block)
    if len(idx) == 0:
        return idx
    w = dc[idx]
    cu, cv = float(np.average(u[idx], weights=w)), float(np.average(v[idx], weights=w))
    d = np.hypot(u[idx] - cu, v[idx] - cv)
    order = np.lexsort((d, at_corridor[idx] == 0))
    out: np.ndarray = idx[order]
    return out
