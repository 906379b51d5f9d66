"""A study's grid: expanding the variant axes, the generate body of each variant, and the
comparison rows (pure: no database, no HTTP). Used by the API and by `sitelayouts study`."""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from app.engine.core.energy_basis import CLEARSKY_UPPER_BOUND, bound_named, headline, is_bound
from app.errors import InvalidInput

MAX_VARIANTS = 200
# Axis order: the order of the cartesian product and of the variant's description.
AXES = (
    "structure",
    "gcr",
    "tilt_deg",
    "dc_ac_ratio",
    "strategy",
    "wind_share",
    "storage_mwh",
    "storage_hours",
)
# Hybrid axes: a fixed battery of storage_mwh [MWh] and storage_mwh / storage_hours [MW]
# (docs/storage.md, Studies); hours alone keep the base battery's MWh.
STORAGE_AXES = ("storage_mwh", "storage_hours")
DEFAULT_STORAGE_HOURS = 4.0
PV_AXES = ("structure", "gcr", "tilt_deg", "dc_ac_ratio")
# Sort keys of the comparison table: key → (row field, ascending is better).
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "lcoe": ("lcoe_usd_per_mwh", True),
    "mwh": ("annual_energy_mwh", False),
    "mwdc": ("dc_capacity_mwp", False),
    "mwac": ("ac_capacity_mw", False),
    "capex": ("capex_usd", True),
    "yield": ("specific_yield_kwh_per_kwp", False),
    "npv": ("npv_usd", False),
}


def count_variants(grid: Mapping[str, list[Any] | None]) -> int:
    """How many variants `grid` makes, before expanding it (tracker variants ignore tilt)."""
    sizes = {axis: len(grid.get(axis) or []) or 1 for axis in AXES}
    structures = grid.get("structure") or [None]
    rest = (
        sizes["gcr"]
        * sizes["dc_ac_ratio"]
        * sizes["strategy"]
        * sizes["wind_share"]
        * sizes["storage_mwh"]
        * sizes["storage_hours"]
    )
    return sum(rest * (1 if s == "tracker" else sizes["tilt_deg"]) for s in structures)


def expand(grid: Mapping[str, list[Any] | None], *, limit: int = MAX_VARIANTS) -> list[dict[str, Any]]:
    """The variants of `grid`: one dict of axis values per combination, axes in AXES order.

    Axes left out or empty are not varied (the base parameters apply). A single-axis tracker has no
    fixed tilt, so tracker variants leave `tilt_deg` out and are not repeated per tilt.
    Raises InvalidInput naming the count when it is over `limit`."""
    for axis, values in grid.items():
        if axis not in AXES:
            raise InvalidInput(f"grid.{axis}: unknown axis; the axes are {', '.join(AXES)}")
        if values is not None and len(set(map(repr, values))) != len(values):
            raise InvalidInput(f"grid.{axis}: values repeat")
    n = count_variants(grid)
    if n > limit:
        raise InvalidInput(
            f"the grid makes {n} variants, {n - limit} over the limit of {limit}; remove some values"
        )
    axes = [(axis, list(grid.get(axis) or [])) for axis in AXES]
    varied = [(axis, values) for axis, values in axes if values]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for combo in itertools.product(*(values for _, values in varied)):
        variant = dict(zip((axis for axis, _ in varied), combo, strict=True))
        if variant.get("structure") == "tracker":
            variant.pop("tilt_deg", None)
        key = repr(sorted(variant.items()))
        if key not in seen:
            seen.add(key)
            out.append(variant)
    return out


def describe(variant: Mapping[str, Any]) -> str:
    """A variant as text, e.g. "structure=fixed, gcr=0.4, tilt_deg=25"."""
    return ", ".join(f"{k}={v}" for k, v in variant.items()) or "the base parameters"


def variant_body(base: Mapping[str, Any], variant: Mapping[str, Any]) -> dict[str, Any]:
    """The generate request body (without site_id) of one variant: the base parameters with the
    variant's PV axes merged into `pv` and its strategy set."""
    body = {k: v for k, v in base.items() if k != "pv"}
    pv = dict(base.get("pv") or {})
    for axis in PV_AXES:
        if axis in variant:
            pv[axis] = variant[axis]
    if variant.get("structure") == "tracker":
        pv.pop("tilt_deg", None)  # the base's fixed tilt does not apply to trackers
    if "gcr" in variant:
        pv.pop("pitch_m", None)  # the variant's GCR sets the row spacing
    if pv:
        body["pv"] = pv
    if "strategy" in variant:
        body["strategy"] = variant["strategy"]
    if "wind_share" in variant:
        # The turbines' share of the target (wind hybrids, docs/wind.md); PV fills the rest.
        body["wind"] = {**(base.get("wind") or {}), "share": variant["wind_share"]}
    if any(axis in variant for axis in STORAGE_AXES):
        storage = dict(base.get("storage") or {})
        mwh = variant.get("storage_mwh", storage.get("energy_mwh"))
        if mwh is None:
            raise InvalidInput("grid.storage_hours needs grid.storage_mwh or base.storage.energy_mwh")
        hours = variant.get("storage_hours")
        if hours is None:
            power = storage.get("power_mw")
            hours = float(mwh) / float(power) if power else DEFAULT_STORAGE_HOURS
        storage["energy_mwh"] = float(mwh)
        storage["power_mw"] = float(mwh) / float(hours)
        body["storage"] = storage
    return body


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def check_conflicts(base: Mapping[str, Any], grid: Mapping[str, list[Any] | None]) -> None:
    """InvalidInput naming both settings when the base and the grid disagree, rather than one of
    them being dropped without a word: a base field that a grid axis also sets (e.g. base.pv.gcr
    or base.pv.pitch_m with grid.gcr: both set the row spacing), a base fixed tilt when every
    variant is a tracker, a tilt axis over a tracker base."""
    raw_pv = base.get("pv")
    pv: Mapping[str, Any] = raw_pv if isinstance(raw_pv, Mapping) else {}
    axes = {axis: values for axis, values in grid.items() if values}

    def refuse(first: str, second: str, why: str) -> None:
        raise InvalidInput(f"{first} and {second} conflict: {why}; remove one of them")

    for axis in PV_AXES:
        if axis in axes and pv.get(axis) is not None:
            refuse(f"base.pv.{axis}", f"grid.{axis}", f"the grid sets {axis} in every variant")
    if "gcr" in axes and pv.get("pitch_m") is not None:
        refuse("base.pv.pitch_m", "grid.gcr", "both set the row spacing")
    if "strategy" in axes and base.get("strategy") is not None:
        refuse("base.strategy", "grid.strategy", "the grid sets the strategy in every variant")
    wind = base.get("wind")
    if "wind_share" in axes and isinstance(wind, Mapping) and wind.get("share") is not None:
        refuse("base.wind.share", "grid.wind_share", "the grid sets the turbines' share in every variant")
    if "wind_share" in axes and base.get("profile") != "wind_hybrid":
        refuse(
            "grid.wind_share",
            f"base.profile ({base.get('profile') or 'solar_farm'})",
            "only wind_hybrid has turbines",
        )
    structures = set(axes.get("structure") or ([pv["structure"]] if pv.get("structure") else []))
    if structures == {"tracker"}:
        if pv.get("tilt_deg") is not None:
            where = "grid.structure" if "structure" in axes else "base.pv.structure"
            refuse("base.pv.tilt_deg", f"{where} (tracker)", "a single-axis tracker has no fixed tilt")
        if "tilt_deg" in axes:
            refuse("grid.tilt_deg", "base.pv.structure (tracker)", "a single-axis tracker has no fixed tilt")


def validated_bodies(
    site_id: uuid.UUID,
    base: Mapping[str, Any],
    variants: Iterable[Mapping[str, Any]],
    *,
    grid: Mapping[str, list[Any] | None] | None = None,
) -> list[Any]:
    """Each variant as a validated `LayoutGenerate` (the generate route's own checks); with
    `grid`, first `check_conflicts(base, grid)`.

    Raises InvalidInput naming the base field, or the variant (number from 1, values) and field."""
    from app.api.schemas import LayoutGenerate

    if grid is not None:
        check_conflicts(base, grid)

    try:
        LayoutGenerate(site_id=site_id, **base)
    except ValidationError as exc:
        raise InvalidInput(f"base: {_first_error(exc)}") from exc
    except TypeError as exc:
        raise InvalidInput(f"base: {exc}") from exc
    out = []
    for i, variant in enumerate(variants, start=1):
        try:
            out.append(LayoutGenerate(site_id=site_id, **variant_body(base, variant)))
        except ValidationError as exc:
            raise InvalidInput(f"variant {i} ({describe(variant)}): {_first_error(exc)}") from exc
    return out


def comparison_row(
    *,
    layout_id: str | None,
    variant: Mapping[str, Any] | None,
    status: str,
    metrics: Mapping[str, Any] | None,
    total_capacity_kw: float | None = None,
    annual_energy_mwh: float | None = None,
    error_message: str | None = None,
) -> dict[str, Any]:
    """One row of the comparison table: MWac, MWp, MWh/yr, kWh/kWp, USD, USD/MWh (None until the
    variant's layout is completed, or when it has no PV). On clear-sky energy (`energy_basis`
    "clearsky_upper_bound") the energy, yield, LCOE and NPV are given only under their bound names
    (`annual_energy_mwh_upper_bound`, `lcoe_lower_bound_usd_per_mwh`, …) and `lcoe_is_lower_bound`
    is true; the P90s are None there."""
    m = metrics or {}
    done = status == "completed"

    def num(value: Any, scale: float = 1.0) -> float | None:
        if not done or value is None:
            return None
        try:
            x = float(value) * scale
        except (TypeError, ValueError):
            return None
        return x if math.isfinite(x) else None

    ac_kw = total_capacity_kw if total_capacity_kw is not None else m.get("total_capacity_kw")
    mwh = annual_energy_mwh if annual_energy_mwh is not None else headline(m, "annual_energy_mwh")
    basis = (m.get("energy_basis") or (CLEARSKY_UPPER_BOUND if is_bound(m) else None)) if done else None
    bound = basis == CLEARSKY_UPPER_BOUND
    figures = bound_named(
        {
            "annual_energy_mwh": num(mwh),
            "specific_yield_kwh_per_kwp": num(headline(m, "specific_yield_kwh_per_kwp")),
            "lcoe_usd_per_mwh": num(headline(m, "lcoe_usd_per_mwh")),
            "npv_usd": num(headline(m, "npv_usd")),
        },
        basis,
    )
    # The constructability section (app/engine/civil/constructability.py): a variant with a problem is
    # marked, and `sort_rows` never ranks it above one without.
    section = m.get("constructability") if done else None
    problems = [str(p) for p in section.get("problems", [])] if isinstance(section, dict) else []
    return {
        "layout_id": layout_id,
        "variant": dict(variant or {}),
        "status": status,
        "ac_capacity_mw": num(ac_kw, 1e-3),
        "dc_capacity_mwp": num(m.get("dc_capacity_kwp"), 1e-3),
        **figures,
        "energy_basis": basis,
        "lcoe_is_lower_bound": bound
        if done and figures.get("lcoe_lower_bound_usd_per_mwh") is not None
        else False,
        "p90_1yr_mwh": num(m.get("p90_1yr_mwh")),
        "p90_10yr_mwh": num(m.get("p90_10yr_mwh")),
        "performance_ratio": num(m.get("performance_ratio")),
        "capex_usd": num(m.get("capex_usd")),
        "weather_source": m.get("weather_source") if done else None,
        "error_message": error_message,
        "constructable": (not problems) if isinstance(section, dict) else None,
        "constructability_problems": problems,
    }


def sort_rows(
    rows: list[dict[str, Any]], key: str = "lcoe", *, descending: bool | None = None
) -> list[dict[str, Any]]:
    """Rows sorted by `key` (one of SORT_KEYS), best first unless `descending` says otherwise;
    rows with a constructability problem after those without (a plant nobody could build is never
    ranked first silently), rows without the value (not completed, failed) last, in their original
    order."""
    if key not in SORT_KEYS:
        raise InvalidInput(f"sort: unknown key {key!r}; one of {', '.join(SORT_KEYS)}")
    field, ascending = SORT_KEYS[key]
    if descending is not None:
        ascending = not descending
    # A clear-sky row sorts by its bound (LCOE lower bound, energy upper bound), marked on the row.
    have = [r for r in rows if headline(r, field) is not None]
    missing = [r for r in rows if headline(r, field) is None]
    have.sort(key=lambda r: float(headline(r, field)), reverse=not ascending)
    clean = [r for r in have if r.get("constructable") is not False]
    flagged = [r for r in have if r.get("constructable") is False]
    return clean + flagged + missing
