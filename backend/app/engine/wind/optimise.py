"""Turbine lattice orientation search for net energy (off by default; `wind.optimise_s`, the CLI's
--optimise-turbines SECONDS).

The turbines are placed by the block placer on a lattice along the prevailing wind (layout.py); the
search rotates that lattice by ±15°, ±30°, ±45° about the prevailing direction, in that order, each
candidate a full layout (so every placement rule — slope, exclusions, setback, clearance, road
access — still holds) whose farm AEP after wakes (FLORIS) is the objective; the best one is kept.
The prevailing orientation (the default design) is always evaluated first, so the result is never
worse than the default. Budget: a candidate is started only while the time spent plus the slowest
candidate so far fits the budget; at most len(OFFSETS_DEG) + 1 candidates. Why the orientation and
not free positions: the placer's lattice is what keeps the turbines legal and reachable; per-turbine
micro-siting (FLORIS's layout optimisers) would need every placement rule re-checked inside the
optimiser. docs/wind.md#layout-optimisation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OFFSETS_DEG = (15.0, -15.0, 30.0, -30.0, 45.0, -45.0)


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One evaluated orientation: lattice rotation [°], turbines placed, AEP after wakes [MWh/yr]."""

    rotation_deg: float
    turbines: int
    aep_mwh: float


def search_orientation(
    evaluate: Callable[[float], tuple[int, float]],
    prevailing_deg: float,
    budget_s: float,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[float, list[Candidate]]:
    """(the best rotation [°], every candidate evaluated, in order). evaluate(rotation_deg) →
    (turbines placed, farm AEP after wakes [MWh/yr]); ties keep the earlier (prevailing first)."""
    start = clock()
    out: list[Candidate] = []
    slowest = 0.0
    for off in (0.0, *OFFSETS_DEG):
        if out and clock() - start + slowest > budget_s:
            break
        t0 = clock()
        rot = (prevailing_deg + off) % 360.0
        n, aep = evaluate(rot)
        out.append(Candidate(rotation_deg=rot, turbines=n, aep_mwh=aep))
        slowest = max(slowest, clock() - t0)
    best = max(out, key=lambda c: c.aep_mwh)  # max keeps the first of equals
    return best.rotation_deg, out


def optimisation_document(best_deg: float, candidates: list[Candidate], budget_s: float) -> dict[str, Any]:
    """design["wind"]["optimisation"]."""
    return {
        "objective": "farm AEP after wakes (FLORIS GCH), before availability and electrical losses [MWh/yr]",
        "budget_s": budget_s,
        "chosen_rotation_deg": round(best_deg, 3),
        "candidates": [
            {"rotation_deg": round(c.rotation_deg, 3), "turbines": c.turbines, "aep_mwh": round(c.aep_mwh, 2)}
            for c in candidates
        ],
    }
