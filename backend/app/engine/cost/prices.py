"""The unit-cost table (unit_costs.json, every price with its public source) and per-request overrides."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from app.errors import InvalidInput


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("app.engine.cost").joinpath("unit_costs.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def default_costs() -> dict[str, Any]:
    """A copy of the default table: {"currency", "dollar_year", "costs": {key: {value, unit, source}}}."""
    return copy.deepcopy(_table())


def unit_costs(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The table with `overrides` applied: {key: number} (or {"cable_usd_per_m": {conductor: number}}).
    An overridden entry's source becomes "request". `InvalidInput` names an unknown key or a
    negative / non-numeric value."""
    table = default_costs()
    costs = table["costs"]
    for key, value in (overrides or {}).items():
        if key not in costs:
            raise InvalidInput(f"cost.{key}: unknown unit cost (known: {', '.join(sorted(costs))})")
        if isinstance(costs[key]["value"], dict):
            if not isinstance(value, dict):
                raise InvalidInput(f"cost.{key}: give an object of conductor name → price")
            for name, price in value.items():
                _check(f"{key}.{name}", price, costs[key].get("max"))
                costs[key]["value"][name] = float(price)
        else:
            _check(key, value, costs[key].get("max"))
            costs[key]["value"] = float(value)
        costs[key]["source"] = "request"
    kv = costs["gen_tie_voltage_kv"]["value"]
    classes = costs["gen_tie_usd_per_km"]["value"]
    if kv and f"{float(kv):g}" not in classes:
        raise InvalidInput(
            f"cost.gen_tie_voltage_kv: no gen-tie price for {float(kv):g} kV; give 0 (by plant size), one of "
            f"{', '.join(sorted(classes, key=float))} kV, or add its price to cost.gen_tie_usd_per_km"
        )
    return table


def _check(key: str, value: Any, maximum: float | None = None) -> None:
    """A non-negative finite number, at most the entry's "max" when the table gives one."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != value:
        raise InvalidInput(f"cost.{key}: must be a non-negative number")
    if maximum is not None and not value <= maximum:
        raise InvalidInput(f"cost.{key}: {value:g} is out of range 0–{maximum:g}")
