"""The exports' palette is the web app's: parsed from frontend/src/lib/colors.ts and compared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ezdxf.colors import aci2rgb

from app.exports import palette

COLORS_TS = Path(__file__).resolve().parents[3] / "frontend" / "src" / "lib" / "colors.ts"


def _ts() -> str:
    if not COLORS_TS.is_file():
        pytest.fail(f"{COLORS_TS} is missing: the palette has nothing to mirror")
    return COLORS_TS.read_text(encoding="utf-8")


def _object(name: str) -> dict[str, str]:
    body = re.search(rf"const {name}[^=]*=\s*\{{(.*?)\n\}};", _ts(), re.S)
    assert body, name
    return dict(re.findall(r'(\w+):\s*"([^"]+)"', body.group(1)))


def _array(name: str) -> list[str]:
    body = re.search(rf"const {name}[^=]*=\s*\[(.*?)\];", _ts(), re.S)
    assert body, name
    return re.findall(r'"(#[0-9a-fA-F]{6})"', body.group(1))


def _const(name: str) -> str:
    m = re.search(rf'export const {name}\s*=\s*"(#[0-9a-fA-F]{{6}})"', _ts())
    assert m, name
    return m.group(1)


def test_asset_colors_and_aliases_match_the_web_app() -> None:
    assert _object("ASSET_COLORS") == palette.ASSET_COLORS
    assert _object("ALIASES") == palette.ALIASES
    assert list(palette.FALLBACK) == _array("FALLBACK")
    assert list(palette.BLOCK_PALETTE) == _array("BLOCK_PALETTE")
    for name in (
        "BOUNDARY_COLOR",
        "EXCLUSION_COLOR",
        "ENTRY_COLOR",
        "CONTOUR_COLOR",
        "NONCOMPLIANT_ROAD_COLOR",
        "CABLE_COLOR",
        "TRENCH_COLOR",
    ):
        assert getattr(palette, name) == _const(name), name
    roads = dict(re.findall(r'(\w+):\s*\{\s*color:\s*"(#[0-9a-fA-F]{6})"', _ts()))
    assert roads == palette.ROAD_COLORS
    assert _object("CABLE_COLORS") == palette.CABLE_COLORS


def test_cable_and_trench_colours_are_distinct() -> None:
    """Each cable level, trenches, fences and roads must be told apart on a drawing."""
    colours = [*palette.CABLE_COLORS.values(), palette.TRENCH_COLOR, palette.FENCE_COLOR]
    colours += list(palette.ROAD_COLORS.values())
    assert len(set(colours)) == len(colours)
    assert {"dc", "lv", "mv"} <= set(palette.CABLE_COLORS)
    # Distinct in an AutoCAD viewer without true colour too.
    cable_aci = [palette.aci(c) for c in (*palette.CABLE_COLORS.values(), palette.TRENCH_COLOR)]
    assert len(set(cable_aci)) == len(cable_aci)
    assert palette.cable_color("mv") == palette.CABLE_COLORS["mv"]
    assert palette.cable_color("hv") == palette.CABLE_COLOR


def test_colour_lookups() -> None:
    assert palette.asset_color("bess") == palette.ASSET_COLORS["battery_container"]
    assert palette.asset_color("Gas_Engine_2") == palette.ASSET_COLORS["gas_turbine"]  # partial alias
    assert palette.asset_color("pv_table") != palette.asset_color("tracker")
    # The web app's hash: h = h * 31 + code unit (unsigned 32-bit).
    h = 0
    for ch in "mystery_unit":
        h = (h * 31 + ord(ch)) % 2**32
    assert palette.asset_color("mystery_unit") == palette.FALLBACK[h % len(palette.FALLBACK)]
    assert palette.block_color(0) == palette.BLOCK_PALETTE[0]
    assert palette.block_color(13) == palette.BLOCK_PALETTE[1]
    assert palette.block_color(None) == palette.ASSET_COLORS["pv_table"]
    assert palette.road_color("spine", compliant=False) == palette.NONCOMPLIANT_ROAD_COLOR
    assert palette.road_color("unknown") == palette.ROAD_COLOR
    assert palette.kml_color("#102030", 0.5) == "80302010"


def test_aci_is_the_nearest_index() -> None:
    for hex_rgb in ("#dc2626", "#2563eb", "#eab308"):
        index = palette.aci(hex_rgb)
        r, g, b = palette.rgb(hex_rgb)
        d = sum((x - y) ** 2 for x, y in zip(aci2rgb(index), (r, g, b), strict=True))
        for other in range(1, 256):
            if other != 7:
                assert d <= sum((x - y) ** 2 for x, y in zip(aci2rgb(other), (r, g, b), strict=True))
    assert palette.aci("#ff0000") == 1
