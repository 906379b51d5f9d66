"""Read a site boundary, exclusion zones and an entry point from KML or KMZ.

Hostile input is expected: files are screened with defusedxml (no DTDs, so no entity
expansion or external entities), parsed with lxml with entity resolution and network
access off, and KMZ archives are checked against a decompressed-size limit before reading.
All geometry is WGS84 (EPSG:4326) longitude/latitude [degrees].
"""

from __future__ import annotations

import io
import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from lxml import etree
from shapely import make_valid
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from app.engine.civil.zones import ZONE_RULES, zone_type_from_text
from app.engine.core.crs import WGS84, reproject_many, site_crs, to_utm
from app.errors import InvalidInput, KmlError
from app.sites.checks import (
    SiteLimits,
    check_holes,
    check_not_spanning_antimeridian,
    check_ring_antimeridian,
    check_site_area,
    check_utm_latitudes,
    check_zone_within_site,
)

KMZ_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
KMZ_MAX_RATIO = 100  # a real KML compresses ~10:1; a zip bomb by thousands
MIN_AREA_M2 = 1.0
MIB = 1024 * 1024
# What Python's zipfile can decompress; anything else (Deflate64, PPMd, AES …) is refused by name.
SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
EXCLUSION_WORDS = re.compile(r"exclu(sion|de|ded)|no[\s_-]?build|wetland|easement", re.IGNORECASE)
ENTRY_WORDS = re.compile(r"\b(entrance|entry|gate|access)\b", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class ParsedExclusion:
    """An exclusion placemark. geometry: WGS84 polygon(s); area_ha [ha] in the site's UTM zone."""

    name: str | None
    zone_type: str
    geometry: Polygon | MultiPolygon
    area_ha: float | None = None


@dataclass(frozen=True, kw_only=True)
class ParsedSite:
    """What a site file describes. boundary: WGS84 Polygon/MultiPolygon; area_ha [ha]."""

    name: str
    boundary: Polygon | MultiPolygon
    area_ha: float
    exclusions: list[ParsedExclusion] = field(default_factory=list)
    # One entry (Point) or several (MultiPoint: every placemark named as an entry, in file order).
    entry_point: Point | MultiPoint | None = None
    warnings: list[str] = field(default_factory=list)
    source_format: str = "kml"


def parse_site_file(data: bytes, filename: str, limits: SiteLimits | None = None) -> ParsedSite:
    """Parse a .kml or .kmz upload; raise `KmlError` naming the problem for anything unusable.

    `limits`: the accepted site area range [ha] (default `SiteLimits()`).
    """
    limits = limits or SiteLimits()
    lower = filename.lower()
    if lower.endswith(".kmz") or data[:4] == b"PK\x03\x04":
        return _parse_kml(_extract_kmz(data), source_format="kmz", fallback_name=filename, limits=limits)
    if lower.endswith(".kml") or not lower:
        return _parse_kml(data, source_format="kml", fallback_name=filename, limits=limits)
    raise KmlError(f"unsupported file type {filename!r}: upload a .kml or .kmz file")


def _mib(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB // 10 else f"{n:,} bytes"


def _extract_kmz(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
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
        # Judged on the sizes the archive declares, before anything is decompressed; the
        # message quotes exactly the figure that is over its limit.
        if total > KMZ_MAX_UNCOMPRESSED_BYTES:
            raise KmlError(
                f"the KMZ archive declares {_mib(total)} of content, over the "
                f"{_mib(KMZ_MAX_UNCOMPRESSED_BYTES)} limit (possible zip bomb)"
            )
        if info.file_size > KMZ_MAX_RATIO * max(info.compress_size, 1024):
            ratio = info.file_size / max(info.compress_size, 1)
            raise KmlError(
                f"{info.filename!r} in the KMZ archive expands from {_mib(info.compress_size)} to "
                f"{_mib(info.file_size)}, a ratio of {ratio:,.0f}:1, over the {KMZ_MAX_RATIO}:1 limit "
                "(possible zip bomb)"
            )
        content = _read_member(archive, info)
        if len(content) != info.file_size:
            raise KmlError(
                f"the KMZ archive is corrupt: {info.filename!r} declares {info.file_size:,} bytes "
                f"but holds {len(content):,} (a size header that does not match the data)"
            )
        return content


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One member's bytes (at most its declared size, which is capped above), or a `KmlError`
    naming what is wrong with the archive."""
    name = repr(info.filename)
    if info.flag_bits & 0x1:
        raise KmlError(f"the KMZ archive is encrypted ({name} needs a password): upload an unencrypted KMZ")
    if info.compress_type not in SUPPORTED_COMPRESSION:
        raise KmlError(
            f"{name} in the KMZ archive uses compression method {info.compress_type}, which is not "
            "supported: KMZ files use deflate (or no compression)"
        )
    try:
        with archive.open(info) as fh:
            return fh.read(KMZ_MAX_UNCOMPRESSED_BYTES + 1)
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise KmlError(
                f"the KMZ archive is corrupt: {name} fails its CRC-32 check (damaged in transfer, or "
                "a size header that does not match the data)"
            ) from None
        raise KmlError(f"the KMZ archive is corrupt: {name} cannot be read (bad zip headers)") from None
    except zlib.error:
        raise KmlError(f"the KMZ archive is corrupt: {name} has a broken deflate stream") from None
    except (EOFError, ValueError, OSError, RuntimeError, NotImplementedError):
        raise KmlError(f"the KMZ archive is corrupt: {name} ends early or cannot be decompressed") from None


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


def _xml_problem(exc: etree.XMLSyntaxError) -> str:
    """lxml's message in a user's words: no libxml2 option names or internal buffer names."""
    text = str(getattr(exc, "msg", "") or exc)
    where = f" (line {exc.lineno})" if exc.lineno else ""
    if "depth" in text.lower():
        return f"the file nests elements more than 256 levels deep{where}, which a KML never needs"
    if "huge" in text.lower() or "too long" in text.lower() or "resource limit" in text.lower():
        return f"the file has a text or value over 10 MB long{where}, which a KML never needs"
    text = re.sub(r",? ?(use|try) XML_PARSE_HUGE( option)?", "", text)
    text = re.sub(r"\s*\(<string>, line \d+\)", "", text)
    return f"the file is not valid XML: {text.strip()}"


def _kml_root(data: bytes) -> Any:
    """The parsed <kml> root: entities, network and huge trees refused (`KmlError` by name)."""
    _screen_xml(data)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise KmlError(_xml_problem(exc)) from None
    if _local(root.tag) != "kml":
        raise KmlError(f"the XML root element is <{_local(root.tag)}>, not <kml>: this is not a KML file")
    return root


def _checked_boundary(
    boundary_parts: list[BaseGeometry], exclusions: list[ParsedExclusion], limits: SiteLimits
) -> tuple[BaseGeometry, str, float]:
    """The boundary (WGS84), its UTM CRS and area [m²], checked: not empty, not across the
    antimeridian, within UTM latitudes and the size limits, every zone inside it (`KmlError`)."""
    if not boundary_parts:
        raise KmlError("the file contains no site boundary polygon (only points, lines or exclusion zones)")
    boundary = _as_polygonal(unary_union(boundary_parts))
    if boundary.is_empty:
        raise KmlError("the site boundary has zero area")
    try:
        check_not_spanning_antimeridian(boundary, "the site boundary")
        check_utm_latitudes(boundary, "the site boundary")
    except InvalidInput as exc:
        raise KmlError(exc.message) from None
    crs = site_crs(boundary)
    area_m2 = to_utm(boundary, crs).area
    if area_m2 < MIN_AREA_M2:
        raise KmlError("the site boundary has zero area")
    try:
        check_site_area(area_m2 / 10_000.0, limits)
        for zone in exclusions:
            what = f"exclusion zone {zone.name!r}" if zone.name else "an exclusion zone"
            check_zone_within_site(zone.geometry, boundary, what)
    except InvalidInput as exc:
        raise KmlError(exc.message) from None
    return boundary, crs, area_m2


def _parse_kml(data: bytes, *, source_format: str, fallback_name: str, limits: SiteLimits) -> ParsedSite:
    root = _kml_root(data)
    warnings: list[str] = []
    boundary_parts: list[BaseGeometry] = []
    exclusions: list[ParsedExclusion] = []
    # Polygons only a zone-type word marks as zones ("Mill Creek"): the boundary if nothing else is.
    typed_only: list[tuple[str | None, str, BaseGeometry]] = []
    entries: list[Point] = []
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
            given = _data_value(pm, "zone_type")
            if given is not None or EXCLUSION_WORDS.search(label):
                zone_type = given if given in ZONE_RULES else _zone_type(label)
                exclusions.append(
                    ParsedExclusion(name=name, zone_type=zone_type, geometry=_as_polygonal(geom))
                )
            elif zone_type_from_text(label) is not None:
                typed_only.append((name, label, geom))
            else:
                boundary_parts.append(geom)
                site_name = site_name or name
        elif points and ENTRY_WORDS.search(" ".join(filter(None, [name, *folders]))):
            entries.append(points[0])

    if typed_only and not boundary_parts:
        # "Mill Creek Solar" is the site, not a creek: the largest such polygon is the boundary.
        k = max(range(len(typed_only)), key=lambda i: typed_only[i][2].area)
        name_k, _, geom_k = typed_only.pop(k)
        boundary_parts.append(geom_k)
        site_name = site_name or name_k
    for zname, zlabel, zgeom in typed_only:
        exclusions.append(
            ParsedExclusion(name=zname, zone_type=_zone_type(zlabel), geometry=_as_polygonal(zgeom))
        )
    entry: Point | MultiPoint | None = (
        None if not entries else entries[0] if len(entries) == 1 else MultiPoint(entries)
    )

    boundary, crs, area_m2 = _checked_boundary(boundary_parts, exclusions, limits)
    if entry is not None and not boundary.buffer(0.01).contains(entry):
        warnings.append(
            "an entry point lies outside the boundary; its road starts from the nearest passable ground"
        )
    name = (site_name or fallback_name.rsplit(".", 1)[0] or "Site").strip()[:255]
    return ParsedSite(
        name=name,
        boundary=boundary,
        area_ha=area_m2 / 10_000.0,
        exclusions=_with_areas(exclusions, crs),
        entry_point=entry,
        warnings=warnings,
        source_format=source_format,
    )


def _with_areas(zones: list[ParsedExclusion], crs: str) -> list[ParsedExclusion]:
    """The zones with `area_ha` [ha] measured in the site's UTM CRS, in one pyproj call: here, with
    the parse (possibly in the parse pool), not per zone in the API process (thousands of calls)."""
    if not zones:
        return []
    areas = shapely.area(np.asarray(reproject_many([z.geometry for z in zones], WGS84, crs), dtype=object))
    return [
        ParsedExclusion(name=z.name, zone_type=z.zone_type, geometry=z.geometry, area_ha=float(a) / 1e4)
        for z, a in zip(zones, areas, strict=True)
    ]


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
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise KmlError(f"{what} has a coordinate {token[:40]!r} that is not a finite number")
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
    try:
        for ring in [outer, *holes]:
            check_ring_antimeridian(ring, what)
        if holes:
            check_holes(Polygon(outer), [Polygon(h) for h in holes], what)
    except InvalidInput as exc:
        raise KmlError(exc.message) from None
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
    """The zone type a label names (app.engine.civil.zones: "HV power line easement" → power_line),
    else "exclusion" (never crossed)."""
    return zone_type_from_text(label) or "exclusion"


def _data_value(pm: etree._Element, key: str) -> str | None:
    """A placemark's `<ExtendedData><Data name=key><value>` (our own KMZ writes zone_type so)."""
    for d in pm.iter("{*}Data"):
        if d.get("name") == key:
            v = _child_text(d, "value")
            return v.strip() if v else None
    return None
