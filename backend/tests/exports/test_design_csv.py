"""CSV zip of a designed PV plant (issues 12 and 13): bill of quantities, cables, MV feeders, energy,
losses and cost, read back with the csv module and checked against the design document."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import math
import zipfile

import pytest

from app.exports.csv_zip import write_csv_zip
from app.exports.document import ExportDocument
from app.exports.formats import FORMATS
from tests.exports.conftest import DESIGN_PRICE_USD_PER_MWH, make_document

DESIGN_FILES = {
    "bom.csv",
    "cables.csv",
    "mv_feeders.csv",
    "energy.csv",
    "energy_summary.csv",
    "losses.csv",
    "cost.csv",
}


def _read(doc: ExportDocument) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as zf:
        return {n: list(csv.DictReader(io.StringIO(zf.read(n).decode("utf-8")))) for n in zf.namelist()}


@pytest.fixture(scope="module")
def files(design_doc: ExportDocument) -> dict[str, list[dict[str, str]]]:
    return _read(design_doc)


@pytest.fixture(scope="module")
def clearsky_files(clearsky_doc: ExportDocument) -> dict[str, list[dict[str, str]]]:
    return _read(clearsky_doc)


def test_a_designed_plant_has_every_design_file(files: dict[str, list[dict[str, str]]]) -> None:
    assert set(files) >= DESIGN_FILES
    assert all(files[name] for name in DESIGN_FILES)


def test_gas_and_bess_layouts_have_no_design_files(doc: ExportDocument) -> None:
    assert not doc.design
    assert set(_read(doc)) == {"assets.csv", "roads.csv"}


def test_bom_matches_the_design(design_doc: ExportDocument, files: dict[str, list[dict[str, str]]]) -> None:
    bom = design_doc.section("bom")
    rows = files["bom.csv"]
    assert list(rows[0]) == ["item", "type_size", "quantity", "unit"]
    by_item: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_item.setdefault(r["item"], []).append(r)
    modules = by_item["PV modules"][0]
    assert int(modules["quantity"]) == bom["modules"]["count"] > 0
    assert modules["unit"] == "pcs"
    assert int(by_item["Piles"][0]["quantity"]) == bom["structures"]["piles"]
    # The piles agree with the tables too (an independent sum over the layout's features).
    assert bom["structures"]["piles"] == sum(round(t.value("piles") or 0) for t in design_doc.tables)
    assert sum(int(r["quantity"]) for r in by_item["Strings"]) == bom["strings"]["count"]
    assert sum(int(r["quantity"]) for r in by_item["Power stations"]) == bom["power_stations"]["count"]
    assert int(by_item["Gates"][0]["quantity"]) == bom["gates"] == len(design_doc.gates)
    assert float(by_item["Fence"][0]["quantity"]) == pytest.approx(bom["fence_m"], abs=1e-3)
    cable_rows = [r for r in rows if r["item"].startswith("Cable, ")]
    assert len(cable_rows) == len(bom["cables"])
    assert sum(float(r["quantity"]) for r in cable_rows) == pytest.approx(
        sum(c["cable_m"] for c in bom["cables"]), abs=0.01
    )
    assert all(r["unit"] == "m" and r["type_size"] for r in cable_rows)
    trench = {r["type_size"]: float(r["quantity"]) for r in by_item["Trench"]}
    assert sum(trench.values()) == pytest.approx(bom["trenches"]["total_m"], abs=0.01)


def test_cables_are_the_cable_features(
    design_doc: ExportDocument, files: dict[str, list[dict[str, str]]]
) -> None:
    rows = files["cables.csv"]
    assert list(rows[0])[:6] == ["id", "circuit", "level", "conductor", "length_m", "current_a"]
    assert len(rows) == len(design_doc.cables) > 0
    levels = [r["level"] for r in rows]
    assert set(levels) <= {"dc", "lv", "mv"} and "mv" in levels
    assert levels == sorted(levels, key=["dc", "lv", "mv"].index)  # grouped by level
    features = {c.id: c for c in design_doc.cables}
    for r in rows:
        f = features[r["id"]]
        assert r["circuit"] == f.properties["circuit"]
        assert r["conductor"] == f.properties["conductor"]
        assert float(r["length_m"]) == pytest.approx(f.properties["length_m"], abs=0.005)
        assert float(r["current_a"]) == pytest.approx(f.properties["current_a"], abs=0.005)
    # An MV route's length is its trench route: recompute it from the geometry in UTM metres.
    for r in (r for r in rows if r["level"] == "mv"):
        assert float(r["length_m"]) == pytest.approx(
            design_doc.to_utm(features[r["id"]].geometry).length, rel=1e-3
        )


def test_mv_feeders_are_the_single_line(
    design_doc: ExportDocument, files: dict[str, list[dict[str, str]]]
) -> None:
    single_line = design_doc.section("electrical")["single_line"]
    rows = files["mv_feeders.csv"]
    assert len(rows) == len(single_line) > 0
    placed_blocks = {b for b in design_doc.blocks if b is not None}
    listed = [int(b) for r in rows for b in r["blocks"].split()]
    assert len(listed) == len(set(listed)) == len(placed_blocks)  # every block on exactly one feeder
    for r, f in zip(rows, single_line, strict=True):
        assert float(r["mva"]) == pytest.approx(f["mva"], abs=5e-4)
        assert float(r["length_m"]) == pytest.approx(f["length_m"], abs=0.005)
        assert float(r["loss_kw"]) == pytest.approx(f["loss_kw"], abs=5e-4)
        assert int(r["block_count"]) == len(f["blocks"])


def test_feeder_block_ids_are_the_tables_block_ids(
    design_doc: ExportDocument, files: dict[str, list[dict[str, str]]]
) -> None:
    placed_blocks = {b for b in design_doc.blocks if b is not None}
    listed = {int(b) for r in files["mv_feeders.csv"] for b in r["blocks"].split()}
    assert listed == placed_blocks


def test_energy_monthly_and_summary(
    design_doc: ExportDocument, files: dict[str, list[dict[str, str]]]
) -> None:
    energy = design_doc.section("energy")
    months = files["energy.csv"]
    assert [int(r["month"]) for r in months] == list(range(1, 13))
    assert months[0]["month_name"] == "Jan"
    # The months add up to the year (recomputed from the CSV, not read from it).
    assert sum(float(r["energy_mwh"]) for r in months) == pytest.approx(energy["annual_energy_mwh"], rel=1e-4)
    assert {r["basis"] for r in months} == {"P50 (typical meteorological year)"}
    summary = {r["key"]: r for r in files["energy_summary.csv"]}
    assert float(summary["annual_energy_mwh"]["value"]) == energy["annual_energy_mwh"]
    assert float(summary["specific_yield_kwh_per_kwp"]["value"]) == energy["specific_yield_kwh_per_kwp"]
    assert float(summary["performance_ratio"]["value"]) == energy["performance_ratio"]
    assert float(summary["capacity_factor"]["value"]) == energy["capacity_factor"]
    assert summary["weather_source"]["value"] == "file"
    assert "723170TYA" in summary["weather_label"]["value"]
    assert summary["is_clearsky_upper_bound"]["value"] == "false"
    assert summary["energy_basis"]["value"] == "p50"
    # A real year has its P90s, below the P50, the 1-year one the lowest.
    p90_1, p90_10 = float(summary["p90_1yr_mwh"]["value"]), float(summary["p90_10yr_mwh"]["value"])
    assert p90_1 == energy["p90_1yr_mwh"] and p90_1 < p90_10 < energy["annual_energy_mwh"]
    # Specific yield is annual energy over DC: check the pair independently.
    kwh_per_kwp = 1000 * energy["annual_energy_mwh"] / design_doc.metrics["dc_capacity_kwp"]
    assert float(summary["specific_yield_kwh_per_kwp"]["value"]) == pytest.approx(kwh_per_kwp, rel=2e-3)


def test_loss_waterfall_chains_to_the_annual_energy(
    design_doc: ExportDocument, files: dict[str, list[dict[str, str]]]
) -> None:
    steps = files["losses.csv"]
    waterfall = design_doc.section("energy")["loss_waterfall"]
    assert [s["step"] for s in steps] == [w["name"] for w in waterfall]
    mwh = [s for s in steps if s["unit"] == "MWh"]
    # Each energy step applies its % to the value before it; the chain ends at the annual energy.
    for before, after in itertools.pairwise(mwh):
        expected = float(before["value_after"]) * (1 + float(after["percent"]) / 100)
        assert float(after["value_after"]) == pytest.approx(expected, rel=2e-4)
    assert float(mwh[-1]["value_after"]) == pytest.approx(
        design_doc.section("energy")["annual_energy_mwh"], rel=1e-6
    )


def test_cost_lines_add_up_and_cite_sources(
    design_doc: ExportDocument, files: dict[str, list[dict[str, str]]]
) -> None:
    cost = design_doc.section("cost")
    rows = files["cost.csv"]
    capex = [r for r in rows if r["category"] == "capex"]
    overheads = [r for r in rows if r["category"] == "overhead"]
    summary = {r["line"]: r for r in rows if r["category"] == "summary"}
    assert len(capex) == len(cost["capex"]["lines"]) > 0
    assert all(r["source"] for r in capex), "every unit price cites its public source"
    assert all(r["source"] for r in overheads)
    for r in capex:  # quantity × unit cost = total, to the cent and the CSV's rounding
        assert float(r["total_usd"]) == pytest.approx(
            float(r["quantity"]) * float(r["unit_cost_usd"]), abs=1.0
        )
    total = sum(float(r["total_usd"]) for r in capex + overheads)
    assert total == pytest.approx(cost["capex_usd"], abs=1.0)
    assert float(summary["CAPEX total"]["total_usd"]) == pytest.approx(cost["capex_usd"], abs=0.01)
    assert float(summary["CAPEX per Wdc"]["unit_cost_usd"]) == pytest.approx(
        cost["capex_usd"] / (design_doc.metrics["dc_capacity_kwp"] * 1000), rel=1e-3
    )
    assert float(summary["OPEX"]["total_usd"]) == pytest.approx(cost["opex_usd_per_yr"], abs=0.01)
    assert float(summary["LCOE (real)"]["unit_cost_usd"]) == pytest.approx(cost["lcoe_usd_per_mwh"], abs=1e-4)
    assert float(summary["NPV"]["total_usd"]) == pytest.approx(cost["npv_usd"], abs=0.01)
    assert float(summary["NPV"]["quantity"]) == DESIGN_PRICE_USD_PER_MWH
    assert math.isfinite(float(summary["LCOE (real)"]["unit_cost_usd"]))


def test_clear_sky_is_labelled_an_upper_bound_never_a_p50(
    clearsky_doc: ExportDocument,
    clearsky_files: dict[str, list[dict[str, str]]],
    files: dict[str, list[dict[str, str]]],
) -> None:
    assert {r["basis"] for r in clearsky_files["energy.csv"]} == {"clear-sky upper bound (not a P50)"}
    summary = {r["key"]: r["value"] for r in clearsky_files["energy_summary.csv"]}
    assert summary["is_clearsky_upper_bound"] == "true"
    assert summary["weather_source"] == "clearsky"
    assert "P50" not in summary["basis"].replace("not a P50", "")
    assert "UPPER BOUND" in summary["weather_label"].upper()
    # Bound names only, no P90.
    assert summary["energy_basis"] == "clearsky_upper_bound"
    assert not {"annual_energy_mwh", "specific_yield_kwh_per_kwp", "capacity_factor"} & set(summary)
    assert summary["p90_1yr_mwh"] == "" and "clear-sky" in summary["p90_note"]
    lcoe = [r["line"] for r in clearsky_files["cost.csv"] if "LCOE" in r["line"]]
    assert lcoe == ["LCOE lower bound (real; clear-sky energy)"]
    # Same plant, cloudless year: more energy than the TMY year.
    tmy = {r["key"]: r["value"] for r in files["energy_summary.csv"]}
    mwh = float(summary["annual_energy_mwh_upper_bound"])
    assert mwh > float(tmy["annual_energy_mwh"])
    assert mwh == clearsky_doc.section("energy")["annual_energy_mwh_upper_bound"]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_partial_or_sparse_design_never_breaks_an_export(fmt: str) -> None:
    """A design document with missing numbers and sections (an older layout, a failed yield step)
    exports without error; what is there is written, what is missing is blank."""
    sparse = {
        "bom": {"modules": {"count": 10}, "cables": [{"level": "mv"}], "roads": [{}]},
        "electrical": {"single_line": [{"feeder": 1}], "losses": {"stc": None}},
        "energy": {"monthly_energy_mwh": [1.0, None], "weather_source": "clearsky", "loss_waterfall": [{}]},
        "cost": {"capex": {"lines": [{"item": "modules"}], "overheads": None}},
    }
    doc = dataclasses.replace(make_document(), design=sparse)
    data = FORMATS[fmt].writer(doc)
    assert data
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bom = list(csv.DictReader(io.StringIO(zf.read("bom.csv").decode("utf-8"))))
            energy = list(csv.DictReader(io.StringIO(zf.read("energy.csv").decode("utf-8"))))
        assert bom[0]["item"] == "PV modules" and bom[0]["quantity"] == "10"
        assert [r["energy_mwh"] for r in energy] == ["1.000", ""]
        assert {r["basis"] for r in energy} == {"clear-sky upper bound (not a P50)"}
