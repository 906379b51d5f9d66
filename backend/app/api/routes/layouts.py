"""Layouts: generate (synchronously or as a queued job), status, cancel, read, GeoJSON, delete."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from app.api.content_encoding import gzip_negotiated
from app.api.deps import CurrentUser, OwnedLayout, QueueDep, ServicesDep, SessionDep, StorageDep, TokenDep
from app.api.ratelimit import limit_generate
from app.api.schemas import (
    MAX_SKIP,
    AssetPublic,
    LayoutDetail,
    LayoutFeatureCollection,
    LayoutGenerate,
    LayoutPublic,
    LayoutQueued,
    LayoutsPublic,
    LayoutStatusPublic,
    RoadPublic,
)
from app.api.submit import submit_layout
from app.api.transactions import TransactionalRoute
from app.db import crud, mapping
from app.db.models import Layout, LayoutStatus
from app.engine.blocks.profiles import list_profiles
from app.engine.core.geojson import layout_feature_collection
from app.engine.core.names import STRATEGY_NAMES
from app.errors import Conflict
from app.exports.layout_document import encode_result, load_layout_document, save_layout_document
from app.jobs import lifecycle

router = APIRouter(route_class=TransactionalRoute, prefix="/api/layouts", tags=["layouts"])
audit = logging.getLogger("app.audit")
log = logging.getLogger(__name__)


@router.get("/profiles")
def profiles(*, user: CurrentUser) -> dict[str, Any]:
    """Layout profiles (asset mixes) and strategies the engine offers."""
    return {"data": list_profiles(), "strategies": list(STRATEGY_NAMES)}


def layout_status(layout: Layout) -> LayoutStatusPublic:
    done = layout.status == LayoutStatus.completed.value
    return LayoutStatusPublic(
        layout_id=layout.id,
        status=layout.status,
        error_message=layout.error_message,
        stage=layout.stage,
        progress_pct=layout.progress_pct,
        queued_at=layout.queued_at,
        started_at=layout.started_at,
        completed_at=layout.completed_at,
        attempts=layout.attempts,
        total_capacity_kw=layout.total_capacity_kw if done else None,
        asset_count=layout.asset_count if done else None,
        road_length_m=layout.road_length_m if done else None,
        cut_volume_m3=layout.cut_volume_m3 if done else None,
        fill_volume_m3=layout.fill_volume_m3 if done else None,
    )


def layout_geojson(layout: Layout) -> dict[str, Any]:
    job = mapping.load_job_input(layout)
    return layout_feature_collection(job.site, mapping.result_from_rows(layout), job.params)


def layout_detail(layout: Layout) -> LayoutDetail:
    return LayoutDetail(
        layout=LayoutPublic.model_validate(layout),
        assets=[AssetPublic.model_validate(a) for a in layout.assets],
        roads=[RoadPublic.model_validate(r) for r in layout.roads],
        geojson=LayoutFeatureCollection.model_validate(layout_geojson(layout)),
    )


@router.post(
    "/generate",
    status_code=status.HTTP_202_ACCEPTED,
    responses={202: {"model": LayoutQueued}, 201: {"model": LayoutDetail}},
    response_model=None,
    dependencies=[Depends(limit_generate)],
)
def generate(
    *,
    body: LayoutGenerate,
    session: SessionDep,
    services: ServicesDep,
    queue: QueueDep,
    storage: StorageDep,
    user: CurrentUser,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """Generate a layout. Async mode: 202 with the queued layout's id; sync mode: 201 with the layout."""
    sub = submit_layout(
        body=body,
        session=session,
        services=services,
        queue=queue,
        storage=storage,
        user=user,
        idempotency_key=idempotency_key,
    )
    return _generate_response(sub.layout, async_mode=sub.async_mode, replay=sub.replay)


def _generate_response(layout: Layout, *, async_mode: bool, replay: bool = False) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replay else None
    if async_mode or layout.status != LayoutStatus.completed.value:
        body = LayoutQueued(layout_id=layout.id).model_dump(mode="json")
        body["status"] = layout.status if replay else "queued"
        return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED, headers=headers)
    return JSONResponse(
        layout_detail(layout).model_dump(mode="json"), status_code=status.HTTP_201_CREATED, headers=headers
    )


@router.get("", response_model=LayoutsPublic)
def list_layouts(
    *,
    session: SessionDep,
    user: CurrentUser,
    site_id: Annotated[uuid.UUID | None, Query()] = None,
    skip: Annotated[int, Query(ge=0, le=MAX_SKIP)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> LayoutsPublic:
    if site_id is not None:
        crud.get_site(session=session, site_id=site_id, owner_id=user.id)
    rows, count = crud.list_layouts(
        session=session, owner_id=user.id, site_id=site_id, skip=skip, limit=limit
    )
    return LayoutsPublic(data=[LayoutPublic.model_validate(r) for r in rows], count=count)


@router.get("/{layout_id}", response_model=LayoutPublic)
def get_layout(*, layout: OwnedLayout, session: SessionDep) -> Layout:
    return layout


@router.get(
    "/{layout_id}/status",
    response_model=LayoutStatusPublic,
    responses={304: {"description": "Not Modified: the If-None-Match ETag is current"}},
)
def get_status(*, layout_id: uuid.UUID, request: Request, services: ServicesDep, token: TokenDep) -> Response:
    """Job status for polling (every 2 s from the web app); ETag / If-None-Match gives 304.

    One primary-key query, no ORM session; see app.api.status_poll for why.
    """
    from app.api.status_poll import status_response

    return status_response(request=request, services=services, token=token, layout_id=layout_id)


@router.get("/{layout_id}/geojson", response_model=LayoutFeatureCollection)
def get_geojson(
    *, layout_id: uuid.UUID, request: Request, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    """The layout as an RFC 7946 FeatureCollection (WGS84) with a top-level `metrics` member."""
    # Two columns, not the row: the stored document answers, the rows only rebuild a missing one.
    current = crud.get_layout_status(session=session, layout_id=layout_id, owner_id=user.id)
    if current != LayoutStatus.completed.value:
        raise Conflict(f"layout {layout_id} is {current}; GeoJSON exists once it is completed")
    data = load_layout_document(storage, str(layout_id))
    if data is None:
        # Completed before documents were stored, or its document expired: rebuild it, store it.
        layout = crud.get_layout(session=session, layout_id=layout_id, owner_id=user.id)
        job = mapping.load_job_input(layout)
        data = encode_result(job.site, mapping.result_from_rows(layout), job.params)
        save_layout_document(storage, str(layout_id), data)
    return gzip_negotiated(request, data, media_type="application/json")


@router.post("/{layout_id}/cancel", response_model=LayoutStatusPublic)
def cancel(*, layout: OwnedLayout, session: SessionDep, user: CurrentUser) -> LayoutStatusPublic:
    """Cancel a queued or processing job; the worker stops at its next stage and stores nothing."""
    # Compare-and-set: a job completing at this moment keeps its result.
    if not lifecycle.cancel(session, layout_id=layout.id):
        session.refresh(layout)
        raise Conflict(f"layout {layout.id} is already {layout.status}")
    session.refresh(layout)
    audit.info(
        "layout.cancel",
        extra={"event": "layout.cancel", "user_id": str(user.id), "layout_id": str(layout.id)},
    )
    return layout_status(layout)


@router.delete("/{layout_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_layout(
    *, layout: OwnedLayout, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    """Delete a layout with its assets, roads and exports (a running job is cancelled first)."""
    session.delete(layout)
    session.flush()
    storage.delete_prefix("outputs", f"outputs/{layout.id}/")
    audit.info(
        "layout.delete",
        extra={"event": "layout.delete", "user_id": str(user.id), "layout_id": str(layout.id)},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
