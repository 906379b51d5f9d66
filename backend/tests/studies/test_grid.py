"""The study grid without a database: expansion, the count and its limit, each variant's generate
body, the comparison row's units and the sort order."""

from __future__ import annotations

import itertools
import uuid

import pytest

from app.errors import InvalidInput
from app.studies.grid import (
    MAX_VARIANTS,
    check_conflicts,
    comparison_row,
    count_variants,
    expand,
    sort_rows,
    validated_bodies,
    variant_body,
)


def test_expand_is_the_cartesian_product_in_axis_order() -> None:
    grid = {"strategy": ["balanced", "density"], "gcr": [0.3, 0.4], "dc_ac_ratio": [1.2, 1.3, 1.4]}
    variants = expand(grid)
    expected = [
        {"gcr": g, "dc_ac_ratio": r, "strategy": s}
        for g, r, s in itertools.product(grid["gcr"], grid["dc_ac_ratio"], grid["strategy"])
    ]
    assert variants == expected
    assert count_variants(grid) == len(variants) == 12


def test_trackers_are_not_repeated_per_tilt() -> None:
    grid = {"structure": ["fixed", "tracker"], "tilt_deg": [15, 25, 35], "gcr": [0.3, 0.4]}
    variants = expand(grid)
    assert count_variants(grid) == len(variants) == 3 * 2 + 2
    trackers = [v for v in variants if v["structure"] == "tracker"]
    assert trackers == [{"structure": "tracker", "gcr": 0.3}, {"structure": "tracker", "gcr": 0.4}]


def test_the_limit_names_the_count() -> None:
    grid = {"gcr": [round(0.2 + 0.01 * i, 2) for i in range(41)], "dc_ac_ratio": [1.1, 1.2, 1.3, 1.4, 1.5]}
    assert count_variants(grid) == 205
    with pytest.raises(InvalidInput, match="205 variants, 5 over the limit of 200"):
        expand(grid)
    assert len(expand({"gcr": grid["gcr"][:40], "dc_ac_ratio": grid["dc_ac_ratio"]})) == MAX_VARIANTS


def test_variant_body_merges_the_axes_into_the_base() -> None:
    base = {"target_capacity_kw": 5000, "pv": {"tilt_deg": 20, "pitch_m": 9.0, "modules_across": 2}}
    fixed = variant_body(base, {"structure": "fixed", "gcr": 0.4, "strategy": "density"})
    assert fixed == {
        "target_capacity_kw": 5000,
        "strategy": "density",
        # The variant's GCR replaces the base's pitch; the base's tilt stays for a fixed variant.
        "pv": {"tilt_deg": 20, "modules_across": 2, "structure": "fixed", "gcr": 0.4},
    }
    tracker = variant_body(base, {"structure": "tracker"})
    assert tracker["pv"] == {"pitch_m": 9.0, "modules_across": 2, "structure": "tracker"}
    assert base["pv"] == {"tilt_deg": 20, "pitch_m": 9.0, "modules_across": 2}  # not mutated


def test_conflicts_are_named_and_compatible_settings_pass() -> None:
    with pytest.raises(InvalidInput, match=r"^base\.pv\.pitch_m and grid\.gcr conflict: both set the row"):
        check_conflicts({"pv": {"pitch_m": 8}}, {"gcr": [0.3]})
    # Compatible: a base tilt for the fixed variants of a mixed grid (trackers have no tilt, as
    # documented), a base pitch with a tilt axis, a base GCR with no GCR axis.
    check_conflicts({"pv": {"tilt_deg": 20}}, {"structure": ["fixed", "tracker"]})
    check_conflicts({"pv": {"pitch_m": 8}}, {"tilt_deg": [10, 20]})
    check_conflicts({"pv": {"gcr": 0.4}}, {"dc_ac_ratio": [1.2, 1.3], "gcr": None})
    with pytest.raises(InvalidInput, match=r"base\.pv\.structure"):
        validated_bodies(
            uuid.uuid4(),
            {"target_capacity_kw": 4000, "pv": {"structure": "tracker"}},
            expand({"tilt_deg": [10, 20]}),
            grid={"tilt_deg": [10, 20]},
        )


def test_validation_names_the_variant_and_field() -> None:
    base = {"target_capacity_kw": 4000, "use_terrain": False}
    variants = expand({"structure": ["fixed"], "dc_ac_ratio": [1.2, 5.0]})
    with pytest.raises(
        InvalidInput, match=r"^variant 2 \(structure=fixed, dc_ac_ratio=5.0\): pv.dc_ac_ratio"
    ):
        validated_bodies(uuid.uuid4(), base, variants)
    bodies = validated_bodies(uuid.uuid4(), base, variants[:1])
    assert bodies[0].pv is not None and bodies[0].pv.dc_ac_ratio == 1.2


def test_row_units_and_sorting() -> None:
    metrics = {
        "dc_capacity_kwp": 6500.0,
        "capex_usd": 4.2e6,
        "lcoe_usd_per_mwh": 41.5,
        "weather_source": "file",
    }
    row = comparison_row(
        layout_id="a", variant={"gcr": 0.3}, status="completed", metrics=metrics,
        total_capacity_kw=5000.0, annual_energy_mwh=12000.0,
    )  # fmt: skip
    assert row["ac_capacity_mw"] == 5.0 and row["dc_capacity_mwp"] == 6.5
    assert row["annual_energy_mwh"] == 12000.0 and row["lcoe_usd_per_mwh"] == 41.5
    running = comparison_row(layout_id="b", variant={}, status="processing", metrics=metrics)
    assert running["lcoe_usd_per_mwh"] is None and running["weather_source"] is None

    def r(name: str, lcoe: float | None, mwh: float | None) -> dict[str, object]:
        return {"layout_id": name, "lcoe_usd_per_mwh": lcoe, "annual_energy_mwh": mwh}

    rows = [r("a", 45.0, 900.0), r("b", None, None), r("c", 38.0, 1100.0), r("d", 41.0, 1000.0)]
    assert [x["layout_id"] for x in sort_rows(rows)] == ["c", "d", "a", "b"]
    assert [x["layout_id"] for x in sort_rows(rows, "mwh")] == ["c", "d", "a", "b"]
    assert [x["layout_id"] for x in sort_rows(rows, "lcoe", descending=True)] == ["a", "d", "c", "b"]
    with pytest.raises(InvalidInput, match="unknown key 'colour'"):
        sort_rows(rows, "colour")


def test_clear_sky_rows_carry_bounds_only_and_sort_by_them() -> None:
    """A clear-sky variant's LCOE is a lower bound: only under that name, marked, and sorted by it
    among the others (also for results stored before `energy_basis`, by their weather source)."""
    clear = {
        "energy_basis": "clearsky_upper_bound",
        "lcoe_lower_bound_usd_per_mwh": 39.0,
        "annual_energy_mwh_upper_bound": 1300.0,
        "specific_yield_kwh_per_kwp_upper_bound": 2000.0,
    }
    legacy = {"weather_source": "clearsky", "lcoe_usd_per_mwh": 37.0, "annual_energy_mwh": 1400.0}
    p50 = {"energy_basis": "p50", "lcoe_usd_per_mwh": 40.0, "annual_energy_mwh": 1000.0, "p90_1yr_mwh": 900.0}
    rows = [
        comparison_row(layout_id=n, variant={}, status="completed", metrics=m)
        for n, m in (("clear", clear), ("legacy", legacy), ("p50", p50))
    ]
    by = {r["layout_id"]: r for r in rows}
    for name in ("clear", "legacy"):
        row = by[name]
        assert row["lcoe_is_lower_bound"] and row["energy_basis"] == "clearsky_upper_bound"
        assert "lcoe_usd_per_mwh" not in row and "annual_energy_mwh" not in row
    assert by["legacy"]["lcoe_lower_bound_usd_per_mwh"] == 37.0
    assert by["p50"]["lcoe_is_lower_bound"] is False and by["p50"]["p90_1yr_mwh"] == 900.0
    assert "lcoe_lower_bound_usd_per_mwh" not in by["p50"]
    assert [r["layout_id"] for r in sort_rows(rows, "lcoe")] == ["legacy", "clear", "p50"]
    assert [r["layout_id"] for r in sort_rows(rows, "mwh")] == ["legacy", "clear", "p50"]


def test_a_variant_nobody_could_build_is_marked_and_never_ranked_first() -> None:
    bad = {"problems": ["3 assets have no road from an entry"], "unreachable_asset_count": 3}
    good = {"problems": [], "unreachable_asset_count": 0}
    cheap = comparison_row(
        layout_id="cheap", variant={}, status="completed",
        metrics={"lcoe_usd_per_mwh": 30.0, "constructability": bad},
    )  # fmt: skip
    sound = comparison_row(
        layout_id="sound", variant={}, status="completed",
        metrics={"lcoe_usd_per_mwh": 35.0, "constructability": good},
    )  # fmt: skip
    old = comparison_row(layout_id="old", variant={}, status="completed", metrics={"lcoe_usd_per_mwh": 33.0})
    failed = comparison_row(layout_id="failed", variant={}, status="failed", metrics=None)
    assert cheap["constructable"] is False and cheap["constructability_problems"] == bad["problems"]
    assert sound["constructable"] is True and sound["constructability_problems"] == []
    # Layouts made before the section existed are not judged.
    assert old["constructable"] is None
    rows = [cheap, sound, old, failed]
    assert [x["layout_id"] for x in sort_rows(rows)] == ["old", "sound", "cheap", "failed"]
    assert [x["layout_id"] for x in sort_rows(rows, "lcoe", descending=True)] == [
        "sound",
        "old",
        "cheap",
        "failed",
    ]
