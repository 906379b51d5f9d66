"""Wind turbines: power [kW] and thrust-coefficient curves against hub-height wind speed [m/s].

The library: the IEA Wind Task 37 3.4 MW land-based reference turbine (the default, a current
onshore class: 130 m rotor, 110 m hub) shipped as `turbine_data/iea_3.4mw_130.csv`, and the turbines
FLORIS bundles (`floris/turbine_library/*.yaml`: NREL 5 MW, IEA 10 MW, IEA 15 MW). A custom turbine
is a curve CSV (`wind_speed_m_s, power_kw, thrust_coefficient`) with its hub height and rotor.
Curves are at the reference air density 1.225 kg/m³ (IEC 61400-12-1); `energy.py` corrects them.
"""

from __future__ import annotations

import csv
import importlib
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from app.errors import InvalidInput

DEFAULT_TURBINE = "iea_3.4mw_130"
REF_AIR_DENSITY = 1.225  # kg/m³, IEC 61400-12-1 standard air
CURVE_COLUMNS = ("wind_speed_m_s", "power_kw", "thrust_coefficient")
# FLORIS's bundled turbines offered by name: our key -> (YAML file, label).
FLORIS_TURBINES = {
    "nrel_5mw": ("nrel_5MW.yaml", "NREL 5 MW reference turbine (FLORIS 4.7 turbine library)"),
    "iea_10mw": ("iea_10MW.yaml", "IEA 10 MW reference turbine (FLORIS 4.7 turbine library)"),
    "iea_15mw": ("iea_15MW.yaml", "IEA 15 MW reference turbine (FLORIS 4.7 turbine library)"),
}
TURBINE_NAMES = (DEFAULT_TURBINE, *FLORIS_TURBINES)


@dataclass(frozen=True, kw_only=True)
class Turbine:
    """One turbine model. Curves: wind speed [m/s] ascending, power [kW], thrust coefficient [-]."""

    name: str
    hub_height_m: float
    rotor_diameter_m: float
    wind_speed_m_s: np.ndarray
    power_kw: np.ndarray
    thrust_coefficient: np.ndarray
    source: str

    @property
    def rated_kw(self) -> float:
        return float(self.power_kw.max())

    @property
    def cut_in_m_s(self) -> float:
        """The lowest tabulated speed with power > 0 [m/s]."""
        return float(self.wind_speed_m_s[np.argmax(self.power_kw > 0)])

    @property
    def cut_out_m_s(self) -> float:
        """The highest tabulated speed with power > 0 [m/s]; none above it."""
        idx = np.flatnonzero(self.power_kw > 0)
        return float(self.wind_speed_m_s[idx[-1]])

    @property
    def tip_height_m(self) -> float:
        return self.hub_height_m + self.rotor_diameter_m / 2.0

    def document(self) -> dict[str, Any]:
        """design["wind"]["turbine"] (HYBRID_CONTRACT.md)."""
        return {
            "name": self.name,
            "hub_height_m": self.hub_height_m,
            "rotor_diameter_m": self.rotor_diameter_m,
            "rated_kw": round(self.rated_kw, 1),
            "cut_in_m_s": self.cut_in_m_s,
            "cut_out_m_s": self.cut_out_m_s,
            "power_curve": [
                [round(float(v), 4), round(float(p), 2)]
                for v, p in zip(self.wind_speed_m_s, self.power_kw, strict=True)
            ],
            "thrust_curve": [
                [round(float(v), 4), round(float(c), 4)]
                for v, c in zip(self.wind_speed_m_s, self.thrust_coefficient, strict=True)
            ],
            "source": self.source,
        }


def _checked_curve(
    ws: list[float], kw: list[float], ct: list[float], what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    v, p, c = (np.asarray(a, dtype=float) for a in (ws, kw, ct))
    if len(v) < 3:
        raise InvalidInput(f"{what}: a power curve needs at least 3 points, got {len(v)}")
    if not np.all(np.isfinite(v)) or not np.all(np.isfinite(p)) or not np.all(np.isfinite(c)):
        raise InvalidInput(f"{what}: every value must be a finite number")
    if np.any(np.diff(v) <= 0):
        i = int(np.flatnonzero(np.diff(v) <= 0)[0]) + 1
        raise InvalidInput(
            f"{what}: wind_speed_m_s must increase (point {i + 1}: {v[i]:g} after {v[i - 1]:g})"
        )
    if v[0] < 0 or v[-1] > 50:
        raise InvalidInput(f"{what}: wind speeds must lie within 0-50 m/s")
    if np.any(p < 0) or p.max() <= 0 or p.max() > 30_000:
        raise InvalidInput(f"{what}: power_kw must be ≥ 0 with a maximum between 0 and 30,000 kW")
    if np.any(c < 0) or np.any(c > 1.5):
        raise InvalidInput(f"{what}: thrust_coefficient must lie within 0-1.5")
    return v, p, c


def parse_curve_csv(text: str, *, what: str = "turbine curve") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A curve CSV (`wind_speed_m_s, power_kw, thrust_coefficient`, '#' comments) as arrays.
    InvalidInput names the line and column of a bad value."""
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].lstrip().startswith("#")]
    if not rows:
        raise InvalidInput(f"{what}: the file is empty")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in CURVE_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"{what}: missing column(s) {', '.join(missing)} (need {', '.join(CURVE_COLUMNS)})"
        )
    idx = [header.index(c) for c in CURVE_COLUMNS]
    cols: list[list[float]] = [[], [], []]
    lines = [
        i + 1 for i, r in enumerate(csv.reader(io.StringIO(text))) if r and not r[0].lstrip().startswith("#")
    ]
    for line, row in zip(lines[1:], rows[1:], strict=True):
        for j, (k, name) in enumerate(zip(idx, CURVE_COLUMNS, strict=True)):
            try:
                cols[j].append(float(row[k]))
            except (IndexError, ValueError):
                got = row[k] if k < len(row) else ""
                raise InvalidInput(f"{what}: line {line}, column {name}: not a number ({got!r})") from None
    return _checked_curve(cols[0], cols[1], cols[2], what)


def custom_turbine(
    text: str, *, name: str, hub_height_m: float, rotor_diameter_m: float, source: str = "custom curve"
) -> Turbine:
    """A turbine from a curve CSV and its hub height and rotor diameter [m]."""
    if not (10 <= hub_height_m <= 300) or not math.isfinite(hub_height_m):
        raise InvalidInput("wind.hub_height_m must be between 10 and 300 m")
    if not (10 <= rotor_diameter_m <= 400) or not math.isfinite(rotor_diameter_m):
        raise InvalidInput("wind.rotor_diameter_m must be between 10 and 400 m")
    v, p, c = parse_curve_csv(text)
    return Turbine(
        name=name, hub_height_m=float(hub_height_m), rotor_diameter_m=float(rotor_diameter_m),
        wind_speed_m_s=v, power_kw=p, thrust_coefficient=c, source=source,
    )  # fmt: skip


@lru_cache(maxsize=8)
def library_turbine(name: str) -> Turbine:
    """A library turbine by name (TURBINE_NAMES); InvalidInput for an unknown one."""
    if name == DEFAULT_TURBINE:
        text = (
            resources.files("app.engine.wind")
            .joinpath("turbine_data", "iea_3.4mw_130.csv")
            .read_text("utf-8")
        )
        v, p, c = parse_curve_csv(text, what=name)
        return Turbine(
            name="IEA 3.4 MW 130 m reference turbine (IEA-3.4-130-RWT)",
            hub_height_m=110.0,
            rotor_diameter_m=130.0,
            wind_speed_m_s=v,
            power_kw=p,
            thrust_coefficient=c,
            source="IEA Wind Task 37, Bortolotti et al. 2019, NREL/TP-5000-73492 (via NREL turbine-models)",
        )
    if name in FLORIS_TURBINES:
        # PyYAML is FLORIS's own dependency (its turbine library is YAML); imported by name so the
        # type checker needs no stubs for it.
        yaml = importlib.import_module("yaml")

        fname, label = FLORIS_TURBINES[name]
        doc = yaml.safe_load(resources.files("floris").joinpath("turbine_library", fname).read_text("utf-8"))
        table = doc["power_thrust_table"]
        v, p, c = _checked_curve(table["wind_speed"], table["power"], table["thrust_coefficient"], name)
        return Turbine(
            name=label, hub_height_m=float(doc["hub_height"]), rotor_diameter_m=float(doc["rotor_diameter"]),
            wind_speed_m_s=v, power_kw=p, thrust_coefficient=c, source=f"floris/turbine_library/{fname}",
        )  # fmt: skip
    raise InvalidInput(f"wind.turbine: unknown turbine {name!r}; choose one of {', '.join(TURBINE_NAMES)}")
