"""The loss stack and model assumptions of the yield model, with cited defaults (docs/energy.md).

`Losses` holds every loss; `LOSS_PRESETS` are three stacks (`conservative`, `typical` — the
default — and `optimistic`) and a request may name a preset and override any field
(`parse_losses`); out-of-range values get an `InvalidInput` naming the field and its range.

Every loss states its basis (`LOSS_BASIS`): "annual" losses are a share of the energy at that
step over the year; "stc" / "rated" ones are given at STC (DC) or rated AC power and scale with
the square of the current, so their annual share is lower (the waterfall shows the annual figure).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.engine.core.validation import validated
from app.errors import InvalidInput

LossPreset = Literal["conservative", "typical", "optimistic"]
DEFAULT_PRESET: LossPreset = "typical"


class Losses(BaseModel):
    """Losses [%], uncertainty [%] and system assumptions of the yield model (defaults: `typical`).

    soiling_pct: front irradiance lost to dirt (annual). lid_pct: light-induced degradation of the
    first hours (annual, on DC). letid_pct: light- and elevated-temperature-induced degradation,
    first years' average (annual, DC). module_quality_pct: flash-test tolerance (negative = gain).
    mismatch_pct: module-to-module mismatch (annual, DC). rear_mismatch_pct: share of the bifacial
    rear gain lost to non-uniform rear irradiance (bifacial only). dc_ohmic_pct: DC cables at STC
    power — the electrical design's value; scales with current². inverter_efficiency_pct: nominal
    efficiency; the part-load curve is PVWatts'. ac_ohmic_pct: LV/MV cables at rated AC power
    (the electrical design's value); scales with current². transformer_iron_pct: no-load loss, % of
    the AC rating, every hour of the year (energised at night). transformer_copper_pct: load loss at
    rated power; scales with current². auxiliary_pct: plant consumption (trackers, SCADA, HVAC,
    inverter standby) as a share of the energy (annual). availability_pct: share of the energy not
    lost to plant and grid outages (annual). degradation_pct_per_yr: yearly module power loss (used
    for the lifetime energy and the LCOE; year-1 energy excludes it). snow: model snow cover from the
    weather (pvlib.snow, NREL model) when it has snowfall, snow depth or precipitation.
    interannual_variability_pct: CoV of annual energy from year to year; None → from a multi-year
    weather series, else the regional default `DEFAULT_INTERANNUAL_COV_PCT`.
    resource_uncertainty_pct / model_uncertainty_pct: 1-σ uncertainty of the long-term irradiation
    and of the simulation chain (combined in quadrature with the variability for the P90).
    albedo: ground reflectance when the weather has none. rear_shading_pct: rear irradiance lost to
    the structure (bifacial). fixed_lower_edge_m: lowest module edge of a fixed table [m];
    tracker_axis_height_m: torque tube height [m]. u_c / u_v: PVsyst thermal constants
    [W/m²K, W/m²K per m/s] (29 / 0 free-standing).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    soiling_pct: float = Field(default=2.0, ge=0, le=30)
    lid_pct: float = Field(default=1.0, ge=0, le=10)
    letid_pct: float = Field(default=0.5, ge=0, le=10)
    module_quality_pct: float = Field(default=0.0, ge=-3, le=10)
    mismatch_pct: float = Field(default=1.0, ge=0, le=10)
    rear_mismatch_pct: float = Field(default=10.0, ge=0, le=50)
    dc_ohmic_pct: float = Field(default=1.5, ge=0, le=10)
    inverter_efficiency_pct: float = Field(default=98.5, ge=80, le=99.9)
    ac_ohmic_pct: float = Field(default=0.5, ge=0, le=10)
    transformer_iron_pct: float = Field(default=0.1, ge=0, le=2)
    transformer_copper_pct: float = Field(default=0.9, ge=0, le=5)
    auxiliary_pct: float = Field(default=0.3, ge=0, le=5)
    availability_pct: float = Field(default=99.0, ge=50, le=100)
    degradation_pct_per_yr: float = Field(default=0.5, ge=0, le=3)
    snow: bool = True
    interannual_variability_pct: float | None = Field(default=None, ge=0, le=30)
    resource_uncertainty_pct: float = Field(default=5.0, ge=0, le=30)
    model_uncertainty_pct: float = Field(default=3.0, ge=0, le=30)
    albedo: float = Field(default=0.2, ge=0, le=1)
    rear_shading_pct: float = Field(default=5.0, ge=0, le=50)
    fixed_lower_edge_m: float = Field(default=0.8, ge=0.1, le=5)
    tracker_axis_height_m: float = Field(default=2.0, ge=0.5, le=6)
    u_c: float = Field(default=29.0, ge=5, le=60)
    u_v: float = Field(default=0.0, ge=0, le=10)

    def to_document(self) -> dict[str, Any]:
        return {k: (float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)
                for k, v in self.model_dump().items()}  # fmt: skip


class LossesInput(Losses):
    """A request's `losses` object: a preset (default `typical`) and any `Losses` field over it.
    Only the fields given are stored (the rest come from the preset when the worker parses it
    with `parse_losses`, which also range-checks the merged stack)."""

    preset: LossPreset | None = Field(
        default=None,
        description="the stack the fields override: conservative, typical (default) or optimistic",
    )


# Inter-annual variability of annual GHI (1-σ CoV) used when the weather is one typical year:
# Gueymard & Wilcox (2011), Solar Energy 85(5):1068-1084, measured 2–5 % over most of the US.
DEFAULT_INTERANNUAL_COV_PCT = 4.5

# Where each loss applies: "annual" — a share of the year's energy at that step; "stc" — at STC DC
# power, "rated" — at rated AC power (both scale with current², so the annual share is lower);
# "rating_all_hours" — % of the AC rating drawn every hour; "per_year" — compounding yearly.
LOSS_BASIS: dict[str, str] = {
    "soiling_pct": "annual",
    "lid_pct": "annual",
    "letid_pct": "annual",
    "module_quality_pct": "annual",
    "mismatch_pct": "annual",
    "rear_mismatch_pct": "annual (share of the rear gain)",
    "dc_ohmic_pct": "stc",
    "inverter_efficiency_pct": "rated (part-load curve)",
    "ac_ohmic_pct": "rated",
    "transformer_iron_pct": "rating_all_hours",
    "transformer_copper_pct": "rated",
    "auxiliary_pct": "annual",
    "availability_pct": "annual",
    "degradation_pct_per_yr": "per_year",
}

# The default's source, short (full citations and the preset values' reasons in docs/energy.md).
LOSS_SOURCES: dict[str, str] = {
    "soiling_pct": "PVWatts v5 default 2 % (Dobos 2014, NREL/TP-6A20-62641)",
    "lid_pct": "PVsyst: p-type LID ~2 % (its default when applied); n-type ≤ 1 %",
    "letid_pct": "NREL LeTID studies (Repins et al.): up to several % in p-type PERC, small in n-type",
    "module_quality_pct": "PVsyst default: a quarter of the tolerance spread (0/+5 W ≈ −0.2 %)",
    "mismatch_pct": "PVsyst 1 % for binned modules; PVWatts 2 %",
    "rear_mismatch_pct": "Deline et al. 2019 (NREL/CP-5K00-73541): rear non-uniformity < 1 % of power",
    "dc_ohmic_pct": "the electrical design's DC cable loss at STC (I²R per circuit)",
    "inverter_efficiency_pct": "CEC weighted efficiency of utility inverters; PVWatts part-load curve",
    "ac_ohmic_pct": "the electrical design's LV + MV cable loss at rated power",
    "transformer_iron_pct": "the electrical design's transformer no-load loss (docs/electrical.md)",
    "transformer_copper_pct": "the electrical design's transformer load loss at rated power",
    "auxiliary_pct": (
        "tracker drives, SCADA, HVAC, inverter standby: 0.1–0.5 % in independent engineers' reports"
    ),
    "availability_pct": "SolarPower Europe O&M Best Practice Guidelines: contractual 98–99 %+",
    "degradation_pct_per_yr": "Jordan & Kurtz 2013 (NREL/JA-5200-51664): median 0.5 %/yr",
}

# The three stacks; fields not listed take the `Losses` default (the typical stack). Sources per
# value in docs/energy.md ("Loss stack").
LOSS_PRESETS: dict[LossPreset, dict[str, float]] = {
    "typical": {},
    "conservative": {
        "soiling_pct": 3.0,
        "lid_pct": 2.0,
        "letid_pct": 1.5,
        "module_quality_pct": 0.5,
        "mismatch_pct": 2.0,
        "rear_mismatch_pct": 15.0,
        "auxiliary_pct": 0.5,
        "availability_pct": 98.0,
        "degradation_pct_per_yr": 0.7,
    },
    "optimistic": {
        "soiling_pct": 1.0,
        "lid_pct": 0.5,
        "letid_pct": 0.0,
        "module_quality_pct": -0.5,
        "mismatch_pct": 0.5,
        "rear_mismatch_pct": 5.0,
        "auxiliary_pct": 0.1,
        "availability_pct": 99.5,
        "degradation_pct_per_yr": 0.35,
    },
}

DEFAULT_LOSSES = Losses()
# Design-derived values: taken from the electrical design unless the request sets them.
DESIGN_KEYS = ("dc_ohmic_pct", "ac_ohmic_pct", "transformer_iron_pct", "transformer_copper_pct")


def preset_losses(preset: str) -> dict[str, float]:
    """The field values of a named preset; InvalidInput naming the presets when unknown."""
    if preset not in LOSS_PRESETS:
        raise InvalidInput(f"losses.preset: unknown preset {preset!r}; one of {', '.join(LOSS_PRESETS)}")
    return dict(LOSS_PRESETS[preset])


def parse_losses(
    values: dict[str, Any] | None,
    *,
    dc_ohmic_pct: float | None = None,
    design: dict[str, float] | None = None,
) -> Losses:
    """`Losses` from a request: `{"preset": "conservative", "soiling_pct": 3, …}` — the preset's
    stack (default `typical`) with the request's fields over it. dc_ohmic_pct (the electrical
    design's DC ohmic loss at STC [%]) and `design` (any of DESIGN_KEYS from the electrical
    design) are used unless the request sets them. InvalidInput names the bad field and its range."""
    data = dict(values or {})
    preset = data.pop("preset", None) or DEFAULT_PRESET
    merged: dict[str, Any] = preset_losses(str(preset))
    merged.update(data)
    losses = validated(Losses, merged, "losses")
    from_design = dict(design or {})
    if dc_ohmic_pct is not None:
        from_design["dc_ohmic_pct"] = dc_ohmic_pct
    update: dict[str, float] = {}
    for key, value in from_design.items():
        if key in DESIGN_KEYS and key not in data and value is not None:
            # The design's own figure: the ranges bound what a person types, not what the cables
            # dissipate, so a higher design loss is simulated as it is (the layout warns).
            if not 0.0 <= value < 100.0:
                raise InvalidInput(f"the electrical design's {key} {value:g} % is not a loss")
            update[key] = float(value)
    return losses.model_copy(update=update) if update else losses


def loss_preset_name(values: dict[str, Any] | None) -> str:
    """The preset a request's losses start from (default `typical`)."""
    return str((values or {}).get("preset") or DEFAULT_PRESET)
