"""One layout generation: load the site, fetch terrain, run the engine, store the result.

Shared by the synchronous API path and the worker; the worker adds claiming, heartbeats,
retries and cancellation around it (app/jobs/runner.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shapely.geometry import MultiPoint, Point, shape
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Asset, Layout, LayoutStatus, Road, Site
from app.engine.geojson import layout_feature_collection
from app.engine.layout import generate_layout
from app.engine.profiles import load_profile
from app.engine.progress import scaled
from app.engine.road_grades import is_compliant
from app.engine.types import (
    Exclusion,
    LayoutParams,
    LayoutResult,
    PlacedAsset,
    PlacedRoad,
    ProgressFn,
    SiteInput,
)
from app.jobs.yield_cost import with_energy_and_cost
from app.sites.geometry import to_geojson
from app.storage.base import Storage

STAGE_FETCHING_DEM = "fetching_dem"
STAGE_SAVING = "saving"
STAGE_ENERGY = "simulating_energy"


@dataclass(frozen=True, kw_only=True)
class JobInput:
    """Everything the engine needs, read from the database before the long work starts."""

    layout_id: uuid.UUID
    site_id: uuid.UUID
    site: SiteInput
    params: LayoutParams


def params_from_layout(layout: Layout) -> LayoutParams:
    p = layout.params
    return LayoutParams(
        target_capacity_kw=float(p["target_capacity_kw"]),
        profile=str(p.get("profile", "solar_farm")),
        strategy=str(p.get("strategy", "balanced")),
        setback_m=float(p.get("setback_m", 15.0)),
        dem_resolution_m=float(p.get("dem_resolution_m", 30.0)),
        use_terrain=bool(p.get("use_terrain", True)),
        overrides=dict(p.get("overrides") or {}),
        pv=dict(p["pv"]) if p.get("pv") else None,
        electrical=dict(p["electrical"]) if p.get("electrical") else None,
        losses=dict(p["losses"]) if p.get("losses") else None,
        cost=dict(p["cost"]) if p.get("cost") else None,
    )


def site_input(site: Site) -> SiteInput:
    """The engine's view of a stored site (WGS84 geometries)."""
    entry = shape(site.entry_point) if site.entry_point else None
    poi = shape(site.interconnection_point) if site.interconnection_point else None
    return SiteInput(
        boundary=shape(site.boundary),
        exclusions=tuple(
            Exclusion(geometry=shape(z.geometry), buffer_m=z.buffer_m, zone_type=z.zone_type, name=z.name)
            for z in site.exclusion_zones
        ),
        entry_point=entry if isinstance(entry, Point | MultiPoint) else None,
        interconnection_point=poi if isinstance(poi, Point) else None,
    )


def load_job_input(layout: Layout) -> JobInput:
    """The engine's inputs for a stored layout (reads the layout's site and zones)."""
    return JobInput(
        layout_id=layout.id,
        site_id=layout.site_id,
        site=site_input(layout.site),
        params=params_from_layout(layout),
    )


def result_from_rows(layout: Layout) -> LayoutResult:
    """A stored layout as the engine's result type, so every output is built by one code path."""
    # The roads table keeps each segment's max grade, not its flag: re-derive it by the engine's rule.
    limit = 0.0
    if layout.roads:
        params = params_from_layout(layout)
        limit = load_profile(params.profile, params.overrides).road.max_grade_pct
    return LayoutResult(
        assets=tuple(
            PlacedAsset(
                asset_type=a.asset_type,
                footprint=shape(a.geometry),
                rotation_deg=a.rotation_deg,
                capacity_kw=a.capacity_kw,
                storage_kwh=a.storage_kwh,
                elevation_m=a.elevation_m if a.elevation_m is not None else float("nan"),
                slope_deg=a.slope_deg if a.slope_deg is not None else float("nan"),
                pad_elevation_m=a.pad_elevation_m if a.pad_elevation_m is not None else float("nan"),
                cut_m3=a.cut_m3,
                fill_m3=a.fill_m3,
                properties=dict(a.properties or {}),
            )
            for a in layout.assets
        ),
        roads=tuple(
            PlacedRoad(
                geometry=shape(r.geometry),
                road_class=r.road_class,
                width_m=r.width_m,
                length_m=r.length_m,
                max_grade_pct=r.max_grade_pct,
                cut_m3=r.cut_m3,
                fill_m3=r.fill_m3,
                compliant=is_compliant(r.max_grade_pct, limit),
            )
            for r in layout.roads
        ),
        metrics=dict(layout.metrics or {}),
        warnings=tuple(layout.warnings or ()),
        crs=layout.crs or "",
        extras=tuple(
            {"kind": e["kind"], "geometry": shape(e["geometry"]), "properties": e.get("properties", {})}
            for e in (layout.design or {}).get("features", [])
        ),
        design={k: v for k, v in (layout.design or {}).items() if k != "features"},
    )


def compute_layout(
    job: JobInput, *, settings: Settings, storage: Storage, progress: ProgressFn
) -> tuple[LayoutResult, dict[str, Any]]:
    """Fetch terrain and run the engine; returns the result and its GeoJSON. No database access."""
    from app.dem.service import load_site_grid

    progress(STAGE_FETCHING_DEM, 2.0)
    grid, source = load_site_grid(
        boundary_wgs84=job.site.boundary,
        site_id=str(job.site_id),
        resolution_m=job.params.dem_resolution_m,
        use_terrain=job.params.use_terrain,
        settings=settings,
        storage=storage,
    )
    result = generate_layout(job.site, grid, job.params, progress=scaled(progress, 5.0, 90.0))
    result = with_terrain_provenance(
        result, job, source=source, grid_resolution_m=grid.resolution_m, settings=settings
    )
    progress(STAGE_ENERGY, 92.0)
    result = with_energy_and_cost(
        result,
        site_id=str(job.site_id),
        site=job.site,
        settings=settings,
        storage=storage,
        losses=job.params.losses,
        cost=job.params.cost,
    )
    progress(STAGE_SAVING, 95.0)
    return result, layout_feature_collection(job.site, result, job.params)


TERRAIN_NOT_ASSESSED = (
    "Terrain was not used (use_terrain off): ground slopes and earthwork were not assessed; "
    "the layout assumes flat ground and cut/fill volumes are zero."
)


def with_terrain_provenance(
    result: LayoutResult, job: JobInput, *, source: str, grid_resolution_m: float, settings: Settings
) -> LayoutResult:
    """The result with what its terrain was: metrics `dem_source`, `dem_resolution_m` (analysis
    grid [m]) and `dem_native_resolution_m` (the source's own cell size [m], None if unknown or
    flat), `dem_resolution_label`; warnings when terrain was off or the grid is finer than its source.
    """
    from dataclasses import replace

    from app.dem.resolution import native_resolution, resolution_label, resolution_warning

    native = native_resolution(source, job.site.boundary, resolution_m=grid_resolution_m, settings=settings)
    native_m = native.resolution_m if native is not None else None
    metrics = {
        **result.metrics,
        "dem_source": source,
        "dem_resolution_m": grid_resolution_m,
        "dem_native_resolution_m": native_m,
        "dem_resolution_label": resolution_label(grid_resolution_m, native_m),
        "terrain_assessed": job.params.use_terrain,
    }
    warnings = list(result.warnings)
    if not job.params.use_terrain:
        warnings.append(TERRAIN_NOT_ASSESSED)
    else:
        finer = resolution_warning(grid_resolution_m, native_m)
        if finer is not None:
            warnings.append(finer)
    return replace(result, metrics=metrics, warnings=tuple(warnings))


def design_document(result: LayoutResult) -> dict[str, Any]:
    """The layout's design document as stored: the engine's design plus its extra features
    (fences, gates, cables) as GeoJSON geometries (WGS84)."""
    return {
        **result.design,
        "features": [
            {"kind": e["kind"], "geometry": to_geojson(e["geometry"]), "properties": e.get("properties", {})}
            for e in result.extras
        ],
    }


def store_result(
    session: Session, *, layout_id: uuid.UUID, result: LayoutResult, claim_token: str | None = None
) -> bool:
    """Write assets, roads and metrics and mark the layout completed, in the caller's transaction.

    With `claim_token`, only if this worker still owns the processing job (not cancelled or
    reclaimed meanwhile); returns False and writes nothing otherwise.
    """
    m = result.metrics
    where = [Layout.id == layout_id]
    if claim_token is not None:
        where += [Layout.claim_token == claim_token, Layout.status == LayoutStatus.processing.value]
    now = datetime.now(UTC)
    updated = session.execute(
        update(Layout)
        .where(*where)
        .values(
            status=LayoutStatus.completed.value,
            metrics=m,
            warnings=list(result.warnings),
            crs=result.crs,
            total_capacity_kw=m.get("total_capacity_kw"),
            asset_count=m.get("asset_count"),
            road_length_m=m.get("road_length_m"),
            cut_volume_m3=m.get("cut_volume_m3"),
            fill_volume_m3=m.get("fill_volume_m3"),
            design=design_document(result),
            annual_energy_mwh=m.get("annual_energy_mwh"),
            error_message=None,
            stage="completed",
            progress_pct=100.0,
            completed_at=now,
            heartbeat_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add_all(
        Asset(
            layout_id=layout_id,
            seq=i,
            asset_type=a.asset_type,
            geometry=to_geojson(a.footprint),
            rotation_deg=a.rotation_deg,
            capacity_kw=a.capacity_kw,
            storage_kwh=a.storage_kwh,
            elevation_m=a.elevation_m,
            slope_deg=a.slope_deg,
            pad_elevation_m=a.pad_elevation_m,
            cut_m3=a.cut_m3,
            fill_m3=a.fill_m3,
            properties=a.properties or None,
        )
        for i, a in enumerate(result.assets)
    )
    session.add_all(
        Road(
            layout_id=layout_id,
            seq=i,
            road_class=r.road_class,
            geometry=to_geojson(r.geometry),
            width_m=r.width_m,
            length_m=r.length_m,
            max_grade_pct=r.max_grade_pct,
            cut_m3=r.cut_m3,
            fill_m3=r.fill_m3,
        )
        for i, r in enumerate(result.roads)
    )
    return True
