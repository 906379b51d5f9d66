"""Conductor choice: the smallest size (and fewest parallel runs) meeting ampacity and voltage drop."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.engine.electrical.conductors import Conductor


def size_circuits(
    table: Sequence[Conductor],
    *,
    i_size_a: np.ndarray,
    i_op_a: np.ndarray,
    route_m: np.ndarray,
    drop_factor: float,
    v_nominal_v: float | np.ndarray,
    limit_pct: float,
    temp_c: float,
    max_parallel: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick a conductor per circuit. Returns (index into `table`, parallel runs, meets-limits flag).

    i_size_a: current the ampacity must carry [A]; i_op_a: operating (STC) current for the drop [A];
    route_m: one-way route length [m]; drop_factor: 2 for a DC loop, √3 for three-phase (resistive
    part, cos φ ≈ 1); drop % = drop_factor · (I/p) · R(T) · L / V · 100. Fewest parallel runs first,
    then the smallest size; circuits that no choice satisfies get the largest size with
    `max_parallel` runs and flag False.
    """
    n = len(i_size_a)
    amp = np.array([c.ampacity_a for c in table])
    r = np.array([c.r_ohm_per_m(temp_c) for c in table])
    choice = np.full(n, len(table) - 1, dtype=np.int64)
    parallel = np.full(n, max_parallel, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    v = np.broadcast_to(np.asarray(v_nominal_v, dtype=float), (n,))
    for p in range(1, max_parallel + 1):
        todo = ~ok
        if not todo.any():
            break
        drop = drop_factor * (i_op_a[:, None] / p) * r[None, :] * route_m[:, None] / v[:, None] * 100.0
        feas = (amp[None, :] * p >= i_size_a[:, None]) & (drop <= limit_pct)
        hit = feas.any(axis=1) & todo
        choice[hit] = feas[hit].argmax(axis=1)
        parallel[hit] = p
        ok |= hit
    return choice, parallel, ok
