"""Overhead line rights-of-way: the strip under an HV line where nothing is built.

A collector tie is an overhead HV line; no PV table may stand under it (ground clearance for
crews and equipment, no shading by the conductors and towers, and the easement's terms forbid
structures: "no structure can be constructed on the right of way"). The strip's width follows
the line's voltage class (docs/engine.md, "Collector substations": typical US widths from ≈ 50 ft
at 69 kV to ≈ 150 ft at 345 kV). Geometry in the site's UTM CRS [m].
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry import LineString, Polygon

# Line voltage class [kV] → right-of-way width [m]. 69 kV 50 ft and 500 kV ≈ 175 ft (Environmental
# Impacts of Renewable Energy, CRC Press 2015, sidebar 2.1: "ranging from 50 feet to approximately
# 175 feet or more for 500-kV lines"); 115 kV 75 ft (Xcel Energy's 115 kV easement, Orono MN
# public hearing); 132–138 kV ≈ 27–30 m, 220–230 kV ≈ 35 m, 400 kV ≈ 53 m (common utility
# practice, electricalpowerenergy.com "How to manage right of way in power transmission line").
ROW_WIDTH_M: dict[int, float] = {69: 15.0, 115: 23.0, 138: 27.0, 230: 35.0, 345: 46.0, 500: 53.0}


def row_width_m(voltage_kv: int) -> float:
    """Right-of-way width [m] of an overhead line of class `voltage_kv` [kV]: the listed class at
    or above it (the widest for anything above 500 kV)."""
    for kv in sorted(ROW_WIDTH_M):
        if voltage_kv <= kv:
            return ROW_WIDTH_M[kv]
    return ROW_WIDTH_M[max(ROW_WIDTH_M)]


def row_strips(lines: Sequence[LineString], voltages_kv: Sequence[int]) -> list[Polygon]:
    """Each line's right-of-way as a polygon (UTM [m]): the centreline grown by half the width,
    flat ends (the line ends at a yard, which keeps its own clearance)."""
    return [
        shapely.buffer(line, row_width_m(kv) / 2, cap_style="flat")
        for line, kv in zip(lines, voltages_kv, strict=True)
        if not line.is_empty
    ]
