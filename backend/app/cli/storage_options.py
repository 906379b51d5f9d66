"""`sitelayouts generate` storage and gas options → the request's `storage` / `gas` objects (validated
as the API validates them), and the `--storage-dispatch FILE.csv` writer."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from app.errors import InvalidInput


def parse_window(text: str) -> list[int]:
    """ "18-22" → [18, 22] (hours of day; the end is exclusive, 24 = midnight)."""
    a, sep, b = text.partition("-")
    try:
        if not sep:
            raise ValueError
        return [int(a), int(b)]
    except ValueError:
        raise InvalidInput(f"--firm-window {text!r}: expected START-END hours, e.g. 18-22") from None


def read_load_profile(path: Path) -> list[float]:
    """A load profile CSV: 24 or 8760 MW values, one a line, optionally after a header line and
    with the value in the last column (e.g. `hour,load_mw`)."""
    text = path.read_text(encoding="utf-8-sig")
    values: list[float] = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        try:
            values.append(float(row[-1]))
        except ValueError:
            if values or n > 1:
                raise InvalidInput(f"--load-profile {path.name}: line {n} is not a number of MW") from None
    if len(values) not in (24, 8760):
        raise InvalidInput(f"--load-profile {path.name}: {len(values)} values; give 24 or 8760 hourly MW")
    return values


def storage_request(
    *,
    firm_power_mw: float | None,
    firm_hours: float | None,
    firm_window: str | None,
    firm_days_share: float | None,
    storage_mw: float | None,
    storage_mwh: float | None,
    load_profile: Path | None,
    gas_fuel_price: float | None = None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(storage, gas) request objects from the options, checked by the API's models (None when no
    option was given)."""
    from app.engine.storage.params import parse_gas, parse_storage

    storage: dict[str, Any] = {}
    if firm_power_mw is not None:
        storage["firm_power_mw"] = firm_power_mw
        storage["firm_window"] = parse_window(firm_window or "18-22")
        if firm_hours is not None:
            storage["firm_hours"] = firm_hours
    elif firm_hours is not None or firm_window is not None:
        raise InvalidInput("--firm-hours / --firm-window need --firm-power-mw")
    if firm_days_share is not None:
        storage["firm_days_share"] = firm_days_share
    if storage_mw is not None:
        storage["power_mw"] = storage_mw
    if storage_mwh is not None:
        storage["energy_mwh"] = storage_mwh
    if load_profile is not None:
        storage["load_profile_mw"] = read_load_profile(load_profile)
    gas: dict[str, Any] | None = None
    if gas_fuel_price is not None:
        gas = {"fuel_price_usd_per_mmbtu": gas_fuel_price}
    out = storage or None
    parse_storage(out)
    parse_gas(gas)
    return out, gas


def write_dispatch(design: dict[str, Any], path: Path) -> None:
    """The storage's hourly year (8760 rows) as CSV at `path`; InvalidInput when not dispatched."""
    from app.exports.storage_csv import dispatch_csv

    data = dispatch_csv(design.get("storage"))
    if data is None:
        raise InvalidInput(
            "--storage-dispatch: the layout has no storage dispatch (a profile with BESS beside PV — hybrid, "
            "wind_hybrid — and the energy yield are needed)"
        )
    path.write_bytes(data)
