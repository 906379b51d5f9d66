"""Colours and labels shared by every export (KMZ, PDF, DXF), the same as the web app's map.

The values mirror frontend/src/lib/colors.ts (ASSET_COLORS, ALIASES, BLOCK_PALETTE, road and site
colours); tests/exports/test_palette.py reads that file and fails when the two drift apart.
Colours are "#rrggbb" strings; `kml_color` converts to KML's aabbggrr, `aci` to the nearest
AutoCAD colour index.
"""

from __future__ import annotations

import math
from functools import lru_cache

# One colour per asset type the engine places (distinct hues).
ASSET_COLORS: dict[str, str] = {
    "pv_block": "#f59e0b",
    "pv_table": "#eab308",
    "tracker": "#d97706",
    "power_station": "#0891b2",
    "substation": "#be185d",
    "collector_substation": "#9d174d",
    "om_building": "#475569",
    "battery_container": "#7c3aed",
    "pcs": "#4f46e5",
    "gas_turbine": "#dc2626",
    "cooling_unit": "#0d9488",
    "control_centre": "#65a30d",
    "wind_turbine": "#2563eb",
    "laydown": "#a16207",
    "met_mast": "#15803d",
}
# Older or generic names mapped onto the types above.
ALIASES: dict[str, str] = {
    "solar": "pv_block",
    "pv": "pv_block",
    "solar_block": "pv_block",
    "battery": "battery_container",
    "bess": "battery_container",
    "storage": "battery_container",
    "inverter": "power_station",
    "transformer": "power_station",
    "switchyard": "substation",
    "gas": "gas_turbine",
    "gas_engine": "gas_turbine",
    "genset": "gas_turbine",
    "wind": "wind_turbine",
    "turbine": "wind_turbine",
}
FALLBACK: tuple[str, ...] = (
    "#16a34a",
    "#db2777",
    "#9333ea",
    "#0284c7",
    "#ea580c",
    "#65a30d",
    "#be123c",
    "#4f46e5",
)
# PV tables and trackers are coloured by inverter block (neighbouring ids get different hues).
TABLE_TYPES = frozenset({"pv_table", "tracker"})
BLOCK_PALETTE: tuple[str, ...] = (
    "#f59e0b",
    "#0ea5e9",
    "#84cc16",
    "#ec4899",
    "#8b5cf6",
    "#14b8a6",
    "#f97316",
    "#6366f1",
    "#22c55e",
    "#e11d48",
    "#06b6d4",
    "#a855f7",
)
ROAD_COLORS: dict[str, str] = {"spine": "#1f2937", "secondary": "#4b5563", "spur": "#6b7280"}
ROAD_COLOR = "#6b7280"  # any other road class
NONCOMPLIANT_ROAD_COLOR = "#dc2626"  # steeper than trucks can climb (`compliant: false`)
BOUNDARY_COLOR = "#1d4ed8"
EXCLUSION_COLOR = "#dc2626"
ENTRY_COLOR = "#059669"
INTERCONNECTION_COLOR = "#9333ea"
SETBACK_COLOR = "#1d4ed8"
BUILDABLE_COLOR = "#16a34a"
CONTOUR_COLOR = "#8b5e34"
FENCE_COLOR = "#374151"
# Cables by level (DC strings and feeders, LV AC from string inverters, MV collection) and trenches.
CABLE_COLORS: dict[str, str] = {"dc": "#c2410c", "lv": "#0f766e", "mv": "#7e22ce"}
CABLE_COLOR = "#57534e"  # a cable of any other level
TRENCH_COLOR = "#a8a29e"
# The gen-tie (overhead line to the grid): the interconnection point's colour.
GEN_TIE_COLOR = INTERCONNECTION_COLOR
# A collector substation's tie line: the collector's own colour.
COLLECTOR_TIE_COLOR = ASSET_COLORS["collector_substation"]

_ACRONYMS = {
    "pv": "PV",
    "bess": "BESS",
    "om": "O&M",
    "pcs": "PCS",
    "hv": "HV",
    "mv": "MV",
    "lv": "LV",
    "dem": "DEM",
    "crs": "CRS",
    "utm": "UTM",
    "id": "ID",
}


def _js_hash(s: str) -> int:
    """The web app's string hash (h * 31 + code unit, unsigned 32-bit), so fallbacks match it."""
    h = 0
    for ch in s:
        for code in _utf16_units(ch):
            h = (h * 31 + code) & 0xFFFFFFFF
    return h


def _utf16_units(ch: str) -> tuple[int, ...]:
    cp = ord(ch)
    if cp < 0x10000:
        return (cp,)
    cp -= 0x10000
    return (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF))


def asset_color(asset_type: str) -> str:
    """The "#rrggbb" colour of an asset type, as the web app draws it (unknown types: hashed)."""
    key = asset_type.lower()
    if key in ASSET_COLORS:
        return ASSET_COLORS[key]
    if key in ALIASES:
        return ASSET_COLORS[ALIASES[key]]
    partial = next((k for k in ALIASES if k in key), None)
    if partial is not None:
        return ASSET_COLORS[ALIASES[partial]]
    return FALLBACK[_js_hash(key) % len(FALLBACK)]


def block_color(block: object) -> str:
    """The colour of inverter block `block` (an int id); the pv_table colour when there is none."""
    if isinstance(block, bool) or not isinstance(block, int | float) or not math.isfinite(block):
        return ASSET_COLORS["pv_table"]
    return BLOCK_PALETTE[int(block) % len(BLOCK_PALETTE)]


def road_color(road_class: str, *, compliant: bool = True) -> str:
    """The colour of a road of `road_class`; red when it is steeper than trucks can climb."""
    if not compliant:
        return NONCOMPLIANT_ROAD_COLOR
    return ROAD_COLORS.get(road_class, ROAD_COLOR)


def cable_color(level: str) -> str:
    """The colour of a cable of `level` ("dc", "lv", "mv"; anything else: CABLE_COLOR)."""
    return CABLE_COLORS.get(level, CABLE_COLOR)


def kml_color(hex_rgb: str, alpha: float = 1.0) -> str:
    """ "#rrggbb" and opacity 0-1 as KML's "aabbggrr"."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    a = max(0, min(255, round(alpha * 255)))
    return f"{a:02x}{b}{g}{r}".lower()


def rgb(hex_rgb: str) -> tuple[int, int, int]:
    """ "#rrggbb" as (r, g, b) 0-255."""
    return int(hex_rgb[1:3], 16), int(hex_rgb[3:5], 16), int(hex_rgb[5:7], 16)


@lru_cache(maxsize=256)
def aci(hex_rgb: str) -> int:
    """The nearest AutoCAD Colour Index (1-255, not 7) to "#rrggbb", for viewers without true colour."""
    from ezdxf.colors import aci2rgb

    r, g, b = rgb(hex_rgb)
    best, best_d = 1, float("inf")
    for index in range(1, 256):
        if index == 7:  # white/black flips with the background: never the nearest on purpose
            continue
        cr, cg, cb = aci2rgb(index)
        d = (cr - r) ** 2 + (cg - g) ** 2 + (cb - b) ** 2
        if d < best_d:
            best, best_d = index, d
    return best


def label(name: str) -> str:
    """A display label for an identifier: "pv_block" -> "PV block", "om_building" -> "O&M building"."""
    words = [w for w in name.replace("-", "_").split("_") if w]
    if not words:
        return name
    out = [_ACRONYMS.get(w.lower(), w.lower()) for w in words]
    first = out[0]
    out[0] = first if first.isupper() or "&" in first else first[:1].upper() + first[1:]
    return " ".join(out)


__all__ = [
    "ASSET_COLORS",
    "BLOCK_PALETTE",
    "BOUNDARY_COLOR",
    "CABLE_COLOR",
    "CABLE_COLORS",
    "COLLECTOR_TIE_COLOR",
    "CONTOUR_COLOR",
    "ENTRY_COLOR",
    "EXCLUSION_COLOR",
    "FENCE_COLOR",
    "GEN_TIE_COLOR",
    "NONCOMPLIANT_ROAD_COLOR",
    "ROAD_COLOR",
    "TRENCH_COLOR",
    "aci",
    "asset_color",
    "block_color",
    "cable_color",
    "kml_color",
    "label",
    "road_color",
]
