"""The gen-tie: the overhead line from the plant's substation to the grid interconnection point.

Routed with the access-road router (`app.engine.civil.roads.route_on`): the same slope-weighted
least-cost path over the terrain grid, around the exclusion zones (with their buffers) and the
plant's equipment, dearer under PV rows. The router works on the terrain grid, so a point of
interconnection beyond the grid is reached by a straight run from the grid's edge, and that run is
warned about with its length. All geometry is in the grid's CRS (the site's UTM zone) [m].

The voltage class follows the plant's AC capacity (`voltage_class_kv`); the cost model prices the
line per km of that class (docs/cost.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.profiles import RoadSpec
from app.engine.civil.roads import RoadSite, route_on
from app.engine.core.grid import Grid

# An overhead line spans steep ground that a truck could not climb: slope only makes the route
# dearer (1 + 4·(grade/30 %)²), and only ground steeper than 30 % is avoided where possible.
GEN_TIE_GRADE_PCT = 30.0
_SPEC = RoadSpec(width_m=3.0, secondary_width_m=3.0, spur_width_m=3.0, max_grade_pct=GEN_TIE_GRADE_PCT)

# (largest plant AC capacity [kW], line voltage [kV]): the usual US choice of transmission voltage
# for a generator tie of that size (docs/cost.md, "Gen-tie voltage class").
VOLTAGE_CLASSES: tuple[tuple[float, int], ...] = (
    (50_000.0, 69),
    (100_000.0, 115),
    (250_000.0, 138),
    (500_000.0, 230),
    (float("inf"), 345),
)


def voltage_class_kv(ac_kw: float) -> int:
    """The gen-tie voltage class [kV] for a plant of `ac_kw` [kW AC] (see `VOLTAGE_CLASSES`)."""
    return next(kv for limit, kv in VOLTAGE_CLASSES if ac_kw <= limit)


@dataclass(frozen=True, kw_only=True)
class GenTie:
    """A routed gen-tie in UTM: geometry from the interconnection point to the substation [m].

    length_m: total line length [m]; straight_m: the part drawn straight, not routed (from the
    interconnection point to the terrain grid, or all of it when no route avoids the zones);
    warnings: what the user must know about the route."""

    geometry: LineString
    length_m: float
    straight_m: float
    warnings: tuple[str, ...]


def gen_tie_site(
    *,
    grid: Grid,
    slope_deg: np.ndarray,
    obstacles: Sequence[BaseGeometry],
    equipment: Sequence[BaseGeometry] = (),
    footprints: Sequence[Polygon] = (),
) -> RoadSite:
    """The ground a gen-tie is routed over (arguments as `route_gen_tie`): built once, it serves
    several lines over the same grid (`RoadSite.with_equipment` adds footprints per line)."""
    return RoadSite(
        grid=grid,
        slope_deg=slope_deg,
        boundary=box(*grid.bounds),
        obstacles=list(obstacles),
        footprints=list(footprints),
        spec=_SPEC,
        equipment=list(equipment),
    )


def route_gen_tie(
    *,
    grid: Grid,
    slope_deg: np.ndarray,
    substation_xy: tuple[float, float],
    poi_xy: tuple[float, float],
    obstacles: Sequence[BaseGeometry],
    equipment: Sequence[BaseGeometry] = (),
    footprints: Sequence[Polygon] = (),
    site: RoadSite | None = None,
) -> GenTie:
    """Route the gen-tie from the interconnection point `poi_xy` to `substation_xy` (UTM [m]).

    grid / slope_deg: terrain [m] and its slope [°] on the same cells; obstacles: no-go zones
    (exclusions with their buffers); equipment: footprints the line must not cross (the substation
    itself excluded); footprints: PV rows it may cross at a higher cost. site: the ground already
    built from these arguments (`gen_tie_site`; then equipment and footprints are not read)."""
    poi = Point(poi_xy)
    sub = Point(substation_xy)
    res = grid.resolution_m
    area = box(*grid.bounds)
    if site is None:
        site = gen_tie_site(
            grid=grid, slope_deg=slope_deg, obstacles=obstacles, equipment=equipment, footprints=footprints
        )
    network = route_on(
        site,
        terminals=[substation_xy],
        labels=["substation"],
        root=poi,
        hub=0,
        # An overhead line spans ground a truck could not climb: steep ground is a fallback, flagged.
        steep_fallback=True,
    )
    warnings: list[str] = []
    coords: list[tuple[float, float]] = []
    for seg in network.segments:
        # Segments come out root (interconnection point) first, each continuing the previous one.
        pts = [(float(x), float(y)) for x, y, *_ in seg.geometry.coords]
        coords.extend(pts if not coords or pts[0] != coords[-1] else pts[1:])
    if network.unreachable or len(coords) < 2:
        if network.unreachable:
            warnings.append(
                "gen-tie: no route over the terrain grid avoids the no-go zones between the "
                "interconnection point and the substation; drawn as a straight line"
            )
        coords = [(poi.x, poi.y), (sub.x, sub.y)]
    # Straight, not routed: the whole line when no route was found, else the lead from the point.
    straight_m = poi.distance(sub) if len(coords) == 2 and network.unreachable else 0.0
    if Point(coords[0]).distance(poi) > 1e-6:
        lead = LineString([(poi.x, poi.y), coords[0]])
        straight_m = float(lead.length)
        coords.insert(0, (poi.x, poi.y))
        on_terrain = area.buffer(-res).contains(poi) and bool(np.isfinite(grid.sample(poi.x, poi.y)))
        if not on_terrain:
            warnings.append(
                f"gen-tie: the interconnection point lies beyond the terrain grid (or its data); the last "
                f"{straight_m:,.0f} m to it are drawn straight, not routed over terrain or around zones"
            )
        elif any(lead.intersects(o) for o in obstacles):
            warnings.append(
                f"gen-tie: the interconnection point lies in or beside a no-go zone; the last "
                f"{straight_m:,.0f} m to it cross that zone"
            )
    if Point(coords[-1]).distance(sub) > 1e-6:
        coords.append((sub.x, sub.y))
    line = LineString(coords)
    if not line.is_valid or line.length <= 0:
        line = LineString([(poi.x, poi.y), (sub.x, sub.y)])
    line = shapely.remove_repeated_points(line)
    return GenTie(geometry=line, length_m=float(line.length), straight_m=straight_m, warnings=tuple(warnings))
