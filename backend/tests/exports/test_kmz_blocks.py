"""KMZ of a table-level PV layout: a folder per inverter block, the web app's colours, steep roads, fences."""

from __future__ import annotations

from lxml import etree

from app.exports import palette
from app.exports.document import ExportDocument
from tests.exports.conftest import make_pv_document
from tests.exports.test_kmz import NS, _data, _folder, _kml


def _names(el: etree._Element, path: str) -> list[str]:
    return [str(f.findtext("k:name", namespaces=NS)) for f in el.iterfind(path, NS)]


def _style_colors(root: etree._Element, sid: str) -> tuple[str | None, str | None]:
    st = root.xpath("/k:kml/k:Document/k:Style[@id=$s]", namespaces=NS, s=sid)
    assert len(st) == 1, sid
    return st[0].findtext("k:LineStyle/k:color", namespaces=NS), st[0].findtext(
        "k:PolyStyle/k:color", namespaces=NS
    )


def test_tables_grouped_by_block(pv_doc: ExportDocument) -> None:
    root = _kml(pv_doc)
    assets = _folder(root, "Assets")
    types = _names(assets, "k:Folder")
    assert types == ["BESS (1)", "Substation (1)", "PV table (25)", "Power station (3)", "Tracker (12)"]
    pv = assets.xpath("k:Folder[k:name='PV table (25)']", namespaces=NS)[0]
    expected = []
    for block in (1, 2):
        dc = sum(t.value("dc_kwp") or 0.0 for t in pv_doc.tables if t.block == block) / 1000
        expected.append(f"Block {block} (12 tables, {dc:,.2f} MWp)")
    assert _names(pv, "k:Folder") == expected
    # The legacy table (no block) sits in the type folder itself, with the type's style.
    loose = pv.findall("k:Placemark", NS)
    assert [pm.findtext("k:styleUrl", namespaces=NS) for pm in loose] == ["#asset-pv_table"]
    block1 = pv.xpath("k:Folder[starts-with(k:name, 'Block 1 ')]", namespaces=NS)[0]
    pms = block1.findall("k:Placemark", NS)
    assert len(pms) == 12
    assert {pm.findtext("k:styleUrl", namespaces=NS) for pm in pms} == {"#block-1"}
    first = _data(pms[0])
    assert first["block"] == "1.0" and first["structure"] == "fixed"
    assert float(first["dc_kwp"]) == 28 * 0.58 and float(first["piles"]) == 8
    assert "Structure" in str(pms[0].findtext("k:description", namespaces=NS))
    tracker = assets.xpath("k:Folder[k:name='Tracker (12)']", namespaces=NS)[0]
    assert _names(tracker, "k:Folder")[0].startswith("Block 3 (12 tables")


def test_colours_are_the_apps(pv_doc: ExportDocument) -> None:
    root = _kml(pv_doc)
    for block in (1, 2, 3):
        line, fill = _style_colors(root, f"block-{block}")
        assert line == palette.kml_color(palette.block_color(block))
        assert fill == palette.kml_color(palette.block_color(block), 0.8)
    line, fill = _style_colors(root, "asset-power_station")
    assert fill == palette.kml_color(palette.ASSET_COLORS["power_station"], 0.7)
    line, _ = _style_colors(root, "road-spine")
    assert line == palette.kml_color(palette.ROAD_COLORS["spine"])
    line, _ = _style_colors(root, "road-spur-noncompliant")
    assert line == palette.kml_color(palette.NONCOMPLIANT_ROAD_COLOR)


def test_steep_roads_fences_and_summary(pv_doc: ExportDocument) -> None:
    root = _kml(pv_doc)
    roads = _folder(root, "Roads").findall("k:Placemark", NS)
    steep = [pm for pm in roads if pm.findtext("k:styleUrl", namespaces=NS) == "#road-spur-noncompliant"]
    assert [pm.findtext("k:name", namespaces=NS) for pm in steep] == ["Spur road 2 (too steep)"]
    assert _data(steep[0])["compliant"] == "False"
    assert _names(_folder(root, "Fences"), "k:Placemark") == ["Fence 1", "Gate 1"]
    summary = str(root.findtext("k:Document/k:description", namespaces=NS))
    assert "10 m grid resampled from ≈ 93 m source (file)" in summary
    assert "37 in 3 blocks" in summary
    flat = str(_kml(make_pv_document(use_terrain=False)).findtext("k:Document/k:description", namespaces=NS))
    assert "slopes and earthwork were not assessed" in flat
