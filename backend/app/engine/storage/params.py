"""The request's `storage` and `gas` objects, validated the same way at submit and in the worker.

Defaults and their sources are in docs/storage.md (Defaults). Units: MW, MWh, h, %, fraction.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.errors import InvalidInput

HOURS_PER_YEAR = 8760
# NFPA 855 (2023): ESS units separated by at least 3 ft (914 mm) unless large-scale fire testing
# (UL 9540A) documents a smaller distance as adequate (docs/storage.md, Spacing).
NFPA_855_UNIT_GAP_M = 0.914


class StorageInput(BaseModel):
    """What the battery must do, and the battery's technical limits.

    Target (at most one kind): firm_power_mw for firm_hours in the daily window firm_window
    [start hour, end hour) on firm_days_share of the days; or load_profile_mw (24 values, one day
    repeated, or 8760 hourly values [MW]) on firm_days_share of the days; or neither (dispatch only:
    the battery shifts what the grid limit would curtail). power_mw / energy_mwh: a fixed battery
    (both, dispatch only); none: the LP sizes it.
    """

    model_config = ConfigDict(extra="forbid")

    firm_power_mw: float | None = Field(default=None, gt=0, le=10_000)
    firm_hours: float | None = Field(default=None, gt=0, le=24)
    firm_window: tuple[int, int] | None = Field(default=None)
    firm_days_share: float = Field(default=1.0, gt=0, le=1)
    load_profile_mw: list[float] | None = Field(default=None)
    power_mw: float | None = Field(default=None, gt=0, le=10_000)
    energy_mwh: float | None = Field(default=None, gt=0, le=100_000)
    round_trip_efficiency: float = Field(default=0.86, gt=0.3, le=1)
    soc_min_pct: float = Field(default=5.0, ge=0, lt=100)
    soc_max_pct: float = Field(default=95.0, gt=0, le=100)
    warranty_cycles_per_yr: float = Field(default=365.0, gt=0, le=2000)
    export_limit_mw: float | None = Field(default=None, gt=0, le=10_000)
    degradation_pct_per_yr: float = Field(default=2.0, ge=0, le=10)
    augmentation_interval_yr: int = Field(default=8, ge=1, le=60)
    container_gap_m: float | None = Field(default=None, ge=0, le=30)
    ul9540a_product: str | None = Field(default=None, max_length=200)
    max_energy_mwh: float = Field(default=20_000.0, gt=0, le=200_000)
    time_limit_s: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("firm_window")
    @classmethod
    def _window(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is None:
            return v
        a, b = v
        if not (0 <= a <= 23 and 1 <= b <= 24) or a == b % 24:
            raise ValueError("give [start hour 0-23, end hour 1-24], e.g. [18, 22]")
        return v

    @field_validator("load_profile_mw")
    @classmethod
    def _profile(cls, v: list[float] | None) -> list[float] | None:
        if v is None:
            return v
        if len(v) not in (24, HOURS_PER_YEAR):
            raise ValueError(f"give 24 or {HOURS_PER_YEAR} hourly values [MW], got {len(v)}")
        if any(not math.isfinite(x) or x < 0 or x > 10_000 for x in v):
            raise ValueError("every value must be a finite MW between 0 and 10000")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> StorageInput:
        if self.firm_power_mw is not None and self.load_profile_mw is not None:
            raise ValueError("give either firm_power_mw or load_profile_mw, not both")
        if self.firm_power_mw is not None:
            if self.firm_window is None:
                raise ValueError("firm_window is needed with firm_power_mw, e.g. [18, 22]")
            span = window_hours(self.firm_window)
            hours = self.firm_hours if self.firm_hours is not None else float(len(span))
            if hours > len(span):
                raise ValueError(f"firm_hours {hours:g} exceed the window's {len(span)} h")
        elif self.firm_hours is not None or self.firm_window is not None:
            raise ValueError("firm_hours / firm_window need firm_power_mw")
        if (self.power_mw is None) != (self.energy_mwh is None):
            raise ValueError("a fixed battery needs both power_mw and energy_mwh")
        if self.soc_min_pct >= self.soc_max_pct:
            raise ValueError("soc_min_pct must be below soc_max_pct")
        return self

    @property
    def kind(self) -> Literal["firm", "load", "fixed"]:
        """ "firm" / "load": a target to size for (or to meet with a fixed battery); "fixed": none."""
        if self.firm_power_mw is not None:
            return "firm"
        if self.load_profile_mw is not None:
            return "load"
        return "fixed"

    @property
    def sizing(self) -> bool:
        """True when the LP chooses MW and MWh (no fixed battery given)."""
        return self.power_mw is None


class GasInput(BaseModel):
    """Gas units: unit size [kW], heat rate [Btu/kWh, HHV], fuel price [USD/MMBtu]; units: a fixed
    count (else as many as the firm gap needs, or the layout placed); capacity_factor_pct: used when
    there is no target to dispatch against."""

    model_config = ConfigDict(extra="forbid")

    unit_kw: float = Field(default=48_000.0, gt=0, le=1_000_000)
    units: int | None = Field(default=None, ge=0, le=200)
    heat_rate_btu_per_kwh: float = Field(default=9_500.0, ge=5_000, le=20_000)
    fuel_price_usd_per_mmbtu: float = Field(default=3.5, ge=0, le=100)
    capacity_factor_pct: float = Field(default=15.0, ge=0, le=100)
    co2_kg_per_mmbtu: float = Field(default=53.06, ge=0, le=200)


def _parse(model: type[BaseModel], values: Any, name: str) -> Any:
    if values is None:
        return None
    if not isinstance(values, dict):
        raise InvalidInput(f"{name}: must be an object")
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", exc)).removeprefix("Value error, ")
        raise InvalidInput(f"{name}.{where}: {msg}" if where else f"{name}: {msg}") from exc


def parse_storage(values: dict[str, Any] | None) -> StorageInput | None:
    """The request's `storage` object, or None; `InvalidInput` naming storage.<field>."""
    return _parse(StorageInput, values, "storage")  # type: ignore[no-any-return]


def parse_gas(values: dict[str, Any] | None) -> GasInput | None:
    """The request's `gas` object, or None; `InvalidInput` naming gas.<field>."""
    return _parse(GasInput, values, "gas")  # type: ignore[no-any-return]


def window_hours(window: tuple[int, int]) -> list[int]:
    """The hours of day [0-23] in a window [start, end) that may wrap midnight (22-2 → 22, 23, 0, 1)."""
    a, b = window
    b %= 24
    return list(range(a, b)) if a < b else list(range(a, 24)) + list(range(0, b))


def firm_hours_of_day(window: tuple[int, int], hours: float | None) -> list[int]:
    """The hours of day the firm target covers: the last `hours` of the window (the evening peak
    ends the window), all of it when hours is None. A fractional hour rounds up."""
    span = window_hours(window)
    n = len(span) if hours is None else min(len(span), math.ceil(hours - 1e-9))
    return span[len(span) - n :]
