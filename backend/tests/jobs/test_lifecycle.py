"""The job lifecycle (app/jobs/lifecycle.py) is the only writer of a layout's status, and each of its
transitions is a compare-and-set: it changes the row only from the states it names."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db.models import Layout, LayoutStatus
from app.engine.core.types import LayoutResult
from app.errors import Conflict
from app.jobs import lifecycle
from app.services import Services
from tests.conftest import submit

APP = Path(__file__).resolve().parents[2] / "app"
OWNER = APP / "jobs" / "lifecycle.py"


def _status_writes(path: Path) -> list[str]:
    """Where a module writes a status: `x.status = …`, `status=` in `.values(…)` / `Layout(…)`,
    or a `"status"` key in a dict literal that names a `LayoutStatus`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = ast.unparse(node.value) if node.value is not None else ""
            # A layout's status: the object is a layout, or the value a LayoutStatus (other
            # objects have a .status too, e.g. an HTTP error's).
            if any(
                isinstance(t, ast.Attribute)
                and t.attr == "status"
                and ("layout" in ast.unparse(t.value).lower() or "LayoutStatus" in value)
                for t in targets
            ):
                found.append(f"{path.name}:{node.lineno} assigns .status")
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if name in {"values", "Layout"} and any(k.arg == "status" for k in node.keywords):
                found.append(f"{path.name}:{node.lineno} {name}(status=…)")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "status"
                    and "LayoutStatus" in ast.unparse(value)
                ):
                    found.append(f"{path.name}:{node.lineno} {{'status': LayoutStatus…}}")
    return found


def test_the_scan_finds_status_writes(tmp_path: Path) -> None:
    # What the 13 writes outside the lifecycle looked like before it owned them.
    old = tmp_path / "old.py"
    old.write_text(
        "layout.status = LayoutStatus.failed.value\n"
        "session.execute(update(Layout).values(status=LayoutStatus.queued.value))\n"
        "values = {'status': LayoutStatus.failed.value}\n"
        "self.status = status  # an HTTP error's status: not a layout's\n"
    )
    assert len(_status_writes(old)) == 3
    # The owner itself writes every status: a scan that found nothing there would prove nothing.
    found = _status_writes(OWNER)
    assert any("values(status" in f or "'status'" in f for f in found)
    assert any("Layout(status" in f for f in found)


def test_only_the_lifecycle_module_writes_a_layout_status() -> None:
    offenders = [
        hit
        for path in sorted(APP.rglob("*.py"))
        if path != OWNER and "migrations" not in path.parts
        for hit in _status_writes(path)
    ]
    assert offenders == []


def _status(services: Services, layout_id: uuid.UUID) -> str:
    with services.session_factory() as s:
        layout = s.get(Layout, layout_id)
        assert layout is not None
        return layout.status


def _empty_result() -> LayoutResult:
    return LayoutResult(
        assets=(), roads=(), metrics={"total_capacity_kw": 0.0}, warnings=(), crs="EPSG:32616"
    )


def test_transitions_are_compare_and_set(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    layout_id = uuid.UUID(submit(api, headers, site_id))
    write = async_services.write_session_factory
    with write.begin() as s:
        token = lifecycle.claim(s, layout_id=layout_id, receipt_handle=None, stale_after_s=600)
    assert token is not None
    with write.begin() as s:
        # A live claim is not taken twice; progress only under the claim that holds it.
        assert lifecycle.claim(s, layout_id=layout_id, receipt_handle=None, stale_after_s=600) is None
        assert lifecycle.progress(s, layout_id=layout_id, token=token, stage="placing", pct=40.0)
        assert not lifecycle.progress(s, layout_id=layout_id, token="someone-else", stage="x", pct=50.0)
    with write.begin() as s:
        assert lifecycle.cancel(s, layout_id=layout_id)
    with write.begin() as s:
        # Cancel won: the late result, heartbeat and failure change nothing, a second cancel neither.
        assert not lifecycle.complete(s, layout_id=layout_id, result=_empty_result(), claim_token=token)
        assert not lifecycle.heartbeat(s, layout_id=layout_id, token=token)
        assert not lifecycle.fail(s, layout_id=layout_id, message="late", token=token)
        assert not lifecycle.cancel(s, layout_id=layout_id)
    assert _status(async_services, layout_id) == LayoutStatus.cancelled.value
    with write.begin() as s:
        layout = s.get(Layout, layout_id)
        assert layout is not None
        lifecycle.retry(session=s, queue=async_services.queue, layout=layout)
        assert layout.status == LayoutStatus.queued.value and layout.attempts == 0
    with write.begin() as s:
        token = lifecycle.claim(s, layout_id=layout_id, receipt_handle=None, stale_after_s=600)
        assert token is not None
        assert lifecycle.complete(s, layout_id=layout_id, result=_empty_result(), claim_token=token)
    assert _status(async_services, layout_id) == LayoutStatus.completed.value
    with write.begin() as s:
        layout = s.get(Layout, layout_id)
        assert layout is not None
        # A completed layout is never queued again, nor cancelled, nor redriven.
        with pytest.raises(Conflict):
            lifecycle.retry(session=s, queue=async_services.queue, layout=layout)
        assert not lifecycle.cancel(s, layout_id=layout_id)
        assert not lifecycle.redrive(s, layout_id)
    assert _status(async_services, layout_id) == LayoutStatus.completed.value
