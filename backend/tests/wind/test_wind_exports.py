"""Turbines in the exports: hub height, rotor and per-turbine AEP in GeoJSON, KMZ and DXF."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

import ezdxf
import pytest
from lxml import etree

from app.engine.core.geojson import layout_feature_collection
from app.engine.core.grid import Grid
from app.engine.core.types import LayoutParams, LayoutResult, SiteInput
from app.engine.wind.outputs import with_wind_energy
from app.exports.build import document_from_result
from app.exports.document import ExportDocument
from app.exports.dxf import APPID, write_dxf
from app.exports.kmz import write_kmz
from tests.engine.factory import grid_for, make_site
from tests.wind.test_layout import resource

PARAMS = LayoutParams(target_capacity_kw=30_000, profile="wind_hybrid", use_terrain=False)


@dataclass(frozen=True)
class Layout:
    site: SiteInput
    grid: Grid
    result: LayoutResult


@pytest.fixture(scope="module")
def layout() -> Layout:
    """The wind hybrid, laid out once for the module (`with_wind_energy` returns a new result,
    so each test adds its own yield to the same layout)."""
    from app.engine.layout import generate_layout

    case = make_site(3000, 3000, entry=(0, 1500))
    grid = grid_for(case.boundary, case.crs, resolution_m=30.0)
    return Layout(case.site, grid, generate_layout(case.site, grid, PARAMS, wind_resource=resource()))


def _document(layout: Layout, result: LayoutResult) -> ExportDocument:
    return document_from_result(
        site=layout.site,
        result=result,
        params=PARAMS,
        site_name="Wind",
        layout_id="w",
        grid=layout.grid,
        grid_source="flat",
    )


@pytest.fixture(scope="module")
def wind_doc(layout: Layout) -> tuple[ExportDocument, dict]:  # type: ignore[type-arg]
    result, _ = with_wind_energy(layout.result, resource(), PARAMS, elevation_m=200.0)
    return _document(layout, result), layout_feature_collection(layout.site, result, PARAMS)


def test_geojson_turbines_carry_hub_rotor_and_aep(wind_doc: tuple[ExportDocument, dict]) -> None:  # type: ignore[type-arg]
    _, fc = wind_doc
    turbines = [
        f["properties"] for f in fc["features"] if f["properties"].get("asset_type") == "wind_turbine"
    ]
    assert turbines
    for p in turbines:
        assert p["hub_height_m"] == 110.0 and p["rotor_diameter_m"] == 130.0 and p["rated_kw"] == 3370.0
        assert 0 < p["net_aep_mwh"] < p["gross_aep_mwh"]
    json.dumps(fc)


def test_kmz_and_dxf_carry_hub_height_and_rotor(wind_doc: tuple[ExportDocument, dict]) -> None:  # type: ignore[type-arg]
    doc, _ = wind_doc
    with zipfile.ZipFile(io.BytesIO(write_kmz(doc))) as z:
        kml = z.read("doc.kml")
    root = etree.fromstring(kml)
    names = {d.get("name") for d in root.iter("{http://www.opengis.net/kml/2.2}Data")}
    assert {"hub_height_m", "rotor_diameter_m", "net_aep_mwh"} <= names
    dwg = ezdxf.read(io.StringIO(write_dxf(doc).decode("utf-8")))
    tags = [
        str(t.value)
        for e in dwg.modelspace().query('*[layer=="WIND_TURBINE"]')
        if e.has_xdata(APPID)
        for t in e.get_xdata(APPID)
    ]
    assert any(t.startswith("hub_height_m=110") for t in tags), tags[:20]
    assert any(t.startswith("rotor_diameter_m=130") for t in tags)


def test_pdf_has_the_wind_section_with_rose_and_turbine_aep(wind_doc: tuple[ExportDocument, dict]) -> None:  # type: ignore[type-arg]
    from pypdf import PdfReader

    from app.exports.pdf import write_pdf

    doc, _ = wind_doc
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(write_pdf(doc))).pages)
    assert "Wind farm" in text and "Wind rose at hub height" in text
    assert "Net AEP" in text and "T01" in text


def test_csv_zip_has_turbines_and_rose(wind_doc: tuple[ExportDocument, dict]) -> None:  # type: ignore[type-arg]
    import csv

    from app.exports.csv_zip import write_csv_zip

    doc, _ = wind_doc
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as z:
        turbines = list(csv.DictReader(io.StringIO(z.read("turbines.csv").decode())))
        rose = list(csv.DictReader(io.StringIO(z.read("wind_rose.csv").decode())))
    assert len(turbines) == doc.metrics["turbine_count"]
    assert sum(float(t["net_aep_mwh"]) for t in turbines) == pytest.approx(
        doc.metrics["wind_net_aep_mwh"], rel=1e-3
    )
    assert len(rose) == 12


def test_a_run_without_a_yield_says_so_not_that_the_resource_is_missing(layout: Layout) -> None:
    """A wind resource given but the yield not simulated (the CLI's --no-energy): the PDF's wind
    section says the yield was not simulated, never "no wind resource was uploaded"."""
    from pypdf import PdfReader

    from app.exports.pdf import write_pdf

    result, hourly = with_wind_energy(layout.result, resource(), PARAMS, elevation_m=200.0, simulate=False)
    assert hourly is None and "wind_net_aep_mwh" not in result.metrics
    doc = _document(layout, result)
    # Whitespace dropped: the paragraph wraps wherever the page width puts the line break.
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(write_pdf(doc))).pages).split())
    assert "Energyyieldnotsimulated:nowindAEPcomputed" in text
    assert "Nowindresourcewasuploaded" not in text


def test_wind_mv_cables_are_in_geojson_kmz_dxf_and_csv_like_the_pv_feeders(
    wind_doc: tuple[ExportDocument, dict],  # type: ignore[type-arg]
) -> None:
    """The turbines' collector circuits (circuit "W<n>.<leg>", level mv, source wind) reach every
    export the PV MV feeders do."""
    import csv

    from app.exports.csv_zip import write_csv_zip

    doc, fc = wind_doc
    circuits = {
        f["properties"]["circuit"]
        for f in fc["features"]
        if f["properties"].get("source") == "wind" and f["properties"].get("level") == "mv"
        and "circuit" in f["properties"]
    }  # fmt: skip
    assert circuits and all(c.startswith("W") for c in circuits)
    with zipfile.ZipFile(io.BytesIO(write_kmz(doc))) as z:
        kml = z.read("doc.kml").decode()
    assert all(c in kml for c in circuits)
    dwg = ezdxf.read(io.StringIO(write_dxf(doc).decode("utf-8")))
    tags = {
        str(t.value)
        for e in dwg.modelspace().query('*[layer=="CABLE_MV"]')
        if e.has_xdata(APPID)
        for t in e.get_xdata(APPID)
    }
    assert {f"circuit={c}" for c in circuits} <= tags
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(doc))) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("cables.csv").decode())))
    assert circuits <= {r["circuit"] for r in rows if r["level"] == "mv"}
