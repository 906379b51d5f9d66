"""Progress reporting across steps that each count their own 0–100 %."""

from __future__ import annotations

from app.engine.core.types import ProgressFn


def scaled(progress: ProgressFn, lo: float, hi: float) -> ProgressFn:
    """`progress` for a step that reports its own 0–100 %, shown as `lo`–`hi` % of the whole job.

    The layout engine counts 0 → 100 % and the job then simulates energy and saves; without this
    the job's bar read 5 → 0 → … → 100 → 92 → 95 %, going backwards twice."""

    def report(stage: str, pct: float) -> None:
        progress(stage, lo + (hi - lo) * min(max(pct, 0.0), 100.0) / 100.0)

    return report
