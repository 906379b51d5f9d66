"""Layout exports: GeoJSON, KMZ, CSV (zip), DXF and PDF, generated once and kept in outputs storage."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.api.deps import CurrentUser, SessionDep, SettingsDep, StorageDep
from app.api.transactions import TransactionalRoute
from app.db import crud
from app.db.models import LayoutStatus
from app.errors import Conflict
from app.exports.document import ExportDocument
from app.exports.formats import FORMATS, FormatName
from app.exports.from_db import export_document_for_layout
from app.exports.service import content_disposition, get_or_create_export

router = APIRouter(route_class=TransactionalRoute, prefix="/api/layouts", tags=["exports"])

# Formats that show terrain (summary, contours); the others skip loading the DEM.
TERRAIN_FORMATS = frozenset({"pdf", "dxf"})

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export file, as an attachment named after the site.",
        "content": {
            f.content_type: {"schema": {"type": "string", "format": "binary"}} for f in FORMATS.values()
        },
    },
    404: {"description": "No such layout (or not yours)."},
    409: {"description": "The layout is not completed yet."},
}


@router.get("/{layout_id}/export/{fmt}", response_class=Response, responses=_RESPONSES)
def export_layout(
    *,
    layout_id: uuid.UUID,
    fmt: FormatName,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    """Download a completed layout as geojson, kmz, csv (zip of assets.csv and roads.csv), dxf or pdf.

    Generated on first request and stored at `outputs/{layout_id}/layout.{ext}`; later requests
    (and requests after the 30-day lifecycle rule removed it, which regenerate it) are served
    from there.
    """
    layout = crud.get_layout(session=session, layout_id=layout_id, owner_id=user.id)

    if layout.status != LayoutStatus.completed.value:
        raise Conflict(f"layout {layout_id} is {layout.status}; exports exist once it is completed")

    def load() -> ExportDocument:
        return export_document_for_layout(
            session, layout, settings=settings, storage=storage, with_terrain=fmt in TERRAIN_FORMATS
        )

    data, filename, content_type = get_or_create_export(
        doc_loader=load, layout_id=str(layout.id), fmt=fmt, storage=storage, site_name=layout.site.name
    )
    return Response(
        content=data,
        media_type=content_type,
        headers={"Content-Disposition": content_disposition(filename), "X-Content-Type-Options": "nosniff"},
    )
