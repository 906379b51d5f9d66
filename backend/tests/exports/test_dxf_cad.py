"""DXF an AutoCAD user accepts: audit-clean, units and extents, colours, labels, title block, table blocks."""

from __future__ import annotations

import io
import math
import re

import ezdxf
import pytest
from ezdxf.document import Drawing
from shapely import affinity
from shapely.geometry import Polygon, box

from app.engine.core.crs import to_utm
from app.exports import palette
from app.exports.document import ExportDocument
from app.exports.dxf import write_dxf
from tests.exports.conftest import (
    PV_BLOCKS,
    PV_ROTATION_DEG,
    TABLE_L,
    TABLE_W,
    make_document,
    make_pv_document,
    origin_utm,
)


def _read(doc: ExportDocument) -> Drawing:
    return ezdxf.read(io.StringIO(write_dxf(doc).decode("utf-8")))


def _texts(dwg: Drawing, layer: str) -> list[str]:
    return [str(e.dxf.text) for e in dwg.modelspace().query(f'TEXT[layer=="{layer}"]')]


@pytest.mark.parametrize(
    "doc",
    [
        make_pv_document(),
        make_pv_document(with_terrain=False, use_terrain=False),
        make_document(),
        make_document(n_pv=0, n_bess=0, substation=False, roads=False, exclusion=False, with_terrain=False),
    ],
    ids=["pv", "pv-no-terrain", "blocks", "empty"],
)
def test_auditor_finds_nothing(doc: ExportDocument) -> None:
    dwg = _read(doc)
    auditor = dwg.audit()
    assert not auditor.has_errors, [str(e) for e in auditor.errors]
    assert not auditor.has_fixes, [str(f) for f in auditor.fixes]


def test_units_and_extents_frame_everything(pv_doc: ExportDocument) -> None:
    dwg = _read(pv_doc)
    assert dwg.header["$INSUNITS"] == 6
    assert dwg.header["$MEASUREMENT"] == 1
    (x0, y0, _), (x1, y1, _) = dwg.header["$EXTMIN"], dwg.header["$EXTMAX"]
    assert x0 < x1 and y0 < y1 and 400_000 < x0 < 700_000  # UTM metres, not the 1e20 default
    site = to_utm(pv_doc.boundary, pv_doc.crs).bounds  # type: ignore[arg-type]
    assert x0 <= site[0] and y0 <= site[1] and x1 >= site[2] and y1 >= site[3]
    # Every vertex of every polyline, and every text's anchor, lies inside the extents.
    msp = dwg.modelspace()
    for e in msp.query("LWPOLYLINE"):
        for x, y in e.get_points("xy"):
            assert x0 - 1e-6 <= x <= x1 + 1e-6 and y0 - 1e-6 <= y <= y1 + 1e-6
    for t in msp.query("TEXT"):
        x, y, _ = t.dxf.align_point
        assert x0 <= x <= x1 and y0 <= y <= y1


def test_layer_colours_are_the_apps(pv_doc: ExportDocument) -> None:
    dwg = _read(pv_doc)
    for name, hex_rgb in [
        ("PV_TABLE_B01", palette.block_color(1)),
        ("PV_TABLE_B02", palette.block_color(2)),
        ("TRACKER_B03", palette.block_color(3)),
        ("POWER_STATION", palette.ASSET_COLORS["power_station"]),
        ("BESS", palette.ASSET_COLORS["battery_container"]),
        ("ROADS_NONCOMPLIANT", palette.NONCOMPLIANT_ROAD_COLOR),
        ("BOUNDARY", palette.BOUNDARY_COLOR),
    ]:
        layer = dwg.layers.get(name)
        assert layer.rgb == palette.rgb(hex_rgb), name
        assert layer.color == palette.aci(hex_rgb), name
    assert dwg.layers.get("ROADS_NONCOMPLIANT").dxf.linetype == "DASHED"
    steep = dwg.modelspace().query('LWPOLYLINE[layer=="ROADS_NONCOMPLIANT"]')
    assert len(steep) == 1 and steep[0].dxf.const_width == 4.0


def test_one_block_definition_per_table_type_inserted_per_table(pv_doc: ExportDocument) -> None:
    dwg = _read(pv_doc)
    msp = dwg.modelspace()
    inserts = msp.query("INSERT")
    assert len(inserts) == len(pv_doc.tables) == 37
    names = {i.dxf.name for i in inserts}
    assert names == {"PV_TABLE_20.0x4.5", "PV_TABLE_10.0x4.5", "TRACKER_20.0x4.5", "TRACKER_10.0x4.5"}
    counts = {
        layer: len(msp.query(f'INSERT[layer=="{layer}"]'))
        for layer in ("PV_TABLE_B01", "PV_TABLE_B02", "TRACKER_B03", "PV_TABLE")
    }
    assert counts == {"PV_TABLE_B01": 12, "PV_TABLE_B02": 12, "TRACKER_B03": 12, "PV_TABLE": 1}
    # Each insert, exploded, is its table's footprint (recomputed here in UTM from the local frame).
    ox, oy = origin_utm()
    bx, by = PV_BLOCKS[1]
    first = affinity.rotate(box(bx, by, bx + TABLE_L, by + TABLE_W), PV_ROTATION_DEG, origin=(bx, by))
    expected = to_utm(to_wgs(affinity.translate(first, ox, oy)), pv_doc.crs)
    ref = next(
        i
        for i in inserts
        if i.dxf.layer == "PV_TABLE_B01" and i.get_xdata("SITELAYOUTS")[0].value == "id=table-1"
    )
    pts = [(p[0], p[1]) for e in ref.virtual_entities() for p in e.get_points("xy")]
    assert Polygon(pts).hausdorff_distance(expected) < 0.05
    # UTM grid convergence turns the rows a little from the local frame: a fraction of a degree.
    assert ref.dxf.rotation == pytest.approx(PV_ROTATION_DEG, abs=1.0)
    xdata = dict(str(t.value).split("=", 1) for t in ref.get_xdata("SITELAYOUTS"))
    assert xdata["block"] == "1.0" and float(xdata["dc_kwp"]) == pytest.approx(28 * 0.58)
    assert xdata["structure"] == "fixed" and xdata["piles"] == "8.0"


def to_wgs(geom: Polygon) -> Polygon:
    from app.engine.core.crs import to_wgs84

    out = to_wgs84(geom, "EPSG:32614")
    assert isinstance(out, Polygon)
    return out


def test_labels_for_equipment_and_blocks(pv_doc: ExportDocument) -> None:
    dwg = _read(pv_doc)
    labels = _texts(dwg, "LABELS")
    for block in (1, 2, 3):
        dc = sum(t.value("dc_kwp") or 0.0 for t in pv_doc.tables if t.block == block)
        assert f"BLOCK {block}: 12 tables, {dc / 1000:,.2f} MWp" in labels
        assert f"Power station B{block} 0.25 MW" in labels
    assert "BESS 1 1.00 MW" in labels
    assert "Substation 1" in labels
    assert "Gate" in _texts(dwg, "GATES")
    assert len(dwg.modelspace().query('LWPOLYLINE[layer=="FENCE"]')) == 1


def test_title_block_names_crs_units_and_contours(pv_doc: ExportDocument) -> None:
    title = _texts(_read(pv_doc), "TITLE")
    assert any("EPSG 32614" in t and "UTM zone 14N" in t for t in title)
    assert any(t.startswith("Units: metres") for t in title)
    assert "Contours: every 1 m" in title
    assert any(t.startswith("PV tables: 37 in 3 blocks") for t in title)
    assert not any("not assessed" in t for t in title)
    flat = _texts(_read(make_pv_document(with_terrain=False, use_terrain=False)), "TITLE")
    assert "Contours: none (no terrain data for this export)" in flat
    assert "Terrain: not used - slopes and earthwork not assessed" in flat


def test_contours_carry_elevation_labels(pv_doc: ExportDocument) -> None:
    dwg = _read(pv_doc)
    assert sorted(_texts(dwg, "CONTOUR_LABELS")) == ["250", "255", "260"]
    for t in dwg.modelspace().query('TEXT[layer=="CONTOUR_LABELS"]'):
        # The lines run about 4° off east-west: the labels follow them, never upside down.
        assert -90 <= t.dxf.rotation < 90 and abs(t.dxf.rotation) < 10
    no_terrain = _read(make_pv_document(with_terrain=False))
    assert _texts(no_terrain, "CONTOUR_LABELS") == []
    assert math.isclose(no_terrain.header["$INSUNITS"], 6)


def test_bulk_written_tables_and_cables_are_audit_clean(
    pv_doc: ExportDocument, design_doc: ExportDocument
) -> None:
    """Tables and cables are written as DXF text, not ezdxf objects (issue 24): the file still reads
    back audit-clean, with unique handles, every table and cable line in model space."""
    for d in (pv_doc, design_doc):
        dwg = _read(d)
        auditor = dwg.audit()
        assert not auditor.has_errors, [str(e) for e in auditor.errors]
        assert not auditor.has_fixes, [str(f) for f in auditor.fixes]
        msp = dwg.modelspace()
        assert len(msp.query("INSERT")) == len(d.tables)
        # In the file itself: every object's handle unique and below the next-handle seed.
        text = write_dxf(d).decode("utf-8")
        handles = [int(h, 16) for h in re.findall(r"\n  0\n[A-Z_0-9]+\n  5\n([0-9A-F]+)\n", text)]
        assert len(handles) == len(set(handles)) > len(d.tables)
        seed = re.search(r"\$HANDSEED\n  5\n([0-9A-F]+)\n", text)
        assert seed is not None and int(seed.group(1), 16) > max(handles)
        cable_lines = sum(
            len(msp.query(f'LWPOLYLINE[layer=="CABLE_{lv.upper()}"]')) for lv in d.cables_by_level
        )
        assert cable_lines == sum(len(getattr(c.geometry, "geoms", [c.geometry])) for c in d.cables)
        for e in msp.query("LWPOLYLINE[layer=='CABLE_DC']"):
            assert any(str(t.value).startswith("circuit=") for t in e.get_xdata("SITELAYOUTS"))
