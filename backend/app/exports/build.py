"""Build an `ExportDocument` from the engine's inputs and result (no database, no HTTP).

Used by `from_db` (a stored layout) and by the CLI's one-shot `generate --export`.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from app.engine.core.crs import site_crs, to_utm
from app.engine.core.geojson import layout_feature_collection
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams, LayoutResult, SiteInput
from app.engine.terrain.analysis import terrain_summary
from app.engine.terrain.vectors import contour_lines
from app.exports.document import ExportDocument

# Aim for about this many contour levels over the site's relief (a readable map).
TARGET_CONTOUR_LEVELS = 15
MIN_CONTOUR_INTERVAL_M = 1.0


def contour_interval_m(relief_m: float) -> float:
    """A round contour interval [m] (1, 2, 5 × 10^k, at least 1 m) giving ~15 levels over `relief_m` [m]."""
    if not math.isfinite(relief_m) or relief_m <= 0:
        return MIN_CONTOUR_INTERVAL_M
    target = relief_m / TARGET_CONTOUR_LEVELS
    exp = math.floor(math.log10(target))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= target:
            return max(MIN_CONTOUR_INTERVAL_M, float(m * 10**exp))
    return max(MIN_CONTOUR_INTERVAL_M, float(10 ** (exp + 1)))


def terrain_context(
    grid: Grid,
    boundary_wgs84: BaseGeometry,
    *,
    source: str | None = None,
    native_resolution_m: float | None = None,
) -> tuple[dict[str, Any], list[LineString]]:
    """Terrain summary (JSON-ready dict) and contour lines for the export.

    grid: elevations [m] in the site's UTM CRS; boundary_wgs84: the site (WGS84). Contours are
    WGS84 LineStrings whose z is the contour elevation [m], at an interval chosen from the relief
    (the summary's "contour_interval_m"). native_resolution_m: the DEM source's own cell size [m],
    labelled beside the grid's in the summary.
    """
    site_utm = to_utm(boundary_wgs84, grid.crs)
    summary = terrain_summary(grid, site=site_utm, native_resolution_m=native_resolution_m).to_dict()
    if source is not None:
        summary = {"source": source, **summary}
    lo, hi = summary.get("elevation_min_m"), summary.get("elevation_max_m")
    contours: list[LineString] = []
    if lo is not None and hi is not None:
        interval = contour_interval_m(float(hi) - float(lo))
        summary["contour_interval_m"] = interval
        for c in contour_lines(grid, interval_m=interval, site=site_utm):
            for line in c.geometry.geoms:
                contours.append(LineString([(x, y, c.elevation_m) for x, y, *_ in line.coords]))
    return summary, contours


def document_from_result(
    *,
    site: SiteInput,
    result: LayoutResult,
    params: LayoutParams,
    site_name: str,
    layout_id: str,
    params_used: dict[str, Any] | None = None,
    grid: Grid | None = None,
    grid_source: str | None = None,
    created_at: datetime | None = None,
    extra_warnings: list[str] | None = None,
    feature_collection: dict[str, Any] | None = None,
) -> ExportDocument:
    """The export document of an engine result.

    params_used: the parameters as the user gave them (default: `params` as a dict).
    grid: the terrain the layout was computed on (elevations [m], UTM); with it the document
    gets a terrain summary and contour lines. A flat grid (source "flat") adds neither.
    feature_collection: the layout's stored GeoJSON document (`app.exports.layout_document`), used
    as is instead of rebuilding it from `result` (whose metrics, warnings, CRS and design still
    apply; its assets and roads are then not read).
    """
    stored = feature_collection is not None
    fc = (
        feature_collection
        if feature_collection is not None
        else layout_feature_collection(site, result, params)
    )
    summary: dict[str, Any] | None = None
    contours: list[LineString] | None = None
    if grid is not None and grid_source != "flat":
        native = result.metrics.get("dem_native_resolution_m")
        summary, contours = terrain_context(
            grid,
            site.boundary,
            source=grid_source,
            native_resolution_m=float(native) if isinstance(native, int | float) else None,
        )
    return ExportDocument(
        feature_collection=fc,
        crs=result.crs or site_crs(site.boundary),
        site_name=site_name,
        layout_id=layout_id,
        params=dict(params_used) if params_used is not None else asdict(params),
        warnings=[*result.warnings, *(extra_warnings or [])],
        terrain_summary=summary,
        contours=contours or None,
        created_at=created_at or datetime.now(UTC),
        design=dict(result.design or {}),
        geojson_ready=stored,
    )
