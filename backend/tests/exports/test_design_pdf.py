"""PDF report of a designed PV plant (issues 12 and 13): BOM table, MV single-line summary, energy and
cost sections, read back with pypdf; a clear-sky result is labelled an upper bound, never a P50."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from app.exports.document import ExportDocument
from app.exports.pdf import write_pdf


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pages(doc: ExportDocument) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(write_pdf(doc))).pages]


@pytest.fixture(scope="module")
def pages(design_doc: ExportDocument) -> list[str]:
    return _pages(design_doc)


@pytest.fixture(scope="module")
def clearsky_pages(clearsky_doc: ExportDocument) -> list[str]:
    return _pages(clearsky_doc)


def _all(pages: list[str]) -> str:
    return _squash("".join(pages))


def test_sections_are_present(pages: list[str]) -> None:
    text = _all(pages)
    for heading in (
        "1bBillofquantities",
        "1cMVsingle-linesummary",
        "1dEnergyyield",
        "1eCost",
        "Losswaterfallstep",
    ):
        assert heading in text, heading


def test_bom_table_matches_the_design(design_doc: ExportDocument, pages: list[str]) -> None:
    bom = design_doc.section("bom")
    text = _all(pages)
    assert f"PVmodules{bom['modules']['model']}".replace(" ", "")[:30] in text
    assert f"{bom['modules']['count']:,}pcs" in text
    assert f"Piles–{bom['structures']['piles']:,}pcs" in text
    assert f"Fence–{bom['fence_m']:,.0f}m" in text


def test_single_line_lists_every_feeder(design_doc: ExportDocument, pages: list[str]) -> None:
    text = _all(pages)
    for f in design_doc.section("electrical")["single_line"]:
        blocks = "".join(str(b) for b in f["blocks"])
        row = f"{f['feeder']}{blocks}{f['mva']:,.2f}{f['length_m']:,.0f}"
        assert row in text, row


def test_energy_and_cost_figures(design_doc: ExportDocument, pages: list[str]) -> None:
    energy, cost = design_doc.section("energy"), design_doc.section("cost")
    text = _all(pages)
    assert f"Annualenergy(P50){energy['annual_energy_mwh']:,.0f}MWh/yr" in text
    assert f"Specificyield{energy['specific_yield_kwh_per_kwp']:,.0f}kWh/kWp/yr" in text
    assert f"Performanceratio{100 * energy['performance_ratio']:.1f}%" in text
    assert f"P90,1year{energy['p90_1yr_mwh']:,.0f}MWh/yr" in text
    assert f"P90,10-yearmean{energy['p90_10yr_mwh']:,.0f}MWh/yr" in text
    assert f"LCOE(real){cost['lcoe_usd_per_mwh']:,.2f}USD/MWh" in text
    assert f"CAPEX{cost['capex_usd']:,.0f}USD" in text
    assert f"CAPEXperWdc{cost['capex']['usd_per_wdc']:,.3f}USD/Wdc" in text
    assert f"OPEX{cost['opex_usd_per_yr']:,.0f}USD/yr" in text
    assert f"{cost['npv_usd']:,.0f}USD" in text
    # The month names of the bar chart, and the first page's headline.
    assert all(m in text for m in ("Jan", "Jun", "Dec"))
    first = _squash(pages[0])
    assert f"Energy:{energy['annual_energy_mwh']:,.0f}MWh/yr" in first
    mv_routes = {c.properties["circuit"] for c in design_doc.cables if c.properties["level"] == "mv"}
    assert f"MVcable({len(mv_routes)}routes)" in first  # the plan's legend
    assert "P50(typicalmeteorologicalyear)" in first
    assert "clear-sky" not in text.lower()


def test_clear_sky_is_labelled_everywhere(clearsky_doc: ExportDocument, clearsky_pages: list[str]) -> None:
    energy = clearsky_doc.section("energy")
    text = _all(clearsky_pages).lower()
    assert "clear-skyupperbound" in _squash(clearsky_pages[0]).lower()  # the first page says so
    mwh = energy["annual_energy_mwh_upper_bound"]
    assert f"annualenergy(clear-skyupperbound){mwh:,.0f}mwh/yr" in text
    assert "clear-skyupperbound—notap50" in text  # the banner
    assert "p90noP90onaclear-skyyear".lower() in text  # no P90, and why
    # The LCOE only as a lower bound, wherever it appears.
    assert "lcoelowerbound(real;clear-skyenergy)" in text
    hits = [i for i in range(len(text)) if text.startswith("lcoe", i)]
    assert all("lowerbound" in text[i : i + 30] for i in hits), [text[i : i + 30] for i in hits]
    assert "annualenergy(p50)" not in text
    assert "typicalmeteorologicalyear" not in text


def test_layouts_without_a_design_have_no_design_sections(doc: ExportDocument) -> None:
    text = _all(_pages(doc))
    for heading in ("Billofquantities", "MVsingle-line", "Energyyield", "CAPEX"):
        assert heading not in text
