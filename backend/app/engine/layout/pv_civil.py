"""Stage 7: the PV plant fitted to its roads: tables off the roads, blocks topped up, cables
kept legal, fences, and the perimeter road."""

from __future__ import annotations

from typing import Any

import numpy as np
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.civil.collectors import Collector, block_sinks, collector_loads_kw
from app.engine.civil.constructability import reached_roads
from app.engine.civil.gentie import voltage_class_kv
from app.engine.civil.right_of_way import row_strips
from app.engine.civil.zones import Zone
from app.engine.electrical.design import dc_collection
from app.engine.electrical.params import parse_electrical_params
from app.engine.electrical.routes import CableLimits, illegal_tables, too_long_tables
from app.engine.layout.context import PlantState, SiteFrame, access_entries, access_tol_m
from app.engine.layout.pockets import POCKET_ROAD_M, stray_pockets
from app.engine.pv.civil import FENCE_MERGE_M, fence_arrays, perimeter_roads, tables_on_roads
from app.engine.pv.compact import regrouped
from app.engine.pv.plant import PvLayout, reindexed, row_runs, topped_up, trimmed, without_tables

# Cable checks: design the DC collection, drop the tables whose cables cannot reach their station
# legally, and design again, at most this many times (one pass almost always suffices).
MAX_CABLE_PASSES = 3
MAX_PRUNE_PASSES = 12


def fit_pv_to_roads(frame: SiteFrame, state: PlantState) -> None:
    """Drop the tables under a road (warned with kWp), top the blocks up again from spare tables
    clear of roads and equipment, keep only tables with legal cable routes, fence the arrays and
    add the perimeter road when the design asks for one. Updates `state.pv`, `state.collected`,
    `state.fencing` and `state.roads`; nothing to do without PV."""
    pv = state.pv
    if pv is None:
        return
    roads = state.roads
    lines = [r.geometry for r in roads]
    drop = tables_on_roads([t.polygon for t in pv.plant.tables], lines, [r.width_m for r in roads])
    if len(drop):
        lost = sum(pv.plant.tables[int(i)].dc_kwp for i in drop)
        state.warnings.append(f"{len(drop)} tables ({lost:,.0f} kWp) gave way to access roads")
        pv = without_tables(pv, drop, reindex=False)
    # A tie planned before the tables (land behind a zone) had its right-of-way kept out of the PV
    # area (`generation.design_pv`); top-ups keep out of it too. A feeder-length collector's tie,
    # planned after the tables, is not cleared: taking its strip's tables out left 1 GWac plants
    # 1.6-2.2 % short (the blocks along it could not be refilled within the cable limits).
    rows = _tie_strips(pv, [c for c in state.collectors if c.reason == "cut_off"])
    bands = [r.geometry.buffer(r.width_m / 2, cap_style="flat") for r in roads]
    blocked = bands + rows + state.equipment
    # Compact blocks (issue 21 item 4): regrouped after the roads, never across two substations'
    # land; touching tables first, others only where a block still falls short (the target first).
    # Tables keep stale indices through these steps (all go by position) and are re-indexed once
    # at the end: each re-index copies some 30,000 tables at 1 GWac (docs/benchmarks.md).
    pv = regrouped(topped_up(pv, blocked, 0.5), _block_groups(pv, state.collectors))
    pv = topped_up(trimmed(pv, reindex=False), blocked, 0.5)
    pv, state.collected = _legal_cables(
        pv, frame.boundary, frame.zones, frame.params.electrical, blocked, state.warnings, lines
    )
    pv = reindexed(pv)
    state.pv = pv
    runs = row_runs(pv, max_gap_m=FENCE_MERGE_M)
    state.fencing = fence_arrays(runs + state.stations, frame.boundary, lines)
    if frame.pv_design is not None and frame.pv_design.perimeter_road:
        limit = frame.profile.road.max_grade_pct
        tracks, steep_m = perimeter_roads(
            state.fencing,
            frame.boundary,
            frame.grid,
            width_m=frame.pv_design.internal_road_width_m,
            max_grade_pct=limit,
        )
        tracks, cut_off_m = _joined_tracks(frame, state, lines, tracks)
        state.roads = roads + tracks
        if cut_off_m > 0.0:
            state.warnings.append(
                f"the perimeter track was left out over {cut_off_m:,.0f} m where no access road joins it "
                "to an entry (pieces between stretches too steep to grade): no truck could drive onto them"
            )
        if steep_m > 0.0:
            state.warnings.append(
                f"the perimeter track was left out over {steep_m:,.0f} m where the ground is steeper "
                f"than the {limit:g}% road grade limit can be graded to"
            )


def _legal_cables(
    pv: PvLayout,
    boundary: BaseGeometry,
    zones: list[Zone],
    electrical: dict[str, Any] | None,
    blocked: list[Polygon],
    warnings: list[str],
    roads: list[LineString],
) -> tuple[PvLayout, Any]:
    """`pv` without the tables whose string or feeder route would leave the parcel or enter a
    zone (DC / LV cables cross no zone: only roads do, with the MV trench), blocks topped up again
    from spare tables (not within 0.5 m of `blocked`: roads, equipment) and checked again; the net
    loss warned with kWp. Pockets too small for a combiner group and away from `roads` go too
    (`layout/pockets.py`), warned apart. Also returns the last DC collection when it passed (for
    the electrical design of the same plant), else None."""
    if not pv.plant.tables or not pv.plant.blocks:
        return pv, None
    prm = parse_electrical_params(electrical)
    limits = CableLimits(boundary, [z.geometry for z in zones])
    before = pv.plant.dc_kwp
    n_drop = 0
    pocket_kwp: list[float] = []
    clean = None
    # Top-up passes first; then pruning only, which ends (the tables only shrink) once the design
    # has settled (dropping tables regroups strings, so a pass may uncover new routes to check).
    for k in range(MAX_CABLE_PASSES + MAX_PRUNE_PASSES):
        if not pv.plant.tables or not pv.plant.blocks:
            break
        collected = dc_collection(pv.plant, prm)
        # Strings ≤ 400 m and DC / LV feeders ≤ 1,000 m hold in every pass (routes.too_long_tables):
        # blocks are regrouped compact first, so what is left over is a few far tables, dropped
        # (the first passes top the blocks up again nearer their stations).
        bad = np.union1d(illegal_tables(collected[2], collected[0], limits), too_long_tables(collected[2]))
        # Pockets: looked for on the first pass and once the cables pass (≈ 0.06 s CPU a look at
        # 1 GWac), so no pass ends clean with one; the passes between only prune cables.
        look = k == 0 or not len(bad)
        pockets = stray_pockets(pv, roads, prm) if look else np.zeros(0, dtype=np.int64)
        pocket_kwp.extend(pv.plant.tables[int(i)].dc_kwp for i in np.setdiff1d(pockets, bad))
        bad = np.union1d(bad, pockets)
        if not len(bad):
            clean = collected
            break
        n_drop += len(bad)
        pv = without_tables(pv, bad, reindex=False)
        if k < MAX_CABLE_PASSES - 1:
            # After the first pass only touching tables: a distant one would be too long again.
            pv = trimmed(topped_up(pv, blocked, 0.5, touching_only=k > 0), reindex=False)
    if clean is not None and n_drop:
        # Once clean, blocks left short take tables touching them when that stays clean.
        more = topped_up(pv, blocked, 0.5, touching_only=True)
        if more is not pv:
            again = dc_collection(more.plant, prm)
            bad = np.union1d(illegal_tables(again[2], again[0], limits), too_long_tables(again[2]))
            if not len(np.union1d(bad, stray_pockets(more, roads, prm))):
                pv, clean = more, again
    lost = before - pv.plant.dc_kwp
    if pocket_kwp:
        warnings.append(
            f"{len(pocket_kwp)} tables ({sum(pocket_kwp):,.0f} kWp) in pockets too small for one combiner "
            f"or string-inverter group and more than {POCKET_ROAD_M:g} m from a road were left empty"
        )
        n_drop -= len(pocket_kwp)
    if n_drop:
        warnings.append(
            f"{n_drop} tables left out ({max(lost, 0.0):,.0f} kWp net of spare tables taken instead): "
            "their cables could not reach the power station without leaving the parcel, crossing an "
            "exclusion zone or running longer than the string (400 m) or feeder (1,000 m) limit"
        )
    return pv, clean


def _joined_tracks(
    frame: SiteFrame, state: PlantState, lines: list[LineString], tracks: list[Any]
) -> tuple[list[Any], float]:
    """The perimeter track pieces an entry reaches along the access roads and other pieces (UTM),
    and the length [m] of the pieces left out (a track no truck can drive onto is no track)."""
    if not tracks:
        return tracks, 0.0
    reach = reached_roads(
        [*lines, *(t.geometry for t in tracks)], access_entries(frame, state), access_tol_m(frame)
    )
    joined = {id(g) for g, ok in zip(reach.lines, reach.reached, strict=True) if ok}
    kept = [t for t in tracks if id(t.geometry) in joined]
    return kept, float(sum(t.geometry.length for t in tracks if id(t.geometry) not in joined))


def _tie_strips(pv: PvLayout, collectors: list[Collector]) -> list[Polygon]:
    """The collector ties' rights-of-way (UTM [m]), each as wide as the voltage class of the power
    its collector gathers (`civil/right_of_way.py`)."""
    if not collectors:
        return []
    loads = collector_loads_kw(collectors, pv.plant)
    return row_strips([c.tie for c in collectors], [voltage_class_kv(kw) for kw in loads])


def _block_groups(pv: PvLayout, collectors: list[Collector]) -> dict[int, int]:
    """Block index → the substation its feeder ends at (0 main, k collector k)."""
    sinks = block_sinks([b.station for b in pv.plant.blocks], collectors)
    return {b.index: s for b, s in zip(pv.plant.blocks, sinks, strict=True)}
