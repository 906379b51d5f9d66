"""Constructability: could a contractor build this plant as drawn? Figures recomputed from the
layout's geometry (UTM [m]), not taken from the steps that made it (docs/engine.md,
"Constructability").

- reachability: the road network is split into pieces that touch (within `JOIN_TOL_M`); a piece is
  reached when an entry lies on it. Equipment is reached when its footprint lies within the access
  tolerance (two DEM cells: the road router's resolution) of a reached road; a table when its
  block's power station is;
- distances from tables to the nearest road; blocks in one piece (tables of a block each grown by
  half the widest regular gap, a row aisle or an access corridor, form one connected group);
- the longest string run, DC / LV feeder and MV feeder (from the electrical design's cables);
- road metres over the grade limit, cable and trench metres inside zones nothing may cross (and
  inside crossable zones away from a road crossing), outside the parcel, crossings, road earthwork;
- perimeter tracks on no road piece an entry reaches (`isolated_tracks`): a problem, not a figure.
`problems` lists each rule a layout breaks, in words; an empty list means constructable.

Wind (`wind_constructability`, after the turbines' MV collection is designed): the collection's
cables and trenches join the cable figures above, and a turbine whose pad no road joined to the
substation's reaches (its collection circuit cannot follow a road) joins the unreachable assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.core.geojson import lines_from_geojson
from app.engine.electrical.routes import EDGE_TOL_M, MAX_DC_FEEDER_M, MAX_STRING_RUN_M, length_inside

# Road pieces closer than this [m] are joined (junctions survive simplification to ~1 cm).
JOIN_TOL_M = 0.5
# Share of the DC within 150 m of a road reported as `dc_within_150m_of_road_share`.
NEAR_ROAD_M = 150.0
# A cable inside a crossable zone within this [m] of a road centreline is at the road's crossing.
CROSSING_CORRIDOR_M = 10.0
# The road class of the PV perimeter track (app/engine/pv/civil.py, `perimeter_roads`).
PERIMETER_CLASS = "perimeter"
# Widest regular gap inside a block: a 5 m access road with 1.5 m shoulders [m].
CORRIDOR_GAP_M = 8.0


@dataclass(frozen=True, kw_only=True)
class Reach:
    """Road pieces reached from an entry: a function of a point → distance [m] to a reached road."""

    lines: list[LineString]
    reached: np.ndarray  # bool per line

    def distance(self, geoms: Sequence[BaseGeometry]) -> np.ndarray:
        """Distance [m] from each geometry to the nearest reached road (inf when none)."""
        live = [g for g, ok in zip(self.lines, self.reached, strict=True) if ok]
        if not live or not len(geoms):
            return np.full(len(geoms), np.inf)
        tree = shapely.STRtree(live)
        idx, dist = tree.query_nearest(
            np.asarray(geoms, dtype=object), return_distance=True, all_matches=False
        )
        out = np.full(len(geoms), np.inf)
        out[idx[0]] = dist
        return out


def reached_roads(lines: Sequence[LineString], entries: Sequence[BaseGeometry], tol_m: float) -> Reach:
    """Which road lines are connected (touching within `JOIN_TOL_M`) to a line within `tol_m` [m]
    of an entry (a point, or a footprint such as the substation's)."""
    ls = [g for g in lines if not g.is_empty]
    n = len(ls)
    if n == 0:
        return Reach(lines=[], reached=np.zeros(0, dtype=bool))
    tree = shapely.STRtree(ls)
    a, b = tree.query(np.asarray(ls, dtype=object), predicate="dwithin", distance=JOIN_TOL_M)
    _, lab = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    seeds: set[int] = set()
    for e in entries:
        hit = tree.query(e, predicate="dwithin", distance=tol_m)
        seeds.update(int(lab[i]) for i in hit)
    return Reach(lines=ls, reached=np.isin(lab, list(seeds)))


def block_gap_m(row_gap_m: float) -> float:
    """How far apart [m] two tables of one block may stand and still be one piece: the widest
    regular gap inside a block (a row aisle or an access corridor) plus 1 m."""
    return max(row_gap_m, CORRIDOR_GAP_M) + 1.0


def near_pairs(boxes_uv: np.ndarray, gap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b) of table rectangles (row frame: u_lo, u_hi, v_lo, v_hi [m]) within `gap_m`."""
    bx = np.asarray(boxes_uv, dtype=float).reshape(-1, 4)
    if len(bx) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cu, cv = (bx[:, 0] + bx[:, 1]) / 2, (bx[:, 2] + bx[:, 3]) / 2
    hu, hv = (bx[:, 1] - bx[:, 0]) / 2, (bx[:, 3] - bx[:, 2]) / 2
    # Candidate pairs by centre distance, then the exact gap between axis-aligned rectangles.
    reach = 2 * float(np.hypot(hu, hv).max()) + gap_m
    pairs = cKDTree(np.column_stack([cu, cv])).query_pairs(reach, output_type="ndarray")
    a, b = pairs[:, 0], pairs[:, 1]
    gu = np.maximum(0.0, np.abs(cu[a] - cu[b]) - hu[a] - hu[b])
    gv = np.maximum(0.0, np.abs(cv[a] - cv[b]) - hv[a] - hv[b])
    near = np.hypot(gu, gv) <= gap_m
    return a[near], b[near]


def table_pieces(
    boxes_uv: np.ndarray,
    blocks: Sequence[int] | np.ndarray,
    gap_m: float,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """A piece label per table: tables of one block within `gap_m` [m] of each other (row-frame
    rectangles, see `near_pairs`; `pairs` when already known), directly or through others of the
    block, share a label."""
    n = len(boxes_uv)
    blk = np.asarray(blocks)
    a, b = pairs if pairs is not None else near_pairs(boxes_uv, gap_m)
    same = blk[a] == blk[b]
    _, lab = connected_components(
        coo_matrix((np.ones(int(same.sum())), (a[same], b[same])), shape=(n, n)), directed=False
    )
    out: np.ndarray = np.asarray(lab, dtype=np.int64)
    return out


def contiguous_blocks(boxes_uv: np.ndarray, blocks: Sequence[int], gap_m: float) -> tuple[int, int]:
    """(blocks in one piece, blocks): tables of one block whose rectangles (row frame: u_lo, u_hi,
    v_lo, v_hi [m], one row per table) are within `gap_m` [m] of each other are joined."""
    n = len(boxes_uv)
    if n == 0:
        return 0, 0
    blk = np.asarray(blocks)
    lab = table_pieces(boxes_uv, blocks, gap_m)
    ids = np.unique(blk)
    one = sum(1 for k in ids if len(np.unique(lab[blk == k])) == 1)
    return one, len(ids)


def _max(values: Sequence[float]) -> float:
    return float(max(values)) if values else 0.0


def constructability(
    *,
    roads: Sequence[Any],
    entries: Sequence[Point],
    equipment: Sequence[BaseGeometry],
    table_centres: np.ndarray,
    table_boxes_uv: np.ndarray,
    table_dc_kwp: Sequence[float],
    table_blocks: Sequence[int],
    block_station: dict[int, BaseGeometry],
    row_gap_m: float,
    cables: Sequence[dict[str, Any]],
    single_line: Sequence[dict[str, Any]],
    boundary: BaseGeometry,
    never_zones: Sequence[BaseGeometry],
    crossable_zones: Sequence[BaseGeometry],
    crossings: Sequence[Any],
    access_tol_m: float,
    road_limit_pct: float,
    cable_lines: Sequence[BaseGeometry] | None = None,
) -> dict[str, Any]:
    """The constructability section (UTM [m]; see the module docstring).

    roads: `RoadSegment`-like (geometry, width_m, compliant, cut_m3, fill_m3, length_m);
    equipment: footprints of the substation, BESS, O&M … (not the power stations);
    table_*: PV tables (centres (n, 2); rectangles in the row frame (n, 4): u_lo, u_hi, v_lo, v_hi;
    kWp; block index); block_station: block index → power station
    footprint;
    row_gap_m: the clear gap between rows [m]; cables: cable and trench features (UTM GeoJSON-like
    dicts, `kind`, `level`, `circuit`); single_line: MV feeders (`length_m`); crossings:
    `CrossingSite`s; access_tol_m: how far a footprint may be from its road [m];
    cable_lines: the cables' geometries when the caller has built them already (else read here).
    """
    lines = [r.geometry for r in roads]
    reach = reached_roads(lines, entries, access_tol_m)
    unreached = _unreached_assets(reach, equipment, block_station, table_blocks, access_tol_m)
    kwp = np.asarray(table_dc_kwp, dtype=float)
    near, far = _table_road_distances(lines, table_centres, kwp)
    one, n_blocks = contiguous_blocks(table_boxes_uv, list(table_blocks), block_gap_m(row_gap_m))
    strings = [float(c["properties"]["length_m"]) for c in cables if _is(c, "cable", "strings")]
    feeders = [float(c["properties"]["length_m"]) for c in cables if _is(c, "cable", "feeder")]
    mv = [float(f.get("length_m", 0.0)) for f in single_line]
    if cable_lines is None:
        cable_lines = lines_from_geojson([c["geometry"] for c in cables])
    in_zone, outside = _misplaced_cable_m(cable_lines, lines, boundary, never_zones, crossable_zones)
    noncompliant = float(sum(r.length_m for r in roads if not r.compliant))
    graded = float(sum(r.cut_m3 + r.fill_m3 for r in roads))
    skewed = [c for c in crossings if c.rule == "right_angle" and c.angle_deg < 90.0 - 30.0]

    out: dict[str, Any] = {
        "unreachable_asset_count": unreached,
        "dc_within_150m_of_road_share": round(near, 4),
        "max_table_to_road_m": round(far, 1) if np.isfinite(far) else None,
        "blocks_contiguous_share": round(one / n_blocks, 4) if n_blocks else 1.0,
        "max_string_run_m": round(_max(strings), 1),
        "max_dc_feeder_m": round(_max(feeders), 1),
        "max_mv_feeder_m": round(_max(mv), 1),
        "noncompliant_road_m": round(noncompliant, 1),
        "cable_in_no_cross_zone_m": round(in_zone, 1),
        "cable_outside_parcel_m": round(max(outside, 0.0), 1),
        "crossing_count": len(crossings),
        "graded_road_m3": round(graded, 1),
    }
    problems = _problems(out, noncompliant, in_zone, len(skewed), road_limit_pct)
    problems += _isolated_track_problems(roads, reach)
    out["problems"] = problems
    out["ok"] = not problems
    return out


def _unreached_assets(
    reach: Reach,
    equipment: Sequence[BaseGeometry],
    block_station: dict[int, BaseGeometry],
    table_blocks: Sequence[int],
    access_tol_m: float,
) -> int:
    """Equipment and power stations further than `access_tol_m` [m] from a reached road, plus the
    tables of blocks whose station is unreached (or that have none)."""
    d_access = reach.distance(list(equipment))
    unreached_equipment = int((d_access > access_tol_m).sum())
    stations = sorted(block_station)
    d_station = dict(
        zip(stations, reach.distance([block_station[b] for b in stations]).tolist(), strict=True)
    )
    dead_blocks = {b for b, d in d_station.items() if d > access_tol_m}
    unreached_equipment += len(dead_blocks)
    unreached_tables = sum(1 for b in table_blocks if b in dead_blocks or b not in d_station)
    return unreached_equipment + unreached_tables


def _table_road_distances(
    lines: Sequence[LineString], table_centres: np.ndarray, kwp: np.ndarray
) -> tuple[float, float]:
    """The share of DC [kWp] whose table centre is within NEAR_ROAD_M of a road, and the largest
    table-to-road distance [m] (inf: tables but no road)."""
    n_tables = len(kwp)
    if not (n_tables and lines):
        return (1.0, 0.0) if not n_tables else (0.0, float("inf"))
    # Roads as single segments: small boxes keep the nearest-neighbour search fast.
    coords = [np.asarray(g.coords) for g in lines]
    segs = np.concatenate([np.stack([c[:-1], c[1:]], axis=1) for c in coords if len(c) > 1])
    tree = shapely.STRtree(shapely.linestrings(segs))
    centres = shapely.points(np.asarray(table_centres, dtype=float).reshape(-1, 2))
    _, dist = tree.query_nearest(centres, return_distance=True, all_matches=False)
    dist = np.asarray(dist, dtype=float)
    near = float(kwp[dist <= NEAR_ROAD_M].sum() / kwp.sum()) if kwp.sum() > 0 else 1.0
    return near, float(dist.max())


def _misplaced_cable_m(
    geoms: Sequence[BaseGeometry],
    lines: Sequence[LineString],
    boundary: BaseGeometry,
    never_zones: Sequence[BaseGeometry],
    crossable_zones: Sequence[BaseGeometry],
) -> tuple[float, float]:
    """Cable and trench length [m] inside a zone it may not cross (never-crossed zones, and
    crossable ones away from a road crossing), and outside the parcel (geoms: the cables and
    trenches, UTM)."""
    # Zones shrunk by the cable check's edge tolerance: a route along a zone's edge is not in it.
    off_road_crossable: BaseGeometry = Polygon()
    if crossable_zones:
        # The road band only matters where a crossable zone is (built only then: ~0.1 s at 1 GWac).
        road_band = shapely.union_all([g.buffer(CROSSING_CORRIDOR_M) for g in lines]) if lines else Polygon()
        off_road_crossable = (
            shapely.union_all(list(crossable_zones)).buffer(-EDGE_TOL_M).difference(road_band)
        )
    no_cross = shapely.union_all(list(never_zones)).buffer(-EDGE_TOL_M) if never_zones else Polygon()
    in_zone = length_inside(geoms, no_cross) + length_inside(geoms, off_road_crossable)
    outside = 0.0
    if geoms:
        arr = np.asarray(geoms, dtype=object)
        inside = boundary.buffer(0.05)
        shapely.prepare(inside)
        out_of = arr[~shapely.covers(inside, arr)]
        # The difference, not length − intersection: a MultiLineString's parts may overlap.
        outside = float(shapely.length(shapely.difference(out_of, inside)).sum()) if len(out_of) else 0.0
    return in_zone, outside


def isolated_tracks(roads: Sequence[Any], reach: Reach) -> list[Any]:
    """The perimeter tracks (`road_class` "perimeter") on no road piece an entry reaches: a track
    neither an access road nor another track joins to the network (the pieces the grade check
    leaves between steep stretches, or a fence no access road enters) — no contractor can drive
    onto it."""
    reached = {id(g) for g, ok in zip(reach.lines, reach.reached, strict=True) if ok}
    return [
        r
        for r in roads
        if r.road_class == PERIMETER_CLASS and not r.geometry.is_empty and id(r.geometry) not in reached
    ]


def _isolated_track_problems(roads: Sequence[Any], reach: Reach) -> list[str]:
    cut_off = isolated_tracks(roads, reach)
    if not cut_off:
        return []
    length = sum(float(r.length_m) for r in cut_off)
    return [f"{len(cut_off)} perimeter track piece(s) ({length:,.0f} m) have no road joined to an entry"]


def _problems(
    out: dict[str, Any], noncompliant: float, in_zone: float, n_skewed: int, road_limit_pct: float
) -> list[str]:
    """What makes the plant not constructable as drawn, one sentence each."""
    problems: list[str] = []
    if out["unreachable_asset_count"]:
        problems.append(f"{out['unreachable_asset_count']} assets have no road from an entry")
    if noncompliant > 0.5:
        problems.append(f"{noncompliant:,.0f} m of road is steeper than {road_limit_pct:g}%")
    if in_zone > 0.5:
        problems.append(f"{in_zone:,.0f} m of cable or trench runs through a zone it may not cross")
    if out["cable_outside_parcel_m"] > 0.5:
        problems.append(f"{out['cable_outside_parcel_m']:,.0f} m of cable or trench runs outside the parcel")
    if out["max_string_run_m"] > MAX_STRING_RUN_M:
        problems.append(
            f"string cables up to {out['max_string_run_m']:,.0f} m (limit {MAX_STRING_RUN_M:,.0f} m)"
        )
    if out["max_dc_feeder_m"] > MAX_DC_FEEDER_M:
        problems.append(
            f"DC / LV feeders up to {out['max_dc_feeder_m']:,.0f} m (limit {MAX_DC_FEEDER_M:,.0f} m)"
        )
    if n_skewed:
        problems.append(f"{n_skewed} crossing(s) more than 30° off square")
    return problems


def _is(feature: dict[str, Any], kind: str, circuit_suffix: str) -> bool:
    p = feature.get("properties", {})
    return bool(p.get("kind") == kind and str(p.get("circuit", "")).endswith(circuit_suffix))


def wind_constructability(
    section: dict[str, Any],
    *,
    cable_lines: Sequence[BaseGeometry],
    roads: Sequence[LineString],
    entries: Sequence[Point],
    turbine_pads: Sequence[BaseGeometry],
    substation: BaseGeometry,
    boundary: BaseGeometry,
    never_zones: Sequence[BaseGeometry],
    crossable_zones: Sequence[BaseGeometry],
    access_tol_m: float,
    circuit_lengths_m: Sequence[float] = (),
) -> tuple[dict[str, Any], list[str]]:
    """The constructability section (`constructability`) with the wind collection folded in, and
    the problems it adds (UTM [m]).

    cable_lines: the wind circuits' cables and the trench they add; roads: the road centrelines;
    turbine_pads: the turbines' footprints (foundation + crane hardstand, where the pad transformer
    stands); substation: the footprint the circuits start from. Cable metres inside a zone they may
    not cross or outside the parcel add to `cable_in_no_cross_zone_m` / `cable_outside_parcel_m`.
    A turbine whose pad is reached from an entry but not along roads joined to the substation's
    (its circuit would have to leave the roads) adds to `unreachable_asset_count`; one no entry
    reaches is counted by `constructability` already (turbine pads are equipment there).
    circuit_lengths_m: the collection circuits' route lengths [m], MV feeders in `max_mv_feeder_m`."""
    # The road band only matters at crossable zones: without any, it is not built.
    in_zone, outside = _misplaced_cable_m(
        cable_lines, roads if crossable_zones else [], boundary, never_zones, crossable_zones
    )
    cut_off = _turbines_off_the_substation_roads(roads, entries, turbine_pads, substation, access_tol_m)
    out = dict(section)
    out["max_mv_feeder_m"] = round(
        max(float(section.get("max_mv_feeder_m") or 0.0), _max(circuit_lengths_m)), 1
    )
    out["unreachable_asset_count"] = int(section.get("unreachable_asset_count") or 0) + cut_off
    out["cable_in_no_cross_zone_m"] = round(
        float(section.get("cable_in_no_cross_zone_m") or 0.0) + in_zone, 1
    )
    out["cable_outside_parcel_m"] = round(
        float(section.get("cable_outside_parcel_m") or 0.0) + max(outside, 0.0), 1
    )
    added: list[str] = []
    if cut_off:
        added.append(
            f"{cut_off} turbine(s) have no road joined to the substation for their collection circuit"
        )
    if in_zone > 0.5:
        added.append(
            f"{in_zone:,.0f} m of wind collection cable or trench runs through a zone it may not cross"
        )
    if outside > 0.5:
        added.append(f"{outside:,.0f} m of wind collection cable or trench runs outside the parcel")
    out["problems"] = [*section.get("problems", []), *added]
    out["ok"] = not out["problems"]
    return out, added


def _turbines_off_the_substation_roads(
    roads: Sequence[LineString],
    entries: Sequence[Point],
    turbine_pads: Sequence[BaseGeometry],
    substation: BaseGeometry,
    access_tol_m: float,
) -> int:
    """Turbine pads within `access_tol_m` [m] of a road reached from an entry but not of one joined
    to the substation's road (UTM)."""
    if not turbine_pads:
        return 0
    from_entry = reached_roads(roads, entries, access_tol_m).distance(list(turbine_pads))
    from_sub = reached_roads(roads, [substation], access_tol_m).distance(list(turbine_pads))
    return int(((from_entry <= access_tol_m) & (from_sub > access_tol_m)).sum())
