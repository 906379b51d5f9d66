"""The chaos suite (`make chaos`): slow, real worker processes, loopback only. Skipped unless
SITELAYOUTS_CHAOS=1, so `make test` stays fast; its figures go to CHAOS_REPORT (JSON lines)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ENABLED = os.environ.get("SITELAYOUTS_CHAOS") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos: the slow chaos suite (make chaos)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="chaos suite: run with `make chaos` (SITELAYOUTS_CHAOS=1)")
    for item in items:
        if "chaos" in item.keywords and not ENABLED:
            item.add_marker(skip)


def record(scenario: str, database: str, **figures: Any) -> None:
    """Append one scenario's figures (jobs, lost, duplicated, recovery_s, …) to CHAOS_REPORT."""
    path = os.environ.get("CHAOS_REPORT")
    line = {"scenario": scenario, "database": database, "at": datetime.now(UTC).isoformat(), **figures}
    print(json.dumps(line))
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as f:
            f.write(json.dumps(line) + "\n")
