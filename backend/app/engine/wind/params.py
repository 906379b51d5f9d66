"""A layout's wind inputs (`LayoutParams.wind`, the request's "wind" object), checked.

turbine: a library name (`turbines.TURBINE_NAMES`, default the IEA 3.4 MW 130 m) or a custom
turbine {"name", "hub_height_m", "rotor_diameter_m", "curve_csv": "wind_speed_m_s,power_kw,
thrust_coefficient\\n..."}; hub_height_m: a library turbine at another hub height [m].
shear_exponent: power-law α (default resource.DEFAULT_SHEAR). along_wind_d / across_wind_d: turbine
spacing in rotor diameters along / across the prevailing wind (default 7 / 4). setback_tip_heights:
boundary setback as a multiple of the tip height (default 1.5). share: the turbines' share of the
target capacity (default: the profile's, 0.6 for wind_hybrid; PV fills the rest). availability_pct,
rotation_deg: the turbine lattice's rotation [°] (default: the prevailing direction); optimise_s: the
time budget [s] of the lattice orientation search for net energy (default 0 = off; optimise.py).
electrical_loss_pct: energy losses [%] (availability default in energy.py; the electrical loss,
when not given, is computed from the turbines' MV collection, collection.py). Sources in docs/wind.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from app.engine.wind.energy import AVAILABILITY_PCT, ELECTRICAL_LOSS_PCT
from app.engine.wind.resource import check_shear
from app.engine.wind.turbines import DEFAULT_TURBINE, Turbine, custom_turbine, library_turbine
from app.errors import InvalidInput

# Spacing [rotor diameters]: 7 D along the prevailing wind, 4 D across it — the common onshore
# rule of thumb (Manwell, McGowan & Rogers, Wind Energy Explained, 2nd ed., §9.3: 5-9 D
# downwind, 3-5 D crosswind). Setback: 1.5 × tip height from the parcel boundary, the most common
# US county ordinance value for property lines (NREL Wind Siting ordinance database, 1.1-1.5 ×).
ALONG_WIND_D = 7.0
ACROSS_WIND_D = 4.0
SETBACK_TIP_HEIGHTS = 1.5
KEYS = frozenset(
    {"turbine", "hub_height_m", "shear_exponent", "along_wind_d", "across_wind_d", "setback_tip_heights",
     "availability_pct", "electrical_loss_pct", "share", "rotation_deg", "optimise_s"}
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class WindParams:
    """The checked wind inputs (see the module docstring)."""

    turbine: Turbine
    shear_exponent: float
    along_wind_d: float = ALONG_WIND_D
    across_wind_d: float = ACROSS_WIND_D
    setback_tip_heights: float = SETBACK_TIP_HEIGHTS
    availability_pct: float = AVAILABILITY_PCT
    # None: computed from the turbines' MV collection (collection.py), else ELECTRICAL_LOSS_PCT.
    electrical_loss_pct: float | None = None
    share: float | None = None
    # The lattice's rotation [°] (None: the prevailing direction) and the time budget [s] of the
    # orientation search for net energy (0: off; optimise.py).
    rotation_deg: float | None = None
    optimise_s: float = 0.0


def _number(doc: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    v = doc.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not lo <= v <= hi:
        raise InvalidInput(f"wind.{key} must be a number between {lo:g} and {hi:g}, got {v!r}")
    return float(v)


def _turbine(spec: Any) -> Turbine:
    if spec is None:
        return library_turbine(DEFAULT_TURBINE)
    if isinstance(spec, str):
        return library_turbine(spec)
    if isinstance(spec, dict):
        unknown = set(spec) - {"name", "hub_height_m", "rotor_diameter_m", "curve_csv"}
        if unknown:
            raise InvalidInput(f"wind.turbine: unknown field(s) {', '.join(sorted(unknown))}")
        for key in ("hub_height_m", "rotor_diameter_m", "curve_csv"):
            if key not in spec:
                raise InvalidInput(f"wind.turbine: a custom turbine needs {key}")
        if not isinstance(spec["curve_csv"], str):
            raise InvalidInput("wind.turbine.curve_csv must be the curve CSV's text")
        return custom_turbine(
            spec["curve_csv"],
            name=str(spec.get("name") or "custom turbine"),
            hub_height_m=_number(spec, "hub_height_m", 0.0, 10.0, 300.0),
            rotor_diameter_m=_number(spec, "rotor_diameter_m", 0.0, 10.0, 400.0),
        )
    raise InvalidInput("wind.turbine must be a library turbine name or a custom turbine object")


def parse_wind_params(doc: dict[str, Any] | None) -> WindParams:
    """The request's "wind" object as the engine reads it; InvalidInput names a bad field."""
    if doc is not None and not isinstance(doc, dict):
        raise InvalidInput("wind must be an object")
    doc = dict(doc or {})
    unknown = set(doc) - KEYS
    if unknown:
        raise InvalidInput(
            f"wind: unknown field(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(KEYS))})"
        )
    turbine = _turbine(doc.get("turbine"))
    if "hub_height_m" in doc:
        turbine = replace(
            turbine,
            hub_height_m=_number(
                doc, "hub_height_m", 0.0, max(10.0, turbine.rotor_diameter_m / 2 + 5), 300.0
            ),
        )
    shear = check_shear(doc.get("shear_exponent"))
    return WindParams(
        turbine=turbine,
        shear_exponent=shear,
        along_wind_d=_number(doc, "along_wind_d", ALONG_WIND_D, 2.0, 20.0),
        across_wind_d=_number(doc, "across_wind_d", ACROSS_WIND_D, 1.5, 20.0),
        setback_tip_heights=_number(doc, "setback_tip_heights", SETBACK_TIP_HEIGHTS, 0.0, 5.0),
        availability_pct=_number(doc, "availability_pct", AVAILABILITY_PCT, 50.0, 100.0),
        electrical_loss_pct=(
            _number(doc, "electrical_loss_pct", ELECTRICAL_LOSS_PCT, 0.0, 20.0)
            if "electrical_loss_pct" in doc
            else None
        ),
        share=_number(doc, "share", 0.5, 0.01, 0.99) if "share" in doc else None,
        rotation_deg=_number(doc, "rotation_deg", 0.0, -360.0, 360.0) if "rotation_deg" in doc else None,
        optimise_s=_number(doc, "optimise_s", 0.0, 0.0, 3600.0),
    )
