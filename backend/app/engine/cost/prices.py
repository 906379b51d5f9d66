"""The unit-cost table (unit_costs.json, every price with its public source) and per-request overrides."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.errors import InvalidInput

# Accepted range of each overridable entry [its unit in unit_costs.json]: wide enough for any real
# project (several times the table's value and past prices), narrow enough that no figure
# computed from them overflows. docs/cost.md lists them with their reasons.
COST_RANGES: dict[str, tuple[float, float]] = {
    "module_usd_per_wdc": (0.0, 5.0),
    "module_install_usd_per_wdc": (0.0, 2.0),
    "structure_fixed_usd_per_wdc": (0.0, 2.0),
    "structure_tracker_usd_per_wdc": (0.0, 2.0),
    "pile_usd_each": (0.0, 10_000.0),
    "power_station_usd_per_kva": (0.0, 1_000.0),
    "string_inverter_usd_per_kwac": (0.0, 1_000.0),
    "lv_station_usd_per_kva": (0.0, 1_000.0),
    "combiner_box_usd_each": (0.0, 100_000.0),
    "cable_usd_per_m": (0.0, 1_000.0),
    "cable_usd_per_mm2_m": (0.0, 5.0),
    "trench_dc_usd_per_m": (0.0, 1_000.0),
    "trench_mv_usd_per_m": (0.0, 1_000.0),
    "road_usd_per_m2": (0.0, 500.0),
    "fence_usd_per_m": (0.0, 1_000.0),
    "gate_usd_each": (0.0, 100_000.0),
    "earthwork_usd_per_m3": (0.0, 500.0),
    "substation_usd_per_kwac": (0.0, 1_000.0),
    "opex_usd_per_kwac_yr": (0.0, 500.0),
    "land_usd_per_ha_yr": (0.0, 100_000.0),
    "discount_rate_real": (-0.05, 0.30),
    "lifetime_yr": (1.0, 60.0),
    "degradation_pct_per_yr": (0.0, 5.0),
    "gen_tie_usd_per_km": (0.0, 20_000_000.0),
    "gen_tie_voltage_kv": (0.0, 800.0),
    "interconnection_usd_per_kwac": (0.0, 3_000.0),
    "property_tax_usd_per_kwac_yr": (0.0, 200.0),
    "wind_turbine_usd_per_kw": (0.0, 5_000.0),
    "wind_foundation_usd_each": (0.0, 5_000_000.0),
    "crane_pad_usd_per_m2": (0.0, 500.0),
    "wind_pad_transformer_usd_per_kva": (0.0, 1_000.0),
    "wind_opex_usd_per_kw_yr": (0.0, 300.0),
    "bess_energy_usd_per_kwh": (0.0, 2_000.0),
    "bess_power_usd_per_kw": (0.0, 2_000.0),
    "bess_opex_pct_of_capex_yr": (0.0, 20.0),
    "bess_cost_decline_pct_per_yr": (-10.0, 20.0),
    "gas_unit_usd_per_kw": (0.0, 10_000.0),
    "gas_fom_usd_per_kw_yr": (0.0, 500.0),
    "gas_vom_usd_per_mwh": (0.0, 200.0),
}
# An entry without its own range: a percentage of direct cost 0–100 %, any other price 0–1e9.
PCT_RANGE = (0.0, 100.0)
OTHER_RANGE = (0.0, 1e9)
# Whole numbers only.
INTEGER_COSTS = frozenset({"lifetime_yr"})
# The energy price of the NPV [USD/MWh]: ERCOT's offer floor (−250) to its system-wide offer cap
# (5,000), the widest band a US wholesale market allows; a PPA price lies well inside it.
PRICE_RANGE = (-250.0, 5_000.0)


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("app.engine.cost").joinpath("unit_costs.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def default_costs() -> dict[str, Any]:
    """A copy of the default table: {"currency", "dollar_year", "costs": {key: {value, unit, source}}}."""
    return copy.deepcopy(_table())


def cost_range(key: str) -> tuple[float, float]:
    """The accepted (min, max) of unit-cost entry `key`, in its unit (COST_RANGES, else by unit)."""
    if key in COST_RANGES:
        return COST_RANGES[key]
    entry = _table()["costs"].get(key, {})
    return PCT_RANGE if str(entry.get("unit", "")).startswith("%") else OTHER_RANGE


def unit_costs(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The table with `overrides` applied: {key: number} (or {"cable_usd_per_m": {conductor: number}}).
    An overridden entry's source becomes "request". `InvalidInput` names an unknown key, a
    non-numeric value or one outside `cost_range(key)`."""
    table = default_costs()
    costs = table["costs"]
    for key, value in (overrides or {}).items():
        if key not in costs:
            raise InvalidInput(f"cost.{key}: unknown unit cost (known: {', '.join(sorted(costs))})")
        if isinstance(costs[key]["value"], dict):
            if not isinstance(value, dict):
                raise InvalidInput(f"cost.{key}: give an object of conductor name → price")
            for name, price in value.items():
                costs[key]["value"][name] = _checked(f"{key}.{name}", price, cost_range(key))
        else:
            number = _checked(key, value, cost_range(key))
            if key in INTEGER_COSTS:
                if number != int(number):
                    raise InvalidInput(f"cost.{key}: must be a whole number")
                costs[key]["value"] = int(number)
            else:
                costs[key]["value"] = number
        costs[key]["source"] = "request"
    kv = costs["gen_tie_voltage_kv"]["value"]
    classes = costs["gen_tie_usd_per_km"]["value"]
    if kv and f"{float(kv):g}" not in classes:
        raise InvalidInput(
            f"cost.gen_tie_voltage_kv: no gen-tie price for {float(kv):g} kV; give 0 (by plant size), one of "
            f"{', '.join(sorted(classes, key=float))} kV, or add its price to cost.gen_tie_usd_per_km"
        )
    return table


def _checked(key: str, value: Any, bounds: tuple[float, float]) -> float:
    """`value` as a float, else `InvalidInput` naming cost.`key` and its range."""
    lo, hi = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"cost.{key}: must be a number between {lo:g} and {hi:g}, got {value!r}")
    if not lo <= value <= hi:
        raise InvalidInput(f"cost.{key}: must be between {lo:g} and {hi:g}, got {value:g}")
    return float(value)


@dataclass(frozen=True)
class CostInputs:
    """A request's `cost` object, validated: unit-cost overrides and the NPV's energy price [USD/MWh]."""

    overrides: dict[str, Any]
    price_usd_per_mwh: float | None


def parse_cost(values: dict[str, Any] | None) -> CostInputs:
    """The request's `cost` object as the cost model reads it — checked the same way at submit
    and in the worker. `InvalidInput` names the bad field and its range."""
    if values is not None and not isinstance(values, dict):
        raise InvalidInput("cost: must be an object of unit-cost overrides")
    overrides = dict(values or {})
    price = overrides.pop("price_usd_per_mwh", None)
    unit_costs(overrides)
    return CostInputs(
        overrides=overrides,
        price_usd_per_mwh=None if price is None else _checked("price_usd_per_mwh", price, PRICE_RANGE),
    )


def _unit_cost_properties(schema: dict[str, Any]) -> None:
    """The OpenAPI properties of a request's `cost` object: every overridable unit cost with its
    unit, range and default's source (unit_costs.json)."""
    props = schema.setdefault("properties", {})
    for key, entry in sorted(_table()["costs"].items()):
        lo, hi = cost_range(key)
        described = f"[{entry.get('unit', '')}] default {entry['value']!r}: {entry.get('source', '')}"
        number = {"type": "number", "minimum": lo, "maximum": hi}
        if isinstance(entry["value"], dict):
            props[key] = {"type": "object", "additionalProperties": number, "description": described}
        else:
            props[key] = {**number, "description": described}


class CostInput(BaseModel):
    """A request's `cost` object: unit-cost overrides by key (app/engine/cost/unit_costs.json, each
    in its entry's unit) and the NPV's energy price. Checked by `parse_cost`, as the worker does."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_unit_cost_properties)

    price_usd_per_mwh: float | None = Field(
        default=None, description="energy price for the NPV [USD/MWh], -250 to 5000"
    )

    @model_validator(mode="after")
    def _known_and_in_range(self) -> CostInput:
        try:
            parse_cost(self.model_dump(exclude_unset=True))
        except InvalidInput as exc:
            # "cost.gen_tie_usd_per_km.34.5: …" -> located at (gen_tie_usd_per_km, 34.5) within `cost`,
            # so the 422 names `cost.<key>` as pydantic names its own errors.
            where, _, problem = exc.message.partition(": ")
            loc = tuple(where.removeprefix("cost").removeprefix(".").split(".", 1)) if problem else ()
            error = PydanticCustomError("unit_cost", "{problem}", {"problem": problem or exc.message})
            raise ValidationError.from_exception_data(
                "CostInput",
                [InitErrorDetails(type=error, loc=tuple(p for p in loc if p), input=self.model_extra)],
            ) from exc
        return self
