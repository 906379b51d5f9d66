"""Group a plant's tables by orientation and terrain class, so a plant simulates as a few rows.

Every table of a plant shares the design's structure, tilt and row direction; what differs is the
ground under it. The ground's slope along / across the row gives the row axis tilt and the
cross-axis slope (pvlib.tracking.calc_axis_tilt / calc_cross_axis_tilt). Tables are binned by
those two angles; the bin width doubles until at most `MAX_GROUPS` remain. Each group is simulated
once, with the DC-weighted mean angles of its tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pvlib import tracking

from app.engine.pv.types import PvPlant

MAX_GROUPS = 12
FIRST_BIN_DEG = 0.5


@dataclass(frozen=True, kw_only=True)
class SimGroup:
    """Tables simulated together. axis_azimuth_deg: the row axis in pvlib's convention (fixed:
    facing − 90°, so rotation +tilt faces the design azimuth; tracker: the design axis) [° cw
    from true north]; axis_tilt_deg / cross_axis_tilt_deg: from the terrain [°];
    dc_kwp: the group's DC [kWp]; kwp_by_block: its DC per block column [kWp]."""

    axis_azimuth_deg: float
    axis_tilt_deg: float
    cross_axis_tilt_deg: float
    dc_kwp: float
    kwp_by_block: np.ndarray


@dataclass(frozen=True, kw_only=True)
class BlockColumns:
    """The plant's inverter blocks as matrix columns: ac_kw per column [kW] and the block ids
    (-1: a virtual block for tables without one, sized at the design DC/AC ratio)."""

    ids: tuple[int, ...]
    ac_kw: np.ndarray


def row_axis_azimuth_deg(plant: PvPlant) -> float:
    """The pvlib axis azimuth of the plant's rows [° cw from true north]."""
    d = plant.design
    if d.design.structure == "tracker":
        return float(d.azimuth_deg % 360.0)
    return float((d.azimuth_deg - 90.0) % 360.0)


def cross_axis_tilt_deg(
    slope_azimuth: np.ndarray, slope_tilt: np.ndarray, axis_azimuth: float, axis_tilt: np.ndarray
) -> np.ndarray:
    """Cross-axis slope [°] for arrays of ground slopes: pvlib.tracking.calc_cross_axis_tilt's
    equations 22 and 26 (Anderson & Mikofski 2020, NREL/TP-5K00-76626), which pvlib evaluates for
    scalars only, written for arrays (tests compare it with pvlib point by point)."""
    dg = np.radians(axis_azimuth - slope_azimuth)
    ba, bg = np.radians(axis_tilt), np.radians(slope_tilt)
    vx = np.sin(dg) * np.cos(ba) * np.cos(bg)
    vy = np.sin(ba) * np.sin(bg) + np.cos(dg) * np.cos(ba) * np.cos(bg)
    vz = -np.sin(dg) * np.sin(bg) * np.cos(ba)
    norm = np.sqrt(vx * vx + vy * vy + vz * vz)
    arg = ((vx * np.cos(dg) - vy * np.sin(dg)) * np.sin(ba) + vz * np.cos(ba)) / norm
    beta_c: np.ndarray = np.degrees(np.arcsin(np.clip(arg, -1.0, 1.0)))
    return beta_c


def terrain_angles(plant: PvPlant) -> tuple[np.ndarray, np.ndarray]:
    """Per table: the row axis tilt and the cross-axis slope [°] from its ground slopes.

    Slopes are signed, + rising toward the row direction (u, `row_azimuth_deg`) and toward u turned
    90° clockwise (v). The ground plane faces downhill: azimuth of −gradient, tilt atan(|gradient|).
    """
    slopes = np.nan_to_num(
        np.array([(t.slope_along_pct, t.slope_across_pct) for t in plant.tables], dtype=float)
    )
    along, across = slopes[:, 0] / 100.0, slopes[:, 1] / 100.0
    slope_tilt = np.degrees(np.arctan(np.hypot(along, across)))
    uphill = plant.design.row_azimuth_deg + np.degrees(np.arctan2(across, along))
    slope_azimuth = (uphill + 180.0) % 360.0
    axis_az = row_axis_azimuth_deg(plant)
    axis_tilt = np.asarray(tracking.calc_axis_tilt(slope_azimuth, slope_tilt, axis_az), dtype=float)
    cross = cross_axis_tilt_deg(slope_azimuth, slope_tilt, axis_az, axis_tilt)
    flat = slope_tilt < 1e-9
    return np.where(flat, 0.0, axis_tilt), np.where(flat, 0.0, cross)


def block_columns(plant: PvPlant) -> tuple[BlockColumns, np.ndarray]:
    """Block columns and each table's column index."""
    ids = [b.index for b in plant.blocks]
    ac = [b.ac_kw for b in plant.blocks]
    col_of = {bid: i for i, bid in enumerate(ids)}
    cols = np.array([col_of.get(t.block, -1) for t in plant.tables], dtype=int)
    if (cols < 0).any():
        orphan_kwp = float(sum(t.dc_kwp for t, c in zip(plant.tables, cols, strict=True) if c < 0))
        ids.append(-1)
        ac.append(orphan_kwp / plant.design.design.dc_ac_ratio)
        cols = np.where(cols < 0, len(ids) - 1, cols)
    return BlockColumns(ids=tuple(ids), ac_kw=np.asarray(ac, dtype=float)), cols


def group_tables(plant: PvPlant) -> tuple[list[SimGroup], BlockColumns]:
    """The plant's simulation groups (at most MAX_GROUPS) and its block columns."""
    blocks, cols = block_columns(plant)
    dc = np.array([t.dc_kwp for t in plant.tables], dtype=float)
    axis_tilt, cross = terrain_angles(plant)
    axis_az = row_axis_azimuth_deg(plant)
    width = FIRST_BIN_DEG
    while True:
        # One integer per (axis tilt, cross slope) bin: a 1-D unique is far faster than axis=0.
        keys = np.round(axis_tilt / width).astype(np.int64) * 1_000_003 + np.round(cross / width).astype(
            np.int64
        )
        uniq, inverse = np.unique(keys, return_inverse=True)
        if len(uniq) <= MAX_GROUPS or width > 90:
            break
        width *= 2.0
    inverse = inverse.ravel()
    groups: list[SimGroup] = []
    for g in range(len(uniq)):
        members = inverse == g
        kwp = float(dc[members].sum())
        if kwp <= 0:
            continue
        w = dc[members] / kwp
        by_block = np.zeros(len(blocks.ids))
        np.add.at(by_block, cols[members], dc[members])
        groups.append(
            SimGroup(
                axis_azimuth_deg=axis_az,
                axis_tilt_deg=float(np.sum(axis_tilt[members] * w)),
                cross_axis_tilt_deg=float(np.sum(cross[members] * w)),
                dc_kwp=kwp,
                kwp_by_block=by_block,
            )
        )
    return groups, blocks


def fixed_height_m(lower_edge_m: float, collector_width_m: float, tilt_deg: float) -> float:
    """Height of a fixed table's module centre above ground [m]."""
    return lower_edge_m + 0.5 * collector_width_m * math.sin(math.radians(tilt_deg))
