"""Energy yield benchmark: `simulate_plant` for 100 MWac and 1 GWac plants, fixed tilt and trackers.

Run from the repository root:  backend/.venv/bin/python bench/bench_energy.py [--repeat N] [--json]
Weather: pvlib's Greensboro TMY3 (36.1° N). Plants: `uniform_plant` (DC/AC 1.25, 4 MWac blocks,
default 580 W bifacial module), on "flat" ground or "rolling" ground (each table's slopes drawn
uniformly within ±6 % along / ±6 % across, seed 0) so the terrain grouping is exercised.
Reports the median wall time of the simulation (weather already parsed), table and group counts,
and the yield figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

import numpy as np  # noqa: E402
import pvlib  # noqa: E402

from app.engine.energy import simulate_plant  # noqa: E402
from app.engine.energy.synthetic import uniform_plant  # noqa: E402
from app.engine.pv.design import PvDesign  # noqa: E402
from app.engine.pv.types import PvPlant  # noqa: E402
from app.weather.parse import parse_weather  # noqa: E402

TMY3 = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
LAT, LON = 36.1, -79.95


def rolling(plant: PvPlant, seed: int = 0) -> PvPlant:
    rng = np.random.default_rng(seed)
    n = len(plant.tables)
    along, across = rng.uniform(-6, 6, n), rng.uniform(-6, 6, n)
    tables = tuple(
        replace(t, slope_along_pct=float(a), slope_across_pct=float(c))
        for t, a, c in zip(plant.tables, along, across, strict=True)
    )
    return replace(plant, tables=tables)


def run(repeat: int) -> list[dict[str, Any]]:
    weather = parse_weather(TMY3.read_bytes(), filename=TMY3.name)
    simulate_plant(uniform_plant(PvDesign(), latitude=LAT, longitude=LON, ac_kw=4000.0), weather)  # warm-up
    out = []
    for ac_mw in (100, 1000):
        for structure in ("fixed", "tracker"):
            for terrain in ("flat", "rolling"):
                plant = uniform_plant(
                    PvDesign(structure=structure), latitude=LAT, longitude=LON, ac_kw=ac_mw * 1000.0
                )
                if terrain == "rolling":
                    plant = rolling(plant)
                times = []
                result = None
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    result = simulate_plant(plant, weather)
                    times.append(time.perf_counter() - t0)
                assert result is not None
                out.append(
                    {
                        "case": f"{ac_mw} MWac {structure} {terrain}",
                        "tables": len(plant.tables),
                        "blocks": len(plant.blocks),
                        "groups": result.groups,
                        "dc_mwp": round(result.dc_kwp / 1000, 1),
                        "seconds": round(statistics.median(times), 3),
                        "annual_energy_gwh": round(result.annual_energy_mwh / 1000, 1),
                        "specific_yield_kwh_per_kwp": round(result.specific_yield_kwh_per_kwp, 1),
                        "performance_ratio": round(result.performance_ratio, 3),
                        "capacity_factor": round(result.capacity_factor, 3),
                    }
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.repeat)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    env = f"python {platform.python_version()}, pvlib {pvlib.__version__}, {platform.machine()}"
    print(f"{env}, median of {args.repeat}")
    print("| case | tables | blocks | groups | MWp | time s | GWh/yr | kWh/kWp | PR | CF |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['case']} | {r['tables']} | {r['blocks']} | {r['groups']} | {r['dc_mwp']} | "
            f"{r['seconds']:.2f} | {r['annual_energy_gwh']} | {r['specific_yield_kwh_per_kwp']:.0f} | "
            f"{r['performance_ratio']:.3f} | {r['capacity_factor']:.3f} |"
        )


if __name__ == "__main__":
    main()
