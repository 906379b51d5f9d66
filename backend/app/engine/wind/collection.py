"""The wind farm's MV collection: a pad-mounted step-up transformer at each turbine and 34.5 kV
collector circuits stringing the turbines to the substation along the access roads.

Each turbine's generator (690 V) feeds a pad-mounted transformer 0.69 / `mv_voltage_kv` kV rated
rated_kw / power_factor [kVA]; the turbines are daisy-chained on radial collector circuits laid in
trenches along the turbine access roads, each circuit within its conductor's ampacity (× the
`mv_ampacity_margin` of the electrical parameters). The grouping, order, route and conductor sizing
are the PV feeders' (`app.engine.electrical.mv.design_mv`: capacitated routing over shortest road
distances, legs tapered to the current beyond them, upsized for the voltage-drop limit), with the
turbines as the stations. Where a wind circuit runs in a trench the PV feeders already dug, the
trench is shared and counted once (the PV one); the rest is the wind collection's own trench.

Losses at rated output: the cables' I²R (3 · I² · R · L per leg at `conductor_temp_c`) and the pad
transformers' no-load and load losses (`transformer_no_load_pct`, `transformer_load_loss_pct` of
their rating, the PV stations' figures). Over a year (`annual_loss_pct`) I²R and load losses scale
with Σp² / Σp of the farm's hourly output p normalised to rated (docs/electrical.md, "annual loss
factor"); the no-load loss runs all year. All coordinates UTM [m]; docs/wind.md#mv-collection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from app.engine.civil.constructability import wind_constructability
from app.engine.core.types import LayoutResult
from app.engine.electrical.losses import HOURS_PER_YEAR, annual_loss_factor
from app.engine.electrical.mv import MvResult, design_mv
from app.engine.electrical.params import ElectricalParams
from app.engine.pv.outputs import cable_features

# Turbine generator voltage [kV]: 690 V is the low-voltage side of the pad-mounted (or nacelle)
# step-up transformer of most 2-5 MW onshore turbines (e.g. the IEA 3.4 MW reference's DFIG).
GENERATOR_KV = 0.69
# A wind circuit within this distance [m] of a PV MV trench shares it (same road, same trench).
SHARED_TRENCH_TOL_M = 0.5
SOURCE = "wind"


@dataclass(frozen=True, kw_only=True)
class WindCollection:
    """The turbines' collection system: the MV circuits (`mv`, stations = turbines in `turbine_ids`
    order), each pad transformer's rating [kVA], the circuit voltage [kV], the farm's rated power
    [kW], the trench the wind circuits add beyond the PV one's and the share they run in it [m]."""

    mv: MvResult
    turbine_ids: tuple[str, ...]
    pad_kva: float
    voltage_kv: float
    rated_kw: float
    own_trench_m: float
    shared_trench_m: float
    own_trench_lines: tuple[np.ndarray, ...]
    no_load_pct: float
    load_loss_pct: float

    @property
    def cable_loss_kw(self) -> float:
        """The circuits' I²R loss with every turbine at rated output [kW]."""
        return float(sum(f.loss_w for f in self.mv.feeders)) / 1000.0

    @property
    def transformer_no_load_kw(self) -> float:
        """The pad transformers' no-load loss [kW] (all year)."""
        return len(self.turbine_ids) * self.pad_kva * self.no_load_pct / 100.0

    @property
    def transformer_load_kw(self) -> float:
        """The pad transformers' load loss at rated output [kW]."""
        return len(self.turbine_ids) * self.pad_kva * self.load_loss_pct / 100.0

    def annual_loss_pct(self, power_fraction: np.ndarray) -> dict[str, float]:
        """The year's collection losses (`annual_loss_pct`) of this collection."""
        return annual_loss_pct(self.document()["rated_losses_kw"], self.rated_kw, power_fraction)

    def circuits(self) -> list[dict[str, Any]]:
        """Per collector circuit: name, turbines (substation outwards), MVA, route length [m], loss
        at rated [kW], voltage drop at its far end [%], conductors, largest current [A]."""
        return [
            {
                "circuit": f"W{f.index + 1}",
                "turbines": [self.turbine_ids[b] for b in f.blocks],
                "mva": round(f.mva, 3),
                "length_m": round(f.length_m, 1),
                "loss_kw": round(f.loss_w / 1000.0, 3),
                "drop_pct": round(f.drop_pct, 3),
                "conductors": [leg.conductor.name for leg in f.legs],
                "max_current_a": round(max((leg.current_a for leg in f.legs), default=0.0), 2),
            }
            for f in self.mv.feeders
        ]

    def document(self) -> dict[str, Any]:
        """design["wind"]["collection"] (JSON-ready)."""
        return {
            "voltage_kv": self.voltage_kv,
            "pad_transformer": {
                "count": len(self.turbine_ids),
                "kva": round(self.pad_kva, 1),
                "voltage": f"{GENERATOR_KV:g}/{self.voltage_kv:g} kV",
            },
            "circuits": self.circuits(),
            "circuit_capacity_a": round(self.mv.capacity_a, 1),
            "cable_route_m": round(sum(f.length_m for f in self.mv.feeders), 1),
            "trench_m": round(self.own_trench_m, 1),
            "shared_trench_m": round(self.shared_trench_m, 1),
            "rated_losses_kw": {
                "cables": round(self.cable_loss_kw, 3),
                "transformer_no_load": round(self.transformer_no_load_kw, 3),
                "transformer_load": round(self.transformer_load_kw, 3),
            },
        }

    def cables(self) -> list[dict[str, Any]]:
        """Cable quantities per conductor (bill of quantities, level "wind_mv"): single-core cable
        [m] (three per circuit) and route [m]."""
        by: dict[str, list[float]] = {}
        for f in self.mv.feeders:
            for leg in f.legs:
                v = by.setdefault(leg.conductor.name, [0.0, 0.0])
                v[0] += 3.0 * leg.length_m
                v[1] += leg.length_m
        return [
            {"level": "wind_mv", "conductor": k, "cable_m": round(v[0], 1), "route_m": round(v[1], 1)}
            for k, v in sorted(by.items())
        ]

    def features(self) -> list[dict[str, Any]]:
        """The circuits' legs (kind "cable", level "mv", source "wind") and the trench they add
        (kind "trench", level "mv", source "wind") as GeoJSON-like features in UTM [m] — the PV
        feeders' kinds, so every export draws them as MV cables."""
        out: list[dict[str, Any]] = []
        for f in self.mv.feeders:
            for leg in f.legs:
                out.append(
                    _feature(
                        leg.path,
                        {
                            "kind": "cable",
                            "circuit": f"W{f.index + 1}.{leg.index + 1}",
                            "level": "mv",
                            "source": SOURCE,
                            "conductor": leg.conductor.name,
                            "length_m": round(leg.length_m, 2),
                            "current_a": round(leg.current_a, 2),
                            "cable_m": round(3.0 * leg.length_m, 1),
                            "feeder": f"W{f.index + 1}",
                            "turbine": self.turbine_ids[f.blocks[leg.index]],
                        },
                    )
                )
        for line in self.own_trench_lines:
            length = float(LineString(line).length)
            out.append(
                _feature(
                    line, {"kind": "trench", "level": "mv", "source": SOURCE, "length_m": round(length, 2)}
                )
            )
        return out


def annual_loss_pct(
    rated_losses_kw: dict[str, float], rated_kw: float, power_fraction: np.ndarray
) -> dict[str, float]:
    """The year's collection losses [% of the energy reaching the turbine terminals].

    rated_losses_kw: {"cables", "transformer_load"} at rated output and "transformer_no_load" [kW]
    (`WindCollection.document()["rated_losses_kw"]`); rated_kw: the farm's rated power [kW];
    power_fraction: its hourly output as a fraction of rated (8760,) before these losses. Cables
    and load losses scale with Σp²/Σp, the no-load loss runs 8,760 h. Keys cable_pct,
    transformer_pct, total_pct, loss_factor (Σp²/Σp)."""
    p = np.clip(np.asarray(power_fraction, dtype=float), 0.0, None)
    f = annual_loss_factor(p)
    energy_kwh = float(p.sum()) * rated_kw * (HOURS_PER_YEAR / max(len(p), 1))
    if energy_kwh <= 0 or rated_kw <= 0:
        return {"cable_pct": 0.0, "transformer_pct": 0.0, "total_pct": 0.0, "loss_factor": f}
    cable = 100.0 * float(rated_losses_kw["cables"]) / rated_kw * f
    tr = 100.0 * (
        float(rated_losses_kw["transformer_load"]) / rated_kw * f
        + float(rated_losses_kw["transformer_no_load"]) * HOURS_PER_YEAR / energy_kwh
    )
    return {"cable_pct": cable, "transformer_pct": tr, "total_pct": cable + tr, "loss_factor": f}


def _wind_words(warning: str) -> str:
    """An MV design warning in the collection's words: "feeder 2" is circuit "W2" (the name the
    design, the features and the exports give it, so it reads apart from the PV feeders), a
    power station a turbine."""
    return re.sub(r"\bfeeder (\d+)\b", r"wind circuit W\1", warning).replace("power station", "turbine")


def _feature(path: np.ndarray, props: dict[str, Any]) -> dict[str, Any]:
    coords = np.round(np.asarray(path, dtype=float), 2).tolist()
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}, "properties": props}


def design_collection(
    roads: Sequence[LineString],
    substation_xy: tuple[float, float],
    turbines_xy: Sequence[tuple[float, float]],
    access_xy: Sequence[tuple[float, float]],
    turbine_ids: Sequence[str],
    rated_kw: float,
    params: ElectricalParams,
    *,
    keep_out: Callable[[LineString], bool] | None = None,
    pv_trenches: Sequence[np.ndarray] = (),
) -> WindCollection:
    """The collection of turbines at `turbines_xy` (tower centres, UTM [m]) reached from the roads
    at `access_xy`, each `rated_kw` [kW], to the substation at `substation_xy` along `roads`
    (centrelines, UTM). pv_trenches: the PV MV trench lines (n, 2) already dug, shared where the
    wind circuits follow them. keep_out: where a spur to the road may not run (`design_mv`)."""
    kva = rated_kw / params.power_factor
    mv = design_mv(
        roads, substation_xy, list(turbines_xy), list(access_xy), [kva] * len(turbines_xy), params, keep_out
    )
    own, shared, lines = _own_trench(mv.trench_lines, pv_trenches)
    return WindCollection(
        mv=mv,
        turbine_ids=tuple(turbine_ids),
        pad_kva=kva,
        voltage_kv=params.mv_voltage_kv,
        rated_kw=rated_kw * len(turbines_xy),
        own_trench_m=own,
        shared_trench_m=shared,
        own_trench_lines=tuple(lines),
        no_load_pct=params.transformer_no_load_pct,
        load_loss_pct=params.transformer_load_loss_pct,
    )


def _own_trench(
    wind: Sequence[np.ndarray], pv: Sequence[np.ndarray]
) -> tuple[float, float, list[np.ndarray]]:
    """(trench the wind circuits add [m], length they share with the PV MV trench [m], the added
    trench's lines (n, 2) [m])."""
    lines = [LineString(w) for w in wind if len(w) >= 2]
    total = float(sum(w.length for w in lines))
    if not lines:
        return 0.0, 0.0, []
    if not pv:
        return total, 0.0, [np.asarray(w.coords) for w in lines]
    dug = shapely.union_all([LineString(p) for p in pv if len(p) >= 2]).buffer(SHARED_TRENCH_TOL_M)
    rest = shapely.line_merge(shapely.union_all([w.difference(dug) for w in lines]))
    parts = [p for p in shapely.get_parts(rest) if isinstance(p, LineString) and p.length > 1e-6]
    own = float(sum(p.length for p in parts))
    return own, max(total - own, 0.0), [np.asarray(p.coords) for p in parts]


@dataclass(frozen=True, kw_only=True)
class CollectionChecks:
    """What the constructability check of the collection reads (UTM [m]; `wind_constructability`):
    the parcel, the zones cables may never cross and those crossed only at a road, the site
    entries, the turbine pads, the substation's footprint, how far a pad may be from its road."""

    boundary: BaseGeometry
    never_zones: tuple[BaseGeometry, ...]
    crossable_zones: tuple[BaseGeometry, ...]
    entries: tuple[Point, ...]
    turbine_pads: tuple[BaseGeometry, ...]
    substation: BaseGeometry
    access_tol_m: float


@dataclass(frozen=True, kw_only=True)
class CollectionSite:
    """What the layout knows the collection needs (UTM [m]): the road centrelines, the substation
    centre, each turbine block's (centre, road access point), the PV MV trench lines, where a spur
    may not run, the electrical parameters (`LayoutParams.electrical`) and, when given, what its
    constructability check reads."""

    roads: tuple[LineString, ...]
    substation_xy: tuple[float, float] | None
    turbine_blocks: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    pv_trenches: tuple[np.ndarray, ...]
    keep_out: Callable[[LineString], bool] | None
    params: ElectricalParams
    checks: CollectionChecks | None = None


def with_collection(result: LayoutResult, site: CollectionSite) -> LayoutResult:
    """The result with its turbines' MV collection (`design_collection`): design["wind"]["collection"],
    the cable and trench features (WGS84), the bill of quantities' wind cables (level "wind_mv") and
    trench (`trenches.wind_mv_m`, in `total_m`), the headline cable_length_m / trench_length_m with
    them, and the circuits' warnings. With `site.checks`, metrics / design "constructability" count
    the collection too (`wind_constructability`), each problem it adds warned as the PV ones are
    ("not constructable as drawn: ..."). Unchanged without
    turbines or without a substation (then warned: nothing to collect to)."""
    doc = result.design.get("wind")
    if doc is None or not doc.get("turbines"):
        return result
    if site.substation_xy is None:
        return replace(
            result,
            warnings=(*result.warnings, "no substation placed: the turbines' MV collection is not designed"),
        )
    xy = np.array([[t["x_m"], t["y_m"]] for t in doc["turbines"]], dtype=float)
    centres = np.array([c for c, _ in site.turbine_blocks], dtype=float).reshape(-1, 2)
    # The turbine's road access point: that of the placed block whose centre is the tower's.
    near = (
        np.argmin(np.hypot(*(xy[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)), axis=1)
        if len(centres)
        else np.zeros(len(xy), dtype=int)
    )
    access = [
        site.turbine_blocks[int(k)][1] if len(centres) else tuple(p) for k, p in zip(near, xy, strict=True)
    ]
    rated_kw = float(doc["turbine"]["rated_kw"])
    col = design_collection(
        site.roads,
        site.substation_xy,
        [(float(x), float(y)) for x, y in xy],
        [(float(a[0]), float(a[1])) for a in access],
        [t["id"] for t in doc["turbines"]],
        rated_kw,
        site.params,
        keep_out=site.keep_out,
        pv_trenches=site.pv_trenches,
    )
    design = {**result.design, "wind": {**doc, "collection": col.document()}}
    bom = design.get("bom")
    if isinstance(bom, dict):
        trenches = dict(bom.get("trenches") or {})
        trenches["wind_mv_m"] = round(col.own_trench_m, 1)
        trenches["total_m"] = round(float(trenches.get("total_m") or 0.0) + col.own_trench_m, 1)
        design["bom"] = {**bom, "cables": [*bom.get("cables", []), *col.cables()], "trenches": trenches}
    metrics = dict(result.metrics)
    # The headline cable and trench metres count the wind collection too (as the BOM does).
    if metrics.get("trench_length_m") is not None:
        metrics["trench_length_m"] = float(metrics["trench_length_m"]) + col.own_trench_m
    if metrics.get("cable_length_m") is not None:
        metrics["cable_length_m"] = float(metrics["cable_length_m"]) + sum(c["cable_m"] for c in col.cables())
    features = col.features()
    extras = (*result.extras, *cable_features(features, result.crs))
    warnings = (*result.warnings, *(_wind_words(w) for w in col.mv.warnings))
    section = metrics.get("constructability")
    if site.checks is not None and isinstance(section, dict):
        c = site.checks
        section, added = wind_constructability(
            section,
            cable_lines=[LineString(f["geometry"]["coordinates"]) for f in features],
            roads=site.roads,
            entries=c.entries,
            turbine_pads=c.turbine_pads,
            substation=c.substation,
            boundary=c.boundary,
            never_zones=c.never_zones,
            crossable_zones=c.crossable_zones,
            access_tol_m=c.access_tol_m,
            circuit_lengths_m=[f.length_m for f in col.mv.feeders],
        )
        metrics["constructability"] = section
        if "constructability" in design:
            design["constructability"] = section
        warnings = (*warnings, *(f"not constructable as drawn: {p}" for p in added))
    return replace(result, design=design, extras=extras, warnings=warnings, metrics=metrics)
