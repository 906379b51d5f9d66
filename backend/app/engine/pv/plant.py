"""Design the PV part of a plant: rows of tables or trackers on the terrain, grouped into inverter
blocks with their power stations. Pure; everything in the site's UTM CRS [m].

Steps: resolve the design for the site's latitude; lay the row frame in true north (grid
convergence corrected); for each row phase, cut candidate tables from the buildable area and test
each against the terrain under it; keep the phase that fits the most DC; rank tables by the
strategy and take them up to the DC target (the AC target × DC/AC, plus one table per block that
the power station will replace); group them into blocks; place power stations on corridors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.strategies import StrategyWeights
from app.engine.core.grid import Grid
from app.engine.pv.blocks import block_sizes_kw, partition_groups, select_tables, station_candidates
from app.engine.pv.design import PvDesign, ResolvedDesign, resolve_design
from app.engine.pv.frame import RowFrame, true_north_grid_azimuth_deg
from app.engine.pv.rows import Corridors, RowCandidates, corridor_layout, row_candidates, table_polygons
from app.engine.pv.terrain import TableTerrain, table_terrain
from app.engine.pv.types import InverterBlock, PvPlant, PvTable

# Power station skid footprint [m] (40 ft: 12.2 × 2.5) and its offset from the corridor edge.
STATION_LENGTH_M = 12.2
STATION_DEPTH_M = 2.5
STATION_INSET_M = 0.5
# Power stations of different blocks keep this many road-grid cells apart (footprint to
# footprint): the road router keeps 0.75 cell off equipment, so two stations facing each other
# across one access corridor (8 m) closed it, and the road to them detoured through the tables
# beside them, leaving a station 18-19 m from its own block (issue 21 item 4). 2.5 cells leave one
# passable cell between the two clearances.
STATION_SPACING_CELLS = 2.5
# Row phases tried (fractions of the pitch): more for `density`, which maximises the count.
PHASES = 4
DENSITY_PHASES = 8
# Candidate tables evaluated over all phases (bounds the search on GW-scale sites).
PHASE_BUDGET = 100_000
# Extra DC selected beyond the target, for the tables access roads will take; trimmed afterwards.
ROAD_RESERVE = 0.03


@dataclass(kw_only=True)
class PvLayout:
    """The PV design's answer: the plant, its power station footprints and road reserves (UTM)."""

    plant: PvPlant
    stations: list[Polygon]
    station_rotation_deg: float
    corridors: list[LineString]
    frame: RowFrame
    warnings: list[str] = field(default_factory=list)
    offered_kwp: float = 0.0  # DC of every table the terrain and area allow
    block_sizes_kw: list[float] = field(default_factory=list)  # nominal AC per block index [kW]
    # Valid tables not selected (frame candidates with their terrain), for topping blocks up.
    spare: tuple[RowCandidates, TableTerrain] | None = None
    # The spare tables' footprints (grid CRS [m], aligned with `spare`) once `topped_up` has drawn
    # them: a cache (a 1 GWac plant has some 30,000 spare tables and is topped up 4-5 times).
    spare_polygons: np.ndarray | None = field(default=None, compare=False, repr=False)


def _subset(c: RowCandidates, keep: np.ndarray) -> RowCandidates:
    return RowCandidates(
        u_lo=c.u_lo[keep], u_hi=c.u_hi[keep], v_lo=c.v_lo[keep], v_hi=c.v_hi[keep], row=c.row[keep],
        modules=c.modules[keep], at_corridor=c.at_corridor[keep],
    )  # fmt: skip


def _terrain_subset(t: TableTerrain, keep: np.ndarray) -> TableTerrain:
    return TableTerrain(
        slope_along_pct=t.slope_along_pct[keep], slope_across_pct=t.slope_across_pct[keep],
        elevation_m=t.elevation_m[keep], piles=t.piles[keep], cut_m3=t.cut_m3[keep],
        fill_m3=t.fill_m3[keep], ok=t.ok[keep],
    )  # fmt: skip


def _norm(a: np.ndarray) -> np.ndarray:
    span = float(np.ptp(a)) if len(a) else 0.0
    return (a - a.min()) / span if span > 0 else np.zeros_like(a)


def design_pv_plant(
    *,
    area: BaseGeometry,
    grid: Grid,
    design: PvDesign,
    lon_lat: tuple[float, float],
    target_ac_kw: float,
    weights: StrategyWeights,
    density: bool,
    hub_xy: tuple[float, float],
    station_ok: Callable[[list[Polygon]], np.ndarray] | None = None,
    station_clearance_m: float = 3.0,
    regions: Sequence[BaseGeometry] = (),
) -> PvLayout:
    """Lay out PV tables and inverter blocks towards `target_ac_kw` [kW AC].

    area: where tables may stand (grid CRS, UTM [m]); grid: elevation [m] (same CRS);
    lon_lat: the site's centroid [°] (latitude rules, grid convergence); hub_xy: the substation
    (UTM [m]) compact fields gather around. station_ok: whether power station footprints may stand
    where proposed (ground slope); station_clearance_m: tables keep this far from stations [m];
    regions: pieces of `area` fed by collector substations: no block spans two of them or one of
    them and the rest of the area.
    """
    rd, frame, corridors = _frame(area, grid, design, lon_lat)
    kwp_per_module = design.module.power_w / 1000.0
    best = _best_phase(
        area, grid, frame, rd, corridors, DENSITY_PHASES if density else PHASES, kwp_per_module
    )
    warnings: list[str] = []
    if best is None or best[0][0] <= 0:
        empty = PvPlant(design=rd, tables=(), blocks=(), crs=grid.crs, row_grid_azimuth_deg=frame.phi_deg)
        return PvLayout(
            plant=empty, stations=[], station_rotation_deg=0.0, corridors=[], frame=frame, warnings=warnings
        )
    _, cand, terr = best
    ok = np.flatnonzero(terr.ok)
    cand, terr = _subset(cand, ok), _terrain_subset(terr, ok)
    dc = cand.modules * kwp_per_module
    offered = float(dc.sum())

    uc = (cand.u_lo + cand.u_hi) / 2
    vc = (cand.v_lo + cand.v_hi) / 2
    score = _scores(frame, uc, vc, dc, terr, hub_xy, weights)
    dc_ac = design.dc_ac_ratio
    table_kwp = rd.design.table_kwp
    sizes, need = _block_sizes(offered, target_ac_kw, design, table_kwp)
    sel = select_tables(score, dc, need)
    rest = np.setdiff1d(np.arange(len(cand)), sel)
    spare = (_subset(cand, rest), _terrain_subset(terr, rest))
    cand, terr, dc = _subset(cand, sel), _terrain_subset(terr, sel), dc[sel]
    uc, vc = uc[sel], vc[sel]
    targets = [(s * dc_ac + table_kwp) * (1.0 + ROAD_RESERVE) for s in sizes]
    labels = partition_groups(uc, vc, dc, targets, _region_groups(frame, uc, vc, regions))
    site = _StationSite(
        cand=cand, uc=uc, vc=vc, frame=frame, rd=rd, corridor_width_m=corridors.width_m,
        spacing_m=STATION_SPACING_CELLS * grid.resolution_m,
    )  # fmt: skip
    stations, access, centres, taken = _place_stations(site, labels, dc, len(sizes), station_ok, warnings)
    idx = np.flatnonzero(_kept(labels, taken, cand, frame, stations, station_clearance_m))
    tables = _tables(_subset(cand, idx), _terrain_subset(terr, idx), dc[idx], labels[idx], frame)
    blocks = _blocks(tables, sizes, dc_ac, centres, access)
    plant = PvPlant(design=rd, tables=tables, blocks=blocks, crs=grid.crs, row_grid_azimuth_deg=frame.phi_deg)
    return PvLayout(
        plant=plant,
        stations=stations,
        station_rotation_deg=(rd.row_azimuth_deg - 90.0) % 360.0,
        corridors=corridor_lines(area, frame, corridors),
        frame=frame,
        warnings=warnings,
        offered_kwp=offered,
        block_sizes_kw=sizes,
        spare=spare,
    )


def _frame(
    area: BaseGeometry, grid: Grid, design: PvDesign, lon_lat: tuple[float, float]
) -> tuple[ResolvedDesign, RowFrame, Corridors]:
    """The resolved design, the row frame (rows' grid azimuth [°], origin at the area's centroid,
    UTM [m]) and the maintenance corridors of `area`."""
    rd: ResolvedDesign = resolve_design(design, lon_lat[1])
    north = true_north_grid_azimuth_deg(grid.crs, lon_lat[0], lon_lat[1])
    c0 = area.centroid if not area.is_empty else shapely.Point(0, 0)
    frame = RowFrame(phi_deg=rd.row_azimuth_deg + north, x0=float(c0.x), y0=float(c0.y))
    corridors = (
        corridor_layout(area, frame, rd) if not area.is_empty else Corridors(bay_m=1, width_m=1, u0_m=0)
    )
    return rd, frame, corridors


def _kept(
    labels: np.ndarray,
    taken: list[int],
    cand: RowCandidates,
    frame: RowFrame,
    stations: list[Polygon],
    station_clearance_m: float,
) -> np.ndarray:
    """Which selected tables stay: in a block, not under a station, and clear of the stations by
    station_clearance_m [m]."""
    keep = labels >= 0
    keep[taken] = False
    live = [s for s in stations if not s.is_empty]
    if live and station_clearance_m > 0:
        # Tables keep the power station's clearance (e.g. close rows at a high GCR).
        near = shapely.STRtree(table_polygons(cand, frame)).query(
            np.asarray(live, dtype=object), predicate="dwithin", distance=station_clearance_m + 0.02
        )[1]
        keep[near] = False
    return keep


def _region_groups(
    frame: RowFrame, uc: np.ndarray, vc: np.ndarray, regions: Sequence[BaseGeometry]
) -> np.ndarray:
    """A group per table centre (row frame u, v [m]): k + 1 inside collector region k, else 0
    (the main substation's land): blocks are partitioned within one group."""
    group = np.zeros(len(uc), dtype=np.int64)
    if regions:
        gx, gy = frame.to_grid(uc, vc)
        pts = shapely.points(np.column_stack([gx, gy]))
        for k, reg in enumerate(regions):
            group[shapely.covers(reg, pts)] = k + 1
    return group


def _best_phase(
    area: BaseGeometry,
    grid: Grid,
    frame: RowFrame,
    rd: ResolvedDesign,
    corridors: Corridors,
    n_phases: int,
    kwp_per_module: float,
) -> tuple[tuple[float, float], RowCandidates, TableTerrain] | None:
    """The row phase (a fraction of the pitch) whose candidate tables fit the most DC [kWp] on the
    terrain, ties to the least cut + fill [m³]: (key, candidates, their terrain); None: no area."""
    best: tuple[tuple[float, float], RowCandidates, TableTerrain] | None = None
    i = 0
    while i < (n_phases if not area.is_empty else 0):
        cand = row_candidates(area, frame, rd, corridors, i / n_phases)
        if i == 0 and len(cand) > 0:
            # Large fields gain little from many phases: bound the candidates evaluated.
            n_phases = max(2, min(n_phases, PHASE_BUDGET // len(cand)))
        i += 1
        terr = table_terrain(grid, frame, cand, rd)
        phase_kwp = float(cand.modules[terr.ok].sum()) * kwp_per_module
        key = (phase_kwp, -float((terr.cut_m3 + terr.fill_m3)[terr.ok].sum()))
        if best is None or key > best[0]:
            best = (key, cand, terr)
    return best


def _scores(
    frame: RowFrame,
    uc: np.ndarray,
    vc: np.ndarray,
    dc: np.ndarray,
    terr: TableTerrain,
    hub_xy: tuple[float, float],
    weights: StrategyWeights,
) -> np.ndarray:
    """Each table's strategy score (lower is better): distance to the hub, earthwork per kWp and
    slope, each normalised to 0-1 and weighted; `uc`, `vc`: table centres in the row frame [m]."""
    xs, ys = frame.to_grid(uc, vc)
    dist = np.hypot(xs - hub_xy[0], ys - hub_xy[1])
    earth = (terr.cut_m3 + terr.fill_m3) / np.maximum(dc, 1e-9)
    slope = np.hypot(np.nan_to_num(terr.slope_along_pct), np.nan_to_num(terr.slope_across_pct))
    score = weights.distance * _norm(dist) + weights.earthwork * _norm(earth) + weights.slope * _norm(slope)
    # Ties (flat ground) fall back to distance so fields stay compact.
    out: np.ndarray = score + 1e-6 * _norm(dist)
    return out


def _block_sizes(
    offered: float, target_ac_kw: float, design: PvDesign, table_kwp: float
) -> tuple[list[float], float]:
    """The inverter blocks' AC sizes [kW] and the DC to select [kWp]: the target's blocks with the
    road reserve, or, when the terrain offers less, every table in as many blocks as it fills."""
    dc_ac = design.dc_ac_ratio
    sizes = block_sizes_kw(target_ac_kw, design.block_ac_kw)
    need = (sum(sizes) * dc_ac + len(sizes) * table_kwp) * (1.0 + ROAD_RESERVE)
    if offered < need - 1e-6:
        # Short: use every table; as many blocks as the DC fills (the last one smaller).
        total_ac = max(0.0, (offered - table_kwp * math.ceil(offered / (design.block_ac_kw * dc_ac))) / dc_ac)
        sizes = block_sizes_kw(max(total_ac, 1e-3), design.block_ac_kw)
        need = offered
    return sizes, need


@dataclass(frozen=True, kw_only=True)
class _StationSite:
    """The selected tables a power station may replace: candidates, centres in the row frame
    (`uc`, `vc` [m]), the frame, the design, the access corridor width [m] and how far apart [m]
    two stations' footprints keep (`STATION_SPACING_CELLS` of the road grid)."""

    cand: RowCandidates
    uc: np.ndarray
    vc: np.ndarray
    frame: RowFrame
    rd: ResolvedDesign
    corridor_width_m: float
    spacing_m: float = 0.0


def _station_at(s: _StationSite, t: int) -> tuple[Polygon, tuple[float, float], tuple[float, float]]:
    """A power station in table `t`'s slot, at its corridor end: footprint, road access point and
    centre (UTM [m])."""
    cand, uc, vc, frame = s.cand, s.uc, s.vc, s.frame
    side = int(cand.at_corridor[t])
    u0, _, v0, _ = (float(x) for x in _station_box(s, t))
    if side < 0:
        au = cand.u_lo[t] - s.corridor_width_m / 2
    elif side > 0:
        au = cand.u_hi[t] + s.corridor_width_m / 2
    else:
        au = uc[t]
    us = np.array([u0, u0 + STATION_LENGTH_M, u0 + STATION_LENGTH_M, u0])
    vs = np.array([v0, v0, v0 + STATION_DEPTH_M, v0 + STATION_DEPTH_M])
    px, py = frame.to_grid(us, vs)
    av = vc[t] if side != 0 else cand.v_hi[t] + (s.rd.pitch_m - s.rd.depth_m) / 2
    ax, ay = frame.to_grid(np.array(au), np.array(av))
    cx, cy = frame.to_grid(np.array(u0 + STATION_LENGTH_M / 2), np.array(vc[t]))
    return Polygon(np.column_stack([px, py])), (float(ax), float(ay)), (float(cx), float(cy))


def _station_box(s: _StationSite, t: int) -> np.ndarray:
    """The row-frame box (u_lo, u_hi, v_lo, v_hi [m]) of a power station in table `t`'s slot
    (as `_station_at` places it)."""
    side = int(s.cand.at_corridor[t])
    if side < 0:
        u0 = float(s.cand.u_lo[t]) + STATION_INSET_M
    elif side > 0:
        u0 = float(s.cand.u_hi[t]) - STATION_INSET_M - STATION_LENGTH_M
    else:
        u0 = float(s.uc[t]) - STATION_LENGTH_M / 2
    v0 = float(s.vc[t]) - STATION_DEPTH_M / 2
    return np.array([u0, u0 + STATION_LENGTH_M, v0, v0 + STATION_DEPTH_M])


def _box_gaps(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Distance [m] between each of the row-frame rectangles `boxes` (n, 4) and `box` (4,)."""
    du = np.maximum(0.0, np.maximum(boxes[:, 0] - box[1], box[0] - boxes[:, 1]))
    dv = np.maximum(0.0, np.maximum(boxes[:, 2] - box[3], box[2] - boxes[:, 3]))
    out: np.ndarray = np.hypot(du, dv)
    return out


def _place_stations(
    site: _StationSite,
    labels: np.ndarray,
    dc: np.ndarray,
    n_blocks: int,
    station_ok: Callable[[list[Polygon]], np.ndarray] | None,
    warnings: list[str],
) -> tuple[list[Polygon], list[tuple[float, float]], list[tuple[float, float]], list[int]]:
    """One power station per block, in the first candidate slot on ground flat enough
    (`station_ok`) and `site.spacing_m` clear of the stations already placed (else the first on
    ground flat enough: a block keeps its station): footprints, access points, centres (an empty
    polygon and (0, 0) for a block without one, whose tables are then labelled -1 in `labels` and
    warned), and the tables taken."""
    stations: list[Polygon] = []
    access: list[tuple[float, float]] = []
    centres: list[tuple[float, float]] = []
    taken: list[int] = []
    # Placed stations' footprints in the row frame (u_lo, u_hi, v_lo, v_hi [m]).
    placed = np.zeros((0, 4))
    for b in range(n_blocks):
        got = None
        crowded = None
        for t in station_candidates(labels, site.uc, site.vc, dc, site.cand.at_corridor, b):
            if crowded is not None and site.cand.at_corridor[t] == 0:
                break  # a crowded slot on a corridor before one off the corridors
            box = _station_box(site, int(t))
            near = bool(len(placed)) and float(_box_gaps(placed, box).min()) < site.spacing_m
            if near and crowded is not None:
                continue
            poly, acc, cen = _station_at(site, int(t))
            if station_ok is None or bool(station_ok([poly])[0]):
                if not near:
                    got = (int(t), poly, acc, cen)
                    break
                crowded = (int(t), poly, acc, cen)
        got = got or crowded
        if got is None:
            if np.any(labels == b):
                warnings.append(
                    f"block {b + 1}: no ground flat enough for its power station; its tables were left out"
                )
                labels[labels == b] = -1
            stations.append(Polygon())
            access.append((0.0, 0.0))
            centres.append((0.0, 0.0))
            continue
        taken.append(got[0])
        placed = np.vstack([placed, _station_box(site, got[0])])
        stations.append(got[1])
        access.append(got[2])
        centres.append(got[3])
    return stations, access, centres, taken


def _tables(
    cand: RowCandidates, terr: TableTerrain, dc: np.ndarray, labels: np.ndarray, frame: RowFrame
) -> tuple[PvTable, ...]:
    """The kept tables, indexed 0..n-1, with their footprint and centre (UTM [m]), DC [kWp], block
    and terrain (slopes [%], elevation [m], piles, cut / fill [m³])."""
    polys = table_polygons(cand, frame)
    uc = (cand.u_lo + cand.u_hi) / 2
    vc = (cand.v_lo + cand.v_hi) / 2
    xs, ys = frame.to_grid(uc, vc)

    # Columns as Python lists once (not a NumPy scalar per field and table), and each table's
    # fields handed over as its __dict__: the frozen dataclass' __init__ sets them one by one
    # through object.__setattr__, ~3x the cost for a 1 GWac plant's ~30,000 tables.
    def ints(a: np.ndarray) -> list[int]:
        out: list[int] = np.asarray(a).astype(np.int64).tolist()  # as int() truncates
        return out

    def floats(a: np.ndarray) -> list[float]:
        out: list[float] = np.asarray(a, dtype=float).tolist()
        return out

    cols = zip(
        list(polys), floats(xs), floats(ys), ints(cand.row), ints(cand.modules), floats(dc),
        floats(cand.u_hi - cand.u_lo), ints(labels), floats(terr.slope_along_pct),
        floats(terr.slope_across_pct), floats(terr.elevation_m), ints(terr.piles), floats(terr.cut_m3),
        floats(terr.fill_m3), strict=True,
    )  # fmt: skip
    new, set_dict = object.__new__, object.__setattr__
    tables = []
    for i, (poly, x, y, row, modules, kwp, length, block, along, across, elev, piles, cut, fill) in enumerate(
        cols
    ):
        t = new(PvTable)
        set_dict(t, "__dict__", {
            "index": i, "polygon": poly, "centre": (x, y), "row": row, "modules": modules, "dc_kwp": kwp,
            "length_m": length, "block": block, "slope_along_pct": along, "slope_across_pct": across,
            "elevation_m": elev, "piles": piles, "cut_m3": cut, "fill_m3": fill,
        })  # fmt: skip
        tables.append(t)
    return tuple(tables)


def _blocks(
    tables: tuple[PvTable, ...],
    sizes: list[float],
    dc_ac: float,
    centres: list[tuple[float, float]],
    access: list[tuple[float, float]],
) -> tuple[InverterBlock, ...]:
    """As-built blocks: each block's AC is its nominal size, or less when its DC is short."""
    members: dict[int, list[int]] = {}
    for t in tables:
        members.setdefault(t.block, []).append(t.index)
    kwp = [t.dc_kwp for t in tables]
    out = []
    for b, size in enumerate(sizes):
        ids = tuple(members.get(b, ()))
        if not ids:
            continue
        dc = float(sum(map(kwp.__getitem__, ids)))
        out.append(
            InverterBlock(
                index=b, tables=ids, dc_kwp=dc, ac_kw=float(min(size, dc / dc_ac)),
                station=centres[b], access=access[b],
            )
        )  # fmt: skip
    return tuple(out)


def corridor_lines(area: BaseGeometry, frame: RowFrame, corridors: Corridors) -> list[LineString]:
    """Centrelines of the road reserves across `area` (grid CRS [m]), clipped to it."""
    if area.is_empty:
        return []
    minu, minv, maxu, maxv = frame.geometry_to_frame(area).bounds
    period = corridors.bay_m + corridors.width_m
    out: list[LineString] = []
    j0 = math.floor((minu - corridors.u0_m) / period)
    j1 = math.floor((maxu - corridors.u0_m) / period) + 1
    for j in range(j0, j1 + 1):
        u = corridors.u0_m + j * period + corridors.width_m / 2
        x, y = frame.to_grid(np.array([u, u]), np.array([minv - 1.0, maxv + 1.0]))
        line = LineString(np.column_stack([x, y])).intersection(area)
        for g in getattr(line, "geoms", [line]):
            if g.geom_type == "LineString" and not g.is_empty and g.length > 0:
                out.append(g)
    return out


def _reindexed(t: PvTable, index: int) -> PvTable:
    """A copy of table `t` with another index (a shallow copy: much cheaper than `replace`; handing
    the copied field dict over whole is about half the time of filling a new one)."""
    new: PvTable = object.__new__(PvTable)
    fields = t.__dict__.copy()
    fields["index"] = index
    object.__setattr__(new, "__dict__", fields)
    return new


def without_tables(layout: PvLayout, drop: np.ndarray, *, reindex: bool = True) -> PvLayout:
    """The layout with tables `drop` (positions in `plant.tables`) removed and blocks re-totalled
    (as built; blocks list their tables by position).

    reindex=False leaves the kept tables' `index` fields stale (a 1 GWac plant's ~30,000 tables are
    not copied): for a chain of edits that ends with `reindexed`, whose steps all go by position
    (`topped_up`, `trimmed`, `retotalled`, `compact.regrouped`, the DC collection)."""
    if len(drop) == 0:
        return layout
    plant = layout.plant
    # A boolean mask over the tables' positions instead of a set look-up per table.
    gone = np.asarray(drop, dtype=np.int64)
    keep = np.ones(len(plant.tables), dtype=bool)
    keep[gone] = False
    kept = list(compress(plant.tables, keep.tolist()))
    if reindex:
        first = int(gone.min())
        tables = tuple(t if i < first else _reindexed(t, i) for i, t in enumerate(kept))
    else:
        tables = tuple(kept)
    rd = plant.design
    old = {b.index: b for b in plant.blocks}
    members: dict[int, list[int]] = {}
    for i, t in enumerate(tables):
        members.setdefault(t.block, []).append(i)
    kwp = [t.dc_kwp for t in tables]
    blocks = []
    for b_index, b in old.items():
        ids = tuple(members.get(b_index, ()))
        if not ids:
            continue
        dc = float(sum(map(kwp.__getitem__, ids)))
        nominal = layout.block_sizes_kw[b_index] if b_index < len(layout.block_sizes_kw) else b.ac_kw
        blocks.append(
            InverterBlock(
                index=b_index, tables=ids, dc_kwp=dc,
                ac_kw=float(min(nominal, dc / rd.design.dc_ac_ratio)),
                station=b.station, access=b.access,
            )
        )  # fmt: skip
    new_plant = replace(plant, tables=tables, blocks=tuple(blocks))
    return PvLayout(
        plant=new_plant,
        stations=layout.stations,
        station_rotation_deg=layout.station_rotation_deg,
        corridors=layout.corridors,
        frame=layout.frame,
        warnings=layout.warnings,
        offered_kwp=layout.offered_kwp,
        block_sizes_kw=layout.block_sizes_kw,
        spare=layout.spare,
        spare_polygons=layout.spare_polygons,
    )


def reindexed(layout: PvLayout) -> PvLayout:
    """The layout with every table's `index` its position again (after `without_tables(...,
    reindex=False)`): only the tables whose index moved are copied, once per chain of edits."""
    tables = layout.plant.tables
    if all(t.index == i for i, t in enumerate(tables)):
        return layout
    fixed = tuple(t if t.index == i else _reindexed(t, i) for i, t in enumerate(tables))
    return replace(layout, plant=replace(layout.plant, tables=fixed))


def topped_up(
    layout: PvLayout, blocked: list[Polygon], min_gap_m: float, *, touching_only: bool = False
) -> PvLayout:
    """Blocks short of their DC target (nominal AC × DC/AC) take spare tables nearest their power
    station, skipping any within `min_gap_m` [m] of a `blocked` footprint (roads, equipment):
    those touching the block first (it stays in one piece), then, unless `touching_only`, others."""
    plant = layout.plant
    if layout.spare is None or len(layout.spare[0]) == 0:
        return layout
    sc, st = layout.spare
    rd = plant.design
    dc_ac = rd.design.dc_ac_ratio
    kwp_per_module = rd.design.module.power_w / 1000.0
    # Nothing to do when every block is full: tested before the spare tables' polygons are drawn
    # (some 30,000 at 1 GWac).
    if all(
        (layout.block_sizes_kw[b.index] if b.index < len(layout.block_sizes_kw) else b.ac_kw) * dc_ac
        - b.dc_kwp
        <= 1e-6
        for b in plant.blocks
    ):
        return layout
    polys = layout.spare_polygons
    if polys is None or len(polys) != len(sc):
        polys = table_polygons(sc, layout.frame)
    free = np.ones(len(sc), dtype=bool)
    if blocked:
        tree = shapely.STRtree(polys)
        hit = tree.query(np.asarray(blocked, dtype=object), predicate="dwithin", distance=min_gap_m)[1]
        free[hit] = False
    su = (sc.u_lo + sc.u_hi) / 2
    sv = (sc.v_lo + sc.v_hi) / 2
    sx, sy = layout.frame.to_grid(su, sv)
    tables = list(plant.tables)
    add_block: dict[int, int] = {}
    short_blocks = {
        b.index
        for b in plant.blocks
        if (layout.block_sizes_kw[b.index] if b.index < len(layout.block_sizes_kw) else b.ac_kw) * dc_ac
        - b.dc_kwp
        > 1e-6
    }
    touch_spare, touch_block = _touching_blocks(layout, sc, short_blocks, free)
    min_kwp = float(sc.modules.min()) * kwp_per_module
    for b in plant.blocks:
        size = layout.block_sizes_kw[b.index] if b.index < len(layout.block_sizes_kw) else b.ac_kw
        short = size * dc_ac - b.dc_kwp
        if short <= 1e-6:
            continue
        cand = np.flatnonzero(free)
        if len(cand) == 0:
            break
        d = np.hypot(sx[cand] - b.station[0], sy[cand] - b.station[1])
        # Spare tables touching the block first (it stays in one piece), then the nearest others.
        near = np.zeros(len(sc), dtype=bool)
        near[touch_spare[touch_block == b.index]] = True
        touching = near[cand]
        order = cand[touching][np.argsort(d[touching], kind="stable")]
        if not touching_only:
            # No block takes more than `need` tables: only the nearest `need` others are sorted
            # (the same order as sorting them all: ties stay in table order).
            need = int(short / min_kwp) + 2 if min_kwp > 0 else len(cand)
            order = np.concatenate([order, cand[~touching][_nearest_first(d[~touching], need)]])
        for i in order:
            if short <= 1e-6:
                break
            add_block[int(i)] = b.index
            free[i] = False
            short -= float(sc.modules[i]) * kwp_per_module
    if not add_block:
        return layout  # callers test `is` for "nothing added"
    for i, b_index in add_block.items():
        tables.append(
            PvTable(
                index=len(tables), polygon=polys[i], centre=(float(sx[i]), float(sy[i])), row=int(sc.row[i]),
                modules=int(sc.modules[i]), dc_kwp=float(sc.modules[i]) * kwp_per_module,
                length_m=float(sc.u_hi[i] - sc.u_lo[i]), block=b_index,
                slope_along_pct=float(st.slope_along_pct[i]), slope_across_pct=float(st.slope_across_pct[i]),
                elevation_m=float(st.elevation_m[i]), piles=int(st.piles[i]), cut_m3=float(st.cut_m3[i]),
                fill_m3=float(st.fill_m3[i]),
            )
        )  # fmt: skip
    left = np.setdiff1d(np.arange(len(sc)), np.asarray(list(add_block), dtype=np.int64))
    grown = PvLayout(
        plant=replace(plant, tables=tuple(tables)),
        stations=layout.stations, station_rotation_deg=layout.station_rotation_deg,
        corridors=layout.corridors, frame=layout.frame, warnings=layout.warnings,
        offered_kwp=layout.offered_kwp, block_sizes_kw=layout.block_sizes_kw,
        spare=(_subset(sc, left), _terrain_subset(st, left)), spare_polygons=polys[left],
    )  # fmt: skip
    return retotalled(grown)


def _nearest_first(d: np.ndarray, count: int) -> np.ndarray:
    """Positions of the smallest `d` in ascending order, ties in position order: at least the
    first `count` of a stable argsort of `d` (all of it when `count` ≥ its length)."""
    if count >= len(d):
        return np.argsort(d, kind="stable")
    kth = np.partition(d, count - 1)[count - 1]
    sel = np.flatnonzero(d <= kth)
    out: np.ndarray = sel[np.argsort(d[sel], kind="stable")]
    return out


def _touching_blocks(
    layout: PvLayout, spare: RowCandidates, blocks: set[int], free: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (spare table index, block index): the `free` spare table stands within the
    block-joining gap of a table of one of `blocks` (row frame; the gap the constructability
    section's contiguity uses). Only those blocks' tables and the free spare tables near them are
    looked at (a 1 GWac plant has some 30,000 tables and as many spare)."""
    from app.engine.civil.constructability import block_gap_m, near_pairs

    plant = layout.plant
    none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    mine = [t for t in plant.tables if t.block in blocks]
    if not mine or len(spare) == 0:
        return none
    n = len(mine)
    xy = shapely.get_coordinates(np.asarray([t.polygon for t in mine], dtype=object))
    u, v = layout.frame.to_frame(xy[:, 0], xy[:, 1])
    u, v = np.asarray(u).reshape(n, -1), np.asarray(v).reshape(n, -1)
    own = np.column_stack([u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)])
    gap = block_gap_m(plant.design.pitch_m - plant.design.depth_m)
    lo_u, hi_u = own[:, 0].min() - gap, own[:, 1].max() + gap
    lo_v, hi_v = own[:, 2].min() - gap, own[:, 3].max() + gap
    cand = np.flatnonzero(
        free & (spare.u_hi >= lo_u) & (spare.u_lo <= hi_u) & (spare.v_hi >= lo_v) & (spare.v_lo <= hi_v)
    )
    if not len(cand):
        return none
    boxes = np.vstack(
        [own, np.column_stack([spare.u_lo[cand], spare.u_hi[cand], spare.v_lo[cand], spare.v_hi[cand]])]
    )
    a, b = near_pairs(boxes, gap)
    blk = np.asarray([t.block for t in mine], dtype=np.int64)
    mixed = (a < n) != (b < n)
    t = np.where(a[mixed] < n, a[mixed], b[mixed])
    s_ = cand[np.where(a[mixed] < n, b[mixed], a[mixed]) - n]
    return s_, blk[t]


def trimmed(layout: PvLayout, *, reindex: bool = True) -> PvLayout:
    """Drop each block's surplus tables (those farthest from its power station) beyond its DC
    target (nominal AC × DC/AC), keeping the block within one table of the target (`reindex`: as
    in `without_tables`)."""
    plant = layout.plant
    dc_ac = plant.design.design.dc_ac_ratio
    drop: list[int] = []
    centres = [t.centre for t in plant.tables]
    for b in plant.blocks:
        size = layout.block_sizes_kw[b.index] if b.index < len(layout.block_sizes_kw) else b.ac_kw
        surplus = b.dc_kwp - size * dc_ac
        if surplus <= 0:
            continue
        sx, sy = b.station
        # Keys first (a list, not a lambda per table): the same stable sort on the same floats.
        key = [-math.hypot(centres[i][0] - sx, centres[i][1] - sy) for i in b.tables]
        far = [b.tables[j] for j in sorted(range(len(key)), key=key.__getitem__)]
        for i in far:
            kwp = plant.tables[i].dc_kwp
            if surplus - kwp < -1e-9:
                continue
            drop.append(i)
            surplus -= kwp
            if surplus <= 1e-9:
                break
    return without_tables(layout, np.asarray(drop, dtype=np.int64), reindex=reindex)


def row_runs(layout: PvLayout, max_gap_m: float = 3.0) -> list[Polygon]:
    """Tables of one row standing within `max_gap_m` [m] of each other, merged into one rectangle
    each (grid CRS [m]): the same ground cover with an order of magnitude fewer polygons, for the
    road cost raster and the fence."""
    tables = layout.plant.tables
    if not tables:
        return []
    frame = layout.frame
    xy = shapely.get_coordinates(np.asarray([t.polygon for t in tables], dtype=object)).reshape(
        len(tables), 5, 2
    )
    u, v = frame.to_frame(xy[..., 0], xy[..., 1])
    u0, u1, v0, v1 = u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)
    rows = np.asarray([t.row for t in tables])
    order = np.lexsort((u0, rows))
    ro, a0, a1 = rows[order], u0[order], u1[order]
    same_row = ro[1:] == ro[:-1]
    if bool(np.all(a1[1:][same_row] >= a1[:-1][same_row])):
        # Tables' far ends rise along each row (they do not overlap): a run's farthest end so far
        # is its previous table's, so where runs start is known at once; min / max per run exact.
        start = np.flatnonzero(np.r_[True, ~same_row | (a0[1:] - a1[:-1] > max_gap_m)])
        r = np.column_stack(
            [
                a0[start],
                np.maximum.reduceat(a1, start),
                np.minimum.reduceat(v0[order], start),
                np.maximum.reduceat(v1[order], start),
            ]
        )
    else:
        r = np.asarray(_row_runs_loop(order, rows, u0, u1, v0, v1, max_gap_m))
    us = np.stack([r[:, 0], r[:, 1], r[:, 1], r[:, 0]], axis=1)
    vs = np.stack([r[:, 2], r[:, 2], r[:, 3], r[:, 3]], axis=1)
    x, y = frame.to_grid(us, vs)
    return list(shapely.polygons(np.stack([x, y], axis=-1)))


def _row_runs_loop(
    order: np.ndarray,
    rows: np.ndarray,
    u0: np.ndarray,
    u1: np.ndarray,
    v0: np.ndarray,
    v1: np.ndarray,
    max_gap_m: float,
) -> list[tuple[float, float, float, float]]:
    """`row_runs`' runs (u_lo, u_hi, v_lo, v_hi, row frame [m]) table by table in `order` (row,
    then u): for rows whose tables overlap along the row."""
    runs: list[tuple[float, float, float, float]] = []
    cur: list[float] | None = None
    cur_row = None
    for i in order:
        if cur is not None and rows[i] == cur_row and u0[i] - cur[1] <= max_gap_m:
            cur[1] = max(cur[1], float(u1[i]))
            cur[2] = min(cur[2], float(v0[i]))
            cur[3] = max(cur[3], float(v1[i]))
            continue
        if cur is not None:
            runs.append((cur[0], cur[1], cur[2], cur[3]))
        cur = [float(u0[i]), float(u1[i]), float(v0[i]), float(v1[i])]
        cur_row = rows[i]
    if cur is not None:
        runs.append((cur[0], cur[1], cur[2], cur[3]))
    return runs


def retotalled(layout: PvLayout) -> PvLayout:
    """The layout with each block's DC and AC summed again from its tables (table indices kept)."""
    plant = layout.plant
    rd = plant.design
    # By position: tables may carry stale indices until `reindexed` (see `without_tables`).
    members: dict[int, list[int]] = {}
    for i, t in enumerate(plant.tables):
        members.setdefault(t.block, []).append(i)
    kwp = [t.dc_kwp for t in plant.tables]
    blocks = []
    for b in plant.blocks:
        ids = tuple(members.get(b.index, ()))
        if not ids:
            continue
        dc = float(sum(map(kwp.__getitem__, ids)))
        nominal = layout.block_sizes_kw[b.index] if b.index < len(layout.block_sizes_kw) else b.ac_kw
        blocks.append(
            InverterBlock(
                index=b.index, tables=ids, dc_kwp=dc, ac_kw=float(min(nominal, dc / rd.design.dc_ac_ratio)),
                station=b.station, access=b.access,
            )
        )  # fmt: skip
    return replace(layout, plant=replace(plant, blocks=tuple(blocks)))
