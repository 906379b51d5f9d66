"""The exports of a real table-level PV layout from the engine (the issue 11 contract end to end)."""

from __future__ import annotations

import csv
import io
import zipfile

import ezdxf
import pytest
from lxml import etree
from shapely.geometry import box

from app.dem.base import grid_spec_for
from app.dem.flat import FlatSource
from app.engine.core.types import LayoutParams, SiteInput
from app.engine.layout import generate_layout
from app.exports.build import document_from_result
from app.exports.csv_zip import write_csv_zip
from app.exports.document import ExportDocument
from app.exports.dxf import write_dxf
from app.exports.kmz import write_kmz

NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(scope="module")
def engine_doc() -> ExportDocument:
    site = SiteInput(boundary=box(-99.50, 31.00, -99.49, 31.008))  # ≈ 955 × 887 m, ≈ 85 ha
    params = LayoutParams(target_capacity_kw=10_000, use_terrain=False, dem_resolution_m=10)
    grid = FlatSource().fetch(grid_spec_for(site.boundary, 10))
    result = generate_layout(site, grid, params)
    return document_from_result(
        site=site,
        result=result,
        params=params,
        site_name="Engine PV",
        layout_id="e2e",
        grid=grid,
        grid_source="flat",
    )


def test_the_engine_places_tables_in_blocks(engine_doc: ExportDocument) -> None:
    m = engine_doc.metrics
    assert m["table_count"] == len(engine_doc.tables) > 0
    assert m["block_count"] == len([b for b in engine_doc.blocks if b is not None]) > 0


def test_dxf(engine_doc: ExportDocument) -> None:
    dwg = ezdxf.read(io.StringIO(write_dxf(engine_doc).decode("utf-8")))
    auditor = dwg.audit()
    assert not auditor.has_errors and not auditor.has_fixes
    msp = dwg.modelspace()
    assert len(msp.query("INSERT")) == engine_doc.metrics["table_count"]
    block_layers = {i.dxf.layer for i in msp.query("INSERT")}
    assert len(block_layers) == engine_doc.metrics["block_count"]
    labels = [str(t.dxf.text) for t in msp.query('TEXT[layer=="LABELS"]')]
    assert sum(1 for t in labels if t.startswith("BLOCK ")) == engine_doc.metrics["block_count"]
    assert any(t.startswith("Substation") for t in labels)
    title = [str(t.dxf.text) for t in msp.query('TEXT[layer=="TITLE"]')]
    assert "Terrain: not used - slopes and earthwork not assessed" in title


def test_csv_schedule(engine_doc: ExportDocument) -> None:
    with zipfile.ZipFile(io.BytesIO(write_csv_zip(engine_doc))) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("tables.csv").decode("utf-8"))))
    assert len(rows) == engine_doc.metrics["table_count"]
    assert sum(float(r["dc_kwp"]) for r in rows) == pytest.approx(
        engine_doc.metrics["dc_capacity_kwp"], rel=1e-6
    )
    assert all(r["block"] != "" for r in rows)


def test_kmz_block_folders(engine_doc: ExportDocument) -> None:
    with zipfile.ZipFile(io.BytesIO(write_kmz(engine_doc))) as zf:
        root = etree.fromstring(zf.read("doc.kml"))
    names = [str(n) for n in root.xpath("//k:Folder/k:name/text()", namespaces=NS)]
    assert sum(1 for n in names if n.startswith("Block ")) == engine_doc.metrics["block_count"]
