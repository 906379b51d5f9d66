"""The web app's generated client is built from frontend/openapi.json: it must match the live schema."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.conftest import BACKEND_DIR


def test_frontend_schema_snapshot_is_current(client: TestClient) -> None:
    snapshot = json.loads((BACKEND_DIR.parent / "frontend" / "openapi.json").read_text())
    live = client.app.openapi()  # type: ignore[attr-defined]
    assert snapshot == live, "the API changed: run `cd frontend && npm run generate-client` and commit"
