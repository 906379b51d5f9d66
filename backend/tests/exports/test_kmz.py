"""KMZ export, read back with lxml (and as a site with the KML parser)."""

from __future__ import annotations

import importlib.util
import io
import zipfile

import pytest
from lxml import etree
from shapely.geometry import Polygon

from app.engine.core.crs import to_utm
from app.exports.document import ExportDocument
from app.exports.kmz import write_kmz

NS = {"k": "http://www.opengis.net/kml/2.2"}


def _kml(doc: ExportDocument) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(write_kmz(doc))) as zf:
        assert zf.namelist() == ["doc.kml"]
        data = zf.read("doc.kml")
    assert data.startswith(b"<?xml")
    return etree.fromstring(data)


def _folder(root: etree._Element, name: str) -> etree._Element:
    found = root.xpath("/k:kml/k:Document/k:Folder[k:name=$n]", namespaces=NS, n=name)
    assert len(found) == 1, f"folder {name!r}"
    return found[0]


def _data(pm: etree._Element) -> dict[str, str]:
    return {d.get("name"): d.findtext("k:value", namespaces=NS) for d in pm.iterfind(".//k:Data", NS)}


def _ring(text: str) -> list[tuple[float, float]]:
    return [(float(t.split(",")[0]), float(t.split(",")[1])) for t in text.split()]


def test_structure_folders_and_styles(doc: ExportDocument) -> None:
    root = _kml(doc)
    assert root.findtext("k:Document/k:name", namespaces=NS) == "Mesquite Flats Solar"
    top = [f.findtext("k:name", namespaces=NS) for f in root.iterfind("k:Document/k:Folder", NS)]
    assert top == ["Boundary", "Exclusions", "Site entry", "Assets", "Roads"]
    asset_folders = [
        f.findtext("k:name", namespaces=NS) for f in _folder(root, "Assets").iterfind("k:Folder", NS)
    ]
    assert asset_folders == ["PV block (6)", "BESS (2)", "Substation (1)"]
    style_ids = {s.get("id") for s in root.iterfind("k:Document/k:Style", NS)}
    assert {
        "asset-pv_block",
        "asset-bess",
        "asset-substation",
        "road-spine",
        "road-secondary",
        "road-spur",
    } <= style_ids
    assert {"boundary", "exclusion", "entry"} <= style_ids
    # every styleUrl points at a style that exists
    for url in root.iterfind(".//k:styleUrl", NS):
        assert url.text[1:] in style_ids


def test_asset_placemarks_carry_their_numbers(doc: ExportDocument) -> None:
    root = _kml(doc)
    assets = _folder(root, "Assets")
    pms = assets.findall(".//k:Placemark", NS)
    assert len(pms) == 9
    bess = [pm for pm in pms if pm.findtext("k:styleUrl", namespaces=NS) == "#asset-bess"]
    assert len(bess) == 2
    data = _data(bess[0])
    assert float(data["capacity_kw"]) == 1000.0
    assert float(data["storage_kwh"]) == 4000.0
    assert float(data["pad_elevation_m"]) == 255.0
    assert float(data["cut_m3"]) == 120.0
    description = bess[0].findtext("k:description", namespaces=NS)
    assert "4,000.0 kWh" in description
    assert "Cut" in description
    # geometry matches the source footprint
    src = doc.assets[6].geometry
    coords = _ring(bess[0].findtext(".//k:outerBoundaryIs//k:coordinates", namespaces=NS))
    assert to_utm(Polygon(coords), doc.crs).hausdorff_distance(to_utm(src, doc.crs)) < 0.02  # m


def test_roads_and_exclusions(doc: ExportDocument) -> None:
    root = _kml(doc)
    roads = _folder(root, "Roads").findall("k:Placemark", NS)
    assert [pm.findtext("k:name", namespaces=NS) for pm in roads] == [
        "Spine road 1",
        "Secondary road 1",
        "Spur road 1",
    ]
    assert all(pm.find("k:LineString", NS) is not None for pm in roads)
    spine = _data(roads[0])
    assert spine["road_class"] == "spine"
    assert float(spine["width_m"]) == 6.0
    excl = _folder(root, "Exclusions").findall("k:Placemark", NS)
    assert len(excl) == 1
    assert excl[0].findtext("k:name", namespaces=NS) == "Creek wetland"
    assert _data(excl[0])["zone_type"] == "wetland"
    assert "20.0 m" in excl[0].findtext("k:description", namespaces=NS)


def test_document_description_has_summary_and_warnings(doc: ExportDocument) -> None:
    description = _kml(doc).findtext("k:Document/k:description", namespaces=NS)
    assert "15,200 kW" in description
    assert "EPSG:32614" in description
    assert "2 PV blocks sit on slopes steeper than 8°." in description


def test_empty_layout_has_boundary_and_empty_folders(empty_doc: ExportDocument) -> None:
    root = _kml(empty_doc)
    assert len(_folder(root, "Boundary").findall("k:Placemark", NS)) == 1
    assert len(_folder(root, "Assets").findall(".//k:Placemark", NS)) == 0
    assert len(_folder(root, "Roads").findall("k:Placemark", NS)) == 0


def test_unicode_site_name_survives(unicode_doc: ExportDocument) -> None:
    root = _kml(unicode_doc)
    assert root.findtext("k:Document/k:name", namespaces=NS) == unicode_doc.site_name


HAS_KML_PARSER = importlib.util.find_spec("app.sites.kml") is not None


@pytest.mark.skipif(not HAS_KML_PARSER, reason="app/sites/kml.py (the site KML parser) does not exist yet")
@pytest.mark.parametrize("site_name", ["Mesquite Flats Solar", 'Parc «Éole» / Ферма 太陽 "Nord"'])
def test_kmz_parses_back_as_the_same_site(doc_factory, site_name: str) -> None:
    from app.sites.kml import parse_site_file

    doc = doc_factory(site_name=site_name)
    parsed = parse_site_file(write_kmz(doc), "export.kmz")
    original = doc.boundary
    assert original is not None
    a = to_utm(parsed.boundary, doc.crs)
    b = to_utm(original, doc.crs)
    # Same boundary within 0.1 m: the Hausdorff distance bounds every vertex's displacement.
    assert a.hausdorff_distance(b) < 0.1
    assert abs(a.area - b.area) < 1.0  # m²
    assert parsed.name == site_name
    assert [e.name for e in parsed.exclusions] == ["Creek wetland"]
    assert parsed.entry_point is not None
    assert parsed.entry_point.distance(doc.entry_point) < 1e-6
