"""KMZ at plant scale: past DETAIL_MAX_PLACEMARKS tables + cables, each block's tables are one
placemark (a MultiGeometry, one polygon per table) and cables one per block and level; every
table and cable is still there, on a real engine plant (issue 24)."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

import numpy as np
from lxml import etree
from shapely.geometry import LineString, MultiLineString

from app.exports.document import ExportDocument
from app.exports.kmz import DETAIL_MAX_PLACEMARKS, is_compact, write_kmz
from tests.exports.test_kmz import NS, _folder

KEY_DECIMALS = 7  # the KML's 1e-7°, rounded as its writer does (numpy), so equal means equal


def _compact_kml(doc: ExportDocument) -> tuple[etree._Element, bytes]:
    data = write_kmz(doc, detail_max=10)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        raw = zf.read("doc.kml")
    return etree.fromstring(raw), raw


def _rings(el: etree._Element, tag: str) -> list[tuple[tuple[float, float], ...]]:
    out = []
    for g in el.iterfind(f".//k:{tag}", NS):
        text = g.findtext(".//k:coordinates", namespaces=NS) or ""
        out.append(tuple((float(t.split(",")[0]), float(t.split(",")[1])) for t in text.split()))
    return out


def _key(coords: object) -> tuple[tuple[float, float], ...]:
    xy = np.round(np.asarray(coords, dtype=float)[:, :2], KEY_DECIMALS)
    return tuple((float(x), float(y)) for x, y in xy)


def test_design_plant_merged_per_block_keeps_every_table_and_cable(design_doc: ExportDocument) -> None:
    assert (
        not is_compact(design_doc) and len(design_doc.tables) + len(design_doc.cables) < DETAIL_MAX_PLACEMARKS
    )
    assert is_compact(design_doc, 10)
    root, raw = _compact_kml(design_doc)
    assets = _folder(root, "Assets")

    # Tables: one placemark per block folder, one polygon per table, at the table's footprint.
    table_pms = []
    for type_folder in assets.iterfind("k:Folder", NS):
        name = str(type_folder.findtext("k:name", namespaces=NS))
        if not name.startswith(("PV table", "Tracker")):
            continue
        for block_folder in type_folder.iterfind("k:Folder", NS):
            pms = block_folder.findall("k:Placemark", NS)
            assert len(pms) == 1, block_folder.findtext("k:name", namespaces=NS)
            table_pms.append(pms[0])
    assert table_pms and all(pm.find("k:MultiGeometry", NS) is not None for pm in table_pms)
    polygons = [r for pm in table_pms for r in _rings(pm, "Polygon")]
    assert len(polygons) == len(design_doc.tables)
    assert Counter(polygons) == Counter(_key(t.geometry.exterior.coords) for t in design_doc.tables)
    # Each block placemark says how many tables it holds and their DC capacity.
    for pm in table_pms:
        data = {d.get("name"): d.findtext("k:value", namespaces=NS) for d in pm.iterfind(".//k:Data", NS)}
        assert float(data["tables"]) == len(pm.findall(".//k:Polygon", NS))
    total_kwp = sum(
        float(d.findtext("k:value", namespaces=NS) or 0)
        for pm in table_pms
        for d in pm.iterfind(".//k:Data[@name='dc_kwp']", NS)
    )
    assert abs(total_kwp - sum(t.value("dc_kwp") or 0 for t in design_doc.tables)) < 1e-6

    # Cables: every route line, per level, merged per block.
    cables = _folder(root, "Cables")
    for level, items in design_doc.cables_by_level.items():
        sub = cables.xpath("k:Folder[starts-with(k:name, $n)]", namespaces=NS, n=f"{level.upper()} cables")
        assert len(sub) == 1
        blocks = {c.block for c in items}
        assert len(sub[0].findall("k:Placemark", NS)) == len(blocks)
        expected = Counter(
            _key(part.coords)
            for c in items
            for part in (c.geometry.geoms if isinstance(c.geometry, MultiLineString) else [c.geometry])
            if isinstance(part, LineString)
        )
        assert Counter(_rings(sub[0], "LineString")) == expected

    # Equipment keeps its own placemarks; every style used exists; the summary explains the merge.
    equipment = [a for a in design_doc.equipment]
    detailed = [pm for pm in assets.iterfind(".//k:Placemark", NS) if pm.find("k:MultiGeometry", NS) is None]
    assert len(detailed) == len(equipment)
    style_ids = {st.get("id") for st in root.iterfind("k:Document/k:Style", NS)}
    assert all(u.text[1:] in style_ids for u in root.iterfind(".//k:styleUrl", NS))
    assert "merged per inverter block" in str(root.findtext("k:Document/k:description", namespaces=NS))
    # Much smaller than one detailed placemark per table and cable.
    detailed_size = len(zipfile.ZipFile(io.BytesIO(write_kmz(design_doc))).read("doc.kml"))
    assert len(raw) < detailed_size / 3
