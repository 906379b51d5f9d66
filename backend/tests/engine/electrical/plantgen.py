"""Synthetic PV plants for the electrical tests and benchmark, in a UTM-like frame [m].

Blocks sit on a grid; each block has `rows` rows of `per_row` tables or trackers (rows run
north–south for trackers, east–west for fixed tables); its power station stands on the block's
south edge with its road access just south of it. An east–west road runs below each line of
blocks and a north–south road on the west joins them; the substation is at the south-west corner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from shapely import affinity
from shapely.geometry import LineString, box

from app.engine.pv.design import PvDesign, resolve_design
from app.engine.pv.types import InverterBlock, PvPlant, PvTable

X0, Y0 = 500_000.0, 4_400_000.0
ROAD_GAP_M = 30.0


@dataclass(frozen=True)
class Synthetic:
    plant: PvPlant
    roads: list[LineString]
    substation: tuple[float, float]


def synthetic_plant(
    *,
    blocks_x: int = 2,
    blocks_y: int = 1,
    rows: int = 4,
    per_row: int = 3,
    structure: str = "tracker",
    partial_every: int = 0,
    design: PvDesign | None = None,
) -> Synthetic:
    """A plant of blocks_x × blocks_y blocks. partial_every: every n-th table is half a table."""
    d = design or PvDesign(structure=structure)  # type: ignore[arg-type]
    rd = resolve_design(d, 35.0)
    along = rd.length_m + d.row_end_clearance_m
    tracker = d.structure == "tracker"
    # Row axis: trackers run north–south (u = y), fixed rows east–west (u = x).
    block_u = per_row * along
    block_v = rows * rd.pitch_m
    bw, bh = (block_v, block_u) if tracker else (block_u, block_v)
    tables: list[PvTable] = []
    blocks: list[InverterBlock] = []
    roads: list[LineString] = []
    k = 0
    for by in range(blocks_y):
        y_base = Y0 + by * (bh + ROAD_GAP_M)
        roads.append(
            LineString([(X0 - 20.0, y_base - 15.0), (X0 + blocks_x * (bw + ROAD_GAP_M), y_base - 15.0)])
        )
        for bx in range(blocks_x):
            x_base = X0 + bx * (bw + ROAD_GAP_M)
            idx = len(blocks)
            ids = []
            for r in range(rows):
                for j in range(per_row):
                    partial = partial_every > 0 and (k % partial_every == partial_every - 1)
                    k += 1
                    mods = d.modules_per_table // 2 if partial else d.modules_per_table
                    length = rd.length_m / 2 if partial else rd.length_m
                    a = j * along + length / 2
                    c = r * rd.pitch_m + rd.pitch_m / 2
                    cx, cy = (x_base + c, y_base + a) if tracker else (x_base + a, y_base + c)
                    hw, hd = length / 2, rd.depth_m / 2
                    poly = (
                        box(cx - hd, cy - hw, cx + hd, cy + hw)
                        if tracker
                        else box(cx - hw, cy - hd, cx + hw, cy + hd)
                    )
                    ids.append(len(tables))
                    tables.append(
                        PvTable(
                            index=len(tables),
                            polygon=poly,
                            centre=(cx, cy),
                            row=by * 10_000 + bx * 1000 + r,
                            modules=mods,
                            dc_kwp=mods * d.module.power_w / 1000.0,
                            length_m=length,
                            block=idx,
                            piles=8,
                            cut_m3=1.0,
                            fill_m3=0.5,
                        )
                    )
            dc = sum(tables[i].dc_kwp for i in ids)
            station = (x_base + bw / 2, y_base - 4.0)
            blocks.append(
                InverterBlock(
                    index=idx,
                    tables=tuple(ids),
                    dc_kwp=dc,
                    ac_kw=dc / d.dc_ac_ratio,
                    station=station,
                    access=(station[0], y_base - 10.0),
                )
            )
    roads.append(LineString([(X0 - 20.0, Y0 - 15.0), (X0 - 20.0, Y0 + blocks_y * (bh + ROAD_GAP_M))]))
    # Trackers run grid north–south, fixed rows grid east–west.
    plant = PvPlant(
        design=rd,
        tables=tuple(tables),
        blocks=tuple(blocks),
        crs="EPSG:32615",
        row_grid_azimuth_deg=0.0 if tracker else 90.0,
    )
    return Synthetic(plant=plant, roads=roads, substation=(X0 - 60.0, Y0 - 15.0))


def rotated(s: Synthetic, deg: float) -> Synthetic:
    """`s` turned `deg` [°] clockwise about (X0, Y0), as rows laid where true and grid north differ."""

    def pt(p: tuple[float, float]) -> tuple[float, float]:
        a = math.radians(deg)
        dx, dy = p[0] - X0, p[1] - Y0
        return (X0 + dx * math.cos(a) + dy * math.sin(a), Y0 - dx * math.sin(a) + dy * math.cos(a))

    turn = lambda g: affinity.rotate(g, -deg, origin=(X0, Y0))  # noqa: E731 - shapely turns ccw
    tables = tuple(replace(t, polygon=turn(t.polygon), centre=pt(t.centre)) for t in s.plant.tables)
    blocks = tuple(replace(b, station=pt(b.station), access=pt(b.access)) for b in s.plant.blocks)
    plant = replace(
        s.plant, tables=tables, blocks=blocks, row_grid_azimuth_deg=s.plant.row_grid_azimuth_deg + deg
    )
    return Synthetic(plant=plant, roads=[turn(r) for r in s.roads], substation=pt(s.substation))
