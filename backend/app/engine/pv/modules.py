"""PV modules: the default utility module, custom modules, and modules by name from pvlib's CEC library.

The CEC library that ships with pvlib (`pvlib.pvsystem.retrieve_sam("CECMod")`) ends at ≈ 510 W
(listings up to 2019), so the default is a current ≈ 580 W N-type module given by its datasheet
values (see docs/engine.md for the source).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.core.validation import validated
from app.errors import InvalidInput


class ModuleSpec(BaseModel):
    """One PV module at STC (1000 W/m², 25 °C cell, AM1.5).

    power_w: nameplate [W]; length_m / width_m: long / short side [m];
    voc_v, vmp_v [V], isc_a, imp_a [A]; temperature coefficients in %/°C of the STC value
    (beta_voc_pct_per_c < 0, gamma_pmp_pct_per_c < 0, alpha_isc_pct_per_c > 0);
    bifaciality: rear/front efficiency ratio, 0 for monofacial.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    power_w: float = Field(ge=50, le=1000)
    length_m: float = Field(ge=0.5, le=3.5)
    width_m: float = Field(ge=0.3, le=2.0)
    voc_v: float = Field(gt=5, le=150)
    isc_a: float = Field(gt=0.5, le=40)
    vmp_v: float = Field(gt=5, le=150)
    imp_a: float = Field(gt=0.5, le=40)
    beta_voc_pct_per_c: float = Field(default=-0.25, ge=-1.0, le=0.0)
    gamma_pmp_pct_per_c: float = Field(default=-0.30, ge=-1.0, le=0.0)
    alpha_isc_pct_per_c: float = Field(default=0.045, ge=0.0, le=0.5)
    cells_in_series: int = Field(default=144, ge=1, le=400)
    bifaciality: float = Field(default=0.0, ge=0.0, le=1.0)
    source: str = ""

    @property
    def area_m2(self) -> float:
        """Module area [m²]."""
        return self.length_m * self.width_m

    @property
    def efficiency(self) -> float:
        """STC efficiency [fraction]."""
        return self.power_w / (1000.0 * self.area_m2)


DEFAULT_MODULE = ModuleSpec(
    name="Generic 580 W N-type TOPCon bifacial (2278 × 1134 mm)",
    power_w=580.0,
    length_m=2.278,
    width_m=1.134,
    voc_v=51.8,
    isc_a=14.2,
    vmp_v=42.7,
    imp_a=13.59,
    beta_voc_pct_per_c=-0.25,
    gamma_pmp_pct_per_c=-0.29,
    alpha_isc_pct_per_c=0.045,
    cells_in_series=144,
    bifaciality=0.8,
    source=(
        "representative 2023–2025 utility module datasheets of the 2278 × 1134 mm 144-half-cell N-type "
        "class, e.g. JinkoSolar Tiger Neo JKM580N-72HL4-BDV (580 W, Voc ≈ 51.8 V, Isc ≈ 14.2 A, "
        "β_Voc −0.25 %/°C, γ −0.29 %/°C)"
    ),
)


@lru_cache(maxsize=1)
def _cec_table() -> Any:
    from pvlib import pvsystem

    return pvsystem.retrieve_sam("CECMod")


def cec_module(name: str) -> ModuleSpec:
    """A module from pvlib's bundled CEC library by its exact column name.

    Raises `InvalidInput` naming the module when it is not in the library."""
    table = _cec_table()
    if name not in table.columns:
        raise InvalidInput(f"module {name!r} is not in the CEC module library that ships with pvlib")
    m = table[name]
    stc = float(m["STC"])
    length = float(m["Length"]) if m["Length"] == m["Length"] else 0.0
    width = float(m["Width"]) if m["Width"] == m["Width"] else 0.0
    if length <= 0 or width <= 0:
        area = float(m["A_c"])
        width = (area / 1.9) ** 0.5 if area > 0 else 1.0
        length = area / width if area > 0 else 2.0
    voc, isc = float(m["V_oc_ref"]), float(m["I_sc_ref"])
    return ModuleSpec(
        name=name,
        power_w=stc,
        length_m=max(length, width),
        width_m=min(length, width),
        voc_v=voc,
        isc_a=isc,
        vmp_v=float(m["V_mp_ref"]),
        imp_a=float(m["I_mp_ref"]),
        beta_voc_pct_per_c=float(m["beta_oc"]) / voc * 100.0,
        gamma_pmp_pct_per_c=float(m["gamma_r"]),
        alpha_isc_pct_per_c=float(m["alpha_sc"]) / isc * 100.0,
        cells_in_series=int(m["N_s"]),
        bifaciality=0.7 if bool(m["Bifacial"]) else 0.0,
        source="CEC module library shipped with pvlib (SAM CEC Modules)",
    )


def resolve_module(value: str | dict[str, Any] | None) -> ModuleSpec:
    """The module a request names: None → the default, a string → the CEC library (or the default's
    name), a dict → a custom module (validated; `InvalidInput` names the bad field)."""
    if value is None or value == "" or value == DEFAULT_MODULE.name or value == "default":
        return DEFAULT_MODULE
    if isinstance(value, str):
        return cec_module(value)
    if isinstance(value, dict):
        return check_custom_module(validated(ModuleSpec, {"name": "custom module", **value}, "pv.module"))
    raise InvalidInput("module must be a CEC library name or an object describing a custom module")


# A datasheet's Pmax is Vmp × Imp up to rounding; 5 % leaves room for that and nothing more.
POWER_MISMATCH_MAX = 0.05
# STC efficiency of a real module: amorphous-silicon thin film ≈ 6–7 % at the low end, the best
# commercial modules ≈ 25 % (NREL, "Champion Photovoltaic Module Efficiency Chart"); docs/engine.md.
EFFICIENCY_RANGE = (0.05, 0.30)


def check_custom_module(m: ModuleSpec) -> ModuleSpec:
    """`m` if its figures describe one module, else `InvalidInput` naming the fields that
    disagree: Voc > Vmp and Isc > Imp, power_w = vmp_v × imp_a within POWER_MISMATCH_MAX (the
    cables are sized for imp_a while the plant counts power_w: a 50 W module with a 580 W module's
    current gives a DC cable loss over 10 %), efficiency power_w / (length_m × width_m × 1000 W/m²)
    within EFFICIENCY_RANGE."""
    if m.vmp_v >= m.voc_v:
        raise InvalidInput(f"pv.module: vmp_v {m.vmp_v:g} V must be below voc_v {m.voc_v:g} V")
    if m.imp_a >= m.isc_a:
        raise InvalidInput(f"pv.module: imp_a {m.imp_a:g} A must be below isc_a {m.isc_a:g} A")
    pmp = m.vmp_v * m.imp_a
    if abs(pmp - m.power_w) > POWER_MISMATCH_MAX * m.power_w:
        raise InvalidInput(
            f"pv.module: power_w {m.power_w:g} W does not match vmp_v × imp_a = {m.vmp_v:g} V × "
            f"{m.imp_a:g} A = {pmp:.0f} W (at most {100 * POWER_MISMATCH_MAX:.0f} % apart): the DC "
            "cables would carry the current of one module and the plant count the power of another"
        )
    lo, hi = EFFICIENCY_RANGE
    if not lo <= m.efficiency <= hi:
        raise InvalidInput(
            f"pv.module: power_w {m.power_w:g} W on length_m × width_m = {m.area_m2:.2f} m² is "
            f"{100 * m.efficiency:.1f} % efficient; a real module is {100 * lo:.0f}–{100 * hi:.0f} %"
        )
    return m
