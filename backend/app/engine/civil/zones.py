"""Exclusion zone types and their crossing rules (docs/engine.md, "Zones and crossings").

Every exclusion zone is a no-build area for equipment and tables. What may cross it depends on its
type:
- `never` (`wetland`, `protected`, `building`, `exclusion` — the default): nothing crosses it, no
  road, cable or trench;
- `right_angle` (`easement`, `pipeline`, `power_line`): roads (and the MV cables in their trench)
  cross it at close to a right angle, at a cost per crossing (a crossing agreement and a protected
  crossing: reinforced cover slab over a pipeline, clearance survey under a line);
- `culvert` (`wash`, `drainage`, `creek`): roads cross it on a culvert and cables in conduit under
  it, at a cost per crossing.
DC / LV cables never cross a zone: only roads and the cables that follow them do, at a crossing.
Geometries here are in the site's UTM CRS [m].
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

Crossing = Literal["never", "right_angle", "culvert"]

ZONE_RULES: dict[str, Crossing] = {
    "exclusion": "never",
    "wetland": "never",
    "water": "never",
    "protected": "never",
    "building": "never",
    "easement": "right_angle",
    "pipeline": "right_angle",
    "power_line": "right_angle",
    "wash": "culvert",
    "drainage": "culvert",
    "creek": "culvert",
}
ZONE_TYPES: tuple[str, ...] = tuple(ZONE_RULES)
DEFAULT_ZONE_TYPE = "exclusion"
# Unit-cost key (app/engine/cost/unit_costs.json) of one crossing, by rule.
CROSSING_COST_KEYS: dict[str, str] = {
    "right_angle": "zone_crossing_usd_each",
    "culvert": "culvert_crossing_usd_each",
}
# A road crosses a right-angle zone within this many degrees of square (docs/engine.md: utility
# crossing agreements typically ask 90° ± 15–30°; we take the looser bound).
MAX_CROSSING_SKEW_DEG = 30.0
# Cost of one raster cell inside a crossable zone, relative to open ground: high enough that the
# least-cost route crosses where the zone is narrowest (square to it), low enough that a crossing
# beats a detour of a few hundred metres.
CROSSING_CELL_COST = 25.0

# Words in a KML placemark name, description or folder that give a zone its type (first match wins;
# "power line" before "line"-free words; plural and spacing variants allowed).
_TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("power_line", r"power[\s_-]?lines?|transmission[\s_-]?lines?|overhead[\s_-]?lines?|hv[\s_-]?lines?"),
    ("pipeline", r"pipe[\s_-]?lines?|gas[\s_-]?mains?"),
    ("easement", r"easements?|right[\s_-]?of[\s_-]?way|\brow\b"),
    ("wetland", r"wetlands?|marsh|bog|swamp"),
    ("water", r"\bwater\b|\bponds?\b|\blakes?\b|\breservoirs?\b"),
    ("protected", r"protected|habitat|conservation|heritage|archa?eolog"),
    ("building", r"buildings?|house|barn|structures?"),
    ("wash", r"\bwash(es)?\b|arroyo|wadi"),
    ("drainage", r"drainage|ditch|swale|channel"),
    ("creek", r"creeks?|streams?|brook|river"),
)
_TYPE_RES = tuple((t, re.compile(p, re.IGNORECASE)) for t, p in _TYPE_WORDS)


def crossing_rule(zone_type: str) -> Crossing:
    """The crossing rule of a zone type; an unknown type is never crossed (the safe default)."""
    return ZONE_RULES.get(zone_type, "never")


def check_zone_type(zone_type: str) -> str | None:
    """None if `zone_type` is known, else the message a 422 gives (naming the allowed types)."""
    if zone_type in ZONE_RULES:
        return None
    return f"zone_type {zone_type!r} is not a zone type; one of {', '.join(ZONE_TYPES)}"


def zone_type_from_text(text: str) -> str | None:
    """The zone type a KML label names (placemark name, description, folders), or None."""
    for zone_type, pattern in _TYPE_RES:
        if pattern.search(text):
            return zone_type
    return None


@dataclass(frozen=True, kw_only=True)
class Zone:
    """An exclusion zone in UTM [m]: its own polygon, the keep-out (grown by its buffer), its type."""

    geometry: BaseGeometry
    keepout: BaseGeometry
    zone_type: str
    name: str | None = None

    @property
    def rule(self) -> Crossing:
        return crossing_rule(self.zone_type)

    @property
    def crossable(self) -> bool:
        return self.rule != "never"


@dataclass(frozen=True, kw_only=True)
class CrossingSite:
    """One road crossing a zone (UTM [m]): where (the middle of the road inside the zone), the zone's
    type and rule, the road length inside the zone [m], the angle to the zone's edge [°, 90 =
    square] and the cost [USD]."""

    point: Point
    zone_type: str
    rule: Crossing
    zone_name: str | None
    length_m: float
    angle_deg: float
    cost_usd: float

    def properties(self) -> dict[str, Any]:
        return {
            "zone_type": self.zone_type,
            "crossing": self.rule,
            "zone_name": self.zone_name,
            "length_m": round(self.length_m, 1),
            "angle_deg": round(self.angle_deg, 1),
            "cost_usd": round(self.cost_usd, 2),
        }


def crossing_angle_deg(line: LineString, zone: BaseGeometry) -> float:
    """Angle [°, 0–90] between a road piece crossing `zone` and the zone's edge where it enters:
    the mean over the piece's two ends of the angle to the nearest edge segment (90 = square)."""
    coords = np.asarray(line.coords)
    if len(coords) < 2:
        return 90.0
    d = coords[-1] - coords[0]
    if float(np.hypot(*d)) < 1e-9:
        return 90.0
    edge = zone.boundary
    angles = []
    for end in (coords[0], coords[-1]):
        p = Point(end)
        s = edge.project(p)
        a = np.asarray(edge.interpolate(max(0.0, s - 1.0)).coords[0])
        b = np.asarray(edge.interpolate(min(edge.length, s + 1.0)).coords[0])
        t = b - a
        if float(np.hypot(*t)) < 1e-9:
            continue
        cos = abs(float(np.dot(d, t))) / (float(np.hypot(*d)) * float(np.hypot(*t)))
        angles.append(math.degrees(math.acos(min(1.0, cos))))
    return float(np.mean(angles)) if angles else 90.0


def find_crossings(
    roads: list[LineString], zones: list[Zone], unit_costs: dict[str, float]
) -> list[CrossingSite]:
    """Every place a road runs through a crossable zone (UTM [m]); `unit_costs` maps a rule to the
    cost of one crossing [USD]. A road that enters and leaves a zone is one crossing."""
    out: list[CrossingSite] = []
    crossable = [z for z in zones if z.crossable]
    if not crossable or not roads:
        return out
    tree = shapely.STRtree(roads)
    for z in crossable:
        hit = tree.query(z.geometry, predicate="intersects")
        if len(hit) == 0:
            continue
        # Pieces of one road split at a grade change (or two roads meeting) inside a zone are one
        # crossing: merge them first.
        inside = shapely.union_all([roads[int(i)].intersection(z.geometry) for i in hit])
        merged = shapely.line_merge(inside) if inside.geom_type == "MultiLineString" else inside
        for piece in shapely.get_parts(merged):
            if not isinstance(piece, LineString) or piece.length < 0.01:
                continue
            out.append(
                CrossingSite(
                    point=piece.interpolate(0.5, normalized=True),
                    zone_type=z.zone_type,
                    rule=z.rule,
                    zone_name=z.name,
                    length_m=float(piece.length),
                    angle_deg=crossing_angle_deg(piece, z.geometry),
                    cost_usd=float(unit_costs.get(z.rule, 0.0)),
                )
            )
    return out
