"""PDF report, read back with pypdf text extraction."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

import app
from app.exports.document import ExportDocument
from app.exports.pdf import key_label, nice_length, true_north_deg, write_pdf
from tests.exports.conftest import EMPTY, make_document


def _pages(doc: ExportDocument) -> tuple[pypdf.PdfReader, list[str]]:
    data = write_pdf(doc)
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def _squash(text: str) -> str:
    """Text without whitespace: extraction splits words at kerning pairs ("T arget")."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def report() -> tuple[pypdf.PdfReader, list[str]]:
    return _pages(make_document())


@pytest.fixture(scope="module")
def empty_report() -> list[str]:
    return _pages(make_document(**EMPTY))[1]


def test_report_has_the_layout_numbers(report) -> None:
    reader, pages = report
    text = _squash("\n".join(pages))
    for expected in [
        "Sitelayoutreport",
        "MesquiteFlatsSolar",
        "15.20MW",  # key figure
        "15,200kW",  # placed capacity
        "15,000kW",  # target
        "8,000kWh",
        "40.50ha",  # site area from the boundary
        "PVblock62,200"[:7],  # asset table row label
        "Total915,2008,000",  # asset totals: count, kW, kWh
        "Spine16256.0",  # road row: 1 segment, 625 m, 6.0 m wide
        "Total31,255",  # road totals
        "Total990565425",  # earthwork: cut, fill, net
        "EPSG:32614",
        "UTMzone14N",
    ]:
        assert expected in text, expected
    assert len(reader.pages) >= 3


def test_report_has_map_furniture_terrain_warnings_params_and_version(report) -> None:
    _, pages = report
    first = _squash(pages[0])
    assert "Scale" in first
    assert "100m" in first  # scale bar label
    assert "N" in pages[0]
    assert "truenorth" in first
    text = _squash("\n".join(pages))
    assert "Elevationmin[m]245.20" in text
    assert "Slopemean[°]2.10" in text
    assert "Buildableshare,slope≤5°87.4%" in text
    # Buildable shares of the layout's profile (hybrid) and placed types only: "pv_tracker" is neither.
    assert "BuildableshareforBESS70.0%" in text
    assert "BuildableshareforPVtracker" not in text
    assert "5-105.1012.6%" in text  # slope class table: class, area [ha], share
    assert _squash("2 PV blocks sit on slopes steeper than 8°.") in text
    assert "Setback[m]15.00" in text
    assert _squash("Overrides › PV block › Max slope [°]") in text
    assert f"SiteLayouts{app.__version__}" in text
    assert "2025-03-1409:30UTC" in text
    n = len(pages)
    assert all(f"Page{i}of{n}" in _squash(p) for i, p in enumerate(pages, start=1))


def test_asset_schedule_lists_every_asset(report) -> None:
    _, pages = report
    text = "\n".join(pages)
    assert "Asset schedule" in text
    assert len(re.findall(r"PV block", text)) >= 6 + 1  # schedule rows + summary row


def test_metadata(report) -> None:
    meta = report[0].metadata
    assert meta is not None
    assert "Mesquite Flats Solar" in (meta.title or "")
    assert app.__version__ in (meta.creator or "")


def test_empty_layout(empty_report: list[str]) -> None:
    text = "\n".join(empty_report)
    assert "No assets were placed" in text
    assert "No roads were laid out" in text
    assert "No terrain summary" in text
    assert "No buildable area left" in text
    assert "Asset schedule" not in text


def test_unicode_site_name(unicode_doc: ExportDocument) -> None:
    _, pages = _pages(unicode_doc)
    assert "Éole" in pages[0]
    assert "Ферма" in pages[0]


@pytest.mark.slow
def test_many_assets_paginate(doc_factory) -> None:
    reader, pages = _pages(doc_factory(n_pv=90, warnings=[f"warning number {i}" for i in range(60)]))
    text = "\n".join(pages)
    assert "warning number 59" in text
    assert len(reader.pages) >= 6
    assert sum(p.count("Asset type") for p in pages) == 1


@pytest.mark.parametrize(("target", "nice"), [(230.0, 200.0), (99.0, 50.0), (1.0, 1.0), (7300.0, 5000.0)])
def test_nice_length(target: float, nice: float) -> None:
    assert nice_length(target) == nice


def test_true_north_is_west_of_grid_north_east_of_the_central_meridian() -> None:
    # Zone 14's central meridian is -99°: east of it, true north lies anticlockwise of grid north.
    assert true_north_deg(-97.5, 31.0, "EPSG:32614") < -0.5
    assert true_north_deg(-99.0, 31.0, "EPSG:32614") == pytest.approx(0.0, abs=1e-6)


def test_key_label() -> None:
    assert key_label("mean_slope_deg") == "Mean slope [°]"
    assert key_label("dem_resolution_m") == "DEM resolution [m]"
    assert key_label("cut_volume_m3") == "Cut volume [m³]"
