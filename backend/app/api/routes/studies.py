"""Scenario studies: a grid of layout variants queued as layout jobs (N workers run them in
parallel), their progress, a comparison table, and a preferred variant."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from shapely.geometry import shape
from sqlalchemy.orm import Session

from app.api.deps import CurrentUser, OwnedSite, OwnedStudy, QueueDep, ServicesDep, SessionDep, StorageDep
from app.api.derived_checks import check_derived_limits
from app.api.params import generate_params
from app.api.ratelimit import limit_generate
from app.api.study_schemas import (
    StudiesPublic,
    StudyCreate,
    StudyDetail,
    StudyPreferred,
    StudyProgress,
    StudyQueued,
    StudyRow,
    StudySummary,
)
from app.api.transactions import TransactionalRoute
from app.db import crud
from app.db.models import LayoutStatus, Study
from app.errors import Conflict, InvalidInput
from app.jobs import lifecycle
from app.jobs.memory_budget import check_grid_budget
from app.studies.grid import SORT_KEYS, comparison_row, describe, expand, sort_rows, validated_bodies

router = APIRouter(route_class=TransactionalRoute, tags=["studies"])
audit = logging.getLogger("app.audit")
SortKey = Literal["lcoe", "mwh", "mwdc", "mwac", "capex", "yield", "npv"]
assert set(SORT_KEYS) == set(SortKey.__args__)  # type: ignore[attr-defined]


def study_progress(session: Session, study_id: uuid.UUID) -> StudyProgress:
    counts: dict[str, int] = {s.value: 0 for s in LayoutStatus}
    counts.update(crud.study_status_counts(session=session, study_id=study_id))
    total = sum(counts.values())
    terminal = sum(counts[s.value] for s in LayoutStatus if s.is_terminal)
    return StudyProgress(
        total=total,
        queued=counts["queued"],
        processing=counts["processing"],
        completed=counts["completed"],
        failed=counts["failed"],
        cancelled=counts["cancelled"],
        percent_done=round(100.0 * terminal / total, 1) if total else 100.0,
        done=terminal == total,
    )


def _summary(session: Session, study: Study) -> dict[str, Any]:
    return {
        "id": study.id,
        "site_id": study.site_id,
        "name": study.name,
        "grid": study.grid,
        "base": study.base,
        "created_at": study.created_at,
        "preferred_layout_id": study.preferred_layout_id,
        "progress": study_progress(session, study.id),
    }


@router.post(
    "/api/sites/{site_id}/studies",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=StudyQueued,
    dependencies=[Depends(limit_generate)],
)
def create_study(
    *,
    site: OwnedSite,
    body: StudyCreate,
    session: SessionDep,
    services: ServicesDep,
    queue: QueueDep,
    user: CurrentUser,
) -> StudyQueued:
    """Queue one layout job per combination of the grid's values (at most 200; 422 naming the
    count over the limit, or the variant and field that is invalid)."""
    if not services.settings.enable_async_layout_generation:
        raise Conflict(
            "scenario studies run on the job queue: set ENABLE_ASYNC_LAYOUT_GENERATION=true and run workers"
        )
    grid = body.grid.model_dump(mode="json", exclude_none=True)
    # Only the fields given (nested inputs too): the defaults apply when each variant is parsed.
    base = body.base.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    variants = expand(grid)
    if not variants:
        raise InvalidInput("grid: no variants")
    bodies = validated_bodies(site.id, base, variants, grid=grid)
    for i, (variant, generate_body) in enumerate(zip(variants, bodies, strict=True), start=1):
        try:
            check_derived_limits(generate_body, site.centroid_lat)
        except InvalidInput as exc:
            raise InvalidInput(f"variant {i} ({describe(variant)}): {exc.message}") from exc
    # Refused here (422) rather than queued to run every worker out of memory.
    check_grid_budget(shape(site.boundary), bodies[0].dem_resolution_m, services.settings)
    now = datetime.now(UTC)
    study = Study(
        owner_id=user.id,
        site_id=site.id,
        name=body.name or f"Study {now:%Y-%m-%d %H:%M} ({len(variants)} variants)",
        grid=grid,
        base=base,
        created_at=now,
    )
    session.add(study)
    session.flush()
    layouts = []
    for variant, generate_body in zip(variants, bodies, strict=True):
        layout = lifecycle.new_layout(
            params=generate_params(generate_body),
            site_id=site.id,
            owner_id=user.id,
            now=now,
            study_id=study.id,
            variant=variant,
        )
        session.add(layout)
        layouts.append(layout)
    session.flush()
    for layout in layouts:
        lifecycle.enqueue(session=session, queue=queue, layout=layout)
    session.commit()
    audit.info(
        "study.create",
        extra={"event": "study.create", "user_id": str(user.id), "study_id": str(study.id)},
    )
    return StudyQueued(study_id=study.id, variant_count=len(layouts), layout_ids=[x.id for x in layouts])


@router.get("/api/sites/{site_id}/studies", response_model=StudiesPublic)
def list_studies(*, site: OwnedSite, session: SessionDep, user: CurrentUser) -> StudiesPublic:
    """The site's studies, newest first, each with its progress."""
    rows = crud.list_studies(session=session, site_id=site.id, owner_id=user.id)
    return StudiesPublic(data=[StudySummary(**_summary(session, s)) for s in rows], count=len(rows))


@router.get("/api/studies/{study_id}", response_model=StudyDetail)
def read_study(
    *,
    study: OwnedStudy,
    session: SessionDep,
    sort: Annotated[
        SortKey, Query(description="lcoe, capex: lowest first; the others highest first")
    ] = "lcoe",
    order: Annotated[Literal["best", "asc", "desc"], Query()] = "best",
) -> StudyDetail:
    """Progress and the comparison table (rows without the sort value — running, failed — last)."""
    rows = []
    for lid, variant, state, pct, metrics, ac_kw, mwh, error in crud.study_variant_rows(
        session=session, study_id=study.id
    ):
        row = comparison_row(
            layout_id=str(lid),
            variant=variant,
            status=state,
            metrics=metrics,
            total_capacity_kw=ac_kw,
            annual_energy_mwh=mwh,
            error_message=error,
        )
        row["progress_pct"] = pct
        row["preferred"] = lid == study.preferred_layout_id
        rows.append(row)
    descending = None if order == "best" else order == "desc"
    rows = sort_rows(rows, sort, descending=descending)
    return StudyDetail(**_summary(session, study), sort=sort, rows=[StudyRow(**r) for r in rows])


@router.put("/api/studies/{study_id}/preferred", response_model=StudySummary)
def set_preferred(*, study: OwnedStudy, body: StudyPreferred, session: SessionDep) -> StudySummary:
    """Mark one variant's layout as preferred (422 when it is not in this study; null clears)."""
    if body.layout_id is not None and (
        crud.get_study_variant(session=session, study=study, layout_id=body.layout_id) is None
    ):
        raise InvalidInput(f"layout_id: layout {body.layout_id} is not a variant of study {study.id}")
    study.preferred_layout_id = body.layout_id
    session.commit()
    return StudySummary(**_summary(session, study))


@router.delete("/api/studies/{study_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_study(
    *, study: OwnedStudy, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    """Delete the study and its variants' layouts (queued jobs then find nothing to do)."""
    study_id = study.id
    for lid in crud.delete_study(session=session, study=study):
        storage.delete_prefix("outputs", f"outputs/{lid}/")
    audit.info(
        "study.delete",
        extra={"event": "study.delete", "user_id": str(user.id), "study_id": str(study_id)},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
