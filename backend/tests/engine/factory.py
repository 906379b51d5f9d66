"""A small fixture factory: sites and grids built in memory, in the site's UTM CRS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely.affinity
from affine import Affine
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from app.engine.core.crs import site_crs, to_utm, to_wgs84
from app.engine.core.grid import Grid, flat_grid
from app.engine.core.types import Exclusion, SiteInput

# A reference point in the US mid-west (UTM zone 15N).
LON0, LAT0 = -93.0, 40.0
MARGIN_M = 100.0


def utm_origin() -> tuple[str, float, float]:
    """(crs, x, y) of the reference point in its UTM zone."""
    crs = site_crs(Point(LON0, LAT0))
    p = to_utm(Point(LON0, LAT0), crs)
    return crs, p.x, p.y


def site_from_utm(
    boundary: BaseGeometry,
    crs: str,
    exclusions: list[tuple[BaseGeometry, float]] = (),  # type: ignore[assignment]
    entry: Point | None = None,
) -> SiteInput:
    """A WGS84 `SiteInput` from geometries in UTM [m]."""
    return SiteInput(
        boundary=to_wgs84(boundary, crs),  # type: ignore[arg-type]
        exclusions=tuple(Exclusion(geometry=to_wgs84(g, crs), buffer_m=b) for g, b in exclusions),  # type: ignore[arg-type]
        entry_point=to_wgs84(entry, crs) if entry is not None else None,
    )


def square_utm(size_m: float, x0: float | None = None, y0: float | None = None) -> tuple[str, Polygon]:
    crs, ox, oy = utm_origin()
    x0 = ox if x0 is None else x0
    y0 = oy if y0 is None else y0
    return crs, Polygon([(x0, y0), (x0 + size_m, y0), (x0 + size_m, y0 + size_m), (x0, y0 + size_m)])


def grid_for(
    geom: BaseGeometry,
    crs: str,
    *,
    resolution_m: float = 10.0,
    terrain: str = "flat",
    amplitude_m: float = 8.0,
    wavelength_m: float = 600.0,
) -> Grid:
    """A grid covering `geom` (UTM) plus a margin: flat, rolling (sines) or a steep ridge."""
    minx, miny, maxx, maxy = geom.bounds
    b = (minx - MARGIN_M, miny - MARGIN_M, maxx + MARGIN_M, maxy + MARGIN_M)
    g = flat_grid(b, resolution_m=resolution_m, crs=crs, elevation_m=200.0)
    if terrain == "flat":
        return g
    rows, cols = g.shape
    xs = g.transform.c + (np.arange(cols) + 0.5) * resolution_m
    ys = g.transform.f - (np.arange(rows) + 0.5) * resolution_m
    xx, yy = np.meshgrid(xs - xs[0], ys - ys[-1])
    k = 2 * np.pi / wavelength_m
    if terrain == "rolling":
        z = 200 + amplitude_m * (np.sin(k * xx) * np.cos(0.7 * k * yy) + 0.5 * np.sin(1.9 * k * yy + 1.0))
    elif terrain == "ridge":
        # A steep ridge (about 35 %) running north-south through the middle.
        mid = (xs[-1] - xs[0]) / 2
        z = 200 + np.clip(60 - 0.35 * np.abs(xx - mid), 0, None)
    else:
        raise ValueError(terrain)
    return Grid(data=z.astype(np.float32), transform=Affine(*g.transform[:6]), crs=crs)


@dataclass(frozen=True)
class SiteCase:
    """A factory-made site: the engine input (WGS84), its UTM CRS and its parcel in UTM [m]."""

    site: SiteInput
    crs: str
    boundary: Polygon


def make_site(
    width_m: float = 1000.0,
    depth_m: float | None = None,
    *,
    exclusions: Sequence[tuple[BaseGeometry, float]] = (),
    entry: tuple[float, float] | None = None,
) -> SiteCase:
    """A rectangular parcel `width_m` east-west by `depth_m` (default `width_m`) north-south [m]
    with its south-west corner at the reference point, in its UTM zone. exclusions: (geometry,
    buffer [m]) and entry: (x, y), both in metres from the south-west corner."""
    crs, x0, y0 = utm_origin()
    depth = width_m if depth_m is None else depth_m
    parcel = box(x0, y0, x0 + width_m, y0 + depth)
    moved = [(shapely.affinity.translate(g, x0, y0), b) for g, b in exclusions]
    gate = Point(x0 + entry[0], y0 + entry[1]) if entry is not None else None
    return SiteCase(site=site_from_utm(parcel, crs, moved, gate), crs=crs, boundary=parcel)
