"""Layout exports: GeoJSON, KMZ, CSV (zip), DXF and PDF, generated once and kept in outputs storage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.api.content_encoding import gzip_negotiated
from app.api.deps import OwnedLayout, SessionDep, SettingsDep, StorageDep
from app.api.transactions import TransactionalRoute
from app.db.models import Layout, LayoutStatus
from app.errors import Conflict
from app.exports.document import ExportDocument, safe_filename_stem
from app.exports.formats import FORMATS, FormatName, get_format
from app.exports.from_db import export_document_for_layout
from app.exports.service import (
    GZIP_FORMATS,
    content_disposition,
    get_or_create_export,
    get_or_create_gzip_export,
)

router = APIRouter(route_class=TransactionalRoute, prefix="/api/layouts", tags=["exports"])

# Formats that show terrain (summary, contours); the others skip loading the DEM.
TERRAIN_FORMATS = frozenset({"pdf", "dxf"})

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export file, as an attachment named site + layout + format.",
        "content": {
            f.content_type: {"schema": {"type": "string", "format": "binary"}} for f in FORMATS.values()
        },
    },
    404: {"description": "No such layout (or not yours)."},
    409: {"description": "The layout is not completed yet."},
}


def layout_label(session: Session, layout: Layout) -> str:
    """ "layout-2-solar_farm-4MWac": the layout's number within its site (as the web app counts,
    oldest first), its profile and its placed AC capacity [MW]."""
    number = session.scalar(
        select(func.count())
        .select_from(Layout)
        .where(Layout.site_id == layout.site_id, Layout.created_at <= layout.created_at)
    )
    parts = [f"layout-{number or 1}", str(layout.params.get("profile") or "")]
    if layout.total_capacity_kw:
        parts.append(f"{layout.total_capacity_kw / 1000:.4g}MWac")
    return "-".join(p for p in parts if p)


def export_download_name(site_name: str, label: str, fmt: str) -> str:
    """The download's file name: site + layout + format, e.g. "Mesquite-layout-2-solar_farm-4MWac.csv.zip"."""
    stem = safe_filename_stem(f"{safe_filename_stem(site_name)}-{label}", max_len=160)
    return f"{stem}.{get_format(fmt).extension}"


@router.get("/{layout_id}/export/{fmt}", response_class=Response, responses=_RESPONSES)
def export_layout(
    *,
    layout: OwnedLayout,
    fmt: FormatName,
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> Response:
    """Download a completed layout as geojson, kmz, csv (zip of assets.csv and roads.csv), dxf or pdf.

    Generated on first request and stored at `outputs/{layout_id}/layout.{ext}`; later requests
    (and requests after the 30-day lifecycle rule removed it, which regenerate it) are served
    from there.
    """

    if layout.status != LayoutStatus.completed.value:
        raise Conflict(f"layout {layout.id} is {layout.status}; exports exist once it is completed")

    def load() -> ExportDocument:
        return export_document_for_layout(
            session, layout, settings=settings, storage=storage, with_terrain=fmt in TERRAIN_FORMATS
        )

    filename = export_download_name(layout.site.name, layout_label(session, layout), fmt)
    headers = {"Content-Disposition": content_disposition(filename), "X-Content-Type-Options": "nosniff"}
    if fmt in GZIP_FORMATS:
        # Kept gzipped (`layout.geojson.gz`), sent with Content-Encoding: gzip when accepted.
        gz = get_or_create_gzip_export(doc_loader=load, layout_id=str(layout.id), fmt=fmt, storage=storage)
        return gzip_negotiated(request, gz, media_type=get_format(fmt).content_type, headers=headers)
    data, _, content_type = get_or_create_export(
        doc_loader=load, layout_id=str(layout.id), fmt=fmt, storage=storage, site_name=layout.site.name
    )
    return Response(content=data, media_type=content_type, headers=headers)
