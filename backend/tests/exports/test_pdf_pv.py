"""PDF report of a table-level PV layout: blocks on the plan, design parameters, areas, terrain honesty."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from app.exports.pdf import write_pdf
from tests.exports.conftest import make_pv_document


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pages(**kwargs: bool) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(make_pv_document(**kwargs))))
    return [p.extract_text() for p in reader.pages]


@pytest.fixture(scope="module")
def pv_pages() -> list[str]:
    return _pages()


@pytest.fixture(scope="module")
def flat_pages() -> list[str]:
    return _pages(with_terrain=False, use_terrain=False)


def test_plan_legend_has_blocks_steep_roads_and_fence(pv_pages: list[str]) -> None:
    first = _squash(pv_pages[0])
    for block in (1, 2, 3):
        assert f"Block{block}(12tables)" in first
    assert "Tableswithoutablock(1)" in first
    assert "Roadtoosteepfortrucks" in first
    assert "Fence" in first
    assert "0.75MWac" in first
    doc = make_pv_document()
    dc_mwp = sum(t.value("dc_kwp") or 0 for t in doc.tables) / 1000
    assert f"{dc_mwp:.2f}MWp" in first
    assert "37Tables" in first  # key figure: value above its label (a mix of tables and a tracker)


def test_design_parameters_and_block_counts(pv_pages: list[str]) -> None:
    text = _squash("\n".join(pv_pages))
    assert "PVdesign" in text
    for expected in [
        "StructurefixedTables37Modules840",
        "DC/ACratio1.30",
        "Ground-coverageratio0.40",
        "Rowpitch12.00m",
        "Tilt25.0°",
    ]:
        assert expected in text, expected
    # Block 1: 8 full tables (28 modules, 8 piles) and 4 half tables (14 modules, 4 piles), 0.58 kWp each.
    modules = 8 * 28 + 4 * 14
    row = f"112{modules}{modules * 0.58:.1f}{8 * 8 + 4 * 4}"
    assert row in text, row
    assert "Total37" in text


def test_areas_and_terrain_provenance(pv_pages: list[str]) -> None:
    text = _squash("\n".join(pv_pages))
    assert "Usablearea(boundary−setback−exclusions)40.00ha" in text
    assert "Buildablearea(usable,withinslopelimits)30.00ha" in text
    assert "10mgridresampledfrom≈93msource" in text
    assert "gridfinerthanitssource" in text
    assert "digitalelevationmodel(10mgridresampledfrom≈93msource)" in text
    assert "notassessed" not in text


def test_terrain_off_says_so(flat_pages: list[str]) -> None:
    text = _squash("\n".join(flat_pages))
    assert "Terrainwasnotusedforthislayout" in text
    assert "slopesandearthworkwerenotassessed" in text
    assert "digitalelevationmodel" not in text
    assert "estimatesfromtheterrainmodel" not in text
