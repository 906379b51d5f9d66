"""PV design inputs: structure, spacing, terrain limits and block sizing, validated with their ranges.

Every default cites its source in docs/engine.md ("PV design defaults"). Angles in degrees, azimuths
clockwise from true north; lengths in metres; slopes along / across a tracker axis in percent.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.engine.core.validation import validated
from app.engine.pv.modules import DEFAULT_MODULE, ModuleSpec, resolve_module
from app.errors import InvalidInput

Structure = Literal["fixed", "tracker"]
Orientation = Literal["portrait", "landscape"]

# Gap between modules on a table, and between tables along a row [m]: clamps and end posts.
MODULE_GAP_M = 0.02


class PvDesign(BaseModel):
    """What a PV plant is built from (request inputs with defaults; all validated).

    structure: "fixed" tables facing the equator, or single-axis "tracker" (axis N–S by default).
    modules_across: modules across the table or tracker (2 = 2P / 2L); modules_along: modules per row
    of the table (fixed) or per tracker. tilt_deg: fixed tilt [°], None = the latitude rule.
    azimuth_deg: fixed — the direction the modules face [° cw from true north], None = the equator;
    tracker — the axis direction, None = 0 (north–south). gcr: ground coverage ratio; pitch_m: row
    spacing [m] (give one or neither: neither = the no-shading rule for fixed, 0.35 for trackers).
    max_slope_deg: steepest ground under a fixed table [°]; max_slope_along_pct /
    max_slope_across_pct: tracker limits along / across the axis [%]. dc_ac_ratio: DC kWp per AC kW;
    block_ac_kw: AC power of one inverter block (power station) [kW]. row_end_clearance_m: gap
    between table ends in a row [m]; min_tracker_fraction: shortest partial tracker as a fraction
    of a full one. pile_spacing_m: pile interval along a table [m]; pile_reveal_min_m /
    pile_reveal_max_m: the structure's allowed pile reveal range [m] (beyond it the ground is graded).
    internal_road_width_m: access corridor road width [m]; perimeter_road: a track inside each fence.
    """

    model_config = ConfigDict(extra="forbid")

    module: ModuleSpec = DEFAULT_MODULE
    structure: Structure = "fixed"
    orientation: Orientation = "portrait"
    modules_across: int | None = Field(default=None, ge=1, le=4)
    modules_along: int | None = Field(default=None, ge=4, le=120)
    tilt_deg: float | None = Field(default=None, ge=0, le=60)
    azimuth_deg: float | None = Field(default=None, ge=0, lt=360)
    max_rotation_deg: float = Field(default=60.0, ge=30, le=75)
    gcr: float | None = Field(default=None, ge=0.15, le=0.9)
    pitch_m: float | None = Field(default=None, ge=2, le=40)
    max_slope_deg: float = Field(default=10.0, gt=0, le=30)
    max_slope_along_pct: float = Field(default=15.0, gt=0, le=40)
    max_slope_across_pct: float = Field(default=10.0, gt=0, le=40)
    dc_ac_ratio: float = Field(default=1.25, ge=1.0, le=2.0)
    block_ac_kw: float = Field(default=4000.0, ge=250, le=10_000)
    row_end_clearance_m: float = Field(default=1.0, ge=0, le=20)
    min_tracker_fraction: float = Field(default=0.5, gt=0, le=1)
    pile_spacing_m: float = Field(default=7.0, ge=2, le=15)
    pile_reveal_min_m: float = Field(default=0.8, ge=0.2, le=3)
    pile_reveal_max_m: float = Field(default=1.6, ge=0.3, le=5)
    internal_road_width_m: float = Field(default=5.0, ge=3, le=12)
    perimeter_road: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> PvDesign:
        if self.gcr is not None and self.pitch_m is not None:
            raise ValueError("give gcr or pitch_m, not both")
        if self.pile_reveal_max_m <= self.pile_reveal_min_m:
            raise ValueError("pile_reveal_max_m must exceed pile_reveal_min_m")
        return self

    # -- resolved values --------------------------------------------------------------------
    @property
    def n_across(self) -> int:
        """Modules across the table: 2 (2P) for fixed, 1 (1P) for trackers, unless given."""
        if self.modules_across is not None:
            return self.modules_across
        return 2 if self.structure == "fixed" else 1

    @property
    def n_along(self) -> int:
        """Modules along a table row (fixed: 26, one 1,500 V string per row at −10 °C with the default
        module) or per tracker (78: three such strings)."""
        if self.modules_along is not None:
            return self.modules_along
        return 26 if self.structure == "fixed" else 78

    @property
    def modules_per_table(self) -> int:
        return self.n_across * self.n_along

    @property
    def table_kwp(self) -> float:
        """DC nameplate of one full table or tracker [kWp]."""
        return self.modules_per_table * self.module.power_w / 1000.0

    @property
    def collector_width_m(self) -> float:
        """Width of the module plane across the row (slope length) [m]."""
        side = self.module.length_m if self.orientation == "portrait" else self.module.width_m
        return self.n_across * side + (self.n_across - 1) * MODULE_GAP_M

    @property
    def table_length_m(self) -> float:
        """Length of a table or tracker along the row [m] (trackers add a 1 m drive/bearing gap)."""
        side = self.module.width_m if self.orientation == "portrait" else self.module.length_m
        extra = 1.0 if self.structure == "tracker" else 0.0
        return self.n_along * side + (self.n_along - 1) * MODULE_GAP_M + extra

    def footprint_depth_m(self, tilt_deg: float) -> float:
        """Plan depth of a table across the row [m]: the collector's horizontal projection
        (fixed, at its tilt) or the full width (tracker, stowed flat)."""
        if self.structure == "tracker":
            return self.collector_width_m
        return self.collector_width_m * math.cos(math.radians(tilt_deg))


def default_tilt_deg(lat_deg: float) -> float:
    """Fixed-tilt default [°]: the annual-optimum fit of Jacobson & Jadhav (2018, Solar Energy 169,
    55–66) for each hemisphere, clipped to 10–35° (utility tables rarely go steeper: wind load, pitch)."""
    a = lat_deg
    if lat_deg >= 0:
        t = 1.3793 + a * (1.2011 + a * (-0.014404 + a * 0.000080509))
    else:  # the southern fit takes the signed latitude and returns a negative tilt
        t = -(-0.41657 + a * (1.4216 + a * (0.024051 + a * 0.00021828)))
    return float(min(35.0, max(10.0, round(t, 1))))


def equator_azimuth_deg(lat_deg: float) -> float:
    """The azimuth that faces the equator [° cw from true north]: 180 (south) north of it, else 0."""
    return 180.0 if lat_deg >= 0 else 0.0


TRACKER_DEFAULT_GCR = 0.35
# The no-shading rule: no row shades the next between these solar times on the winter solstice.
NO_SHADE_HOURS = (10.0, 14.0)
# Floor on the fixed-tilt GCR the rule may produce (high latitudes would otherwise spread rows far).
MIN_RULE_GCR = 0.25
# Ceiling on it (low latitudes): leaves a ≥ 1.3 m aisle for cleaning and mowing between 2P rows.
MAX_RULE_GCR = 0.7


def solar_position_deg(lat_deg: float, declination_deg: float, solar_hour: float) -> tuple[float, float]:
    """Sun elevation and azimuth [°, azimuth cw from north] at a solar time [h] (Cooper declination)."""
    lat, dec = math.radians(lat_deg), math.radians(declination_deg)
    h = math.radians(15.0 * (solar_hour - 12.0))
    sin_el = math.sin(lat) * math.sin(dec) + math.cos(lat) * math.cos(dec) * math.cos(h)
    el = math.asin(max(-1.0, min(1.0, sin_el)))
    cos_az = (math.sin(dec) - math.sin(el) * math.sin(lat)) / max(1e-9, math.cos(el) * math.cos(lat))
    az = math.degrees(math.acos(max(-1.0, min(1.0, cos_az))))
    if h > 0:
        az = 360.0 - az
    return math.degrees(el), az


def no_shading_pitch_m(
    collector_width_m: float, tilt_deg: float, azimuth_deg: float, lat_deg: float
) -> float:
    """Row pitch [m] so that no row shades the next on the winter solstice 10:00–14:00 solar time.

    Shadow of the top edge, projected on the row normal: W·cos β + W·sin β·cos(γs − γ)/tan αs,
    the worst case over the window (flat ground); the GCR kept within MIN_RULE_GCR–MAX_RULE_GCR.
    """
    dec = -23.44 if lat_deg >= 0 else 23.44
    beta = math.radians(tilt_deg)
    worst = collector_width_m * math.cos(beta)
    for hour in (NO_SHADE_HOURS[0], 12.0, NO_SHADE_HOURS[1]):
        el, az = solar_position_deg(lat_deg, dec, hour)
        if el <= 1.0:
            return collector_width_m / MIN_RULE_GCR
        rel = math.radians(az - azimuth_deg)
        # Shadow falls away from the sun: the component behind the row (facing direction reversed).
        d = collector_width_m * (
            math.cos(beta) + math.sin(beta) * abs(math.cos(rel)) / math.tan(math.radians(el))
        )
        worst = max(worst, d)
    return float(min(max(worst, collector_width_m / MAX_RULE_GCR), collector_width_m / MIN_RULE_GCR))


class ResolvedDesign(BaseModel):
    """A design with every rule applied for one site: the numbers the placer and outputs use."""

    model_config = ConfigDict(frozen=True)

    design: PvDesign
    tilt_deg: float  # fixed: table tilt; tracker: 0 (horizontal axis)
    azimuth_deg: float  # fixed: facing direction; tracker: axis direction [° cw from true north]
    row_azimuth_deg: float  # direction rows run [° cw from true north], in [0, 180)
    pitch_m: float
    gcr: float
    depth_m: float  # plan depth of a table across its row [m]
    length_m: float  # table length along its row [m]
    spacing_rule: str


def resolve_design(design: PvDesign, lat_deg: float) -> ResolvedDesign:
    """Apply the site's latitude rules: tilt, azimuth, pitch / GCR. Units as in `PvDesign`."""
    if design.structure == "fixed":
        tilt = design.tilt_deg if design.tilt_deg is not None else default_tilt_deg(lat_deg)
        az = design.azimuth_deg if design.azimuth_deg is not None else equator_azimuth_deg(lat_deg)
        row_az = (az + 90.0) % 180.0
    else:
        tilt = 0.0
        az = design.azimuth_deg if design.azimuth_deg is not None else 0.0
        row_az = az % 180.0
    w = design.collector_width_m
    if design.pitch_m is not None:
        pitch, rule = design.pitch_m, "pitch given"
    elif design.gcr is not None:
        pitch, rule = w / design.gcr, "GCR given"
    elif design.structure == "fixed":
        pitch = no_shading_pitch_m(w, tilt, az, lat_deg)
        rule = "no row-to-row shading on the winter solstice, 10:00–14:00 solar time"
    else:
        pitch, rule = w / TRACKER_DEFAULT_GCR, f"tracker default GCR {TRACKER_DEFAULT_GCR}"
    depth = design.footprint_depth_m(tilt)
    if pitch < depth + 0.5:
        raise InvalidInput(
            f"pitch_m {pitch:.2f} m leaves no gap between rows (table depth {depth:.2f} m); "
            f"lower gcr below {w / (depth + 0.5):.2f} or raise pitch_m"
        )
    return ResolvedDesign(
        design=design,
        tilt_deg=float(tilt),
        azimuth_deg=float(az),
        row_azimuth_deg=float(row_az),
        pitch_m=float(pitch),
        gcr=float(w / pitch),
        depth_m=float(depth),
        length_m=float(design.table_length_m),
        spacing_rule=rule,
    )


def parse_design(values: dict[str, Any] | None) -> PvDesign:
    """A `PvDesign` from request values (module by name or as an object). `InvalidInput` names the
    field and its allowed range."""
    data = dict(values or {})
    if "module" in data:
        data["module"] = resolve_module(data["module"])
    return validated(PvDesign, data, "pv")
