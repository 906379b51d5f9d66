"""GET /api/layouts/{id}/bom: the bill of quantities stored in the layout's design document."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from app.db import crud
from app.db.models import Layout, LayoutStatus, Site
from app.engine.electrical.design import design_electrical
from app.services import Services
from tests.conftest import make_user
from tests.engine.electrical.plantgen import synthetic_plant

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-93, 40], [-92.99, 40], [-92.99, 40.01], [-93, 40.01], [-93, 40]]],
}


def _layout(services: Services, email: str, design: dict | None) -> uuid.UUID:
    with services.session_factory.begin() as session:
        user = crud.get_user_by_email(session=session, email=email)
        assert user is not None
        site = Site(
            owner_id=user.id,
            name="bom site",
            boundary=SQUARE,
            area_ha=95.0,
            centroid_lon=-92.995,
            centroid_lat=40.005,
            bbox_min_lon=-93.0,
            bbox_min_lat=40.0,
            bbox_max_lon=-92.99,
            bbox_max_lat=40.01,
            warnings=[],
        )
        session.add(site)
        session.flush()
        layout = Layout(
            site_id=site.id,
            owner_id=user.id,
            status=LayoutStatus.completed.value,
            params={"profile": "solar_farm"},
            design=design,
        )
        session.add(layout)
        session.flush()
        return layout.id


def test_bom_is_served_from_the_design_document(client: TestClient, services: Services) -> None:
    headers = make_user(services, "bom@example.com")
    s = synthetic_plant(blocks_x=2, blocks_y=1, rows=3, per_row=2)
    doc = design_electrical(s.plant, s.roads, s.substation).to_document()
    layout_id = _layout(services, "bom@example.com", {"bom": doc["bom"], "electrical": doc["electrical"]})
    r = client.get(f"/api/layouts/{layout_id}/bom", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["modules"]["count"] == sum(t.modules for t in s.plant.tables)
    assert body["power_stations"]["count"] == 2
    assert body == doc["bom"]


def test_bom_404_when_missing_unknown_or_not_yours(client: TestClient, services: Services) -> None:
    headers = make_user(services, "nobom@example.com")
    other = make_user(services, "other@example.com")
    no_design = _layout(services, "nobom@example.com", None)
    no_bom = _layout(services, "nobom@example.com", {"pv": {}})
    with_bom = _layout(services, "nobom@example.com", {"bom": {"modules": {"count": 1}}})
    for lid in (no_design, no_bom):
        r = client.get(f"/api/layouts/{lid}/bom", headers=headers)
        assert r.status_code == 404
        assert "bill of quantities" in r.text
    assert client.get(f"/api/layouts/{uuid.uuid4()}/bom", headers=headers).status_code == 404
    assert client.get(f"/api/layouts/{with_bom}/bom", headers=other).status_code == 404
    assert client.get(f"/api/layouts/{with_bom}/bom", headers=headers).status_code == 200
    assert client.get(f"/api/layouts/{with_bom}/bom").status_code == 401
