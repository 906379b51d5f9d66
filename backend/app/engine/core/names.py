"""The names of the layout profiles and strategies, listed once.

The API schema (its Literals), the CLI's help, the profiles endpoint and the engine's own tables
(`blocks/profile_data/`, `blocks/strategies.py`, which assert they match) all read them from here.
Standard library only: the CLI's --help imports it without loading numpy or shapely.
"""

from __future__ import annotations

from typing import Literal, get_args

ProfileName = Literal["solar_farm", "bess", "gas_bess", "wind_hybrid", "hybrid"]
StrategyName = Literal["balanced", "density", "low_earthwork", "clustered"]
PROFILE_NAMES: tuple[str, ...] = get_args(ProfileName)
STRATEGY_NAMES: tuple[str, ...] = get_args(StrategyName)
