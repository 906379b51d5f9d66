"""ORM <-> engine: a stored site and layout as the engine's inputs and result, and a result as rows.

The pipeline (`app.pipeline.run`) computes; the job lifecycle (`app.jobs.lifecycle`) decides when a
result may be stored; this module only converts. Geometries are stored as WGS84 GeoJSON.
"""

from __future__ import annotations

import uuid
from typing import Any

from shapely.geometry import MultiPoint, Point, shape
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.db.models import Asset, Layout, Road, Site
from app.engine.blocks.profiles import load_profile
from app.engine.civil.road_grades import is_compliant
from app.engine.core.types import (
    ASSET_NUMBERS,
    Exclusion,
    LayoutParams,
    LayoutResult,
    PlacedAsset,
    PlacedRoad,
    SiteInput,
    asset_numbers,
)
from app.engine.core.validation import non_finite_path
from app.errors import NonFiniteResult
from app.pipeline.run import DesignInput, params_from_document
from app.sites.geometry import to_geojson, to_geojson_many


def params_from_layout(layout: Layout) -> LayoutParams:
    """The engine's parameters of a stored layout (its `params` JSON column)."""
    return params_from_document(layout.params)


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


def load_job_input(layout: Layout) -> DesignInput:
    """The pipeline's inputs for a stored layout (reads the layout's site and zones)."""
    return DesignInput(
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


def check_finite(result: LayoutResult) -> None:
    """`NonFiniteResult` naming the first NaN / ±Infinity figure of the metrics or the design
    document: JSON has no such numbers (PostgreSQL refuses them, SQLite stores text its own JSON
    functions call malformed), so a result carrying one fails here, by name, and is not retried."""
    for part, value in (("metrics", result.metrics), ("design", result.design)):
        bad = non_finite_path(value, part)
        if bad is not None:
            raise NonFiniteResult(
                f"{bad} is not a finite number: the inputs that feed it are out of scale; "
                "the layout was not stored"
            )


def result_columns(result: LayoutResult) -> dict[str, Any]:
    """A result's columns on the layouts row: metrics, warnings, CRS, design document and the
    headline figures (kW, count, m, m³, MWh) the lists and the status poll read."""
    m = result.metrics
    return {
        "metrics": m,
        "warnings": list(result.warnings),
        "crs": result.crs,
        "total_capacity_kw": m.get("total_capacity_kw"),
        "asset_count": m.get("asset_count"),
        "road_length_m": m.get("road_length_m"),
        "cut_volume_m3": m.get("cut_volume_m3"),
        "fill_volume_m3": m.get("fill_volume_m3"),
        "design": design_document(result),
        "annual_energy_mwh": m.get("annual_energy_mwh"),
    }


def add_result_rows(session: Session, *, layout_id: uuid.UUID, result: LayoutResult) -> None:
    """Insert the result's assets and roads (WGS84 GeoJSON), in the result's order, as one bulk
    INSERT per table (a 1 GWac plant has ~30k rows: one ORM object each took seconds).

    Only `app.jobs.lifecycle.complete` calls this, once it holds the layout."""
    if result.assets:
        footprints = to_geojson_many([a.footprint for a in result.assets])
        session.execute(
            insert(Asset),
            [
                {
                    "layout_id": layout_id,
                    "seq": i,
                    "asset_type": a.asset_type,
                    "geometry": footprints[i],
                    **dict(zip(ASSET_NUMBERS, asset_numbers(a), strict=True)),
                    "properties": a.properties or None,
                }
                for i, a in enumerate(result.assets)
            ],
        )
    if result.roads:
        session.execute(
            insert(Road),
            [
                {
                    "layout_id": layout_id,
                    "seq": i,
                    "road_class": r.road_class,
                    "geometry": to_geojson(r.geometry),
                    "width_m": r.width_m,
                    "length_m": r.length_m,
                    "max_grade_pct": r.max_grade_pct,
                    "cut_m3": r.cut_m3,
                    "fill_m3": r.fill_m3,
                }
                for i, r in enumerate(result.roads)
            ],
        )
