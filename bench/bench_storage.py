"""One-year storage LP / MIP for a 300 MW hybrid (200 MWac PV + 100 MW wind): HiGHS time and result.

    backend/.venv/bin/python bench/bench_storage.py

The PV year is pvlib's clear-sky GHI at 35° N, 106° W (local standard time) on a fixed 30° tilt
approximation (GHI × a daily cloud factor drawn once, seed 1), DC/AC 1.3 clipped at 200 MWac; the wind
year is a seeded AR(1) capacity factor around 35 % on 100 MW. The grid limit is 300 MW. Target:
100 MW for 4 h (18–22 h) on every day (an LP) and on 90 % of the days (a MIP seeded with the LP's
answer, 120 s limit). Prints one Markdown table row per case for docs/benchmarks.md.
"""

from __future__ import annotations

import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))


def years() -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd
    import pvlib

    times = pd.date_range("2023-01-01", periods=8760, freq="h", tz="Etc/GMT+7")
    loc = pvlib.location.Location(35.0, -106.0, tz="Etc/GMT+7", altitude=1500)
    ghi = loc.get_clearsky(times)["ghi"].to_numpy()
    rng = np.random.default_rng(1)
    cloud = rng.uniform(0.35, 1.0, 365).repeat(24)
    pv = np.minimum(ghi / 1000.0 * 260.0 * 0.85 * cloud, 200.0)  # 260 MWdc, 85 % to AC, 200 MWac
    cf = np.empty(8760)
    x = 0.0
    for t in range(8760):
        x = 0.97 * x + rng.normal(0.0, 0.08)
        cf[t] = np.clip(0.35 + x, 0.0, 1.0)
    return pv, cf * 100.0


def main() -> None:
    from app.engine.storage.dispatch import Limits, SizingOptions, dispatch, solver_name

    pv, wind = years()
    h = np.arange(8760) % 24
    target = np.where((h >= 18) & (h < 22), 100.0, 0.0)
    limits = Limits(export_limit_mw=300.0)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.processor() or platform.machine()} · "
          f"python {platform.python_version()} · {solver_name()}")  # fmt: skip
    print("| case | variables | time | MWh | MW | days met | status |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for share, label in ((1.0, "every day (LP)"), (0.9, "90 % of days (MIP)")):
        t0 = time.perf_counter()
        d = dispatch(pv, wind, target, limits, SizingOptions(days_share=share, time_limit_s=120.0))
        dt = time.perf_counter() - t0
        n = 4 * 8760 + 2 + (365 if share < 1 else 0)
        gap = "" if d.mip_gap is None else f", gap {d.mip_gap:.2%}"
        print(f"| {label} | {n:,} | {dt:.1f} s | {d.energy_mwh:,.1f} | {d.power_mw:,.1f} | "
              f"{d.firm_days_met_share:.1%} | {d.status}{gap} |")  # fmt: skip


if __name__ == "__main__":
    main()
