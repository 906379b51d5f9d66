"""The storage dispatch year and the energy by source as CSV (the CSV export and the CLI's
`--storage-dispatch FILE.csv`).

storage_dispatch.csv — one row per hour of the year: hour (0..8759), pv_mw, wind_mw, charge_mw,
discharge_mw, soc_mwh (at the hour's end), grid_mw (delivered), firm_target_mw [MW, MWh].
energy_by_source.csv — source (pv | wind | storage | gas | plant), capex_usd, opex_usd_per_yr,
energy_mwh, lcoe_usd_per_mwh (storage: its discharged energy; plant: delivered to the grid).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from app.engine.core.energy_basis import headline

# On a clear-sky PV year the PV, storage and plant LCOEs are lower bounds and filled under that
# name; wind's stands on its own resource (app/engine/core/energy_basis.py).
BY_SOURCE_COLUMNS = (
    "source",
    "capex_usd",
    "opex_usd_per_yr",
    "energy_mwh",
    "lcoe_usd_per_mwh",
    "lcoe_lower_bound_usd_per_mwh",
)


def dispatch_csv(storage: dict[str, Any] | None) -> bytes | None:
    """design["storage"]["dispatch"] as CSV bytes, or None when the storage was not dispatched."""
    table = (storage or {}).get("dispatch")
    if not isinstance(table, dict) or not table.get("rows"):
        return None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table["columns"])
    for row in table["rows"]:
        w.writerow([int(row[0]), *row[1:]])
    return buf.getvalue().encode("utf-8")


def by_source_csv(design: dict[str, Any]) -> bytes | None:
    """design["economics_by_source"] plus a plant row as CSV bytes, or None without it. Each LCOE
    column only when some row has it: a clear-sky PV + BESS plant has no bare LCOE column."""
    rows = design.get("economics_by_source")
    if not isinstance(rows, list) or not rows:
        return None
    cost = design.get("cost") or {}
    plant = {
        "source": "plant",
        "capex_usd": cost.get("capex_usd"),
        "opex_usd_per_yr": cost.get("opex_usd_per_yr"),
        "energy_mwh": headline(cost, "plant_energy_mwh"),
        "lcoe_usd_per_mwh": cost.get("plant_lcoe_usd_per_mwh"),
        "lcoe_lower_bound_usd_per_mwh": cost.get("plant_lcoe_lower_bound_usd_per_mwh"),
    }
    table = [*rows, plant]
    lcoe_columns = BY_SOURCE_COLUMNS[4:]
    columns = [*BY_SOURCE_COLUMNS[:4], *(c for c in lcoe_columns if any(r.get(c) is not None for r in table))]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in table:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue().encode("utf-8")
