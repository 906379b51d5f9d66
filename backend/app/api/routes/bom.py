"""A layout's bill of quantities (from its design document, written by the electrical design)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import OwnedLayout, SessionDep
from app.api.transactions import TransactionalRoute
from app.engine.core.document import BomSection, DesignDocument
from app.errors import NotFound

router = APIRouter(route_class=TransactionalRoute, prefix="/api/layouts", tags=["bom"])


@router.get(
    "/{layout_id}/bom",
    responses={404: {"description": "No such layout (or not yours), or it has no bill of quantities."}},
)
def get_bom(layout: OwnedLayout, session: SessionDep) -> BomSection:
    """The layout's bill of quantities: modules, structures, piles, strings, combiner boxes or string
    inverters, power stations, transformers, cable metres by level and conductor, trench metres,
    roads (m, m²) by class, fence metres, gates and grading volumes [m³]."""
    bom = (layout.design or {}).get("bom")
    if not isinstance(bom, dict):
        raise NotFound(f"layout {layout.id} has no bill of quantities (not a PV layout, or not completed)")
    return BomSection.model_validate(bom)


@router.get(
    "/{layout_id}/design",
    responses={404: {"description": "No such layout (or not yours), or it has no design document yet."}},
)
def get_design(layout: OwnedLayout, session: SessionDep) -> DesignDocument:
    """The layout's design document: `pv` (resolved design, inverter blocks), `electrical`
    (stringing, single-line summary, losses), `bom`, `energy` (annual and monthly MWh, loss
    waterfall, weather source and label) and `cost` (CAPEX lines, OPEX, LCOE, NPV), as far as the
    layout has them. Cables, trenches and fences are features of the layout's GeoJSON."""
    doc = {k: v for k, v in (layout.design or {}).items() if k != "features"}
    if not doc:
        raise NotFound(f"layout {layout.id} has no design document (not completed, or made before designs)")
    # Read leniently: a section this version does not declare is logged and left out.
    typed = DesignDocument.from_stored(doc, where=f"layout {layout.id} design")
    assert typed is not None
    return typed
