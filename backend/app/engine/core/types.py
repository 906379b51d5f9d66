"""Names for the engine's inputs and outputs.

Glossary (canonical names used everywhere): `crs` (authority string), `transform` (affine),
`slope_deg`, `aspect_deg` (clockwise from north), `elevation_m`, `capacity_kw`, `storage_kwh`,
`cut_m3`, `fill_m3`, `width_m`, `length_m`, `grade_pct`, `setback_m`, `buffer_m`.
Geometries in results are WGS84 (EPSG:4326); the engine computes in the site's UTM `crs`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal

from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon

BBox = tuple[float, float, float, float]  # (minx, miny, maxx, maxy)
RoadClass = Literal["spine", "secondary", "spur"]


# The per-item properties every output carries (GeoJSON, KMZ, DXF, CSV), in this order.
ASSET_PROPERTIES: tuple[str, ...] = (
    "asset_type",
    "rotation_deg",
    "capacity_kw",
    "storage_kwh",
    "elevation_m",
    "slope_deg",
    "pad_elevation_m",
    "cut_m3",
    "fill_m3",
)
ROAD_PROPERTIES: tuple[str, ...] = (
    "road_class",
    "width_m",
    "length_m",
    "max_grade_pct",
    "compliant",
    "cut_m3",
    "fill_m3",
)

# Called at stage boundaries with (stage name, progress 0-100). It may raise
# (e.g. `JobCancelled`) to stop the engine; nothing partial is returned then.
ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True, kw_only=True)
class Exclusion:
    """A no-build zone. geometry: WGS84 polygon; buffer_m: extra keep-out distance [m]."""

    geometry: Polygon | MultiPolygon
    buffer_m: float = 0.0
    zone_type: str = "exclusion"
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class SiteInput:
    """The parcel. boundary: WGS84 Polygon/MultiPolygon (holes allowed); entry_point: WGS84."""

    boundary: Polygon | MultiPolygon
    exclusions: tuple[Exclusion, ...] = ()
    # One entry (Point) or several (MultiPoint): roads start from each (WGS84).
    entry_point: Point | MultiPoint | None = None
    # Where the plant connects to the grid (WGS84): the substation is placed near it.
    interconnection_point: Point | None = None

    @property
    def entry_points(self) -> tuple[Point, ...]:
        """Every site entry (WGS84), in the order given."""
        e = self.entry_point
        if e is None or e.is_empty:
            return ()
        return tuple(e.geoms) if isinstance(e, MultiPoint) else (e,)


@dataclass(frozen=True, kw_only=True)
class LayoutParams:
    """What to build.

    target_capacity_kw: generating capacity wanted [kW], > 0.
    setback_m: keep-out distance inside the boundary [m].
    dem_resolution_m: terrain cell size [m], 1-100.
    overrides: per-asset-type overrides, e.g. {"power_station": {"max_slope_deg": 8}}, or
    {"pv": {field: value}} for the PV design.
    pv: the PV design inputs (see `app.engine.pv.design.PvDesign`); None = the defaults.
    """

    target_capacity_kw: float
    profile: str = "solar_farm"
    strategy: str = "balanced"
    setback_m: float = 15.0
    dem_resolution_m: float = 30.0
    use_terrain: bool = True
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    pv: dict[str, Any] | None = None
    # Electrical design inputs (`app.engine.electrical.params.ElectricalParams` fields).
    electrical: dict[str, Any] | None = None
    # Yield loss overrides (`app.engine.energy.losses.Losses` fields).
    losses: dict[str, Any] | None = None
    # Unit-cost overrides (`app/engine/cost/unit_costs.json` keys) and "price_usd_per_mwh" for NPV.
    cost: dict[str, Any] | None = None
    # Wind inputs (`app.engine.wind.params.parse_wind_params`): turbine, shear, spacing, losses.
    wind: dict[str, Any] | None = None
    # Storage target / fixed battery and gas units (`app.engine.storage.params` StorageInput, GasInput).
    storage: dict[str, Any] | None = None
    gas: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class PlacedAsset:
    """One placed asset. footprint: WGS84 polygon; rotation_deg clockwise from north."""

    asset_type: str
    footprint: Polygon
    rotation_deg: float
    capacity_kw: float
    storage_kwh: float
    elevation_m: float
    slope_deg: float
    pad_elevation_m: float
    cut_m3: float
    fill_m3: float
    # Type-specific properties (PV tables: dc_kwp, modules, structure, block, slopes, piles, …).
    properties: dict[str, Any] = field(default_factory=dict)


# PlacedAsset's numbers in field order, under the same names in the GeoJSON properties
# (app/engine/core/geojson.py) and as the assets table's columns (app/db/mapping.py): one list,
# so a new figure reaches both.
ASSET_NUMBERS: tuple[str, ...] = (
    "rotation_deg",
    "capacity_kw",
    "storage_kwh",
    "elevation_m",
    "slope_deg",
    "pad_elevation_m",
    "cut_m3",
    "fill_m3",
)
asset_numbers = attrgetter(*ASSET_NUMBERS)


@dataclass(frozen=True, kw_only=True)
class PlacedRoad:
    """One road segment. geometry: WGS84 LineString.

    compliant: max_grade_pct is within the profile's road maximum grade (a truck can climb it);
    the engine splits roads at grade changes so only the steep part is flagged False."""

    geometry: LineString
    road_class: str
    width_m: float
    length_m: float
    max_grade_pct: float
    cut_m3: float
    fill_m3: float
    compliant: bool = True


@dataclass(frozen=True, kw_only=True)
class LayoutResult:
    """The engine's answer. crs: the UTM CRS the layout was computed in.

    metrics / design: JSON documents whose every key, with its unit, is declared in
    `app.engine.core.document` (`LayoutMetrics`, `DesignDocument`); the pipeline checks them there.
    """

    assets: tuple[PlacedAsset, ...]
    roads: tuple[PlacedRoad, ...]
    metrics: dict[str, Any]
    warnings: tuple[str, ...]
    crs: str
    # Line and point features beyond assets and roads (fences, gates), as GeoJSON-ready dicts in
    # WGS84: {"kind": ..., "geometry": shapely geometry, "properties": {...}}.
    extras: tuple[dict[str, Any], ...] = ()
    # The plant design document (PV design, blocks; electrical, energy and cost when computed).
    design: dict[str, Any] = field(default_factory=dict)
    # The PV plant as designed (`app.engine.pv.types.PvPlant`, UTM) for the yield model; not stored.
    plant: Any = field(default=None, compare=False)
    # The PV part's AC power at the grid connection [MW] on one 8760-hour year (numpy array) for the
    # storage dispatch; set by the energy step, not stored.
    hourly_pv_mw: Any = field(default=None, compare=False, repr=False)
