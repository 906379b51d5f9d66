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


def terrain_angles(plant: PvPlant) -> tuple[np.ndarray, np.ndarray]:
    """Per table: the row axis tilt and the cross-axis slope [°] from its ground slopes.

    Slopes are signed, + rising toward the row direction (u, `row_azimuth_deg`) and toward u turned
    90° clockwise (v). The ground plane faces downhill: azimuth of −gradient, tilt atan(|gradient|).
    """
    slopes = np.array([(t.slope_along_pct, t.slope_across_pct) for t in plant.tables], dtype=float)
    # calc_cross_axis_tilt takes scalars: solve each distinct slope pair (to 0.1 %) once.
    pairs, inverse = np.unique(np.round(np.nan_to_num(slopes), 1), axis=0, return_inverse=True)
    axis_az = row_axis_azimuth_deg(plant)
    axis_tilt = np.zeros(len(pairs))
    cross = np.zeros(len(pairs))
    for i, (along_pct, across_pct) in enumerate(pairs):
        along, across = along_pct / 100.0, across_pct / 100.0
        slope_tilt = float(np.degrees(np.arctan(np.hypot(along, across))))
        if slope_tilt < 1e-9:
            continue
        uphill = plant.design.row_azimuth_deg + float(np.degrees(np.arctan2(across, along)))
        slope_azimuth = (uphill + 180.0) % 360.0
        axis_tilt[i] = float(tracking.calc_axis_tilt(slope_azimuth, slope_tilt, axis_az))
        cross[i] = float(tracking.calc_cross_axis_tilt(slope_azimuth, slope_tilt, axis_az, axis_tilt[i]))
    inverse = inverse.ravel()
    return axis_tilt[inverse], cross[inverse]


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
        keys = np.stack([np.round(axis_tilt / width), np.round(cross / width)], axis=1)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
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
