"""Pockets too small to build: a few tables cut off from the rest of the array and from the roads.

Issue 21 item 4: a pocket too small for a useful electrical group is left empty unless it touches
a road. A pocket is a piece of the array (tables within a block's widest regular gap of each other,
whatever their block, as `civil/constructability.table_pieces` counts them); the smallest useful
group is one combiner box of strings (central topology: `strings_per_combiner`) or one string
inverter's strings (string topology: `string_inverter_max_strings`), at the plant's string length
(docs/engine.md, "Pockets"). A smaller piece whose tables all stand farther than `POCKET_ROAD_M`
from every road needs its own cable run and a walk over open ground for every visit: it is
dropped, and the blocks are topped up from spare tables that touch them instead. Geometry in the
site's UTM CRS [m].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString

from app.engine.civil.constructability import block_gap_m, table_pieces
from app.engine.electrical.params import ElectricalParams
from app.engine.electrical.stringing import design_length, string_limits
from app.engine.pv.compact import table_boxes_uv
from app.engine.pv.plant import PvLayout

# A pocket "touches" a road when one of its tables stands within this distance [m] of a road's
# centreline: a road's half-width, the 3 m table clearance and a short walk with a combiner box.
POCKET_ROAD_M = 30.0


def min_group_modules(layout: PvLayout, params: ElectricalParams) -> int:
    """Modules in the smallest useful group: one combiner's (central) or one string inverter's
    (string) strings at the plant's string length."""
    design = layout.plant.design.design
    n_min, n_max, *_ = string_limits(layout.plant, params)
    length = design_length(design.modules_per_table, n_min, n_max)
    central = params.topology == "central"
    strings = params.strings_per_combiner if central else params.string_inverter_max_strings
    return int(strings * length)


def stray_pockets(layout: PvLayout, roads: Sequence[LineString], params: ElectricalParams) -> np.ndarray:
    """Positions (into `layout.plant.tables`) of the tables in pockets smaller than the smallest
    useful group (`min_group_modules`) and farther than `POCKET_ROAD_M` from every road."""
    tables = layout.plant.tables
    if len(tables) < 2:
        return np.zeros(0, dtype=np.int64)
    plant = layout.plant
    gap = block_gap_m(plant.design.pitch_m - plant.design.depth_m)
    label = table_pieces(table_boxes_uv(layout), np.zeros(len(tables), dtype=np.int64), gap)
    modules = np.fromiter((t.modules for t in tables), dtype=np.int64, count=len(tables))
    per_piece = np.bincount(label, weights=modules)
    small = per_piece < min_group_modules(layout, params)
    if not small.any():
        return np.zeros(0, dtype=np.int64)
    cand = np.flatnonzero(small[label])
    if roads:
        polys = np.asarray([tables[int(i)].polygon for i in cand], dtype=object)
        near = shapely.STRtree(list(roads)).query(polys, predicate="dwithin", distance=POCKET_ROAD_M)[0]
        # A pocket with any table beside a road is kept whole.
        touched = np.unique(label[cand[near]])
        cand = cand[~np.isin(label[cand], touched)]
    return cand.astype(np.int64)
