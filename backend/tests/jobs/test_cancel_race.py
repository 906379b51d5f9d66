"""Cancel racing completion (issue 15 point 2), over real HTTP for the cancel and the runner's own
claim-guarded write for the result, many times on SQLite and PostgreSQL.

Whatever the interleaving, a layout ends either completed with its result, or cancelled with none:
never cancelled with 100 % progress, a capacity or asset rows.
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import mapping
from app.db.models import Asset, Layout
from app.jobs import lifecycle
from app.pipeline.run import run_pipeline
from app.services import Services
from tests.conftest import submit

ROUNDS = 120


def _processing_copy(services: Services, template_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    token = secrets.token_hex(16)
    with services.write_session_factory.begin() as s:
        t = s.get(Layout, template_id)
        assert t is not None
        layout = Layout(
            site_id=t.site_id,
            owner_id=t.owner_id,
            status="processing",
            params=t.params,
            warnings=[],
            stage="placing_assets",
            progress_pct=60.0,
            attempts=1,
            claim_token=token,
            started_at=datetime.now(UTC),
            heartbeat_at=datetime.now(UTC),
        )
        s.add(layout)
        s.flush()
        return layout.id, token


def test_cancel_never_overwrites_a_completed_layout(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    template = uuid.UUID(submit(api, headers, site_id))
    with async_services.session_factory() as s:
        layout = s.get(Layout, template)
        assert layout is not None
        job = mapping.load_job_input(layout)
    result = run_pipeline(
        job, settings=async_services.settings, storage=async_services.storage, progress=lambda st, p: None
    ).result
    assert result.assets, "the race needs a result with assets"
    rng = random.Random(15)
    outcomes: dict[str, int] = {"completed": 0, "cancelled": 0}
    for _ in range(ROUNDS):
        layout_id, token = _processing_copy(async_services, template)
        replies = _race(async_services, api, headers, layout_id, token, result, rng.uniform(0, 0.01))
        with async_services.session_factory() as s:
            row = s.get(Layout, layout_id)
            assert row is not None
            assets = int(
                s.scalar(select(func.count()).select_from(Asset).where(Asset.layout_id == layout_id)) or 0
            )
        if row.status == "completed":
            assert replies == {"stored": True, "cancel": 409}
            assert assets == row.asset_count == len(result.assets) and row.progress_pct == 100
        else:
            assert row.status == "cancelled", row.status
            assert replies == {"stored": False, "cancel": 200}
            assert assets == 0 and row.total_capacity_kw is None and row.progress_pct < 100
        outcomes[row.status] += 1
    assert sum(outcomes.values()) == ROUNDS
    print(f"cancel race outcomes: {outcomes}")


def _race(
    services: Services,
    api: TestClient,
    headers: dict[str, str],
    layout_id: uuid.UUID,
    token: str,
    result: Any,
    delay_s: float,
) -> dict[str, Any]:
    """Store the result (as the runner does, guarded by its claim) and cancel over HTTP at once."""
    replies: dict[str, Any] = {}
    gate = threading.Barrier(2)

    def complete() -> None:
        gate.wait()
        threading.Event().wait(delay_s)
        with services.write_session_factory.begin() as s:
            replies["stored"] = lifecycle.complete(s, layout_id=layout_id, result=result, claim_token=token)

    def cancel() -> None:
        gate.wait()
        replies["cancel"] = api.post(f"/api/layouts/{layout_id}/cancel", headers=headers).status_code

    threads = [threading.Thread(target=complete), threading.Thread(target=cancel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return replies
