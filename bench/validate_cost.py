"""Our cost figures for the sample plants, for the validation table in docs/cost.md.

Run from the repository root:  backend/.venv/bin/python bench/validate_cost.py [--json]
Each sample site (backend/app/samples) is laid out on flat ground (offline) with its grid
interconnection point 2 km east of the parcel, so the cost includes a routed gen-tie; the energy
year is pvlib's Greensboro NC TMY3 (723170TYA.CSV) for every plant, so the LCOE is a P50 on real
weather, not a clear-sky bound. Prints a Markdown table: MWac, MWp, CAPEX $/Wdc and $/Wac, the grid
connection's share, OPEX $/kWac-yr, capacity factor (AC), real LCOE, and the LCOE of the same plant
at LBNL's sample median capacity factor (24 %, Utility-Scale Solar 2024 Edition key findings,
https://emp.lbl.gov/utility-scale-solar/), which separates cost from weather.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

import pvlib  # noqa: E402
from shapely.geometry import Point  # noqa: E402

from app.config import load_settings  # noqa: E402
from app.dem.base import grid_spec_for  # noqa: E402
from app.dem.flat import FlatSource  # noqa: E402
from app.engine.core.crs import site_crs, to_utm, to_wgs84  # noqa: E402
from app.engine.core.types import LayoutParams, SiteInput  # noqa: E402
from app.engine.cost.model import lcoe_npv  # noqa: E402
from app.engine.layout import generate_layout  # noqa: E402
from app.pipeline.yield_cost import with_energy_and_cost  # noqa: E402
from app.sites.kml import parse_site_file  # noqa: E402
from app.weather.service import read_weather_file  # noqa: E402

TMY3 = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
POI_EAST_M = 2000.0
# LBNL Utility-Scale Solar 2024 Edition (key findings): sample median of plant-level AC capacity
# factors, range 7–35 %; see docs/cost.md, "Validation against public benchmarks".
LBNL_CF = 0.24
PLANTS = (
    ("sample-site.kml", 10_000.0, "fixed"),
    ("large-site.kml", 100_000.0, "fixed"),
    ("large-site.kml", 100_000.0, "tracker"),
)


def plant(name: str, target_kw: float, structure: str, weather: Any) -> dict[str, Any]:
    parsed = parse_site_file((ROOT / "backend" / "app" / "samples" / name).read_bytes(), name)
    boundary = parsed.boundary
    crs = site_crs(boundary)
    b = to_utm(boundary, crs)
    poi = to_wgs84(Point(b.bounds[2] + POI_EAST_M, b.centroid.y), crs)
    site = replace(SiteInput(boundary=boundary), interconnection_point=poi)
    params = LayoutParams(
        target_capacity_kw=target_kw, profile="solar_farm", use_terrain=False, pv={"structure": structure}
    )
    grid = FlatSource().fetch(grid_spec_for(boundary, 10.0, reach_wgs84=poi))
    result = generate_layout(site, grid, params)
    result = with_energy_and_cost(
        result, site_id="bench", site=site, settings=load_settings(), storage=None, weather=weather
    )
    m, cost = result.metrics, result.design["cost"]
    ac_kw, dc_kwp = float(m["total_capacity_kw"]), float(m["dc_capacity_kwp"])
    grid_usd = sum(x["usd"] for x in cost["capex"]["lines"] if x["group"] == "grid")
    return {
        "plant": f"{name.removesuffix('.kml')} {structure}",
        "mwac": ac_kw / 1000.0,
        "mwp": dc_kwp / 1000.0,
        "gen_tie_km": m["gen_tie_length_m"] / 1000.0,
        "capex_usd_per_wdc": cost["capex"]["usd_per_wdc"],
        "capex_usd_per_wac": cost["capex"]["usd_per_wac"],
        "grid_share_pct": 100.0 * grid_usd / cost["capex_usd"],
        "opex_usd_per_kwac_yr": cost["opex_usd_per_yr"] / ac_kw,
        "capacity_factor_ac_pct": 100.0 * float(m["annual_energy_mwh"]) / (ac_kw * 8.76),
        "lcoe_usd_per_mwh": cost["lcoe_usd_per_mwh"],
        # The same plant and finance on the fleet's median resource: cost and finance, not weather.
        "lcoe_at_lbnl_cf_usd_per_mwh": lcoe_npv(
            capex_usd=cost["capex_usd"],
            opex_usd_per_yr=cost["opex_usd_per_yr"],
            energy_mwh_yr1=ac_kw * 8.76 * LBNL_CF,
            discount_rate=cost["discount_rate_real"],
            lifetime_yr=cost["lifetime_yr"],
            degradation_pct_per_yr=cost["degradation_pct_per_yr"],
        )["lcoe_usd_per_mwh"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    args = ap.parse_args()
    weather = read_weather_file(TMY3)
    rows = [plant(*p, weather) for p in PLANTS]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    cols = (
        "plant", "MWac", "MWp", "gen-tie km", "CAPEX $/Wdc", "CAPEX $/Wac", "grid share",
        "OPEX $/kWac-yr", "CF (AC)", "LCOE $/MWh", "LCOE at 24 % CF",
    )  # fmt: skip
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = (
            r["plant"], f"{r['mwac']:.1f}", f"{r['mwp']:.1f}", f"{r['gen_tie_km']:.2f}",
            f"{r['capex_usd_per_wdc']:.2f}", f"{r['capex_usd_per_wac']:.2f}", f"{r['grid_share_pct']:.1f} %",
            f"{r['opex_usd_per_kwac_yr']:.1f}", f"{r['capacity_factor_ac_pct']:.1f} %",
            f"{r['lcoe_usd_per_mwh']:.1f}", f"{r['lcoe_at_lbnl_cf_usd_per_mwh']:.1f}",
        )  # fmt: skip
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
