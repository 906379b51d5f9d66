"""Terrain of a site: summary, contours, slope classes and buildable land (GeoJSON, WGS84)."""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from app.api.deps import OwnedSite, SessionDep, SettingsDep, StorageDep
from app.api.transactions import TransactionalRoute
from app.config import Settings
from app.db.mapping import site_input
from app.db.models import Site
from app.dem.resolution import native_resolution
from app.dem.service import load_site_grid
from app.engine.blocks.placement import site_keepouts, usable_area
from app.engine.core.crs import to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams
from app.engine.terrain.analysis import SLOPE_CLASS_EDGES_DEG, terrain_summary
from app.engine.terrain.vectors import buildable_polygons, contour_lines, slope_class_polygons
from app.errors import InvalidInput
from app.storage.base import Storage

router = APIRouter(route_class=TransactionalRoute, prefix="/api/sites", tags=["terrain"])

ResolutionQuery = Annotated[float, Query(ge=1, le=100, description="Terrain cell size [m], 1-100.")]
MinAreaQuery = Annotated[
    float, Query(ge=0, le=1_000_000, description="Merge patches under this area [m²] into their neighbours.")
]


class SlopeClassPublic(BaseModel):
    label: str
    lower_deg: float
    upper_deg: float
    area_ha: float
    share: float


class TerrainSummaryPublic(BaseModel):
    """Terrain inside the site boundary: elevations [m], slopes [degrees], areas [ha], shares 0-1."""

    source: str
    crs: str
    resolution_m: float
    cell_count: int
    nodata_share: float
    area_ha: float
    elevation_min_m: float | None
    elevation_max_m: float | None
    elevation_mean_m: float | None
    slope_mean_deg: float | None
    slope_max_deg: float | None
    slope_classes: list[SlopeClassPublic]
    buildable_share_by_limit: dict[str, float]
    buildable_share_by_asset: dict[str, float]
    native_resolution_m: float | None = None
    native_cell_size_m: tuple[float, float] | None = None
    resolution_label: str = ""
    resolution_warning: str | None = None


class FeaturePublic(BaseModel):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: dict[str, Any]


class FeatureCollectionPublic(BaseModel):
    """A GeoJSON FeatureCollection in WGS84 (longitude, latitude)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[FeaturePublic]
    properties: dict[str, Any]


def _site_grid(
    *, site: Site, resolution_m: float, settings: Settings, storage: Storage
) -> tuple[Grid, str, BaseGeometry]:
    """The site's cached terrain grid, its source, and the boundary in the grid's UTM CRS."""
    boundary = shape(site.boundary)
    grid, source = load_site_grid(
        boundary_wgs84=boundary,
        site_id=site.id,
        resolution_m=resolution_m,
        use_terrain=True,
        settings=settings,
        storage=storage,
    )
    return grid, source, to_utm(boundary, grid.crs)


def _parse_classes(classes: str | None) -> tuple[float, ...]:
    if not classes:
        return SLOPE_CLASS_EDGES_DEG
    try:
        edges = tuple(float(v) for v in classes.split(",") if v.strip())
    except ValueError:
        raise InvalidInput("classes: give slope class edges in degrees, e.g. 0,2,5,10,15,25,90") from None
    increasing = all(b > a for a, b in itertools.pairwise(edges))
    if len(edges) < 2 or not increasing or edges[0] < 0 or edges[-1] > 90:
        raise InvalidInput("classes: at least two increasing slopes between 0 and 90 degrees")
    return edges


@router.get("/{site_id}/terrain/summary", response_model=TerrainSummaryPublic)
def summary(
    *,
    site: OwnedSite,
    session: SessionDep,
    resolution_m: ResolutionQuery = 30.0,
    storage: StorageDep,
    settings: SettingsDep,
) -> TerrainSummaryPublic:
    """Elevation, slope histogram and buildable shares of the land inside the site boundary.

    Also the DEM source's native cell size [m] beside the analysis grid's (`resolution_label`,
    e.g. "10 m grid resampled from ≈ 93 m source"), with a warning when the grid is finer.
    """
    grid, source, boundary = _site_grid(
        site=site, resolution_m=resolution_m, settings=settings, storage=storage
    )
    native = native_resolution(source, shape(site.boundary), resolution_m=resolution_m, settings=settings)
    summary_ = terrain_summary(
        grid, site=boundary, native_resolution_m=native.resolution_m if native else None
    ).to_dict()
    return TerrainSummaryPublic(
        source=source,
        native_cell_size_m=(native.cell_x_m, native.cell_y_m) if native else None,
        **summary_,
    )


@router.get("/{site_id}/terrain/contours", response_model=FeatureCollectionPublic)
def contours(
    *,
    site: OwnedSite,
    session: SessionDep,
    interval_m: Annotated[float, Query(gt=0, le=1000, description="Contour interval [m].")] = 5.0,
    resolution_m: ResolutionQuery = 30.0,
    storage: StorageDep,
    settings: SettingsDep,
) -> FeatureCollectionPublic:
    """Contour lines every `interval_m` metres inside the site: one MultiLineString per elevation."""
    grid, source, boundary = _site_grid(
        site=site, resolution_m=resolution_m, settings=settings, storage=storage
    )
    contours = contour_lines(grid, interval_m=interval_m, site=boundary)
    features = [
        FeaturePublic(geometry=mapping(c.geometry), properties={"elevation_m": c.elevation_m})
        for c in contours
    ]
    return FeatureCollectionPublic(
        features=features,
        properties={"source": source, "interval_m": interval_m, "resolution_m": grid.resolution_m},
    )


@router.get("/{site_id}/terrain/slope", response_model=FeatureCollectionPublic)
def slope(
    *,
    site: OwnedSite,
    session: SessionDep,
    classes: Annotated[
        str | None, Query(description="Slope class edges [degrees], comma-separated (0,2,5,10,15,25,90).")
    ] = None,
    resolution_m: ResolutionQuery = 30.0,
    min_area_m2: MinAreaQuery = 0.0,
    storage: StorageDep,
    settings: SettingsDep,
) -> FeatureCollectionPublic:
    """The site divided into slope classes: one (Multi)Polygon feature per class, clipped to the site."""
    edges = _parse_classes(classes)
    grid, source, boundary = _site_grid(
        site=site, resolution_m=resolution_m, settings=settings, storage=storage
    )
    areas = slope_class_polygons(grid, site=boundary, class_edges_deg=edges, min_area_m2=min_area_m2)
    total_ha = sum(a.area_ha for a in areas)
    features = [
        FeaturePublic(
            geometry=mapping(a.geometry),
            properties={
                "label": a.label,
                "lower_deg": a.lower_deg,
                "upper_deg": a.upper_deg,
                "area_ha": a.area_ha,
                "share": a.area_ha / total_ha if total_ha else 0.0,
            },
        )
        for a in areas
    ]
    return FeatureCollectionPublic(
        features=features,
        properties={"source": source, "classes_deg": list(edges), "resolution_m": grid.resolution_m},
    )


@router.get("/{site_id}/terrain/buildable", response_model=FeatureCollectionPublic)
def buildable(
    *,
    site: OwnedSite,
    session: SessionDep,
    max_slope_deg: Annotated[float, Query(ge=0, le=90, description="Steepest buildable slope [deg].")] = 10.0,
    resolution_m: ResolutionQuery = 30.0,
    min_area_m2: MinAreaQuery = 0.0,
    exclude_zones: Annotated[
        bool, Query(description="Remove the site's exclusion zones (with their buffers).")
    ] = True,
    setback_m: Annotated[
        float,
        Query(ge=0, le=1000, description="Keep-out inside the boundary [m], as the layout's setback_m."),
    ] = LayoutParams.setback_m,
    storage: StorageDep,
    settings: SettingsDep,
) -> FeatureCollectionPublic:
    """Land inside the site no steeper than `max_slope_deg`, inside the setback and outside the
    exclusion zones by the engine's own keep-out rule (`site_keepouts` + `usable_area`), so the
    preview is the land a layout with the same setback may use: one feature."""
    grid, source, boundary = _site_grid(
        site=site, resolution_m=resolution_m, settings=settings, storage=storage
    )
    _, keepouts = site_keepouts(site_input(site), grid.crs)
    area = usable_area(boundary, setback_m, keepouts if exclude_zones else [])
    geom = buildable_polygons(grid, max_slope_deg=max_slope_deg, site=area, min_area_m2=min_area_m2)
    site_ha = boundary.area / 10_000.0
    buildable_ha = to_utm(geom, grid.crs).area / 10_000.0 if not geom.is_empty else 0.0
    return FeatureCollectionPublic(
        features=[
            FeaturePublic(
                geometry=mapping(geom),
                properties={
                    "max_slope_deg": max_slope_deg,
                    "area_ha": buildable_ha,
                    "share": buildable_ha / site_ha if site_ha else 0.0,
                },
            )
        ],
        properties={
            "source": source,
            "resolution_m": grid.resolution_m,
            "exclusions_removed": exclude_zones,
            "setback_m": setback_m,
        },
    )
