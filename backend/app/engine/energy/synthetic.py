"""A uniform PV plant of a given AC size at a place, without a parcel: for the yield benchmark, the
validation against SAM and the physics tests. Tables are laid in a square grid (UTM [m])."""

from __future__ import annotations

import math

from pyproj import Transformer
from shapely.geometry import box

from app.engine.core.crs import utm_crs_for
from app.engine.pv.design import PvDesign, resolve_design
from app.engine.pv.types import InverterBlock, PvPlant, PvTable


def uniform_plant(
    design: PvDesign,
    *,
    latitude: float,
    longitude: float,
    ac_kw: float,
    slope_along_pct: float = 0.0,
    slope_across_pct: float = 0.0,
    elevation_m: float = 0.0,
) -> PvPlant:
    """A plant of `ac_kw` [kW AC] at (latitude, longitude) [° WGS84]: enough full tables for
    ac_kw × dc_ac_ratio [kWp], grouped into blocks of design.block_ac_kw, every table on ground of
    the given slopes along / across its row [%]."""
    resolved = resolve_design(design, latitude)
    crs = utm_crs_for(longitude, latitude)
    x0, y0 = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(longitude, latitude)
    target_kwp = ac_kw * design.dc_ac_ratio
    n_tables = max(1, round(target_kwp / design.table_kwp))
    per_side = math.ceil(math.sqrt(n_tables))
    n_blocks = max(1, round(ac_kw / design.block_ac_kw))
    per_block = math.ceil(n_tables / n_blocks)
    tables: list[PvTable] = []
    for i in range(n_tables):
        row, col = divmod(i, per_side)
        cx = x0 + col * (resolved.length_m + 1.0)
        cy = y0 + row * resolved.pitch_m
        tables.append(
            PvTable(
                index=i,
                polygon=box(cx - resolved.length_m / 2, cy - resolved.depth_m / 2,
                            cx + resolved.length_m / 2, cy + resolved.depth_m / 2),
                centre=(cx, cy),
                row=row,
                modules=design.modules_per_table,
                dc_kwp=design.table_kwp,
                length_m=resolved.length_m,
                block=i // per_block,
                slope_along_pct=slope_along_pct,
                slope_across_pct=slope_across_pct,
                elevation_m=elevation_m,
            )
        )  # fmt: skip
    blocks = []
    for b in range(n_blocks):
        members = tuple(t.index for t in tables if t.block == b)
        kwp = sum(tables[i].dc_kwp for i in members)
        blocks.append(
            InverterBlock(
                index=b, tables=members, dc_kwp=kwp, ac_kw=ac_kw / n_blocks, station=(x0, y0), access=(x0, y0)
            )
        )
    # Tables are laid along grid x (rows east–west on the UTM grid).
    return PvPlant(
        design=resolved, tables=tuple(tables), blocks=tuple(blocks), crs=crs, row_grid_azimuth_deg=90.0
    )
