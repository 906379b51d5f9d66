"""The export document of a stored layout (rebuilt from its site, assets and roads rows)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Layout, LayoutStatus
from app.engine.core.types import LayoutResult
from app.errors import Conflict, DemError, InvalidInput
from app.exports.build import document_from_result
from app.exports.document import ExportDocument
from app.exports.layout_document import decode_document, load_layout_document
from app.storage.base import Storage

log = logging.getLogger(__name__)

TERRAIN_UNAVAILABLE = (
    "Terrain data could not be loaded when this export was made; "
    "the terrain summary and contours are omitted."
)


def export_document_for_layout(
    session: Session,
    layout: Layout,
    *,
    settings: Settings | None = None,
    storage: Storage | None = None,
    with_terrain: bool = False,
) -> ExportDocument:
    """The export document of a completed layout; `Conflict` for any other status.

    The FeatureCollection is the layout's stored GeoJSON document when `storage` has one
    (`app.exports.layout_document`), else it is rebuilt from the layout's site, exclusion zones,
    assets and roads with `app.engine.core.geojson.layout_feature_collection` (the code path the
    document was written by).
    with_terrain (needs `settings`): add a terrain summary and contours from the site's cached
    terrain grid at the layout's DEM resolution (a cache miss fetches it from the DEM sources).
    When terrain cannot be had, the document says so in its warnings instead of failing.
    """
    from app.db import mapping  # the mapping pulls in the engine; import on use

    if layout.status != LayoutStatus.completed.value:
        raise Conflict(f"layout {layout.id} is {layout.status}; exports exist once it is completed")
    job = mapping.load_job_input(layout)
    stored = load_layout_document(storage, str(layout.id)) if storage is not None else None
    fc = decode_document(stored) if stored is not None else None
    result = layout_result_header(layout) if fc is not None else mapping.result_from_rows(layout)
    grid = None
    source = None
    extra: list[str] = []
    if with_terrain and settings is not None and job.params.use_terrain:
        from app.dem.service import load_site_grid

        try:
            grid, source = load_site_grid(
                boundary_wgs84=job.site.boundary,
                site_id=layout.site_id,
                resolution_m=job.params.dem_resolution_m,
                use_terrain=True,
                settings=settings,
                storage=storage,
            )
        except (DemError, InvalidInput) as exc:
            log.warning("no terrain for the export of layout %s: %s", layout.id, exc)
            extra.append(TERRAIN_UNAVAILABLE)
    return document_from_result(
        site=job.site,
        result=result,
        params=job.params,
        site_name=layout.site.name,
        layout_id=str(layout.id),
        params_used=dict(layout.params or {}),
        grid=grid,
        grid_source=source,
        created_at=layout.completed_at or layout.created_at,
        extra_warnings=extra,
        feature_collection=fc,
    )


def layout_result_header(layout: Layout) -> LayoutResult:
    """A stored layout's result without its assets and roads (metrics, warnings, CRS, design): what
    an export needs beside the stored GeoJSON document, without reading thousands of rows."""
    return LayoutResult(
        assets=(),
        roads=(),
        metrics=dict(layout.metrics or {}),
        warnings=tuple(layout.warnings or ()),
        crs=layout.crs or "",
        design={k: v for k, v in (layout.design or {}).items() if k != "features"},
    )
