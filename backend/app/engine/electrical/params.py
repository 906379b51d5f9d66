"""Electrical design inputs with documented defaults (docs/electrical.md explains each one)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.engine.core.validation import validated

Topology = Literal["central", "string"]


class ElectricalParams(BaseModel):
    """What the electrical design is built from. Temperatures [°C], voltages [V] unless `_kv`,
    power [kW], lengths [m], fractions as fractions (voltage drops in %).

    t_min_c: design low ambient temperature (the cell sits at ambient before sunrise: Voc limit);
    t_max_cell_c: design high cell temperature (Vmp floor against the MPPT window).
    mppt_min_v / mppt_max_v: inverter MPPT window. strings_per_combiner: inputs of one combiner
    box (central). string_inverter_ac_kw / string_inverter_max_strings / lv_ac_voltage_v: the
    string inverter (string topology). mv_voltage_kv, power_factor: the collection system.
    vdrop_*_pct: voltage-drop limit of each circuit class at STC current. conductor_temp_c:
    conductor temperature the losses use. mv_ampacity_margin: feeder current ≤ margin × ampacity.
    transformer_no_load_pct / transformer_load_loss_pct: of the transformer rating.
    annual_loss_factor: Σp²/Σp of the plant's normalised output over a year (I²R losses scale
    with it; 0.55 without weather data). max_parallel: most parallel runs of one DC / LV circuit.
    mv_search_solutions: solutions the feeder solver may visit (1 = savings construction only).
    mv_max_feeder_m: longest MV feeder route [m] from its substation to its last power station;
    a plant whose stations lie farther gets collector substations (docs/engine.md, "Collector
    substations").
    """

    model_config = ConfigDict(extra="forbid")

    topology: Topology = "central"
    t_min_c: float = Field(default=-10.0, ge=-50, le=30)
    t_max_cell_c: float = Field(default=70.0, ge=30, le=100)
    system_voltage_v: float = Field(default=1500.0, ge=300, le=2000)
    mppt_min_v: float = Field(default=875.0, ge=100, le=1800)
    mppt_max_v: float = Field(default=1300.0, ge=200, le=2000)
    strings_per_combiner: int = Field(default=24, ge=2, le=64)
    string_inverter_ac_kw: float = Field(default=300.0, ge=10, le=1000)
    string_inverter_max_strings: int = Field(default=28, ge=1, le=64)
    lv_ac_voltage_v: float = Field(default=800.0, ge=200, le=1500)
    mv_voltage_kv: float = Field(default=34.5, ge=6, le=69)
    power_factor: float = Field(default=0.95, ge=0.8, le=1.0)
    vdrop_string_pct: float = Field(default=1.0, gt=0, le=5)
    vdrop_dc_feeder_pct: float = Field(default=1.5, gt=0, le=5)
    vdrop_lv_ac_pct: float = Field(default=1.5, gt=0, le=5)
    vdrop_mv_pct: float = Field(default=1.0, gt=0, le=5)
    conductor_temp_c: float = Field(default=50.0, ge=20, le=90)
    mv_ampacity_margin: float = Field(default=0.9, gt=0.3, le=1.0)
    transformer_no_load_pct: float = Field(default=0.1, ge=0, le=2)
    transformer_load_loss_pct: float = Field(default=0.9, ge=0, le=5)
    annual_loss_factor: float = Field(default=0.55, gt=0, le=1)
    max_parallel: int = Field(default=4, ge=1, le=8)
    mv_search_solutions: int = Field(default=1, ge=1, le=10_000)
    mv_max_feeder_m: float = Field(default=5000.0, ge=500, le=50_000)

    @model_validator(mode="after")
    def _window(self) -> ElectricalParams:
        if self.mppt_max_v <= self.mppt_min_v:
            raise ValueError("mppt_max_v must exceed mppt_min_v")
        if self.mppt_min_v >= self.system_voltage_v:
            raise ValueError("mppt_min_v must be below system_voltage_v")
        return self


def parse_electrical_params(values: dict[str, Any] | None) -> ElectricalParams:
    """`ElectricalParams` from request values; `InvalidInput` names the bad field and its range."""
    return validated(ElectricalParams, dict(values or {}), "electrical")
