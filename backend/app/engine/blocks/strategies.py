"""Placement strategies as weights: one placer, four ways of ranking the same candidates.

Each candidate slot gets three normalised costs (0 = best on the site, 1 = worst):
- earthwork: estimated cut + fill under the footprints (elevation spread × area),
- distance: distance to the hub (substation) or entry point, a proxy for road length,
- slope: mean ground slope under the footprints.
A strategy's score is the weighted sum. The placer also chooses the lattice (offset and rotation)
whose best `n` slots have the lowest total score, preferring lattices that fit the most slots when
the target does not fit; `lattice_offsets` sets how finely it searches offsets per axis.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.engine.core.names import STRATEGY_NAMES
from app.errors import InvalidInput


@dataclass(frozen=True, kw_only=True)
class StrategyWeights:
    """Weights of the candidate score (dimensionless) and the lattice search density."""

    earthwork: float
    distance: float
    slope: float
    lattice_offsets: int


STRATEGIES: dict[str, StrategyWeights] = {
    "balanced": StrategyWeights(earthwork=1.0, distance=1.0, slope=0.5, lattice_offsets=3),
    # Density searches offsets finely (packs the most slots) and keeps the field compact.
    "density": StrategyWeights(earthwork=0.1, distance=1.0, slope=0.0, lattice_offsets=6),
    "low_earthwork": StrategyWeights(earthwork=1.0, distance=0.05, slope=0.5, lattice_offsets=3),
    "clustered": StrategyWeights(earthwork=0.1, distance=1.0, slope=0.05, lattice_offsets=3),
}
assert set(STRATEGIES) == set(STRATEGY_NAMES)


def get_strategy(name: str) -> StrategyWeights:
    """The weights of strategy `name`; `InvalidInput` if unknown."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise InvalidInput(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGY_NAMES)}") from None
