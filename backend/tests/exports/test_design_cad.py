"""Cables and trenches of a designed PV plant in the DXF (layers CABLE_DC / CABLE_LV / CABLE_MV and
TRENCH, read back with ezdxf) and the KMZ (folders Cables by level and Trenches, read with lxml)."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections import Counter

import ezdxf
import pytest
from ezdxf.document import Drawing
from lxml import etree
from shapely.geometry import LineString, mapping

from app.engine.core.crs import to_wgs84
from app.exports import palette
from app.exports.document import ExportDocument
from app.exports.dxf import write_dxf
from app.exports.kmz import write_kmz
from tests.exports.conftest import CRS, make_document, origin_utm

NS = {"k": "http://www.opengis.net/kml/2.2"}


def _dxf(doc: ExportDocument) -> Drawing:
    return ezdxf.read(io.StringIO(write_dxf(doc).decode("utf-8")))


def _kml(doc: ExportDocument) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(write_kmz(doc))) as zf:
        return etree.fromstring(zf.read("doc.kml"))


def _parts(doc: ExportDocument, level: str) -> int:
    """Line parts of the cable features of one level (a MultiLineString is several polylines)."""
    n = 0
    for c in doc.cables_by_level.get(level, []):
        n += len(getattr(c.geometry, "geoms", [c.geometry]))
    return n


@pytest.fixture(scope="module")
def dwg(design_doc: ExportDocument) -> Drawing:
    return _dxf(design_doc)


@pytest.fixture(scope="module")
def kml(design_doc: ExportDocument) -> etree._Element:
    return _kml(design_doc)


def test_dxf_is_audit_clean(dwg: Drawing) -> None:
    auditor = dwg.audit()
    assert not auditor.has_errors and not auditor.has_fixes


def test_dxf_cable_and_trench_layers(design_doc: ExportDocument, dwg: Drawing) -> None:
    msp = dwg.modelspace()
    levels = Counter(c.properties["level"] for c in design_doc.cables)
    assert levels["dc"] > 0 and levels["mv"] > 0
    for level in levels:
        layer = f"CABLE_{level.upper()}"
        assert dwg.layers.has_entry(layer)
        colour = palette.CABLE_COLORS[level]
        assert dwg.layers.get(layer).rgb == palette.rgb(colour)
        assert dwg.layers.get(layer).color == palette.aci(colour)
        assert len(msp.query(f'LWPOLYLINE[layer=="{layer}"]')) == _parts(design_doc, level)
    assert not dwg.layers.has_entry("CABLE_LV")  # central topology: no LV AC cables
    assert dwg.layers.get("TRENCH").rgb == palette.rgb(palette.TRENCH_COLOR)
    trench_parts = sum(len(getattr(t.geometry, "geoms", [t.geometry])) for t in design_doc.trenches)
    assert len(msp.query('LWPOLYLINE[layer=="TRENCH"]')) == trench_parts > 0
    # Distinct colours per level and for trenches, in true colour and in the AutoCAD index.
    layers = [dwg.layers.get(n) for n in ("CABLE_DC", "CABLE_MV", "TRENCH")]
    assert len({la.rgb for la in layers}) == len({la.color for la in layers}) == 3


def test_dxf_mv_cables_are_drawn_at_their_length(design_doc: ExportDocument, dwg: Drawing) -> None:
    """The MV polylines' lengths in the drawing [m] add up to the cables' length_m, and each carries
    its circuit, conductor and current as XDATA."""
    polylines = dwg.modelspace().query('LWPOLYLINE[layer=="CABLE_MV"]')
    drawn = 0.0
    seen = set()
    for e in polylines:
        pts = [(p[0], p[1]) for p in e.get_points("xy")]
        drawn += LineString(pts).length
        tags = {v.split("=", 1)[0]: v.split("=", 1)[1] for _, v in e.get_xdata("SITELAYOUTS")}
        assert tags["level"] == "mv" and tags["conductor"] and float(tags["current_a"]) > 0
        seen.add(tags["circuit"])
    mv = design_doc.cables_by_level["mv"]
    assert drawn == pytest.approx(sum(c.value("length_m") or 0.0 for c in mv), rel=1e-3)
    assert seen == {c.properties["circuit"] for c in mv}
    title = [str(t.dxf.text) for t in dwg.modelspace().query('TEXT[layer=="TITLE"]')]
    assert any(t.startswith(f"Cables: {len(design_doc.cables):,} routes (DC/MV)") for t in title)


def test_kmz_cables_by_level_and_trenches(design_doc: ExportDocument, kml: etree._Element) -> None:
    cables = kml.xpath("//k:Folder[k:name='Cables']", namespaces=NS)
    assert len(cables) == 1
    subs = {str(f.findtext("k:name", namespaces=NS)): f for f in cables[0].xpath("k:Folder", namespaces=NS)}
    by_level = design_doc.cables_by_level
    assert set(subs) == {f"{lv.upper()} cables ({len(items)})" for lv, items in by_level.items()}
    mv_folder = subs[f"MV cables ({len(by_level['mv'])})"]
    placemarks = mv_folder.xpath("k:Placemark", namespaces=NS)
    assert len(placemarks) == len(by_level["mv"])
    for pm, cable in zip(placemarks, by_level["mv"], strict=True):
        assert pm.findtext("k:name", namespaces=NS) == cable.properties["circuit"]
        data = {
            d.get("name"): d.findtext("k:value", namespaces=NS)
            for d in pm.xpath("k:ExtendedData/k:Data", namespaces=NS)
        }
        assert float(data["current_a"]) == pytest.approx(cable.properties["current_a"])
        assert data["conductor"] == cable.properties["conductor"]
        assert pm.findtext("k:styleUrl", namespaces=NS) == "#cable-mv"
    style = kml.xpath("//k:Style[@id='cable-mv']/k:LineStyle/k:color/text()", namespaces=NS)
    assert style == [palette.kml_color(palette.CABLE_COLORS["mv"])]
    trenches = kml.xpath("//k:Folder[k:name='Trenches']/k:Placemark", namespaces=NS)
    assert len(trenches) == len(design_doc.trenches) > 0
    summary = str(kml.findtext("k:Document/k:description", namespaces=NS))
    energy = design_doc.section("energy")
    assert f"{energy['annual_energy_mwh']:,.0f} MWh/yr, P50 (typical meteorological year)" in summary
    assert f"{design_doc.section('cost')['lcoe_usd_per_mwh']:,.2f} USD/MWh" in summary


def test_kmz_clear_sky_summary_says_upper_bound(clearsky_doc: ExportDocument) -> None:
    summary = str(_kml(clearsky_doc).findtext("k:Document/k:description", namespaces=NS))
    assert "clear-sky upper bound (not a P50)" in summary
    assert "typical meteorological year" not in summary


def test_lv_cables_get_their_own_layer_and_folder() -> None:
    """String-inverter plants have LV AC cables: layer CABLE_LV, folder "LV cables"."""
    base = make_document()
    ox, oy = origin_utm()
    route = to_wgs84(LineString([(ox + 100, oy + 100), (ox + 100, oy + 300), (ox + 250, oy + 300)]), CRS)
    feature = {
        "type": "Feature",
        "id": "cable-lv-1",
        "geometry": mapping(route),
        "properties": {
            "kind": "cable",
            "circuit": "B1-SI1 LV",
            "level": "lv",
            "conductor": "Al XLPE 0.6/1 kV 3×95 mm²",
            "length_m": 350.0,
            "current_a": 180.5,
        },
    }
    fc = {**base.feature_collection, "features": [*base.feature_collection["features"], feature]}
    doc = dataclasses.replace(base, feature_collection=fc)
    dwg = _dxf(doc)
    polylines = dwg.modelspace().query('LWPOLYLINE[layer=="CABLE_LV"]')
    assert len(polylines) == 1
    length = LineString([(p[0], p[1]) for p in polylines[0].get_points("xy")]).length
    assert length == pytest.approx(350.0, rel=1e-3)  # drawn in UTM metres
    assert dwg.layers.get("CABLE_LV").rgb == palette.rgb(palette.CABLE_COLORS["lv"])
    names = _kml(doc).xpath("//k:Folder[k:name='Cables']/k:Folder/k:name/text()", namespaces=NS)
    assert names == ["LV cables (1)"]


def test_gas_and_bess_layouts_have_no_cable_layers_or_folders() -> None:
    doc = make_document()
    dwg = _dxf(doc)
    assert not [
        la.dxf.name for la in dwg.layers if la.dxf.name.startswith("CABLE_") or la.dxf.name == "TRENCH"
    ]
    kml = _kml(doc)
    assert not kml.xpath("//k:Folder[k:name='Cables' or k:name='Trenches']", namespaces=NS)
