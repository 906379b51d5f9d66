"""Wind AEP benchmark and cross-check: FLORIS GCH (ours) against PyWake on the same layout.

    backend/.venv/bin/python bench/bench_wind.py [--turbines 50] [--repeat 3]

A lattice of N IEA 3.4 MW 130 m turbines, 7 D along × 4 D across the prevailing wind of the sample
Weibull table (backend/app/samples/wind/weibull-12-sector.csv, sheared 100 m → 110 m hub with α = 0.143),
sea-level air (1.225 kg/m³). Prints, as Markdown rows for docs/benchmarks.md and docs/wind.md:
- the wall time of `wind_energy` (gross AEP + FLORIS with and without wakes over 36 × 23 bins) and of
  `hourly_net_power_mw`, best of --repeat;
- gross AEP, wake loss and net AEP (before availability and electrical losses, so the two models
  compare like for like) from ours and from PyWake (Niayifar & Porté-Agel 2016 Gaussian deficit,
  the PyWake model closest to FLORIS's Gauss / GCH velocity model, and NOJ / Jensen as a bound).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
if str(BACKEND) not in sys.path:
    sys.path.insert(0, str(BACKEND))

from app.engine.wind.energy import TURBULENCE_INTENSITY, hourly_net_power_mw, wind_energy  # noqa: E402
from app.engine.wind.layout import prevailing_deg  # noqa: E402
from app.engine.wind.params import parse_wind_params  # noqa: E402
from app.engine.wind.resource import DEFAULT_SHEAR, WindResource, at_hub  # noqa: E402
from app.wind.parse import parse_wind  # noqa: E402

SAMPLE = BACKEND / "app" / "samples" / "wind" / "weibull-12-sector.csv"


def lattice(n: int, d: float, theta_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """n turbines on rows across the wind (4 D) spaced 7 D along it, rotated to theta [°]."""
    cols = math.ceil(math.sqrt(n * 7 / 4))
    u = np.array([(i % cols) * 4 * d for i in range(n)])
    v = np.array([(i // cols) * 7 * d for i in range(n)])
    t = math.radians(theta_deg)
    return u * math.cos(t) + v * math.sin(t), -u * math.sin(t) + v * math.cos(t)


def pywake_aep(hub: WindResource, x: np.ndarray, y: np.ndarray, model: str) -> tuple[float, float]:
    """(gross, waked) AEP [MWh] from PyWake on the hub-height Weibull resource."""
    import xarray as xr
    from py_wake import NOJ
    from py_wake.literature.gaussian_models import Niayifar_PorteAgel_2016
    from py_wake.site import XRSite
    from py_wake.wind_turbines import WindTurbine
    from py_wake.wind_turbines.power_ct_functions import PowerCtTabular

    t = parse_wind_params(None).turbine
    wt = WindTurbine(
        name="iea34",
        diameter=t.rotor_diameter_m,
        hub_height=t.hub_height_m,
        powerCtFunction=PowerCtTabular(t.wind_speed_m_s, t.power_kw, "kW", t.thrust_coefficient),
    )
    assert hub.weibull_a_m_s is not None and hub.weibull_k is not None
    site = XRSite(
        ds=xr.Dataset(
            data_vars={
                "Sector_frequency": ("wd", hub.frequency),
                "Weibull_A": ("wd", hub.weibull_a_m_s),
                "Weibull_k": ("wd", hub.weibull_k),
                "TI": TURBULENCE_INTENSITY,
            },
            coords={"wd": hub.sector_deg},
        )
    )
    wfm = Niayifar_PorteAgel_2016(site, wt) if model == "gauss" else NOJ(site, wt)
    ws = np.arange(3.0, 25.01, 0.5)
    sim = wfm(x, y, ws=ws)
    gross = float(sim.aep(with_wake_loss=False).sum()) * 1000.0
    waked = float(sim.aep().sum()) * 1000.0
    return gross, waked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turbines", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pywake", action="store_true")
    args = ap.parse_args()
    resource = parse_wind(SAMPLE.read_bytes(), filename=SAMPLE.name)
    params = parse_wind_params(None)
    t = params.turbine
    hub = at_hub(resource, t.hub_height_m, DEFAULT_SHEAR)
    theta = prevailing_deg(resource, params)
    x, y = lattice(args.turbines, t.rotor_diameter_m, theta)
    times, htimes = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        e = wind_energy(t, hub, x, y, density=1.225, shear=DEFAULT_SHEAR)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        hourly_net_power_mw(t, hub, e)
        htimes.append(time.perf_counter() - t0)
    waked = e.gross_mwh * (1 - e.farm_wake_loss_pct / 100)
    cpu = platform.processor() or platform.machine()
    machine = f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}, load {os.getloadavg()[0]:.1f}")
    bins = f"{len(e.cases.directions)} directions × {len(e.cases.speeds)} speeds"
    print(f"prevailing {theta:g}°, {args.turbines} turbines, {bins}")
    runs = ", ".join(f"{s:.2f}" for s in times)
    print(f"| wind_energy ({args.turbines} turbines) | {min(times):.2f} s (runs: {runs}) |")
    print(f"| hourly_net_power_mw (8760 h) | {min(htimes):.2f} s |")
    print("| model | gross AEP [MWh] | wake loss [%] | AEP after wakes [MWh] |")
    print(f"| ours: FLORIS 4.7 GCH | {e.gross_mwh:,.0f} | {e.farm_wake_loss_pct:.2f} | {waked:,.0f} |")
    if not args.no_pywake:
        for model, name in (
            ("gauss", "PyWake Niayifar-Porté-Agel 2016 Gaussian"),
            ("noj", "PyWake NOJ (Jensen)"),
        ):
            g, w = pywake_aep(hub, x, y, model)
            print(f"| {name} | {g:,.0f} | {100 * (1 - w / g):.2f} | {w:,.0f} |")


if __name__ == "__main__":
    main()
