"""What the layout stages pass one another: the analysed site (read-only) and the plant being built.

All geometry in the site's UTM zone (the grid's CRS) [m]."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.placement import Placement, SiteRaster
from app.engine.blocks.profiles import Profile
from app.engine.blocks.strategies import StrategyWeights
from app.engine.civil.collectors import Collector
from app.engine.civil.gentie import GenTie
from app.engine.civil.roads import RoadGround, RoadSegment
from app.engine.civil.zones import Zone
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams, SiteInput
from app.engine.pv.civil import Fencing
from app.engine.pv.design import PvDesign
from app.engine.pv.plant import PvLayout

# progress(stage, percent 0-100) as the stages call it (a no-op when the caller gave none).
Report = Callable[[str, float], None]


@dataclass(frozen=True, kw_only=True)
class SiteFrame:
    """The site as every stage after `analyse_site` reads it.

    site, params: the engine's inputs (WGS84). crs: the grid's (UTM) CRS. site_grid: the terrain
    as given (the gen-tie may leave the parcel); grid: cropped to the boundary; slope: `slope_deg`
    of `grid` [°]. boundary: the parcel; keepouts: each exclusion grown by its buffer; zones: the
    exclusions with their crossing rules; road_obstacles / road_crossable: the keep-outs of the
    zones roads may never / may cross. entries: the site entries (moved out of zones no road may
    cross). ground: where roads from the entries can go; usable: the buildable land those roads
    reach; raster: the placer's summed-area tables. pv_block: the profile's PV block name (None:
    no table-level PV) and pv_design its parsed design."""

    site: SiteInput
    params: LayoutParams
    profile: Profile
    weights: StrategyWeights
    crs: str
    site_grid: Grid
    grid: Grid
    slope: np.ndarray
    boundary: BaseGeometry
    keepouts: list[BaseGeometry]
    zones: list[Zone]
    road_obstacles: list[BaseGeometry]
    road_crossable: list[BaseGeometry]
    entries: list[Point]
    ground: RoadGround
    usable: BaseGeometry
    raster: SiteRaster
    pv_block: str | None
    pv_design: PvDesign | None

    @property
    def entry(self) -> Point | None:
        """The first site entry (the road network's root when it reaches the substation)."""
        return self.entries[0] if self.entries else None


@dataclass(kw_only=True)
class PlantState:
    """The plant as the stages build it up, in stage order.

    placement: fixed blocks (substation, BESS, turbines, ...); hub_index: the substation's block
    (None: none placed); hub_xy: where the placer aimed the substation (the interconnection point).
    warnings: in the order the user reads them. unreached_m2: buildable land no road or cable
    reaches [m²]. pv: the table-level PV plant (None without one); stations: its power-station
    pads when roads were routed. roads: the road network; root: where it starts. fencing: the PV
    fences; collected: the last legal DC collection (reused by the electrical design). gen_tie: the
    line to the interconnection point. collectors: the collector substations built (issue 21: land
    roads reach but the main substation's cables cannot), placed in `placement` as equipment."""

    placement: Placement
    hub_index: int | None
    hub_xy: tuple[float, float]
    warnings: list[str]
    unreached_m2: float
    pv: PvLayout | None = None
    stations: list[Polygon] = field(default_factory=list)
    roads: list[RoadSegment] = field(default_factory=list)
    root: Point | None = None
    fencing: Fencing = field(default_factory=lambda: Fencing(fences=[], areas=[], gates=[]))
    collected: Any = None
    gen_tie: GenTie | None = None
    collectors: list[Collector] = field(default_factory=list)

    @property
    def generating_kw(self) -> float:
        """Placed generating capacity [kW AC]: fixed blocks plus the PV plant."""
        return self.placement.capacity_kw + (self.pv.plant.ac_kw if self.pv is not None else 0.0)

    @property
    def equipment(self) -> list[Polygon]:
        """Equipment footprints no road or table may cross: fixed components, then power stations."""
        return [c.polygon for c in self.placement.components] + self.stations

    @property
    def hub_centre(self) -> tuple[float, float] | None:
        """The substation's centre [m], None when none was placed."""
        return self.placement.blocks[self.hub_index].centre if self.hub_index is not None else None


# Equipment within this many DEM cells of a road reached from an entry is reached: roads are
# routed on the DEM's cells and end at the access point's nearest passable cell.
ACCESS_TOL_CELLS = 2.0


def access_entries(frame: SiteFrame, state: PlantState) -> list[Point]:
    """Where the road network is entered (UTM): the site entries, else the network's root."""
    return [state.root] if state.root is not None and not frame.entries else list(frame.entries)


def access_tol_m(frame: SiteFrame) -> float:
    """How near [m] a road reached from an entry must come to a thing to reach it."""
    return ACCESS_TOL_CELLS * frame.grid.resolution_m
