"""Read a site boundary, exclusion zones and an entry point from KML or KMZ.

Hostile input is expected: files are screened with defusedxml (no DTDs, so no entity
expansion or external entities), parsed with lxml with entity resolution and network
access off, and KMZ archives are checked against a decompressed-size limit before reading.
All geometry is WGS84 (EPSG:4326) longitude/latitude [degrees].
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from lxml import etree
from shapely import make_valid
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from app.engine.crs import site_crs, to_utm
from app.errors import KmlError

KMZ_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
KMZ_MAX_RATIO = 100  # a real KML compresses ~10:1; a zip bomb by thousands
MIN_AREA_M2 = 1.0
EXCLUSION_WORDS = re.compile(r"exclu(sion|de|ded)|no[\s_-]?build|wetland|easement", re.IGNORECASE)
ENTRY_WORDS = re.compile(r"\b(entrance|entry|gate|access)\b", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class ParsedExclusion:
    """An exclusion placemark. geometry: WGS84 polygon(s)."""

    name: str | None
    zone_type: str
    geometry: Polygon | MultiPolygon


@dataclass(frozen=True, kw_only=True)
class ParsedSite:
    """What a site file describes. boundary: WGS84 Polygon/MultiPolygon; area_ha [ha]."""

    name: str
    boundary: Polygon | MultiPolygon
    area_ha: float
    exclusions: list[ParsedExclusion] = field(default_factory=list)
    entry_point: Point | None = None
    warnings: list[str] = field(default_factory=list)
    source_format: str = "kml"


def parse_site_file(data: bytes, filename: str) -> ParsedSite:
    """Parse a .kml or .kmz upload; raise `KmlError` naming the problem for anything unusable."""
    lower = filename.lower()
    if lower.endswith(".kmz") or data[:4] == b"PK\x03\x04":
        return _parse_kml(_extract_kmz(data), source_format="kmz", fallback_name=filename)
    if lower.endswith(".kml") or not lower:
        return _parse_kml(data, source_format="kml", fallback_name=filename)
    raise KmlError(f"unsupported file type {filename!r}: upload a .kml or .kmz file")


def _extract_kmz(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise KmlError("the KMZ file is not a valid zip archive") from None
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        kmls = [i for i in members if i.filename.lower().endswith(".kml")]
        if not kmls:
            raise KmlError("the KMZ archive contains no .kml file")
        # Google Earth reads doc.kml, else the first .kml at the root.
        kmls.sort(key=lambda i: (i.filename.lower() != "doc.kml", i.filename.count("/"), i.filename))
        info = kmls[0]
        total = sum(i.file_size for i in members)
        if total > KMZ_MAX_UNCOMPRESSED_BYTES or info.file_size > KMZ_MAX_RATIO * max(
            info.compress_size, 1024
        ):
            raise KmlError(
                f"the KMZ archive would expand to {total / 1e6:.0f} MB, over the "
                f"{KMZ_MAX_UNCOMPRESSED_BYTES / 1e6:.0f} MB limit (possible zip bomb)"
            )
        # Read with a hard cap too: the sizes in the zip directory can lie.
        with archive.open(info) as fh:
            content = fh.read(KMZ_MAX_UNCOMPRESSED_BYTES + 1)
        if len(content) > KMZ_MAX_UNCOMPRESSED_BYTES:
            raise KmlError("the KMZ archive expands past the size limit (possible zip bomb)")
        return content


def _screen_xml(data: bytes) -> None:
    """Refuse DTDs and entity declarations before lxml ever sees the document."""
    try:
        SafeElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise KmlError(
            "the KML contains a DTD or entity declarations, which are not allowed (XXE / entity expansion)"
        ) from None
    except SafeElementTree.ParseError as exc:
        raise KmlError(f"the file is not valid XML: {exc}") from None


def _parse_kml(data: bytes, *, source_format: str, fallback_name: str) -> ParsedSite:
    _screen_xml(data)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise KmlError(f"the file is not valid XML: {exc}") from None
    if _local(root.tag) != "kml":
        raise KmlError(f"the XML root element is <{_local(root.tag)}>, not <kml>: this is not a KML file")

    warnings: list[str] = []
    boundary_parts: list[BaseGeometry] = []
    exclusions: list[ParsedExclusion] = []
    entry: Point | None = None
    site_name: str | None = (
        _child_text(_first(root, "Document"), "name") if _first(root, "Document") is not None else None
    )

    for pm in root.iter("{*}Placemark"):
        name = _child_text(pm, "name")
        description = _child_text(pm, "description")
        # Folder names classify (a "No-build areas" folder); the Document's name is the site's
        # own name ("Wetland Ridge Solar") and must not turn every polygon into an exclusion.
        folders = [_child_text(a, "name") or "" for a in pm.iterancestors() if _local(a.tag) == "Folder"]
        label = " ".join(filter(None, [name, description, *folders]))
        polygons = [_polygon(el, name, warnings) for el in pm.iter("{*}Polygon")]
        points = [_point(el, name) for el in pm.iter("{*}Point")]
        if polygons:
            geom = unary_union(polygons)
            if EXCLUSION_WORDS.search(label):
                exclusions.append(
                    ParsedExclusion(name=name, zone_type=_zone_type(label), geometry=_as_polygonal(geom))
                )
            else:
                boundary_parts.append(geom)
                site_name = site_name or name
        elif points and entry is None and ENTRY_WORDS.search(" ".join(filter(None, [name, *folders]))):
            entry = points[0]

    if not boundary_parts:
        raise KmlError("the file contains no site boundary polygon (only points, lines or exclusion zones)")
    boundary = _as_polygonal(unary_union(boundary_parts))
    if boundary.is_empty:
        raise KmlError("the site boundary has zero area")
    crs = site_crs(boundary)
    area_m2 = to_utm(boundary, crs).area
    if area_m2 < MIN_AREA_M2:
        raise KmlError("the site boundary has zero area")
    if entry is not None and not boundary.buffer(0.01).contains(entry):
        warnings.append(
            "the entry point lies outside the boundary; roads start from the nearest boundary point"
        )
    name = (site_name or fallback_name.rsplit(".", 1)[0] or "Site").strip()[:255]
    return ParsedSite(
        name=name,
        boundary=boundary,
        area_ha=area_m2 / 10_000.0,
        exclusions=exclusions,
        entry_point=entry,
        warnings=warnings,
        source_format=source_format,
    )


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _first(el: etree._Element, name: str) -> etree._Element | None:
    return next(iter(el.iter(f"{{*}}{name}")), None)


def _child_text(el: etree._Element | None, name: str) -> str | None:
    if el is None:
        return None
    for child in el:
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _coords(el: etree._Element | None, what: str) -> list[tuple[float, float]]:
    text = el.text if el is not None else None
    if not text or not text.strip():
        raise KmlError(f"{what} has no coordinates")
    out: list[tuple[float, float]] = []
    for token in text.split():
        parts = token.split(",")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise KmlError(
                f"{what} has a malformed coordinate {token[:40]!r} (expected lon,lat[,alt])"
            ) from None
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise KmlError(
                f"{what} has a coordinate out of range: longitude {lon}, latitude {lat} "
                "(longitude must be within ±180 and latitude within ±90)"
            )
        out.append((lon, lat))
    return out


def _ring(el: etree._Element, what: str) -> list[tuple[float, float]]:
    coords = _coords(_first(el, "coordinates"), what)
    if len(coords) < 3:
        raise KmlError(f"{what} has {len(coords)} coordinates; a polygon ring needs at least 3")
    return coords


def _polygon(el: etree._Element, name: str | None, warnings: list[str]) -> BaseGeometry:
    what = f"polygon {name!r}" if name else "a polygon"
    outer_el = _first(el, "outerBoundaryIs")
    if outer_el is None:
        raise KmlError(f"{what} has no outerBoundaryIs ring")
    outer = _ring(outer_el, what)
    holes = [_ring(h, f"a hole of {what}") for h in el.iter("{*}innerBoundaryIs")]
    poly = Polygon(outer, holes)
    if not poly.is_valid:
        poly = make_valid(poly)
        warnings.append(f"{what} had an invalid ring (self-intersection or bad winding) and was repaired")
    return poly


def _point(el: etree._Element, name: str | None) -> Point:
    coords = _coords(_first(el, "coordinates"), f"point {name!r}" if name else "a point")
    return Point(coords[0])


def _as_polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon:
    """Keep only the areal parts (make_valid may return collections with lines)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    merged = unary_union(polys) if polys else Polygon()
    if isinstance(merged, Polygon | MultiPolygon):
        return merged
    return Polygon()


def _zone_type(label: str) -> str:
    lowered = label.lower()
    for word in ("wetland", "easement"):
        if word in lowered:
            return word
    return "exclusion"
