"""String routes never span a gap in a block (issue 21 item 5): strings more than 80 m apart
along one aisle go to separate devices, and two rows share an aisle only when they are
neighbours. Checked against the block's own geometry, computed from its tables."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from shapely import affinity

from app.engine.electrical.design import dc_collection
from app.engine.electrical.params import parse_electrical_params
from app.engine.pv.types import PvPlant
from tests.engine.electrical.plantgen import synthetic_plant

SHIFT_M = 600.0
PER_ROW = 6


def _moved(plant: PvPlant, which: np.ndarray, dx: float, dy: float) -> PvPlant:
    """`plant` with tables `which` (mask) moved by (dx, dy) [m], rows unchanged."""
    tables = tuple(
        replace(t, polygon=affinity.translate(t.polygon, dx, dy), centre=(t.centre[0] + dx, t.centre[1] + dy))
        if which[i]
        else t
        for i, t in enumerate(plant.tables)
    )
    return replace(plant, tables=tables)


def _route_reach(plant: PvPlant, piece: np.ndarray) -> float:
    """The longest route [m] a string of one piece may need: the piece's extent along the rows
    plus its extent across them and a pitch (table centres, one table length added)."""
    xy = np.array([t.centre for t in plant.tables])
    return float(
        max(
            np.ptp(xy[m, 0]) + plant.design.length_m + np.ptp(xy[m, 1]) + plant.design.pitch_m
            for m in (piece, ~piece)
        )
    )


def test_devices_do_not_span_a_gap_along_the_rows() -> None:
    # Fixed-tilt rows run east–west: the last two tables of every row stand 600 m farther east.
    plant = synthetic_plant(blocks_x=1, rows=4, per_row=PER_ROW, structure="fixed").plant
    x = np.array([t.centre[0] for t in plant.tables])
    east = x > np.sort(np.unique(x))[PER_ROW - 3]
    plant = _moved(plant, east, SHIFT_M, 0.0)
    _, _, dc = dc_collection(plant, parse_electrical_params(None))
    assert float(dc.string_route_max_m.max()) <= _route_reach(plant, ~east)
    far = dc.string_uv[:, 0] > dc.string_uv[:, 0].min() + SHIFT_M / 2
    for d in range(len(dc.device_uv)):
        sel = dc.string_device == d
        assert far[sel].all() or not far[sel].any()


def test_rows_pair_only_with_their_neighbours() -> None:
    # Rows 0–2 here, row 3 600 m north (its neighbour row 2 is in the block, but far away).
    plant = synthetic_plant(blocks_x=1, rows=4, per_row=PER_ROW, structure="fixed").plant
    rows = np.array([t.row for t in plant.tables])
    north = rows == rows.max()
    plant = _moved(plant, north, 0.0, SHIFT_M)
    _, _, dc = dc_collection(plant, parse_electrical_params(None))
    assert float(dc.string_route_max_m.max()) <= _route_reach(plant, ~north)
