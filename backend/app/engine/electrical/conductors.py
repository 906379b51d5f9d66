"""Conductor tables: sizes, resistance and ampacity of the cables the electrical design chooses from.

Resistances are the DC resistance at 20 °C of IEC 60228 conductors (class 5 flexible copper for PV
string cable, class 2 stranded aluminium for power cable); the ampacities are representative
continuous ratings for the installation each cable sees (string cable in free air on the structure,
power cables directly buried at 90 °C conductor, 20 °C soil, 1.0 K·m/W) taken from IEC 62930 (PV
cable), IEC 60364-5-52 / IEC 60502-1 (LV) and manufacturers' 35 kV aluminium XLPE tables. They are
sizing defaults for a preliminary design, not a substitute for a detailed cable calculation with
grouping and soil derating; docs/electrical.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHA_CU_PER_C = 0.00393
ALPHA_AL_PER_C = 0.00403


@dataclass(frozen=True, kw_only=True)
class Conductor:
    """One conductor size. r20_ohm_per_km: DC resistance at 20 °C [Ω/km]; ampacity_a [A]."""

    name: str
    material: str  # "Cu" | "Al"
    size_mm2: float
    r20_ohm_per_km: float
    ampacity_a: float

    def r_ohm_per_m(self, temp_c: float) -> float:
        """Resistance per metre of one conductor at `temp_c` [Ω/m] (linear temperature law)."""
        alpha = ALPHA_CU_PER_C if self.material == "Cu" else ALPHA_AL_PER_C
        return self.r20_ohm_per_km * (1.0 + alpha * (temp_c - 20.0)) / 1000.0


def _table(material: str, label: str, rows: list[tuple[float, float, float]]) -> tuple[Conductor, ...]:
    return tuple(
        Conductor(name=f"{label} {s:g} mm²", material=material, size_mm2=s, r20_ohm_per_km=r, ampacity_a=a)
        for s, r, a in rows
    )


# PV string cable (H1Z2Z2-K, 1.5 kV DC, tinned Cu class 5): IEC 60228 R20; IEC 62930 Annex A
# current rating in free air, single cable, 60 °C ambient.
PV_STRING_CU = _table(
    "Cu",
    "H1Z2Z2-K Cu",
    [(4.0, 5.09, 55.0), (6.0, 3.39, 70.0), (10.0, 1.95, 98.0), (16.0, 1.24, 132.0)],
)

# Aluminium single-core XLPE power cable, 1.5 kV DC / 0.6/1 kV AC, direct buried: IEC 60228 class 2
# R20; ampacity per IEC 60364-5-52 method D, 90 °C XLPE (two loaded conductors for DC, three for AC).
AL_LV = _table(
    "Al",
    "Al XLPE 1.5 kV",
    [
        (50.0, 0.641, 145.0),
        (95.0, 0.320, 210.0),
        (150.0, 0.206, 270.0),
        (185.0, 0.164, 305.0),
        (240.0, 0.125, 355.0),
        (300.0, 0.100, 400.0),
        (400.0, 0.0778, 460.0),
        (500.0, 0.0605, 520.0),
        (630.0, 0.0469, 590.0),
    ],
)

# Aluminium single-core XLPE 35 kV (34.5 kV systems), three cables in trefoil, direct buried,
# 90 °C conductor, 20 °C soil, 1.0 K·m/W: the AWG/kcmil sizes used in US collection systems.
AL_MV_35KV = (
    Conductor(
        name="Al XLPE 35 kV 1/0 AWG", material="Al", size_mm2=53.5, r20_ohm_per_km=0.538, ampacity_a=190.0
    ),
    Conductor(
        name="Al XLPE 35 kV 4/0 AWG", material="Al", size_mm2=107.2, r20_ohm_per_km=0.269, ampacity_a=275.0
    ),
    Conductor(
        name="Al XLPE 35 kV 350 kcmil", material="Al", size_mm2=177.3, r20_ohm_per_km=0.162, ampacity_a=355.0
    ),
    Conductor(
        name="Al XLPE 35 kV 500 kcmil", material="Al", size_mm2=253.4, r20_ohm_per_km=0.114, ampacity_a=425.0
    ),
    Conductor(
        name="Al XLPE 35 kV 750 kcmil", material="Al", size_mm2=380.0, r20_ohm_per_km=0.0757, ampacity_a=520.0
    ),
    Conductor(
        name="Al XLPE 35 kV 1000 kcmil",
        material="Al",
        size_mm2=506.7,
        r20_ohm_per_km=0.0568,
        ampacity_a=595.0,
    ),
)
