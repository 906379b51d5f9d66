"""A user sees and changes only their own things: every route with an id, called by someone else, is 404."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.models import Layout, Study, User
from app.services import Services
from tests.conftest import make_user, upload


def test_every_route_hides_other_users_things(
    client: TestClient, services: Services, sample_kml: bytes
) -> None:
    alice = make_user(services, "alice@example.com")
    mallory = make_user(services, "mallory@example.com")
    site = upload(client, alice, "s.kml", sample_kml).json()
    zone = client.post(
        f"/api/sites/{site['id']}/exclusion-zones",
        json={
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-101.849, 35.199], [-101.848, 35.199], [-101.848, 35.198], [-101.849, 35.199]]
                ],
            }
        },
        headers=alice,
    ).json()
    r = client.post(
        "/api/layouts/generate",
        json={"site_id": site["id"], "target_capacity_kw": 3000, "use_terrain": False},
        headers=alice,
    )
    assert r.status_code == 201, r.text  # synchronous mode in this app
    layout_id = r.json()["layout"]["id"]
    ids = {"site_id": site["id"], "zone_id": zone["id"], "layout_id": layout_id, "fmt": "geojson"}
    with services.session_factory.begin() as s:  # studies need async mode: insert one directly
        owner = s.scalars(select(User.id).where(User.email == "alice@example.com")).one()
        study = Study(owner_id=owner, site_id=uuid.UUID(site["id"]), name="s", grid={}, base={})
        s.add(study)
        s.flush()
        ids["study_id"] = str(study.id)

    checked = []
    # Every route in the OpenAPI schema that takes one of our ids.
    for template, operations in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        params = set(re.findall(r"{(\w+)}", template))
        if not params & {"site_id", "zone_id", "layout_id", "study_id"}:
            continue
        path = template.format(**{p: ids[p] for p in params})
        for method in (m.upper() for m in operations):
            body = (
                {"geometry": zone["geometry"]}
                if "exclusion-zones" in path and method in ("POST", "PUT", "PATCH")
                else None
            )
            if path.endswith("/weather") and method == "POST":
                # A well-formed upload, so the answer is about whose site it is, not the form.
                resp = client.post(path, headers=mallory, files={"file": ("w.epw", b"weather")})
            else:
                resp = client.request(method, path, headers=mallory, json=body)
            assert resp.status_code == 404, f"{method} {path} answered {resp.status_code} to another user"
            checked.append(f"{method} {template}")
    # The walk covered the resources this issue names (and whatever routes come later).
    assert {
        "GET /api/sites/{site_id}",
        "DELETE /api/sites/{site_id}",
        "GET /api/layouts/{layout_id}",
        "POST /api/layouts/{layout_id}/cancel",
        "DELETE /api/layouts/{layout_id}",
        "GET /api/sites/{site_id}/exclusion-zones/{zone_id}",
        "GET /api/layouts/{layout_id}/export/{fmt}",
        "GET /api/sites/{site_id}/terrain/summary",
        "POST /api/sites/{site_id}/studies",
        "GET /api/studies/{study_id}",
        "PUT /api/studies/{study_id}/preferred",
        "DELETE /api/studies/{study_id}",
    } <= set(checked)
    # Generating on someone else's site is 404 too, and lists are per user.
    r = client.post(
        "/api/layouts/generate", json={"site_id": site["id"], "target_capacity_kw": 1000}, headers=mallory
    )
    assert r.status_code == 404
    assert client.get("/api/sites", headers=mallory).json()["count"] == 0
    assert client.get("/api/layouts", headers=mallory).json()["count"] == 0
    # ...and nothing of alice's changed.
    assert client.get(f"/api/sites/{site['id']}", headers=alice).status_code == 200
    with services.session_factory() as s:
        assert s.get(Layout, uuid.UUID(layout_id)) is not None
