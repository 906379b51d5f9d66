"""Request and response models, apart from the tables. GeoJSON is WGS84 (EPSG:4326)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.db.models import LayoutStatus
from app.engine.civil.zones import check_zone_type
from app.engine.core.document import LayoutMetrics
from app.engine.core.names import ProfileName, StrategyName
from app.engine.core.validation import non_finite_path
from app.engine.cost.prices import CostInput
from app.engine.electrical.params import ElectricalParams
from app.engine.energy.losses import LossesInput
from app.engine.pv.design import PvDesign
from app.engine.pv.modules import ModuleSpec
from app.engine.storage.params import GasInput, StorageInput

# Largest `skip` of a list endpoint: beyond it a database's integer OFFSET overflows (a 500).
MAX_SKIP = 2**31 - 1

GeoJSON = dict[str, Any]


class FiniteRequest(BaseModel):
    """A request body in which every number, nested ones (GeoJSON, design objects) included,
    must be finite: Python's JSON reader accepts NaN and Infinity, and without this a NaN
    capacity was refused as "≤ 10000000" and a NaN coordinate as out of range."""

    model_config = ConfigDict(allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _finite_numbers(cls, data: Any) -> Any:
        bad = non_finite_path(data)
        if bad is not None:
            raise PydanticCustomError("finite_number", "{field}: must be a finite number", {"field": bad})
        return data


class Message(BaseModel):
    message: str


class AppConfigPublic(BaseModel):
    async_enabled: bool
    auth_mode: str
    version: str
    basemap_url: str = Field(default="", description="XYZ raster tile URL template; empty: no basemap")
    basemap_attribution: str = ""
    satellite_url: str = Field(default="", description="XYZ satellite tile URL template; empty: none")
    satellite_attribution: str = ""


# -- auth ----------------------------------------------------------------------------------
class UserRegister(BaseModel):
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    is_admin: bool
    created_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (not a secret)


# -- sites ---------------------------------------------------------------------------------
class LatestLayout(BaseModel):
    id: uuid.UUID
    status: LayoutStatus
    total_capacity_kw: float | None


class SiteSummary(BaseModel):
    id: uuid.UUID
    name: str
    area_ha: float = Field(description="boundary area [ha]")
    centroid: tuple[float, float] = Field(description="(lon, lat) [degrees]")
    bbox: tuple[float, float, float, float] = Field(description="(min lon, min lat, max lon, max lat)")
    created_at: datetime
    latest_layout: LatestLayout | None = None


class ExclusionZonePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str | None
    zone_type: str
    buffer_m: float
    geometry: GeoJSON
    area_ha: float


class SitePublic(SiteSummary):
    boundary: GeoJSON
    exclusion_zones: list[ExclusionZonePublic]
    entry_point: GeoJSON | None
    interconnection_point: GeoJSON | None = Field(
        default=None, description="grid interconnection point, GeoJSON Point (WGS84)"
    )
    inputs_changed_at: datetime | None = Field(
        default=None, description="last change of zones, entry or interconnection point"
    )
    warnings: list[str]


class SiteUpdate(FiniteRequest):
    """PATCH /api/sites/{id}: only the fields sent change; null clears a point."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    entry_point: GeoJSON | None = Field(
        default=None,
        description="GeoJSON Point (WGS84), a MultiPoint for several entries (roads start from each), "
        "or null",
    )
    interconnection_point: GeoJSON | None = Field(default=None, description="GeoJSON Point (WGS84) or null")

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("must not be blank")
        return v.strip() if v is not None else None


class SitesPublic(BaseModel):
    data: list[SiteSummary]
    count: int


ZONE_TYPE_DOC = (
    "what may cross the zone (docs/engine.md, Zones and crossings): never — "
    "exclusion (default), wetland, water, protected, building; roads at right angles, at a cost — easement, "
    "pipeline, power_line; roads on a culvert, cables in conduit — wash, drainage, creek"
)


def _known_zone_type(v: str | None) -> str | None:
    if v is not None and (problem := check_zone_type(v)) is not None:
        raise ValueError(problem)
    return v


class ExclusionZoneCreate(FiniteRequest):
    geometry: GeoJSON = Field(description="GeoJSON Polygon or MultiPolygon, WGS84")
    zone_type: str = Field(default="exclusion", min_length=1, max_length=64, description=ZONE_TYPE_DOC)
    buffer_m: float = Field(default=0.0, ge=0, le=5000, description="keep-out distance around the zone [m]")
    name: str | None = Field(default=None, max_length=255)

    _zone_type = field_validator("zone_type")(_known_zone_type)


class ExclusionZoneUpdate(FiniteRequest):
    geometry: GeoJSON | None = None
    zone_type: str | None = Field(default=None, min_length=1, max_length=64, description=ZONE_TYPE_DOC)
    buffer_m: float | None = Field(default=None, ge=0, le=5000)
    name: str | None = Field(default=None, max_length=255)

    _zone_type = field_validator("zone_type")(_known_zone_type)


# -- layouts -------------------------------------------------------------------------------
ProfileLiteral = ProfileName
StrategyLiteral = StrategyName


class PvDesignInput(PvDesign):
    """PV design inputs of a generate request: `PvDesign`'s fields, the module by CEC library name
    (pvlib's) or as a custom module object; all optional."""

    module: str | ModuleSpec | None = Field(  # type: ignore[assignment]
        default=None, description="CEC library module name, or a custom module; default: a 580 W module"
    )


class LayoutGenerate(FiniteRequest):
    site_id: uuid.UUID
    target_capacity_kw: float = Field(gt=0, le=10_000_000, description="generating capacity wanted [kW]")
    profile: ProfileLiteral = "solar_farm"
    strategy: StrategyLiteral = "balanced"
    use_terrain: bool = True
    dem_resolution_m: float = Field(default=30, ge=1, le=100, description="terrain cell size [m]")
    setback_m: float = Field(default=15, ge=0, le=1000, description="keep-out inside the boundary [m]")
    pv: PvDesignInput | None = Field(
        default=None, description="PV design (tables or trackers); omitted fields take the profile's defaults"
    )
    overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='per-asset-type overrides, e.g. {"power_station": {"max_slope_deg": 8}}, "road" or "pv"',
    )
    # The nested inputs are the engine's own models: OpenAPI documents each field, and a bad one
    # is a 422 naming it (e.g. `electrical.t_min_c`), checked as the worker will read it.
    electrical: ElectricalParams | None = Field(
        default=None,
        description="electrical design inputs (topology, system voltage, design temperatures …); "
        "omitted fields take their defaults (docs/electrical.md)",
    )
    losses: LossesInput | None = Field(
        default=None,
        description='yield loss stack: {"preset": "conservative" | "typical" | "optimistic", '
        '"soiling_pct": 3, …} — the preset (default typical) with per-loss overrides [%]',
    )
    cost: CostInput | None = Field(
        default=None, description="unit-cost overrides (USD) and price_usd_per_mwh for the NPV"
    )
    wind: dict[str, Any] | None = Field(
        default=None,
        description='wind inputs for profiles with turbines: {"turbine": "iea_3.4mw_130" | "nrel_5mw" | '
        '"iea_10mw" | "iea_15mw" | {"name", "hub_height_m", "rotor_diameter_m", "curve_csv"}, '
        '"shear_exponent": 0.143, "along_wind_d": 7, "across_wind_d": 4, "setback_tip_heights": 1.5, '
        '"availability_pct": 97, "electrical_loss_pct": 2 (default: computed from the turbines\' MV '
        "collection)} (docs/wind.md)",
    )

    storage: StorageInput | None = Field(
        default=None,
        description="battery target (firm_power_mw for firm_hours in firm_window on firm_days_share of days, "
        "or "
        "load_profile_mw) or a fixed power_mw / energy_mwh; the LP sizes it (docs/storage.md)",
    )
    gas: GasInput | None = Field(
        default=None, description="gas units: unit_kw, units, heat_rate_btu_per_kwh, fuel_price_usd_per_mmbtu"
    )

    def nested_inputs(self) -> dict[str, dict[str, Any] | None]:
        """`electrical`, `losses` and `cost` as given (only the fields the request set), the
        documents the worker parses (`params_from_document`)."""
        return {
            key: value.model_dump(mode="json", exclude_unset=True) if value is not None else None
            for key, value in (("electrical", self.electrical), ("losses", self.losses), ("cost", self.cost))
        }

    @model_validator(mode="after")
    def _design_valid(self) -> LayoutGenerate:
        """The PV design and the overrides as the engine will read them (422 naming the problem)."""
        from app.engine.blocks.profiles import load_profile
        from app.engine.energy.losses import parse_losses
        from app.engine.pv.design import parse_design
        from app.engine.wind.params import parse_wind_params
        from app.errors import InvalidInput

        try:
            profile = load_profile(self.profile, self.overrides)
            parse_design({**profile.pv, **(self.pv.model_dump(exclude_none=True) if self.pv else {})})
            # The preset merged with the fields given, range-checked as the worker merges it.
            parse_losses(self.nested_inputs()["losses"])
            parse_wind_params(self.wind)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from exc
        return self


class LayoutPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    site_id: uuid.UUID
    status: LayoutStatus
    params: dict[str, Any]
    metrics: LayoutMetrics | None = Field(
        description="the layout's headline figures, each with its unit (app/engine/core/document.py)"
    )
    warnings: list[str]
    error_message: str | None
    crs: str | None
    total_capacity_kw: float | None
    asset_count: int | None
    road_length_m: float | None
    cut_volume_m3: float | None
    fill_volume_m3: float | None
    stage: str | None
    progress_pct: float
    queued_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    attempts: int
    created_at: datetime
    stale: bool = Field(
        default=False,
        description="made before the site's zones, entry or interconnection point last changed",
    )
    study_id: uuid.UUID | None = Field(default=None, description="the study this layout is a variant of")
    variant: dict[str, Any] | None = Field(default=None, description="the study variant's axis values")

    @model_validator(mode="before")
    @classmethod
    def _stale_from_site(cls, data: Any) -> Any:
        # Read from a Layout row: stale compares its creation with the site's last input change.
        if isinstance(data, dict) or not hasattr(data, "site_id"):
            return data
        out = {name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)}
        # Stored metrics are read leniently: a key this version does not declare is logged, left out.
        out["metrics"] = LayoutMetrics.from_stored(out.get("metrics"), where=f"layout {data.id} metrics")
        changed = getattr(getattr(data, "site", None), "inputs_changed_at", None)
        created = getattr(data, "created_at", None)
        out["stale"] = changed is not None and created is not None and created < changed
        return out


class LayoutsPublic(BaseModel):
    data: list[LayoutPublic]
    count: int


class AssetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_type: str
    geometry: GeoJSON
    rotation_deg: float
    capacity_kw: float
    storage_kwh: float
    elevation_m: float | None
    slope_deg: float | None
    pad_elevation_m: float | None
    cut_m3: float
    fill_m3: float


class RoadPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    road_class: str
    geometry: GeoJSON
    width_m: float
    length_m: float
    max_grade_pct: float
    cut_m3: float
    fill_m3: float


class LayoutFeatureCollection(BaseModel):
    """A completed layout as an RFC 7946 FeatureCollection (WGS84, EPSG:4326): the features
    (`properties.kind`: boundary, exclusion, entry, asset, road, fence, gate, cable, crossing …)
    and, as foreign members, the typed metrics, the warnings and the UTM CRS it was computed in."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]] = Field(description="GeoJSON Features, WGS84")
    metrics: LayoutMetrics = Field(description="the layout's headline figures, with units")
    warnings: list[str] = Field(default_factory=list)
    crs: str | None = Field(default=None, description="the UTM CRS the layout was computed in")
    profile: str | None = None
    strategy: str | None = None


class LayoutDetail(BaseModel):
    """The synchronous generation answer."""

    layout: LayoutPublic
    assets: list[AssetPublic]
    roads: list[RoadPublic]
    geojson: LayoutFeatureCollection


class LayoutQueued(BaseModel):
    layout_id: uuid.UUID
    status: LayoutStatus = Field(
        default=LayoutStatus.queued,
        description="queued; a replayed Idempotency-Key gives the layout's status now",
    )
    message: str = "Layout generation job queued successfully"


class LayoutStatusPublic(BaseModel):
    layout_id: uuid.UUID
    status: LayoutStatus
    error_message: str | None
    stage: str | None
    progress_pct: float
    queued_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    attempts: int
    total_capacity_kw: float | None = None
    asset_count: int | None = None
    road_length_m: float | None = None
    cut_volume_m3: float | None = None
    fill_volume_m3: float | None = None
    annual_energy_mwh: float | None = None
    warnings: list[str] = Field(default_factory=list)
