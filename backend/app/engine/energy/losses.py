"""Loss and model assumptions of the yield model, with documented defaults (see docs/energy.md).

Every value can be overridden per request (`parse_losses`); out-of-range values get an
`InvalidInput` naming the field and its range.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.validation import validated
from app.errors import InvalidInput


class Losses(BaseModel):
    """Losses [%] and system assumptions of the yield model.

    soiling_pct: front irradiance lost to dirt (PVWatts default 2 %). lid_pct: light-induced and
    initial degradation (N-type ≈ 0.5–1 %). module_quality_pct: tolerance of the flash-test power
    (0 for positive-tolerance modules). mismatch_pct: module-to-module mismatch (PVsyst default 1 %
    for trackers / 2 % strings; PVWatts 2 %). dc_ohmic_pct: DC cable loss at STC power — the
    electrical design's value; scaled with the square of the current (so the annual loss is lower).
    inverter_efficiency_pct: nominal (≈ CEC/EU weighted) efficiency; the part-load curve is PVWatts'.
    ac_ohmic_pct: LV/MV AC cables at rated power, also scaled with the square of the current.
    transformer_pct: MV transformer (load + no-load) at rated power, applied to energy.
    availability_pct: share of the year the plant is available (grid and plant outages).
    albedo: ground reflectance when the weather has none. rear_shading_pct: rear irradiance lost to
    the structure (bifacial only). fixed_lower_edge_m: lowest module edge of a fixed table above
    ground [m]; tracker_axis_height_m: torque tube height [m]. u_c / u_v: PVsyst thermal model
    constants [W/m²K, W/m²K per m/s] (29 / 0 free-standing).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    soiling_pct: float = Field(default=2.0, ge=0, le=30)
    lid_pct: float = Field(default=1.0, ge=0, le=10)
    module_quality_pct: float = Field(default=0.0, ge=-3, le=10)
    mismatch_pct: float = Field(default=1.0, ge=0, le=10)
    dc_ohmic_pct: float = Field(default=1.5, ge=0, le=10)
    inverter_efficiency_pct: float = Field(default=98.5, ge=80, le=99.9)
    ac_ohmic_pct: float = Field(default=0.5, ge=0, le=10)
    transformer_pct: float = Field(default=1.0, ge=0, le=10)
    availability_pct: float = Field(default=99.0, ge=50, le=100)
    albedo: float = Field(default=0.2, ge=0, le=1)
    rear_shading_pct: float = Field(default=5.0, ge=0, le=50)
    fixed_lower_edge_m: float = Field(default=0.8, ge=0.1, le=5)
    tracker_axis_height_m: float = Field(default=2.0, ge=0.5, le=6)
    u_c: float = Field(default=29.0, ge=5, le=60)
    u_v: float = Field(default=0.0, ge=0, le=10)

    def to_document(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.model_dump().items()}


DEFAULT_LOSSES = Losses()


def parse_losses(values: dict[str, Any] | None, *, dc_ohmic_pct: float | None = None) -> Losses:
    """`Losses` from request overrides; dc_ohmic_pct (the electrical design's DC ohmic loss at STC
    [%]) is used unless the request sets it. InvalidInput names the bad field and its range."""
    data = dict(values or {})
    losses = validated(Losses, data, "losses")
    if dc_ohmic_pct is not None and "dc_ohmic_pct" not in data:
        # The design's own figure: the 0–10 % range bounds what a person types, not what the
        # cables dissipate, so a higher design loss is simulated as it is (the layout warns).
        if not 0.0 <= dc_ohmic_pct < 100.0:
            raise InvalidInput(f"the electrical design's DC cable loss {dc_ohmic_pct:g} % is not a loss")
        losses = losses.model_copy(update={"dc_ohmic_pct": float(dc_ohmic_pct)})
    return losses
