"""Bill of quantities of a PV plant and its electrical design (counts, metres, m², m³)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shapely.geometry import LineString

from app.engine.electrical.dc import DcResult
from app.engine.electrical.mv import MvResult
from app.engine.electrical.stringing import StringPlan
from app.engine.pv.types import PvPlant


class RoadLike(Protocol):
    """A road with a class and width (e.g. `engine.roads.RoadSegment`); geometry in UTM [m]."""

    geometry: LineString
    road_class: str
    width_m: float


@dataclass(frozen=True, kw_only=True)
class SiteExtras:
    """Quantities the layout knows and the electrical design does not: fence length [m], gates,
    road cut / fill [m³], equipment pad (substation, power stations, …) cut / fill [m³]."""

    fence_m: float = 0.0
    gates: int = 0
    road_cut_m3: float = 0.0
    road_fill_m3: float = 0.0
    pad_cut_m3: float = 0.0
    pad_fill_m3: float = 0.0
    # Road crossings of zones: ((zone type, crossing rule), count) (`app.engine.civil.zones`).
    crossings: tuple[tuple[tuple[str, str], int], ...] = ()


def _roads(roads: Sequence[LineString | RoadLike], default_width_m: float) -> list[dict[str, Any]]:
    by: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in roads:
        if isinstance(r, LineString):
            cls, length, width = "internal", r.length, default_width_m
        else:
            cls, length, width = r.road_class, r.geometry.length, r.width_m
        by[cls][0] += length
        by[cls][1] += length * width
    return [
        {"class": c, "length_m": round(v[0], 1), "area_m2": round(v[1], 1)} for c, v in sorted(by.items())
    ]


def build_bom(
    plant: PvPlant,
    plan: StringPlan,
    dc: DcResult,
    mv: MvResult,
    roads: Sequence[LineString | RoadLike],
    station_kva: Sequence[float],
    extras: SiteExtras,
) -> dict[str, Any]:
    """The bill of quantities as a JSON-ready dict. Cable entries count single-core cable metres
    (`cable_m`) and route metres (`route_m`) per level and conductor."""
    d = plant.design.design
    per_table = d.modules_per_table
    full = sum(1 for t in plant.tables if t.modules >= per_table)
    lengths: dict[int, int] = defaultdict(int)
    for n in plan.string_modules.tolist():
        lengths[int(n)] += 1
    kva: dict[float, int] = defaultdict(int)
    for s in station_kva:
        kva[round(float(s), 1)] += 1
    return {
        "modules": {
            "count": int(sum(t.modules for t in plant.tables)),
            "model": d.module.name,
            "power_w": d.module.power_w,
            "dc_kwp": round(plant.dc_kwp, 3),
        },
        "structures": {
            "type": "tracker" if d.structure == "tracker" else "fixed table",
            "count": len(plant.tables),
            "full": full,
            "partial": len(plant.tables) - full,
            "piles": int(sum(t.piles for t in plant.tables)),
        },
        "strings": {
            "count": plan.count,
            "modules_per_string": plan.modules_per_string,
            "by_length": {str(k): v for k, v in sorted(lengths.items())},
        },
        **_devices(dc),
        "power_stations": {
            "count": len(plant.blocks),
            "ac_kw": round(float(dc.block_ac_kw.sum()), 3),
            "by_kva": {f"{k:g}": v for k, v in sorted(kva.items())},
        },
        "transformers": {"count": len(plant.blocks), "total_kva": round(float(sum(station_kva)), 1)},
        "cables": _cables(dc, mv),
        "trenches": {
            "dc_m": round(dc.trench_m, 1),
            "mv_m": round(mv.trench_m, 1),
            "total_m": round(dc.trench_m + mv.trench_m, 1),
        },
        "roads": _roads(roads, d.internal_road_width_m),
        "fence_m": round(extras.fence_m, 1),
        "gates": extras.gates,
        "grading": _grading(plant, extras),
        "mv_feeders": len(mv.feeders),
        "crossings": [
            {"zone_type": zt, "crossing": rule, "count": n} for (zt, rule), n in sorted(extras.crossings)
        ],
    }


def _cables(dc: DcResult, mv: MvResult) -> list[dict[str, Any]]:
    """Cable quantities per level and conductor: single-core cable [m] and route [m], sorted."""
    cables: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i, c in enumerate(dc.string_conductor):
        cables[("dc_string", c.name)][0] += float(dc.string_cable_m[i])
        cables[("dc_string", c.name)][1] += float(dc.string_cable_m[i]) / 2.0
    level = "dc_feeder" if dc.topology == "central" else "lv_ac"
    for i, c in enumerate(dc.feeder_conductor):
        cables[(level, c.name)][0] += float(dc.feeder_cable_m[i])
        cables[(level, c.name)][1] += float(dc.feeder_route_m[i]) * int(dc.feeder_parallel[i])
    for f in mv.feeders:
        for leg in f.legs:
            cables[("mv", leg.conductor.name)][0] += 3.0 * leg.length_m
            cables[("mv", leg.conductor.name)][1] += leg.length_m
    return [
        {"level": lv, "conductor": name, "cable_m": round(v[0], 1), "route_m": round(v[1], 1)}
        for (lv, name), v in sorted(cables.items())
    ]


def _devices(dc: DcResult) -> dict[str, Any]:
    """Combiner boxes (and their largest input count), or string inverters and their rating [kW]."""
    if dc.topology == "central":
        return {
            "combiner_boxes": len(dc.device_strings),
            "combiner_inputs": int(dc.device_strings.max()) if len(dc.device_strings) else 0,
            "string_inverters": 0,
        }
    return {
        "combiner_boxes": 0,
        "string_inverters": len(dc.device_strings),
        "string_inverter_ac_kw": float(dc.device_ac_kw[0]) if len(dc.device_ac_kw) else 0.0,
    }


def _grading(plant: PvPlant, extras: SiteExtras) -> dict[str, float]:
    """One earthwork figure (issue 22): tables + roads + equipment pads [m³], as the layout
    metrics count it, with each part."""
    table_cut = float(sum(t.cut_m3 for t in plant.tables))
    table_fill = float(sum(t.fill_m3 for t in plant.tables))
    grading_cut = table_cut + extras.road_cut_m3 + extras.pad_cut_m3
    grading_fill = table_fill + extras.road_fill_m3 + extras.pad_fill_m3
    return {
        "cut_m3": round(grading_cut, 1),
        "fill_m3": round(grading_fill, 1),
        "total_m3": round(grading_cut + grading_fill, 1),
        "tables_m3": round(table_cut + table_fill, 1),
        "roads_m3": round(extras.road_cut_m3 + extras.road_fill_m3, 1),
        "pads_m3": round(extras.pad_cut_m3 + extras.pad_fill_m3, 1),
    }
