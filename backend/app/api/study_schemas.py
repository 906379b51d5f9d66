"""Request and response models of scenario studies (app/api/routes/studies.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import FiniteRequest, ProfileLiteral, StrategyLiteral
from app.db.models import LayoutStatus
from app.engine.cost.prices import CostInput
from app.engine.electrical.params import ElectricalParams
from app.engine.energy.losses import LossesInput

# Each axis is short; the product is limited to MAX_VARIANTS (app.studies.grid) with a 422 naming it.
AXIS_MAX = 50


class StudyGrid(FiniteRequest):
    """The variant axes: every combination of the listed values is one layout. Axes left out take
    the base parameters. Trackers have no fixed tilt, so tracker variants ignore `tilt_deg`."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    structure: list[Literal["fixed", "tracker"]] | None = Field(default=None, min_length=1, max_length=2)
    gcr: list[float] | None = Field(default=None, min_length=1, max_length=AXIS_MAX)
    tilt_deg: list[float] | None = Field(
        default=None, min_length=1, max_length=AXIS_MAX, description="fixed-tilt angles [deg]"
    )
    dc_ac_ratio: list[float] | None = Field(default=None, min_length=1, max_length=AXIS_MAX)
    strategy: list[StrategyLiteral] | None = Field(default=None, min_length=1, max_length=4)
    wind_share: list[float] | None = Field(
        default=None,
        min_length=1,
        max_length=AXIS_MAX,
        description="turbines' share of the target (wind hybrids)",
    )
    storage_mwh: list[float] | None = Field(
        default=None, min_length=1, max_length=AXIS_MAX, description="fixed battery energy [MWh] (hybrids)"
    )
    storage_hours: list[float] | None = Field(
        default=None, min_length=1, max_length=AXIS_MAX, description="battery duration [h]: MW = MWh / h"
    )


class StudyBase(FiniteRequest):
    """Parameters every variant shares: a generate request's fields without site_id (validated
    per variant exactly as POST /api/layouts/generate validates them)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    target_capacity_kw: float = Field(description="generating capacity wanted [kW]")
    profile: ProfileLiteral | None = None
    strategy: StrategyLiteral | None = None
    use_terrain: bool | None = None
    dem_resolution_m: float | None = Field(default=None, description="terrain cell size [m]")
    setback_m: float | None = Field(default=None, description="keep-out inside the boundary [m]")
    pv: dict[str, Any] | None = Field(default=None, description="PV design fields shared by all variants")
    overrides: dict[str, dict[str, Any]] | None = None
    # The engine's models, as in a generate request; dumped with only the fields given.
    electrical: ElectricalParams | None = Field(default=None, description="electrical design inputs")
    losses: LossesInput | None = Field(default=None, description="yield loss preset and overrides [%]")
    cost: CostInput | None = Field(
        default=None, description="unit-cost overrides (USD) and price_usd_per_mwh for the NPV"
    )
    wind: dict[str, Any] | None = Field(
        default=None, description="wind inputs shared by all variants (docs/wind.md)"
    )
    storage: dict[str, Any] | None = Field(
        default=None, description="storage target / battery (docs/storage.md)"
    )
    gas: dict[str, Any] | None = Field(default=None, description="gas units (docs/storage.md)")


class StudyCreate(FiniteRequest):
    name: str | None = Field(default=None, max_length=255)
    base: StudyBase
    grid: StudyGrid


class StudyQueued(BaseModel):
    study_id: uuid.UUID
    variant_count: int
    layout_ids: list[uuid.UUID]
    status: Literal["queued"] = "queued"


class StudyPreferred(BaseModel):
    layout_id: uuid.UUID | None = Field(description="a layout of this study, or null to clear")


class StudyRow(BaseModel):
    """One variant: its axis values, job status and results (null until completed).
    MW AC, MWp DC, MWh/yr (P50 and P90s on real weather), kWh/kWp, USD, USD/MWh. On clear-sky
    energy (`energy_basis` "clearsky_upper_bound") the energy, yield and NPV are only under their
    `_upper_bound` names, the LCOE only as `lcoe_lower_bound_usd_per_mwh` and `lcoe_is_lower_bound`
    is true: the table marks every such row; sorting by lcoe uses the bound."""

    layout_id: uuid.UUID
    variant: dict[str, Any]
    status: LayoutStatus
    progress_pct: float
    preferred: bool
    ac_capacity_mw: float | None
    dc_capacity_mwp: float | None
    annual_energy_mwh: float | None = None
    specific_yield_kwh_per_kwp: float | None = None
    performance_ratio: float | None
    capex_usd: float | None
    lcoe_usd_per_mwh: float | None = None
    npv_usd: float | None = None
    energy_basis: Literal["p50", "clearsky_upper_bound"] | None = None
    annual_energy_mwh_upper_bound: float | None = None
    specific_yield_kwh_per_kwp_upper_bound: float | None = None
    lcoe_lower_bound_usd_per_mwh: float | None = None
    npv_upper_bound_usd: float | None = None
    lcoe_is_lower_bound: bool = False
    p90_1yr_mwh: float | None = None
    p90_10yr_mwh: float | None = None
    weather_source: str | None
    error_message: str | None
    constructable: bool | None = Field(
        default=None,
        description="false when the layout's constructability section lists a problem (such rows sort "
        "after the others); null until completed",
    )
    constructability_problems: list[str] = Field(
        default_factory=list, description="the problems, in words (unreachable assets, cables in zones…)"
    )


class StudyProgress(BaseModel):
    """Counts of the variants' layouts by status; percent_done = terminal / total × 100."""

    total: int
    queued: int
    processing: int
    completed: int
    failed: int
    cancelled: int
    percent_done: float
    done: bool


class StudySummary(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    grid: dict[str, Any]
    base: dict[str, Any]
    created_at: datetime
    preferred_layout_id: uuid.UUID | None
    progress: StudyProgress


class StudyDetail(StudySummary):
    sort: str
    rows: list[StudyRow]


class StudiesPublic(BaseModel):
    data: list[StudySummary]
    count: int
