"""Golden layouts: `generate_layout` refactored must lay out exactly the same plants.

Why golden files here (and nowhere else): their only purpose is "a refactor changes nothing". Three
small sites cover the stages: a fixed-tilt plant on rolling ground with a crossable wash, a wetland
no road may cross, a buffered exclusion, two entries and an interconnection point (gen-tie);
a hybrid (trackers' neighbour: PV + BESS blocks) on the same site; and a BESS-only plant.
Compared: every metric (numbers to 1e-9 relative), the warnings, the asset count by type, and
the summed footprint area [m²], road length [m] and extra features (count by kind, summed length
[m]) measured in the site's UTM zone.

A deliberate behaviour change regenerates the file: GOLDEN_UPDATE=1 pytest tests/engine/test_layout_golden.py
(and the commit says why the numbers moved).
"""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import MultiPoint, Point, box

from app.engine.core.crs import WGS84, reproject_many, to_wgs84
from app.engine.core.types import Exclusion, LayoutParams, LayoutResult, SiteInput
from app.engine.layout import generate_layout
from tests.engine.factory import grid_for, square_utm

GOLDEN = Path(__file__).parents[1] / "fixtures" / "golden" / "layouts.json"
REL = 1e-9


def _cases() -> dict[str, tuple[SiteInput, Any, LayoutParams]]:
    crs, sq = square_utm(800)
    x0, y0, x1, y1 = sq.bounds
    exclusions = (
        Exclusion(geometry=to_wgs84(box(x0 + 380, y0, x0 + 420, y1), crs), zone_type="wash"),
        Exclusion(geometry=to_wgs84(box(x0, y0 + 560, x0 + 250, y0 + 610), crs), zone_type="wetland"),
        Exclusion(geometry=to_wgs84(box(x0 + 560, y0 + 80, x0 + 640, y0 + 160), crs), buffer_m=10.0),
    )
    entries = MultiPoint([to_wgs84(Point(x0 + 1, y0 + 250), crs), to_wgs84(Point(x1 - 1, y0 + 480), crs)])
    zoned = SiteInput(
        boundary=to_wgs84(sq, crs),
        exclusions=exclusions,
        entry_point=entries,
        interconnection_point=to_wgs84(Point(x1 + 300, y0 + 400), crs),
    )
    rolling = grid_for(sq.union(box(x1, y0, x1 + 350, y1)), crs, terrain="rolling")
    return {
        "fixed_zones_gentie": (
            zoned,
            rolling,
            LayoutParams(target_capacity_kw=15_000, pv={"structure": "fixed"}),
        ),
        "hybrid_tracker": (
            zoned,
            rolling,
            LayoutParams(target_capacity_kw=15_000, profile="hybrid", pv={"structure": "tracker"}),
        ),
        "bess": (
            zoned,
            rolling,
            LayoutParams(target_capacity_kw=10_000, profile="bess", strategy="clustered"),
        ),
    }


def _utm_sum(result: LayoutResult, geoms: list[Any], measure: str) -> float:
    utm = reproject_many(geoms, WGS84, result.crs) if geoms else []
    return float(sum(getattr(g, measure) for g in utm))


def fingerprint(result: LayoutResult) -> dict[str, Any]:
    """What the golden file keeps of a layout (JSON-ready)."""
    kinds: dict[str, list[Any]] = defaultdict(list)
    for e in result.extras:
        kinds[e["kind"]].append(e["geometry"])
    return {
        "metrics": json.loads(json.dumps(result.metrics, default=str)),
        "warnings": list(result.warnings),
        "asset_count": len(result.assets),
        "footprint_area_m2": _utm_sum(result, [a.footprint for a in result.assets], "area"),
        "road_length_m": _utm_sum(result, [r.geometry for r in result.roads], "length"),
        "extras": {
            k: {"count": len(v), "length_m": _utm_sum(result, v, "length")} for k, v in sorted(kinds.items())
        },
        "design_sections": sorted(result.design),
    }


def _same(got: Any, want: Any, path: str) -> None:
    if isinstance(want, bool) or want is None or isinstance(want, str):
        assert got == want, f"{path}: {got!r} != {want!r}"
    elif isinstance(want, int | float):
        assert isinstance(got, int | float) and not isinstance(got, bool), f"{path}: {got!r} is not a number"
        assert math.isclose(got, want, rel_tol=REL, abs_tol=REL), f"{path}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for k in want:
            _same(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r} != {want!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{path}[{i}]")
    else:
        raise AssertionError(f"{path}: unexpected golden value {want!r}")


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    if os.environ.get("GOLDEN_UPDATE") == "1":
        out = {name: fingerprint(generate_layout(*case)) for name, case in _cases().items()}
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(out, indent=1) + "\n")
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


@pytest.mark.parametrize("name", sorted(_cases()))
def test_layout_matches_its_golden_fingerprint(name: str, golden: dict[str, Any]) -> None:
    site, grid, params = _cases()[name]
    _same(json.loads(json.dumps(fingerprint(generate_layout(site, grid, params)))), golden[name], name)


def test_the_golden_cases_exercise_the_stages(golden: dict[str, Any]) -> None:
    """The cases are worth keeping only while they reach the stages they are meant to cover."""
    fixed, hybrid, bess = golden["fixed_zones_gentie"], golden["hybrid_tracker"], golden["bess"]
    for case in (fixed, hybrid):
        assert {"gen_tie", "crossing"} <= set(case["extras"]), case["extras"]
        assert {"pv", "electrical", "bom", "constructability"} <= set(case["design_sections"])
    assert hybrid["metrics"]["counts_by_type"]["battery_container"] > 0
    assert hybrid["metrics"]["counts_by_type"]["tracker"] > 0
    assert bess["design_sections"] == [] and bess["metrics"]["storage_kwh"] > 0
