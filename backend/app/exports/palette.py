"""Colours and labels shared by the map-like exports (KMZ, PDF), so they look alike.

Colours are "#rrggbb" strings; `kml_color` converts to KML's aabbggrr.
"""

from __future__ import annotations

import zlib

ASSET_COLORS: dict[str, str] = {
    "pv_block": "#1f77b4",
    "pv_array": "#1f77b4",
    "tracker_block": "#1f77b4",
    "inverter": "#17becf",
    "pcs": "#17becf",
    "bess": "#2ca02c",
    "bess_block": "#2ca02c",
    "battery": "#2ca02c",
    "substation": "#d62728",
    "switchyard": "#d62728",
    "transformer": "#ff7f0e",
    "gas_engine": "#8c564b",
    "gas_turbine": "#8c564b",
    "genset": "#8c564b",
    "wind_turbine": "#9467bd",
    "om_building": "#7f7f7f",
    "control_building": "#7f7f7f",
    "laydown": "#bcbd22",
    "laydown_area": "#bcbd22",
}
# Fallback for asset types not listed above (tab10 minus the colours used for site features).
_FALLBACK = ("#e377c2", "#bcbd22", "#9467bd", "#8c564b", "#17becf", "#ff7f0e", "#2ca02c", "#1f77b4")

BOUNDARY_COLOR = "#222222"
EXCLUSION_COLOR = "#c0392b"
ROAD_COLOR = "#6b4f2a"
ENTRY_COLOR = "#000000"
CONTOUR_COLOR = "#b39b77"

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


def asset_color(asset_type: str) -> str:
    """A stable "#rrggbb" colour for an asset type (unknown types get a hashed palette colour)."""
    if asset_type in ASSET_COLORS:
        return ASSET_COLORS[asset_type]
    return _FALLBACK[zlib.crc32(asset_type.encode("utf-8")) % len(_FALLBACK)]


def kml_color(hex_rgb: str, alpha: float = 1.0) -> str:
    """ "#rrggbb" and opacity 0-1 as KML's "aabbggrr"."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    a = max(0, min(255, round(alpha * 255)))
    return f"{a:02x}{b}{g}{r}".lower()


def label(name: str) -> str:
    """A display label for an identifier: "pv_block" -> "PV block", "om_building" -> "O&M building"."""
    words = [w for w in name.replace("-", "_").split("_") if w]
    if not words:
        return name
    out = [_ACRONYMS.get(w.lower(), w.lower()) for w in words]
    first = out[0]
    out[0] = first if first.isupper() or "&" in first else first[:1].upper() + first[1:]
    return " ".join(out)
