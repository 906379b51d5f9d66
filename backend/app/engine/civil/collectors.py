"""Collector substations: land the road reaches but the main substation's cables cannot.

A region of buildable land that a road reaches from a site entry but that no cable can reach from
the main substation without crossing a zone nothing may cross (e.g. the far side of a wetland,
reached from a second entry) gets a collector substation: an HV/MV yard on ground no steeper than
`COLLECTOR_MAX_SLOPE_DEG`, placed as near the main substation as the region allows, reached by a
road like every piece of equipment, and joined to the main substation by an HV tie line routed
over the terrain grid around every exclusion zone (the gen-tie's router). The region's power
stations feed the collector, not the main substation. A region whose tie has no legal route stays
empty with the warning it had before. All geometry in the site's UTM CRS [m] (docs/engine.md,
"Collector substations").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.placement import PlacedBlock, PlacedComponent, Placement
from app.engine.civil.gentie import gen_tie_site, route_gen_tie, voltage_class_kv
from app.engine.civil.roads import RoadGround, RoadNetwork, RoadSite, route_on
from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.grid import Grid
from app.engine.pv.types import PvPlant
from app.engine.terrain.analysis import slope_deg

ASSET_TYPE = "collector_substation"
# Yard of a 34.5 kV / HV collector substation with one transformer bay: 60 × 40 m (≈ 0.24 ha),
# half the main substation's 80 × 60 m yard (profiles: "typical 33/132 kV collector substation
# yard 0.4–0.6 ha", which also carries the plant's HV bays and control building).
COLLECTOR_WIDTH_M = 60.0
COLLECTOR_LENGTH_M = 40.0
# Pad slope limit [°], as the main substation's (profiles: substation max_slope_deg 5).
COLLECTOR_MAX_SLOPE_DEG = 5.0
# Clearance kept from PV tables and other equipment [m], as the main substation's.
COLLECTOR_CLEARANCE_M = 15.0
# Smallest region worth a collector [m²]: 10 ha ≈ 5 MWac of PV at ≈ 0.5 MWac/ha; below it the
# collector's fixed cost (≈ $4.1 M, cost/unit_costs.json) would exceed what the land adds.
MIN_REGION_M2 = 100_000.0
# Candidate collector centres are spaced this far apart [m] (bounds the search).
SITE_STEP_M = 20.0
# The tie is routed on the terrain grid cropped to the parcel plus this margin [m].
TIE_MARGIN_M = 500.0


@dataclass(frozen=True, kw_only=True)
class Collector:
    """One collector substation (UTM [m]): its yard, centre, road access point, the land it serves,
    and its tie line to the main substation (length [m], the part outside the parcel [m]).
    reason: "cut_off" (land the main substation's cables cannot reach; its own road network) or
    "feeder_length" (stations too far for an MV feeder, `civil/collector_groups.py`; on the
    main substation's road network)."""

    footprint: Polygon
    centre: tuple[float, float]
    access: tuple[float, float]
    region: BaseGeometry
    tie: LineString
    tie_m: float
    tie_outside_parcel_m: float
    reason: str = "cut_off"


def _site(
    region: BaseGeometry, hub: Point, pad_ok: Callable[[list[Polygon]], np.ndarray]
) -> tuple[Polygon, tuple[float, float], tuple[float, float]] | None:
    """The yard inside `region` nearest `hub` whose ground passes `pad_ok`, its centre and its road
    access point (the middle of the side facing the region's interior, half a clearance out)."""
    minx, miny, maxx, maxy = region.bounds
    xs = np.arange(minx + COLLECTOR_WIDTH_M / 2, maxx - COLLECTOR_WIDTH_M / 2 + 1e-6, SITE_STEP_M)
    ys = np.arange(miny + COLLECTOR_LENGTH_M / 2, maxy - COLLECTOR_LENGTH_M / 2 + 1e-6, SITE_STEP_M)
    if not len(xs) or not len(ys):
        return None
    xx, yy = np.meshgrid(xs, ys)
    cx, cy = xx.ravel(), yy.ravel()
    hw, hl = COLLECTOR_WIDTH_M / 2, COLLECTOR_LENGTH_M / 2
    boxes = shapely.box(cx - hw, cy - hl, cx + hw, cy + hl)
    shapely.prepare(region)
    inside = np.flatnonzero(shapely.contains(region, boxes))
    if not len(inside):
        return None
    order = inside[np.argsort(np.hypot(cx[inside] - hub.x, cy[inside] - hub.y), kind="stable")]
    ok = pad_ok(list(boxes[order]))
    good = order[np.asarray(ok, dtype=bool)]
    if not len(good):
        return None
    i = int(good[0])
    inner = region.representative_point()
    dx, dy = inner.x - cx[i], inner.y - cy[i]
    gap = COLLECTOR_CLEARANCE_M / 2
    if abs(dx) * hl >= abs(dy) * hw:
        access = (cx[i] + np.sign(dx or 1.0) * (hw + gap), cy[i])
    else:
        access = (cx[i], cy[i] + np.sign(dy or 1.0) * (hl + gap))
    return boxes[i], (float(cx[i]), float(cy[i])), (float(access[0]), float(access[1]))


def plan_collectors(
    *,
    cut_off: BaseGeometry,
    ground: RoadGround,
    hub: tuple[float, float],
    boundary: BaseGeometry,
    grid: Grid,
    obstacles: Sequence[BaseGeometry],
    never: Sequence[BaseGeometry],
    equipment: Sequence[BaseGeometry],
    pad_ok: Callable[[list[Polygon]], np.ndarray],
) -> list[Collector]:
    """Collectors for the land in `cut_off` (UTM) that roads reach from an entry (`ground`) but
    the main substation's cables cannot: one per piece of reached ground of at least
    `MIN_REGION_M2`, when a yard fits on it and its tie has a legal route.

    grid: the terrain around the parcel (it may extend past it, by up to `TIE_MARGIN_M`: the tie
    may too, like the gen-tie);
    obstacles: every zone with its buffer (the tie crosses none); never: zones nothing may cross
    (checked on the routed tie); equipment: footprints the tie may not cross."""
    parts = [p for p in shapely.get_parts(cut_off) if not p.is_empty and p.area > 1.0]
    by_label: dict[int, list[BaseGeometry]] = {}
    for p in parts:
        labels = ground.labels_at(p)
        if labels:
            by_label.setdefault(min(labels), []).append(p)
    out: list[Collector] = []
    hub_pt = Point(hub)
    never_u = shapely.union_all([z.buffer(-0.5) for z in never]) if never else Polygon()
    taken: list[BaseGeometry] = list(equipment)
    router = TieRouter(grid, hub, obstacles, equipment)
    for _, pieces in sorted(by_label.items()):
        region = shapely.union_all(pieces)
        if region.area < MIN_REGION_M2:
            continue
        site = _site(region, hub_pt, pad_ok)
        if site is None:
            continue
        foot, centre, access = site
        tie = router.tie(centre, taken[len(equipment) :])
        if tie is None or (not never_u.is_empty and tie.intersects(never_u)):
            continue
        outside = float(tie.difference(boundary).length)
        region = region.difference(foot.buffer(COLLECTOR_CLEARANCE_M))
        out.append(
            Collector(
                footprint=foot,
                centre=centre,
                access=access,
                region=region,
                tie=tie,
                tie_m=float(tie.length),
                tie_outside_parcel_m=outside,
            )
        )
        taken.append(foot)
    return out


class TieRouter:
    """Tie lines from collector substations to the main substation at `hub` over one terrain grid
    (UTM [m]), around `obstacles` (zones with their buffers) and `equipment` (footprints every tie
    avoids). The grid's slope and the ground's cost graph are built once, for the first tie; each
    tie's own further footprints (the other collectors' yards) are added to that ground per line
    (`RoadSite.with_equipment`), which routes exactly as a ground built for the tie alone."""

    def __init__(
        self,
        grid: Grid,
        hub: tuple[float, float],
        obstacles: Sequence[BaseGeometry],
        equipment: Sequence[BaseGeometry],
    ) -> None:
        self.grid, self.hub, self.obstacles = grid, hub, list(obstacles)
        hub_pt = Point(hub)
        # The line ends in the main substation: its yard is no obstacle. Each footprint grown once
        # for the collector tests below (1 GWac has ~300 power stations).
        grown = [(e, e.buffer(1.0)) for e in equipment]
        self._common = [(e, g) for e, g in grown if not g.covers(hub_pt)]
        self._slope: np.ndarray | None = None
        self._site: RoadSite | None = None

    def tie(self, collector: tuple[float, float], more: Sequence[BaseGeometry] = ()) -> LineString | None:
        """The tie line from `collector` routed around every zone and footprint (and `more`
        footprints), its own yard excepted; None when no route exists (the router's straight
        fallback is not a legal route)."""
        sub, hub_pt = Point(collector), Point(self.hub)
        # The line leaves the collector: a footprint around it (its own yard) is no obstacle.
        extra = [e for e in more if not (g := e.buffer(1.0)).covers(sub) and not g.covers(hub_pt)]
        if self._slope is None:
            self._slope = slope_deg(self.grid)
        site: RoadSite | None = None
        if not any(g.covers(sub) for _, g in self._common):
            if self._site is None:
                self._site = gen_tie_site(
                    grid=self.grid,
                    slope_deg=self._slope,
                    obstacles=self.obstacles,
                    equipment=[e for e, _ in self._common],
                )
            site = self._site.with_equipment(extra)
        tie = route_gen_tie(
            grid=self.grid,
            slope_deg=self._slope,
            substation_xy=collector,
            poi_xy=self.hub,
            obstacles=self.obstacles,
            # Without the shared ground (a common footprint covers this collector): its own.
            equipment=[e for e, g in self._common if not g.covers(sub)] + extra,
            site=site,
        )
        if tie.straight_m > 1.0 or tie.warnings:
            return None
        return tie.geometry


def add_to_placement(placement: Placement, collectors: Sequence[Collector]) -> None:
    """Each collector as a placed block of one component (`ASSET_TYPE`, no capacity): roads reach
    it, earthwork levels its pad and the exports draw it as every other piece of equipment."""
    for c in collectors:
        placement.components.append(
            PlacedComponent(
                asset_type=ASSET_TYPE,
                polygon=c.footprint,
                rotation_deg=0.0,
                block_index=len(placement.blocks),
                capacity_kw=0.0,
                storage_kwh=0.0,
                clearance_m=COLLECTOR_CLEARANCE_M,
                max_slope_deg=COLLECTOR_MAX_SLOPE_DEG,
            )
        )
        placement.blocks.append(
            PlacedBlock(name=ASSET_TYPE, centre=c.centre, rotation_deg=0.0, access=c.access, hub=False)
        )


def block_sinks(stations: Sequence[tuple[float, float]], collectors: Sequence[Collector]) -> list[int]:
    """Per power station: 0 for the main substation, k for collector k (1-based) whose region
    holds it."""
    # Each region grown once per call (not once per station: 1 GWac has ~300 stations), prepared
    # for the repeated `covers` tests; the answer is the same.
    grown = [c.region.buffer(COLLECTOR_CLEARANCE_M + 20.0) for c in collectors]
    for g in grown:
        shapely.prepare(g)
    out = []
    for s in stations:
        p = Point(s)
        k = next((i + 1 for i, g in enumerate(grown) if g.covers(p)), 0)
        out.append(k)
    return out


def served_area(
    whole: BaseGeometry, hub_area: BaseGeometry, collectors: Sequence[Collector]
) -> tuple[BaseGeometry, float]:
    """The land PV may use (the main substation's plus every collector's region) and the area of
    `whole` left unserved [m²] (the collectors' yards and clearances count as used)."""
    if not collectors:
        return hub_area, float(whole.area - hub_area.area)
    area = shapely.union_all([hub_area, *(c.region for c in collectors)])
    yards = [c.footprint.buffer(COLLECTOR_CLEARANCE_M) for c in collectors]
    return area, float(whole.difference(shapely.union_all([area, *yards])).area)


def used_collectors(
    collectors: Sequence[Collector], stations: Sequence[tuple[float, float]]
) -> list[Collector]:
    """The collectors that serve at least one power station (the others are not built)."""
    used = set(block_sinks(stations, collectors))
    return [c for i, c in enumerate(collectors) if i + 1 in used]


def collector_loads_kw(collectors: Sequence[Collector], plant: PvPlant | None) -> list[float]:
    """AC power [kW] each collector gathers (its blocks' AC)."""
    if plant is None or not collectors:
        return [0.0] * len(collectors)
    sinks = block_sinks([b.station for b in plant.blocks], collectors)
    return [
        float(sum(b.ac_kw for b, s in zip(plant.blocks, sinks, strict=True) if s == k + 1))
        for k in range(len(collectors))
    ]


def collector_features(
    collectors: Sequence[Collector], crs: str, plant: PvPlant | None
) -> list[dict[str, Any]]:
    """Each tie line as a layout feature (`kind: "collector_tie"`, WGS84): collector number, length,
    the part outside the parcel [m] and its voltage class [kV] (by the power it carries)."""
    lines = reproject_many([c.tie for c in collectors], crs, WGS84)
    loads = collector_loads_kw(collectors, plant)
    return [
        {
            "kind": "collector_tie",
            "geometry": g,
            "properties": {
                "collector": i + 1,
                "length_m": round(c.tie_m, 1),
                "outside_parcel_m": round(c.tie_outside_parcel_m, 1),
                "ac_kw": round(kw, 1),
                "voltage_kv": voltage_class_kv(kw),
                "reason": c.reason,
            },
        }
        for i, (c, g, kw) in enumerate(zip(collectors, lines, loads, strict=True))
    ]


def collector_metrics(
    collectors: Sequence[Collector], plant: PvPlant | None, design: dict[str, Any]
) -> dict[str, Any]:
    """The collectors' metrics (count, tie length [m], tie outside the parcel [m]); their quantities
    go into the design's bill of quantities (`bom["collectors"]`, priced by the cost model)."""
    loads = collector_loads_kw(collectors, plant)
    if "bom" in design:
        design["bom"]["collectors"] = [
            {"ac_kw": round(kw, 1), "tie_m": round(c.tie_m, 1), "voltage_kv": voltage_class_kv(kw)}
            for c, kw in zip(collectors, loads, strict=True)
        ]
    return {
        "collector_substation_count": len(collectors),
        "collector_tie_length_m": round(float(sum(c.tie_m for c in collectors)), 1),
        "collector_tie_outside_parcel_m": round(float(sum(c.tie_outside_parcel_m for c in collectors)), 1),
    }


def route_roads_by_sink(
    *,
    terminals: Sequence[tuple[float, float]],
    labels: Sequence[str],
    hub: int,
    root: Point,
    more_roots: Sequence[Point],
    sinks: Sequence[int],
    collector_terminals: Sequence[int],
    ground: RoadGround,
    entries: Sequence[Point],
    **kwargs: Any,
) -> RoadNetwork:
    """`route_roads` once for the main substation's land and once per collector's, each network
    rooted at an entry on its own ground with its substation as hub (MV feeders follow the roads
    to their own substation, so each network leads to it). sinks: per terminal, 0 (main) or k
    (collector k, 1-based); collector_terminals: the terminal index of each collector's access.
    Unreachable indices refer to `terminals`; a collector with no entry on its ground leaves all
    its terminals unreachable."""
    n_coll = len(collector_terminals)
    roots: list[Point | None] = []
    used: set[int] = set()
    for t in collector_terminals:
        labs = ground.labels_at(Point(terminals[t]).buffer(ground.grid.resolution_m))
        k = next((i for i, lab in enumerate(ground.entry_labels) if lab in labs and i < len(entries)), None)
        roots.append(entries[k] if k is not None else None)
        if k is not None:
            used.add(k)
    rest = [p for p in more_roots if not any(p.equals(entries[k]) for k in used)]
    segments = []
    warnings: list[str] = []
    unreachable: list[int] = []
    # The ground and cost graph are the same for every substation's network: built once.
    steep_fallback = bool(kwargs.pop("steep_fallback", False))
    site: RoadSite | None = None
    for k in range(n_coll + 1):
        ids = [i for i, s in enumerate(sinks) if s == k]
        if not ids:
            continue
        r = root if k == 0 else roots[k - 1]
        if r is None:
            unreachable += ids
            continue
        site = site if site is not None else RoadSite(**kwargs)
        net = route_on(
            site,
            terminals=[terminals[i] for i in ids],
            labels=[labels[i] for i in ids],
            hub=ids.index(hub if k == 0 else collector_terminals[k - 1]),
            root=r,
            more_roots=rest if k == 0 else (),
            steep_fallback=steep_fallback,
        )
        segments += net.segments
        warnings += net.warnings
        unreachable += [ids[j] for j in net.unreachable]
    return RoadNetwork(segments=segments, warnings=warnings, unreachable=sorted(unreachable))
