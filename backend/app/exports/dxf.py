"""DXF export (AutoCAD R2010, ASCII, UTF-8) in the site's UTM coordinates [m].

Coordinates are UTM easting/northing in metres in the document's `crs` (e.g. EPSG:32614),
drawing units metres ($INSUNITS = 6, $MEASUREMENT metric); $EXTMIN/$EXTMAX frame the drawing.
The CRS is named in a comment at the top of the file (group 999), in the header custom properties
(CRS, CRS_NAME, SITE, LAYOUT_ID, GENERATOR, CREATED_UTC) and in the title block drawn beside the
layout (layer TITLE: site, layout, CRS with its EPSG code, units, date, capacity, tables, notes).

Layers (each with the web app's colour as true colour and the nearest AutoCAD colour index):
    BOUNDARY            site boundary (closed polylines, holes too) and the entry point (POINT)
    EXCLUSIONS          exclusion zones; their buffer [m] as a DASHED outline
    ROADS               road centrelines as polylines whose constant width is the road width [m]
    ROADS_NONCOMPLIANT  road segments steeper than trucks can climb (`compliant: false`), DASHED
    FENCE / GATES       fence lines and gate points
    TRENCH              cable trench centrelines (DC / LV and MV), when the plant has an electrical design
    GEN_TIE             the gen-tie line from the interconnection point to the substation, with
                        voltage_kv, length_m, straight_m as XDATA; when the site has that point
    COLLECTOR_TIE       tie lines from collector substations to the main substation, with
                        collector, voltage_kv, ac_kw, length_m, outside_parcel_m, reason as XDATA
    CABLE_DC / CABLE_LV / CABLE_MV
                        cable routes by level (DC strings and feeders, LV AC from string inverters,
                        MV collection feeders), each with circuit, conductor, length_m, current_a as
                        XDATA; only present when the layout has such cables
    CONTOURS            contour lines (when terrain data is available), each at its elevation [m]
    CONTOUR_LABELS      the elevation [m] written on each contour line
    LABELS              text labels: each piece of equipment, each inverter block
    TITLE               the title block
    <ASSET_TYPE>        one layer per equipment type, e.g. POWER_STATION, BESS; footprints as closed
                        polylines at the pad elevation [m]
    <TABLE_TYPE>_B<nn>  PV tables / trackers of inverter block nn (e.g. PV_TABLE_B03), coloured
                        like the block on the web app's map

PV tables and trackers are INSERTs of one block definition per table type and size (e.g.
"PV_TABLE_31.2x4.6": a rectangle length × width [m] centred on the origin, length along x),
placed at the table's centre and rotated to its footprint. Every asset, table, road and
exclusion carries its numbers as XDATA under the application "SITELAYOUTS" ("key=value" strings,
e.g. "capacity_kw=2750.0", "dc_kwp=34.8").
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import shapely
from ezdxf import units
from ezdxf.document import Drawing
from ezdxf.entities.lwpolyline import LWPolyline
from ezdxf.enums import TextEntityAlignment
from ezdxf.filemanagement import new as new_drawing
from ezdxf.layouts.layout import Modelspace
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

import app
from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.types import ASSET_PROPERTIES, ROAD_PROPERTIES
from app.engine.wind.layout import TURBINE_PROPERTIES
from app.exports.document import ExportDocument, Item, num
from app.exports.palette import (
    BOUNDARY_COLOR,
    COLLECTOR_TIE_COLOR,
    CONTOUR_COLOR,
    ENTRY_COLOR,
    EXCLUSION_COLOR,
    FENCE_COLOR,
    GEN_TIE_COLOR,
    NONCOMPLIANT_ROAD_COLOR,
    ROAD_COLORS,
    TRENCH_COLOR,
    aci,
    asset_color,
    block_color,
    cable_color,
    label,
    rgb,
)

APPID = "SITELAYOUTS"
FIXED_LAYERS: tuple[str, ...] = (
    "BOUNDARY",
    "EXCLUSIONS",
    "ROADS",
    "ROADS_NONCOMPLIANT",
    "FENCE",
    "GATES",
    "CONTOURS",
    "CONTOUR_LABELS",
    "LABELS",
    "TITLE",
)
_LAYER_COLORS: dict[str, str] = {
    "BOUNDARY": BOUNDARY_COLOR,
    "EXCLUSIONS": EXCLUSION_COLOR,
    "ROADS": ROAD_COLORS["secondary"],
    "ROADS_NONCOMPLIANT": NONCOMPLIANT_ROAD_COLOR,
    "FENCE": FENCE_COLOR,
    "GATES": ENTRY_COLOR,
    "CONTOURS": CONTOUR_COLOR,
    "CONTOUR_LABELS": CONTOUR_COLOR,
    "LABELS": "#111827",
    "TITLE": "#111827",
}
_INVALID_LAYER_CHARS = re.compile(r'[<>/\\":;?*|=,`\s]+')
MAX_LAYER_NAME = 255
TABLE_XDATA: tuple[str, ...] = (
    "asset_type",
    "block",
    "dc_kwp",
    "modules",
    "structure",
    "tilt_deg",
    "azimuth_deg",
    "slope_along_pct",
    "slope_across_pct",
    "piles",
    "cut_m3",
    "fill_m3",
    "capacity_kw",
)
# Turbines add hub height, rotor, rated power and AEP (app/engine/wind/layout.py).
ASSET_XDATA = (*ASSET_PROPERTIES, "block", *(f[0] for f in TURBINE_PROPERTIES))
ROAD_XDATA = ROAD_PROPERTIES
CABLE_XDATA: tuple[str, ...] = ("circuit", "level", "conductor", "length_m", "current_a", "cable_m", "block")
TRENCH_XDATA: tuple[str, ...] = ("level", "length_m")
TRENCH_LAYER = "TRENCH"
GEN_TIE_XDATA: tuple[str, ...] = ("voltage_kv", "length_m", "straight_m")
GEN_TIE_LAYER = "GEN_TIE"
COLLECTOR_TIE_XDATA: tuple[str, ...] = (
    "collector",
    "voltage_kv",
    "ac_kw",
    "length_m",
    "outside_parcel_m",
    "reason",
)
COLLECTOR_TIE_LAYER = "COLLECTOR_TIE"
# Layers of the electrical design, reserved like FIXED_LAYERS (asset types never take them).
DESIGN_LAYERS: tuple[str, ...] = (
    TRENCH_LAYER,
    "CABLE_DC",
    "CABLE_LV",
    "CABLE_MV",
    GEN_TIE_LAYER,
    COLLECTOR_TIE_LAYER,
)
EXCLUSION_XDATA = ("zone_type", "buffer_m", "name")
# Contour labels: one per line at its middle, on lines at least this many text heights long.
MIN_LABELLED_CONTOUR_HEIGHTS = 12.0


def asset_layer_name(asset_type: str) -> str:
    """The DXF layer for an asset type: upper case, characters DXF forbids replaced by "_".

    A name that would collide with a fixed layer gets an "ASSET_" prefix.
    """
    name = _INVALID_LAYER_CHARS.sub("_", asset_type.strip()).upper()[:MAX_LAYER_NAME] or "ASSET"
    return f"ASSET_{name}" if name in FIXED_LAYERS or name in DESIGN_LAYERS else name


def cable_layer_name(level: str) -> str:
    """The layer of cables of `level`: "dc" -> "CABLE_DC" (characters DXF forbids become "_")."""
    return "CABLE_" + (_INVALID_LAYER_CHARS.sub("_", level.strip()).upper() or "OTHER")


def table_layer_name(asset_type: str, block: int | None) -> str:
    """The layer of the PV tables / trackers of inverter block `block`: "PV_TABLE_B03"."""
    base = asset_layer_name(asset_type)
    return base if block is None else f"{base}_B{block:02d}"


def _polygons(geom: BaseGeometry) -> Iterator[Polygon]:
    if isinstance(geom, Polygon):
        yield geom
    elif isinstance(geom, MultiPolygon):
        yield from geom.geoms
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _polygons(part)


def _lines(geom: BaseGeometry) -> Iterator[LineString]:
    if isinstance(geom, LineString):
        yield geom
    elif isinstance(geom, MultiLineString):
        yield from geom.geoms
    elif isinstance(geom, Polygon):
        yield LineString(geom.exterior.coords)
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _lines(part)


def _add_polygon(
    msp: Any, poly: Polygon, layer: str, *, elevation: float | None = None, linetype: str | None = None
) -> list[LWPolyline]:
    attribs: dict[str, object] = {"layer": layer}
    if elevation is not None:
        attribs["elevation"] = elevation
    if linetype is not None:
        attribs["linetype"] = linetype
    out: list[LWPolyline] = []
    for ring in (poly.exterior, *poly.interiors):
        pts = [(x, y) for x, y, *_ in ring.coords[:-1]]
        if len(pts) >= 2:
            out.append(msp.add_lwpolyline(pts, format="xy", close=True, dxfattribs=attribs))
    return out


def _xdata(item: Item, keys: tuple[str, ...]) -> list[tuple[int, str]]:
    tags: list[tuple[int, str]] = [(1000, f"id={item.id}"[:255])]
    props = item.properties
    for key in keys:
        if key in props:
            v = props[key]
            if v is None:
                text = ""
            elif type(v) is float:  # the common case, without `num`'s conversions (tens of thousands a plant)
                text = repr(v) if math.isfinite(v) else str(v)
            else:
                value = num(v)
                text = repr(value) if value is not None else str(v)
            tags.append((1000, f"{key}={text}"[:255]))
    return tags


def _xdata_text(item: Item, keys: tuple[str, ...]) -> str:
    """`_xdata` as DXF tag text (an APPID group and its 1000 strings)."""
    # One line per tag value: a line break inside a value would end the tag.
    values = [v if "\n" not in v and "\r" not in v else _one_line(v) for _, v in _xdata(item, keys)]
    tags = "".join(f"1000\n{v}\n" for v in values)
    return f"1001\n{APPID}\n{tags}"


class BulkEntities:
    """Model-space INSERTs and LWPOLYLINEs written straight as DXF tag text, not as ezdxf objects.

    At 1 GWac ezdxf created, validated and exported ~28k table INSERTs and ~23k cable polylines
    one object at a time: most of the DXF's time. Here each is a few formatted lines; handles are
    reserved from the drawing's own generator when the text is rendered (before the drawing is
    saved, so $HANDSEED stays above them) and the owner is the model space's block record.
    Group codes as in the DXF reference (AutoCAD 2012 DXF Reference: INSERT, LWPOLYLINE).
    """

    def __init__(self) -> None:
        self._entities: list[tuple[str, str]] = []  # (entity type, tags after the handle and owner)

    def __len__(self) -> int:
        return len(self._entities)

    def insert(self, name: str, layer: str, x: float, y: float, rotation: float, xdata: str) -> None:
        """An INSERT of block `name` at (x, y) [m], rotated `rotation` [deg CCW]."""
        body = (
            f"100\nAcDbEntity\n  8\n{layer}\n100\nAcDbBlockReference\n  2\n{name}\n"
            f" 10\n{x!r}\n 20\n{y!r}\n 30\n0.0\n"
        )
        if rotation:
            body += f" 50\n{rotation!r}\n"
        self._entities.append(("INSERT", body + xdata))

    def lwpolyline(self, points: list[tuple[float, float]], layer: str, xdata: str, *, closed: bool) -> None:
        """An LWPOLYLINE through `points` [m] (2D, elevation 0)."""
        vertices = "".join(f" 10\n{px!r}\n 20\n{py!r}\n" for px, py in points)
        body = (
            f"100\nAcDbEntity\n  8\n{layer}\n100\nAcDbPolyline\n 90\n{len(points)}\n"
            f" 70\n{1 if closed else 0}\n{vertices}"
        )
        self._entities.append(("LWPOLYLINE", body + xdata))

    def render(self, dwg: Drawing) -> str:
        """The entities' DXF text, with handles taken from `dwg` (call once, before saving it)."""
        handles = dwg.entitydb.handles
        first = int(str(handles), 16)
        handles.reset(f"{first + len(self._entities):X}")
        owner = dwg.modelspace().block_record_handle
        return "".join(
            f"  0\n{kind}\n  5\n{first + k:X}\n330\n{owner}\n{body}"
            for k, (kind, body) in enumerate(self._entities)
        )


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _header_comment(doc: ExportDocument) -> list[str]:
    return [
        f"Site Layouts {app.__version__} layout export",
        _one_line(f"Site: {doc.display_name}"),
        f"Layout: {_one_line(doc.layout_id)}",
        _one_line(f"CRS: {doc.crs_name}; coordinates are UTM easting/northing in metres"),
        f"Created: {doc.created_at_utc.isoformat()}",
    ]


def _add_layer(dwg: Drawing, name: str, hex_rgb: str, *, linetype: str = "Continuous") -> None:
    if name in dwg.layers:
        return
    layer = dwg.layers.add(name, color=aci(hex_rgb), linetype=linetype)
    layer.rgb = rgb(hex_rgb)


def table_frame(footprint_utm: BaseGeometry) -> tuple[float, float, float, float, float]:
    """(centre x, centre y, length, width, rotation [deg CCW from +x]) of a table footprint [m].

    From the footprint's minimum rotated rectangle: length is the longer side; the rotation is
    that side's direction, normalised to [-90, 90).
    """
    rect = footprint_utm.minimum_rotated_rectangle
    c = footprint_utm.centroid
    if not isinstance(rect, Polygon):  # a degenerate footprint (line or point)
        return c.x, c.y, 0.0, 0.0, 0.0
    (x0, y0), (x1, y1), (x2, y2) = list(rect.exterior.coords)[:3]
    a, b = math.hypot(x1 - x0, y1 - y0), math.hypot(x2 - x1, y2 - y1)
    if a >= b:
        length, width, angle = a, b, math.degrees(math.atan2(y1 - y0, x1 - x0))
    else:
        length, width, angle = b, a, math.degrees(math.atan2(y2 - y1, x2 - x1))
    angle = (angle + 90.0) % 180.0 - 90.0
    return c.x, c.y, length, width, angle


def _table_block_name(asset_type: str, length: float, width: float) -> str:
    return f"{asset_layer_name(asset_type)}_{length:.1f}x{width:.1f}"


def _text(
    msp: Modelspace, text: str, x: float, y: float, height: float, layer: str, rotation: float = 0.0
) -> None:
    e = msp.add_text(text[:250], height=height, rotation=rotation, dxfattribs={"layer": layer})
    e.set_placement((x, y), align=TextEntityAlignment.MIDDLE_CENTER)


def _mw(kw: float | None) -> str:
    return "–" if kw is None else f"{kw / 1000:,.2f}"


def build_dxf(doc: ExportDocument) -> tuple[Drawing, BulkEntities]:
    """The ezdxf drawing of the layout (see the module docstring) and its PV tables and cables,
    kept apart as DXF text (see `BulkEntities`; `write_dxf` joins them)."""
    bulk = BulkEntities()
    dwg = _new_drawing(doc)
    msp = dwg.modelspace()
    bounds: list[tuple[float, float, float, float]] = []
    th = _text_height(doc, bounds)
    _site_outline(msp, doc)
    _exclusions(msp, doc, bounds)
    _roads(msp, doc, bounds)
    _fences(msp, doc, th)
    _cables(dwg, msp, doc, bounds, bulk)
    _gen_ties(dwg, msp, doc, bounds)
    has_contours = _contours(msp, doc, bounds, th)
    _equipment(dwg, msp, doc, th)
    _tables(dwg, msp, doc, th, bulk)
    _title_block(msp, doc, bounds, th, has_contours=has_contours)
    _set_extents(dwg, msp, bounds)
    return dwg, bulk


def _new_drawing(doc: ExportDocument) -> Drawing:
    """An R2010 drawing in metres with the layout's CRS, site and generator as custom header
    variables, and the fixed layers."""
    dwg = new_drawing("R2010", setup=True, units=units.M)
    dwg.header["$MEASUREMENT"] = 1  # metric
    dwg.header["$LUNITS"] = 2  # decimal
    dwg.header["$LUPREC"] = 3
    dwg.header["$INSUNITS"] = 6  # metres (new(units=M) sets it too; say it where it is read)
    dwg.appids.add(APPID)
    custom = dwg.header.custom_vars
    custom.append("CRS", doc.crs)
    custom.append("CRS_NAME", doc.crs_name)
    custom.append("SITE", doc.display_name[:250])
    custom.append("LAYOUT_ID", doc.layout_id)
    custom.append("GENERATOR", f"Site Layouts {app.__version__}")
    custom.append("CREATED_UTC", doc.created_at_utc.isoformat())

    for name in FIXED_LAYERS:
        dashed = name == "ROADS_NONCOMPLIANT"
        _add_layer(dwg, name, _LAYER_COLORS[name], linetype="DASHED" if dashed else "Continuous")
    dwg.layers.get("BOUNDARY").dxf.lineweight = 50  # 0.50 mm
    return dwg


def _text_height(doc: ExportDocument, bounds: list[tuple[float, float, float, float]]) -> float:
    """Text height [m]; the site's extent (UTM) is added to `bounds`."""
    extent = doc.extent_wgs84()
    site_b = doc.to_utm(box(*extent)).bounds if extent is not None else (0.0, 0.0, 1.0, 1.0)
    diag = math.hypot(site_b[2] - site_b[0], site_b[3] - site_b[1])
    # Text height [m]: readable when the whole site fits a sheet (≈ 1/250 of its diagonal).
    th = min(25.0, max(1.0, diag / 250.0))
    if extent is not None:
        bounds.append(site_b)
    return th


def _site_outline(msp: Any, doc: ExportDocument) -> None:
    """The boundary (layer BOUNDARY) and the site entry as a point on it."""
    for item in doc.items("boundary"):
        for poly in _polygons(doc.to_utm(item.geometry)):
            _add_polygon(msp, poly, "BOUNDARY")
    entry = doc.entry_point
    if entry is not None:
        p = doc.to_utm(entry)
        msp.add_point((p.x, p.y), dxfattribs={"layer": "BOUNDARY"})


def _exclusions(msp: Any, doc: ExportDocument, bounds: list[tuple[float, float, float, float]]) -> None:
    """Exclusion zones with their fields as XDATA, and their buffers dashed (added to `bounds`)."""
    for item in doc.exclusions:
        utm = doc.to_utm(item.geometry)
        for poly in _polygons(utm):
            for e in _add_polygon(msp, poly, "EXCLUSIONS"):
                e.set_xdata(APPID, _xdata(item, EXCLUSION_XDATA))
        buffer_m = item.value("buffer_m") or 0.0
        if buffer_m > 0:
            buffered = utm.buffer(buffer_m)
            bounds.append(buffered.bounds)
            for poly in _polygons(buffered):
                _add_polygon(msp, poly, "EXCLUSIONS", linetype="DASHED")


def _roads(msp: Any, doc: ExportDocument, bounds: list[tuple[float, float, float, float]]) -> None:
    """Roads as polylines at their width [m] with their fields as XDATA; too-steep ones on
    ROADS_NONCOMPLIANT. Their extents are added to `bounds`."""
    for item in doc.roads:
        width = item.value("width_m") or 0.0
        layer = "ROADS" if item.compliant else "ROADS_NONCOMPLIANT"
        for line in _lines(doc.to_utm(item.geometry)):
            pts = [(x, y) for x, y, *_ in line.coords]
            if len(pts) < 2:
                continue
            e = msp.add_lwpolyline(pts, format="xy", dxfattribs={"layer": layer, "const_width": width})
            bx0, by0, bx1, by1 = line.bounds
            bounds.append((bx0 - width / 2, by0 - width / 2, bx1 + width / 2, by1 + width / 2))
            e.set_xdata(APPID, _xdata(item, ROAD_XDATA))


def _fences(msp: Any, doc: ExportDocument, th: float) -> None:
    """Fences (FENCE) and gates (GATES, labelled at text height `th` [m])."""
    for item in doc.fences:
        for line in _lines(doc.to_utm(item.geometry)):
            pts = [(x, y) for x, y, *_ in line.coords]
            if len(pts) >= 2:
                msp.add_lwpolyline(pts, format="xy", close=line.is_closed, dxfattribs={"layer": "FENCE"})
    for item in doc.gates:
        p = doc.to_utm(item.geometry).centroid
        msp.add_point((p.x, p.y), dxfattribs={"layer": "GATES"})
        _text(msp, "Gate", p.x, p.y + th, th, "GATES")


def _contours(
    msp: Any, doc: ExportDocument, bounds: list[tuple[float, float, float, float]], th: float
) -> bool:
    """Contours at their elevation, labelled along the line where long enough; whether there are any."""
    contours = doc.contours_utm()
    for line, z in contours:
        attribs: dict[str, object] = {"layer": "CONTOURS"}
        if z is not None:
            attribs["elevation"] = z
        pts = [(x, y) for x, y, *_ in line.coords]
        msp.add_lwpolyline(pts, format="xy", close=line.is_closed, dxfattribs=attribs)
        bounds.append(line.bounds)
        if z is not None and line.length >= MIN_LABELLED_CONTOUR_HEIGHTS * th:
            mid = line.interpolate(0.5, normalized=True)
            ahead = line.interpolate(min(line.length, line.project(mid) + th))
            behind = line.interpolate(max(0.0, line.project(mid) - th))
            angle = math.degrees(math.atan2(ahead.y - behind.y, ahead.x - behind.x))
            angle = (angle + 90.0) % 180.0 - 90.0  # never upside down
            _text(msp, f"{z:g}", mid.x, mid.y, th * 0.8, "CONTOUR_LABELS", rotation=angle)
    return bool(contours)


def _set_extents(dwg: Drawing, msp: Any, bounds: list[tuple[float, float, float, float]]) -> None:
    """The drawing's extents, limits and initial view from everything drawn (`bounds`, UTM [m])."""
    minx = min(b[0] for b in bounds)
    miny = min(b[1] for b in bounds)
    maxx = max(b[2] for b in bounds)
    maxy = max(b[3] for b in bounds)
    # ezdxf copies the modelspace layout's extents and limits into the header when it saves.
    msp.dxf.extmin = (minx, miny, 0.0)
    msp.dxf.extmax = (maxx, maxy, 0.0)
    msp.dxf.limmin = (minx, miny)
    msp.dxf.limmax = (maxx, maxy)
    dwg.header["$EXTMIN"] = (minx, miny, 0.0)
    dwg.header["$EXTMAX"] = (maxx, maxy, 0.0)
    height = max(maxy - miny, (maxx - minx) * 0.75) * 1.05
    dwg.set_modelspace_vport(height=height, center=((minx + maxx) / 2, (miny + maxy) / 2))


def _cables(
    dwg: Drawing,
    msp: Modelspace,
    doc: ExportDocument,
    bounds: list[tuple[float, float, float, float]],
    bulk: BulkEntities,
) -> None:
    """Trenches, then cable routes on one layer per level (drawn over the trenches they run in)."""
    _bulk_lines(dwg, doc, doc.trenches, (TRENCH_LAYER, TRENCH_COLOR, TRENCH_XDATA), bounds, bulk)
    if not doc.cables:
        return
    # Every cable reprojected in one pyproj call, bounds read in one shapely call.
    cables = [item for items in doc.cables_by_level.values() for item in items]
    utm = reproject_many([c.geometry for c in cables], WGS84, doc.crs)
    by_id = {id(c): g for c, g in zip(cables, utm, strict=True)}
    lines_bounds = shapely.total_bounds(np.asarray(utm, dtype=object))
    if np.isfinite(lines_bounds).all():
        bounds.append(tuple(float(v) for v in lines_bounds))  # type: ignore[arg-type]
    for level, items in doc.cables_by_level.items():
        layer = cable_layer_name(level)
        _add_layer(dwg, layer, cable_color(level))
        for item in items:
            xdata = _xdata_text(item, CABLE_XDATA)
            for line in _lines(by_id[id(item)]):
                pts = [(x, y) for x, y, *_ in line.coords]
                if len(pts) >= 2:
                    bulk.lwpolyline(pts, layer, xdata, closed=False)


def _bulk_lines(
    dwg: Drawing,
    doc: ExportDocument,
    items: Sequence[Item],
    style: tuple[str, str, tuple[str, ...]],
    bounds: list[tuple[float, float, float, float]],
    bulk: BulkEntities,
) -> None:
    """`_line_layer` for many items (a plant's trenches): reprojected in one pyproj call, bounds
    read in one shapely call, written as DXF text by `bulk`."""
    layer, color, keys = style
    if not items:
        return
    _add_layer(dwg, layer, color)
    utm = reproject_many([i.geometry for i in items], WGS84, doc.crs)
    b = shapely.total_bounds(np.asarray(utm, dtype=object))
    if np.isfinite(b).all():
        bounds.append((float(b[0]), float(b[1]), float(b[2]), float(b[3])))
    for item, geometry in zip(items, utm, strict=True):
        xdata = _xdata_text(item, keys)
        for line in _lines(geometry):
            pts = [(x, y) for x, y, *_ in line.coords]
            if len(pts) >= 2:
                bulk.lwpolyline(pts, layer, xdata, closed=False)


def _gen_ties(
    dwg: Drawing, msp: Modelspace, doc: ExportDocument, bounds: list[tuple[float, float, float, float]]
) -> None:
    """The gen-tie line(s) on layer GEN_TIE and the collector tie lines on COLLECTOR_TIE, with
    voltage and lengths as XDATA."""
    _line_layer(dwg, msp, doc, doc.gen_ties, (GEN_TIE_LAYER, GEN_TIE_COLOR, GEN_TIE_XDATA), bounds)
    style = (COLLECTOR_TIE_LAYER, COLLECTOR_TIE_COLOR, COLLECTOR_TIE_XDATA)
    _line_layer(dwg, msp, doc, doc.collector_ties, style, bounds)


def _line_layer(
    dwg: Drawing,
    msp: Modelspace,
    doc: ExportDocument,
    items: Sequence[Item],
    style: tuple[str, str, tuple[str, ...]],
    bounds: list[tuple[float, float, float, float]],
) -> None:
    """Each item's line(s) as LWPOLYLINEs on layer `style` = (name, colour, XDATA keys), in UTM [m]."""
    layer, color, keys = style
    if items:
        _add_layer(dwg, layer, color)
    for item in items:
        for line in _lines(doc.to_utm(item.geometry)):
            pts = [(x, y) for x, y, *_ in line.coords]
            if len(pts) >= 2:
                e = msp.add_lwpolyline(pts, format="xy", dxfattribs={"layer": layer})
                e.set_xdata(APPID, _xdata(item, keys))
                bounds.append(line.bounds)


def _equipment(dwg: Drawing, msp: Modelspace, doc: ExportDocument, th: float) -> None:
    """Equipment footprints on one layer per type, each with a text label."""
    counters: dict[str, int] = {}
    for item in doc.equipment:
        layer = asset_layer_name(item.asset_type)
        _add_layer(dwg, layer, asset_color(item.asset_type))
        pad = item.value("pad_elevation_m")
        utm = doc.to_utm(item.geometry)
        for poly in _polygons(utm):
            for e in _add_polygon(msp, poly, layer, elevation=pad):
                e.set_xdata(APPID, _xdata(item, ASSET_XDATA))
        counters[item.asset_type] = counters.get(item.asset_type, 0) + 1
        name = label(item.asset_type)
        text = f"{name} B{item.block}" if item.block is not None else f"{name} {counters[item.asset_type]}"
        kw = item.value("capacity_kw")
        if kw:
            text += f" {_mw(kw)} MW"
        c = utm.centroid
        _text(msp, text, c.x, c.y, th, "LABELS")


def table_frames(footprints_utm: list[BaseGeometry]) -> np.ndarray:
    """`table_frame` for many footprints at once: an (n, 5) array of x, y, length, width, rotation.

    The minimum rotated rectangles are read and measured in numpy (one Python `table_frame` per
    table took seconds at 1 GWac); the arithmetic is `table_frame`'s.
    """
    out = np.zeros((len(footprints_utm), 5))
    if not footprints_utm:
        return out
    arr = np.asarray(footprints_utm, dtype=object)
    out[:, :2] = shapely.get_coordinates(shapely.centroid(arr))
    rects = shapely.minimum_rotated_rectangle(arr)
    # Degenerate footprints (lines, points) keep length, width and rotation 0.
    ok = np.flatnonzero((shapely.get_type_id(rects) == 3) & ~shapely.is_empty(rects))
    if not len(ok):
        return out
    xy, owner = shapely.get_coordinates(shapely.get_exterior_ring(rects[ok]), return_index=True)
    first = np.searchsorted(owner, np.arange(len(ok)))
    p0, p1, p2 = xy[first], xy[first + 1], xy[first + 2]
    d01, d12 = p1 - p0, p2 - p1
    a, b = np.hypot(d01[:, 0], d01[:, 1]), np.hypot(d12[:, 0], d12[:, 1])
    along_a = a >= b
    out[ok, 2] = np.where(along_a, a, b)
    out[ok, 3] = np.where(along_a, b, a)
    side = np.where(along_a[:, None], d01, d12)
    angle = np.degrees(np.arctan2(side[:, 1], side[:, 0]))
    out[ok, 4] = (angle + 90.0) % 180.0 - 90.0
    return out


def _tables(dwg: Drawing, msp: Modelspace, doc: ExportDocument, th: float, bulk: BulkEntities) -> None:
    """PV tables / trackers as INSERTs of one block definition per type and size, a layer per
    inverter block, and a label per block (tables, MWp)."""
    # Block definitions and layers by their key, made once each (a lookup in the drawing's tables
    # per table, and a name formatted per table, took seconds at 1 GWac).
    names: dict[tuple[str, float, float], str] = {}
    layers: dict[tuple[str, int | None], str] = {}
    for block_id, items in doc.blocks.items():
        frames = table_frames([doc.table_utm(item) for item in items])
        dc = 0.0
        for item, (x, y, length, width, angle) in zip(items, frames.tolist(), strict=True):
            size = (item.asset_type, length, width)
            name = names.get(size)
            if name is None:
                name = names[size] = _table_block_name(item.asset_type, length, width)
            if name not in dwg.blocks:
                definition = dwg.blocks.new(name=name)
                hl, hw = round(length, 1) / 2, round(width, 1) / 2
                definition.add_lwpolyline(
                    [(-hl, -hw), (hl, -hw), (hl, hw), (-hl, hw)],
                    format="xy",
                    close=True,
                    dxfattribs={"layer": "0"},
                )
            layer = layers.get((item.asset_type, block_id))
            if layer is None:
                layer = layers[(item.asset_type, block_id)] = table_layer_name(item.asset_type, block_id)
                color = block_color(block_id) if block_id is not None else asset_color(item.asset_type)
                _add_layer(dwg, layer, color)
            bulk.insert(name, layer, x, y, angle, _xdata_text(item, TABLE_XDATA))
            dc += item.value("dc_kwp") or 0.0
        if block_id is not None and len(frames):
            text = f"BLOCK {block_id}: {len(items)} tables, {dc / 1000:,.2f} MWp"
            _text(msp, text, float(frames[:, 0].mean()), float(frames[:, 1].mean()), th * 2.0, "LABELS")


def _title_block(
    msp: Modelspace,
    doc: ExportDocument,
    bounds: list[tuple[float, float, float, float]],
    th: float,
    *,
    has_contours: bool,
) -> None:
    """A boxed title block to the right of the layout (layer TITLE); its bounds join `bounds`."""
    m = doc.metric
    epsg = doc.crs.split(":")[-1] if doc.crs.upper().startswith("EPSG:") else doc.crs
    lines = [
        "SITE LAYOUTS - PRELIMINARY LAYOUT",
        _one_line(f"Site: {doc.display_name}")[:120],
        f"Layout: {_one_line(doc.layout_id)}",
        _one_line(f"CRS: EPSG {epsg} - {doc.crs_name}"),
        "Units: metres ($INSUNITS 6); UTM easting / northing",
        f"Date: {doc.created_at_utc.strftime('%Y-%m-%d %H:%M UTC')}",
        f"Capacity: {_mw(m('total_capacity_kw'))} MWac / {_mw(m('dc_capacity_kwp'))} MWp",
    ]
    if doc.tables:
        lines.append(
            f"PV tables: {len(doc.tables):,} in {sum(1 for b in doc.blocks if b is not None)} blocks"
        )
    if doc.cables or doc.trenches:
        km = sum(t.value("length_m") or 0.0 for t in doc.trenches) / 1000.0
        levels = "/".join(lv.upper() for lv in doc.cables_by_level)
        lines.append(f"Cables: {len(doc.cables):,} routes ({levels or '-'}); trenches {km:,.2f} km")
    for tie in doc.gen_ties:
        kv = tie.value("voltage_kv")
        km = (tie.value("length_m") or 0.0) / 1000.0
        lines.append(f"Gen-tie: {km:,.2f} km" + (f" at {kv:g} kV" if kv else ""))
    if doc.collector_ties:
        km = sum(t.value("length_m") or 0.0 for t in doc.collector_ties) / 1000.0
        lines.append(f"Collector ties: {len(doc.collector_ties)}, {km:,.2f} km")
    if not doc.terrain_assessed:
        lines.append("Terrain: not used - slopes and earthwork not assessed")
    interval = (doc.terrain_summary or {}).get("contour_interval_m")
    if has_contours:
        lines.append(
            f"Contours: every {interval:g} m" if isinstance(interval, int | float) else "Contours: shown"
        )
    else:
        lines.append("Contours: none (no terrain data for this export)")
    lines.append(f"Generator: Site Layouts {app.__version__}")
    miny = min((b[1] for b in bounds), default=0.0)
    maxx = max((b[2] for b in bounds), default=0.0)
    pad = th
    line_h = th * 1.6
    width = max(len(s) for s in lines) * th * 0.9 + 2 * pad
    height = len(lines) * line_h + 2 * pad
    x0 = maxx + 4 * th
    y0 = miny
    msp.add_lwpolyline(
        [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height)],
        format="xy",
        close=True,
        dxfattribs={"layer": "TITLE"},
    )
    top = y0 + height - pad
    msp.add_line((x0, top - line_h), (x0 + width, top - line_h), dxfattribs={"layer": "TITLE"})
    for k, text in enumerate(lines):
        e = msp.add_text(text, height=th * (1.2 if k == 0 else 1.0), dxfattribs={"layer": "TITLE"})
        e.set_placement((x0 + pad, top - (k + 0.5) * line_h), align=TextEntityAlignment.MIDDLE_LEFT)
    bounds.append((x0, y0, x0 + width, y0 + height))


def write_dxf(doc: ExportDocument) -> bytes:
    """The layout as an ASCII DXF (R2010, UTF-8) in UTM metres, CRS named in a 999 comment."""
    dwg, bulk = build_dxf(doc)
    extra = bulk.render(dwg)
    stream = io.StringIO()
    dwg.write(stream)
    text = stream.getvalue()
    if extra:
        # The bulk entities close the ENTITIES section (model space), after ezdxf's own.
        start = text.index("  2\nENTITIES\n")
        end = text.index("  0\nENDSEC\n", start)
        text = text[:end] + extra + text[end:]
    comments = "".join(f"999\n{line}\n" for line in _header_comment(doc))
    return dwg.encode(comments + text)
