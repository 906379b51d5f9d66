"""The `flat` source: constant elevation, for `use_terrain=false` or as a last resort."""

from __future__ import annotations

import numpy as np

from app.dem.base import GridSpec
from app.engine.core.grid import Grid


class FlatSource:
    """Every cell at `elevation_m` [m]; covers everywhere."""

    name = "flat"

    def __init__(self, elevation_m: float = 0.0) -> None:
        self.elevation_m = elevation_m

    def fetch(self, spec: GridSpec) -> Grid:
        return spec.grid(np.full((spec.height, spec.width), self.elevation_m, dtype=np.float32))
