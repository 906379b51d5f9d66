"""MV collection to more than one substation: each power station feeds the main substation or the
collector substation of its land (`app.engine.civil.collectors`), by the same radial feeders along
the roads (`design_mv`), designed once per substation and numbered in one sequence. UTM [m]."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from shapely.geometry import LineString

from app.engine.electrical.mv import MvFeeder, MvResult, design_mv, road_index
from app.engine.electrical.params import ElectricalParams


def design_mv_to_sinks(
    roads: Sequence[LineString],
    sinks_xy: Sequence[tuple[float, float]],
    block_sink: Sequence[int],
    stations: Sequence[tuple[float, float]],
    access: Sequence[tuple[float, float]],
    station_kva: Sequence[float],
    params: ElectricalParams,
    keep_out: Callable[[LineString], bool] | None = None,
) -> MvResult:
    """Feeders from each substation in `sinks_xy` (0 = the main one) to the stations whose
    `block_sink` names it. Feeder and block indices refer to the whole plant, as `design_mv`'s."""
    feeders: list[MvFeeder] = []
    trench_lines: list[np.ndarray] = []
    trench_m = 0.0
    warnings: list[str] = []
    capacity_a = 0.0
    # The roads noded and indexed once for all the substations (a union of every road each).
    index = road_index(roads)
    for k, sink in enumerate(sinks_xy):
        idx = [i for i, s in enumerate(block_sink) if s == k]
        if not idx:
            continue
        part = design_mv(
            index,
            sink,
            [stations[i] for i in idx],
            [access[i] for i in idx],
            [station_kva[i] for i in idx],
            params,
            keep_out,
        )
        for f in part.feeders:
            n = len(feeders)
            legs = tuple(replace(leg, feeder=n) for leg in f.legs)
            feeders.append(replace(f, index=n, blocks=tuple(idx[b] for b in f.blocks), legs=legs))
        trench_lines += part.trench_lines
        trench_m += part.trench_m
        capacity_a = part.capacity_a
        warnings += [w if k == 0 else f"collector substation {k}: {w}" for w in part.warnings]
    return MvResult(
        feeders=tuple(feeders),
        trench_lines=trench_lines,
        trench_m=trench_m,
        capacity_a=capacity_a,
        warnings=warnings,
    )
