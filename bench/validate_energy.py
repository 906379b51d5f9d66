"""Validate the yield model against NREL SAM's PVWatts v8 (nrel-pysam) on pvlib's Greensboro TMY3.

Run from the repository root:  backend/.venv/bin/python bench/validate_energy.py [--json]
Both models get the same weather (723170TYA.CSV, 36.1° N), plant (100 MWac, DC/AC 1.25, GCR,
tilt, rotation limit), module temperature coefficient (−0.35 %/°C, PVWatts "premium") and the same
system losses: PVWatts' single "losses" % is the product of the annual shares of our typical
stack's losses that PVWatts does not model itself (soiling, snow, LID/LeTID, quality, mismatch,
DC and AC wiring, transformer, auxiliaries, availability — each case's own waterfall figures).
Rear-side mismatch is set to 0 (PVWatts' bifacial model has none). Prints a Markdown table for
docs/energy.md: specific yield [kWh/kWp], capacity factor, plane-of-array irradiation [kWh/m²].
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

import numpy as np  # noqa: E402
import pvlib  # noqa: E402
from PySAM import Pvwattsv8  # noqa: E402

from app.engine.energy import Losses, simulate_plant  # noqa: E402
from app.engine.energy.synthetic import uniform_plant  # noqa: E402
from app.engine.energy.types import WeatherData  # noqa: E402
from app.engine.pv.design import PvDesign  # noqa: E402
from app.engine.pv.modules import DEFAULT_MODULE  # noqa: E402
from app.weather.parse import parse_weather  # noqa: E402

TMY3 = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
AC_KW = 100_000.0
# PVWatts "premium" module: γ = −0.35 %/°C with an anti-reflective coating.
GAMMA = -0.35
# The typical stack (docs/energy.md), DC wiring 1.5 % at STC, no rear-side mismatch (see above).
LOSSES = Losses(dc_ohmic_pct=1.5, rear_mismatch_pct=0.0)
# Waterfall steps PVWatts folds into its one system loss (it models the others itself).
FOLDED = (
    "Soiling", "Snow cover", "Light-induced", "Light- and elevated", "Module quality", "Mismatch",
    "DC wiring", "AC / MV cables", "MV transformer", "Auxiliary", "Availability",
)  # fmt: skip


def pvwatts_losses_pct(result: Any) -> float:
    """Our annual losses outside PVWatts' own models as its one system loss [%] (the product of
    the kept fractions of those waterfall steps)."""
    kept = 1.0
    for step in result.waterfall:
        if step.name.startswith(FOLDED):
            kept *= 1.0 + step.percent / 100.0
    return (1.0 - kept) * 100.0


def solar_resource(weather: WeatherData, raw: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """SAM's solar_resource_data from the TMY3 file (local standard time, hour-ending → hour-0..23)."""
    idx = raw.index - np.timedelta64(1, "h")
    return {
        "lat": meta["latitude"], "lon": meta["longitude"], "tz": meta["TZ"], "elev": meta["altitude"],
        "year": [1990] * len(idx), "month": list(idx.month), "day": list(idx.day), "hour": list(idx.hour),
        "minute": [30] * len(idx),
        "dn": list(weather.data["dni"]), "df": list(weather.data["dhi"]), "gh": list(weather.data["ghi"]),
        "tdry": list(weather.data["temp_air"]), "wspd": list(weather.data["wind_speed"]),
    }  # fmt: skip


def run_pvwatts(resource: dict[str, Any], *, tracker: bool, dc_kw: float, tilt: float, gcr: float,
                bifaciality: float, losses_pct: float) -> dict[str, float]:  # fmt: skip
    model = Pvwattsv8.default("PVWattsNone")
    model.SolarResource.solar_resource_data = resource
    # The TMY3 file's albedo is missing (all 0): both models use 0.2.
    model.SolarResource.use_wf_albedo = 0
    model.SolarResource.albedo = (LOSSES.albedo,) * 12
    sd = model.SystemDesign
    sd.system_capacity = dc_kw
    sd.dc_ac_ratio = 1.25
    sd.array_type = 3 if tracker else 0  # 1-axis backtracking | fixed open rack
    sd.tilt = 0.0 if tracker else tilt
    sd.azimuth = 180.0
    sd.gcr = gcr
    sd.module_type = 1
    sd.inv_eff = LOSSES.inverter_efficiency_pct
    sd.losses = losses_pct
    sd.bifaciality = bifaciality
    if tracker:
        sd.rotlim = 60.0
    model.execute()
    out = model.Outputs
    return {
        "specific_yield": float(out.ac_annual) / dc_kw,
        "capacity_factor": float(out.ac_annual) / (dc_kw / 1.25 * 8760.0),
        "poa": float(np.sum(out.poa)) / 1000.0,
    }


def rows() -> list[dict[str, Any]]:
    raw, meta = pvlib.iotools.read_tmy3(TMY3, coerce_year=1990, map_variables=True)
    weather = parse_weather(TMY3.read_bytes(), filename=TMY3.name)
    resource = solar_resource(weather, raw, meta)
    out = []
    for structure in ("fixed", "tracker"):
        for bifaciality in (0.0, 0.7):
            module = DEFAULT_MODULE.model_copy(
                update={"gamma_pmp_pct_per_c": GAMMA, "bifaciality": bifaciality, "source": "validation"}
            )
            design = PvDesign(structure=structure, module=module, dc_ac_ratio=1.25, block_ac_kw=4000.0)
            plant = uniform_plant(design, latitude=meta["latitude"], longitude=meta["longitude"], ac_kw=AC_KW,
                                  elevation_m=meta["altitude"])  # fmt: skip
            ours = simulate_plant(plant, weather, LOSSES)
            sam = run_pvwatts(
                resource, tracker=structure == "tracker", dc_kw=plant.dc_kwp, tilt=plant.design.tilt_deg,
                gcr=plant.design.gcr, bifaciality=bifaciality, losses_pct=pvwatts_losses_pct(ours),
            )  # fmt: skip
            out.append(
                {
                    "case": f"{structure}, {'bifacial ' + str(bifaciality) if bifaciality else 'monofacial'}",
                    "tilt_deg": plant.design.tilt_deg,
                    "gcr": round(plant.design.gcr, 3),
                    "dc_kwp": round(plant.dc_kwp, 1),
                    "ours_kwh_per_kwp": round(ours.specific_yield_kwh_per_kwp, 1),
                    "pvwatts_kwh_per_kwp": round(sam["specific_yield"], 1),
                    "diff_pct": round((ours.specific_yield_kwh_per_kwp / sam["specific_yield"] - 1) * 100, 2),
                    "pvwatts_losses_pct": round(pvwatts_losses_pct(ours), 2),
                    "ours_cf": round(ours.capacity_factor, 4),
                    "pvwatts_cf": round(sam["capacity_factor"], 4),
                    "ours_poa": round(ours.poa_kwh_per_m2, 1),
                    "pvwatts_poa": round(sam["poa"], 1),
                    "waterfall": {s.name: round(s.percent, 2) for s in ours.waterfall},
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    args = parser.parse_args()
    table = rows()
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print("| case | tilt ° | GCR | PVWatts losses | ours kWh/kWp | PVWatts v8 kWh/kWp | ", end="")
    print("difference | ours CF | PVWatts CF | ours POA kWh/m² | PVWatts POA |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in table:
        print(
            f"| {r['case']} | {r['tilt_deg']:g} | {r['gcr']:.3f} | {r['pvwatts_losses_pct']:.2f} % | "
            f"{r['ours_kwh_per_kwp']:.0f} | {r['pvwatts_kwh_per_kwp']:.0f} | {r['diff_pct']:+.1f} % | "
            f"{100 * r['ours_cf']:.1f} % | {100 * r['pvwatts_cf']:.1f} % | {r['ours_poa']:.0f} | "
            f"{r['pvwatts_poa']:.0f} |"
        )
    print()
    for r in table:
        print(r["case"], json.dumps(r["waterfall"]))


if __name__ == "__main__":
    main()
