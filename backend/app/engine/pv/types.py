"""The PV plant as designed, in the site's UTM CRS [m]: tables / trackers and inverter blocks.

These are the inputs of the electrical design (`engine/electrical/`), the yield model
(`engine/energy/`) and the cost model (`engine/cost/`).
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import Polygon

from app.engine.pv.design import ResolvedDesign


@dataclass(frozen=True, kw_only=True)
class PvTable:
    """One fixed-tilt table or single-axis tracker.

    polygon: plan footprint (UTM [m]); centre: (x, y) UTM [m]; row: index of its row; modules,
    dc_kwp [kWp]; length_m along the row; block: inverter block index (-1 before grouping);
    slope_along_pct / slope_across_pct: ground slope along / across the row (the tracker axis) [%];
    elevation_m: mean ground [m]; piles: pile count; cut_m3 / fill_m3: grading volumes [m³].
    """

    index: int
    polygon: Polygon
    centre: tuple[float, float]
    row: int
    modules: int
    dc_kwp: float
    length_m: float
    block: int = -1
    slope_along_pct: float = 0.0
    slope_across_pct: float = 0.0
    elevation_m: float = 0.0
    piles: int = 0
    cut_m3: float = 0.0
    fill_m3: float = 0.0


@dataclass(frozen=True, kw_only=True)
class InverterBlock:
    """One inverter block: tables feeding one power station (inverter + MV transformer skid).

    tables: indices into the plant's tables; dc_kwp / ac_kw: as built [kWp] / [kW];
    station: power station centre (x, y) UTM [m]; access: where its road ends (x, y) UTM [m].
    """

    index: int
    tables: tuple[int, ...]
    dc_kwp: float
    ac_kw: float
    station: tuple[float, float]
    access: tuple[float, float]


@dataclass(frozen=True, kw_only=True)
class PvPlant:
    """The PV part of a layout: the resolved design, its tables and its inverter blocks (UTM).

    row_grid_azimuth_deg: the direction the rows run on the UTM grid [° cw from grid north]: the
    design's true azimuth plus the grid convergence at the site (`true_north_grid_azimuth_deg`).
    """

    design: ResolvedDesign
    tables: tuple[PvTable, ...]
    blocks: tuple[InverterBlock, ...]
    crs: str
    row_grid_azimuth_deg: float

    @property
    def dc_kwp(self) -> float:
        return float(sum(t.dc_kwp for t in self.tables))

    @property
    def ac_kw(self) -> float:
        return float(sum(b.ac_kw for b in self.blocks))
