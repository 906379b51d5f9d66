"""One earthwork figure: tables + roads + equipment pads, the same in metrics, BOM, CAPEX and exports."""

from __future__ import annotations

import csv
import io
import zipfile

import pypdf
import pytest

from app.engine.core.types import LayoutParams
from app.engine.cost.model import estimate_cost
from app.engine.layout import generate_layout
from app.exports.build import document_from_result
from app.exports.csv_zip import write_csv_zip
from app.exports.pdf import write_pdf
from tests.engine.factory import grid_for, site_from_utm, square_utm


@pytest.fixture(scope="module")
def layout():
    crs, sq = square_utm(1000)
    site = site_from_utm(sq, crs)
    params = LayoutParams(target_capacity_kw=20_000, profile="solar_farm")
    grid = grid_for(sq, crs, terrain="rolling", amplitude_m=8.0, wavelength_m=500.0)
    return site, params, grid, generate_layout(site, grid, params)


def test_earthwork_agrees_across_metrics_bom_capex_and_csv(layout) -> None:
    site, params, grid, r = layout
    # Recomputed from the parts: every table, every equipment pad, every road.
    tables = [a for a in r.assets if a.asset_type in ("pv_table", "tracker")]
    pads = [a for a in r.assets if a.asset_type not in ("pv_table", "tracker")]
    part_cut = {
        "tables": sum(a.cut_m3 for a in tables),
        "pads": sum(a.cut_m3 for a in pads),
        "roads": sum(x.cut_m3 for x in r.roads),
    }
    part_fill = {
        "tables": sum(a.fill_m3 for a in tables),
        "pads": sum(a.fill_m3 for a in pads),
        "roads": sum(x.fill_m3 for x in r.roads),
    }
    assert part_cut["pads"] + part_fill["pads"] > 0  # the substation and stations are graded
    assert part_cut["roads"] + part_fill["roads"] > 0
    cut, fill = sum(part_cut.values()), sum(part_fill.values())

    assert r.metrics["cut_volume_m3"] == pytest.approx(cut, abs=0.01)
    assert r.metrics["fill_volume_m3"] == pytest.approx(fill, abs=0.01)

    grading = r.design["bom"]["grading"]
    assert grading["cut_m3"] == pytest.approx(cut, abs=0.06)
    assert grading["fill_m3"] == pytest.approx(fill, abs=0.06)
    assert grading["total_m3"] == pytest.approx(cut + fill, abs=0.1)
    for part in ("tables", "roads", "pads"):
        assert grading[f"{part}_m3"] == pytest.approx(part_cut[part] + part_fill[part], abs=0.06)

    cost = estimate_cost(r.design["bom"], 40_000.0)
    (line,) = [x for x in cost["capex"]["lines"] if x["key"] == "earthwork_usd_per_m3"]
    assert line["quantity"] == pytest.approx(cut + fill, abs=0.1)
    assert line["usd"] == pytest.approx((cut + fill) * 8.0, abs=1.0)

    doc = document_from_result(site=site, result=r, params=params, site_name="ew", layout_id="ew", grid=grid)
    assert doc.metrics["cut_volume_m3"] == pytest.approx(cut, abs=0.01)
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as zf:
        bom = list(csv.DictReader(io.StringIO(zf.read("bom.csv").decode("utf-8"))))
    (total,) = [b for b in bom if b["item"] == "Grading" and b["type_size"].startswith("cut + fill")]
    assert float(total["quantity"]) == pytest.approx(cut + fill, abs=0.1)

    # The PDF: the BOM's grading total and the earthwork section's total row, same figure.
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(write_pdf(doc))).pages)
    assert f"Grading cut + fill (tables + roads + pads) {cut + fill:,.0f} m³" in text
    assert f"Total {cut:,.0f} {fill:,.0f}" in text
