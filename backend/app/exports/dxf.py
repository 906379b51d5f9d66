"""DXF export (AutoCAD R2010, ASCII, UTF-8) in the site's UTM coordinates [m].

Coordinates are UTM easting/northing in metres in the document's `crs` (e.g. EPSG:32614),
drawing units metres ($INSUNITS = 6). The CRS is named in a comment at the top of the file
(group 999) and in the header custom properties (CRS, CRS_NAME, SITE, LAYOUT_ID, GENERATOR,
CREATED_UTC).

Layers:
    BOUNDARY     site boundary (closed polylines, holes too) and the entry point (POINT)
    EXCLUSIONS   exclusion zones; their buffer [m] as a DASHED outline
    ROADS        road centrelines as polylines whose constant width is the road width [m]
    CONTOURS     contour lines (when given), each at its elevation [m]
    <ASSET_TYPE> one layer per asset type, e.g. PV_BLOCK, BESS; footprints as closed polylines
                 at the pad elevation [m]

Each asset, road and exclusion carries its numbers as XDATA under the application "SITELAYOUTS"
("key=value" strings, e.g. "capacity_kw=2750.0").
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from ezdxf import units
from ezdxf.colors import rgb2int
from ezdxf.document import Drawing
from ezdxf.entities.lwpolyline import LWPolyline
from ezdxf.filemanagement import new as new_drawing
from ezdxf.layouts.layout import Modelspace
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

import app
from app.engine.types import ASSET_PROPERTIES, ROAD_PROPERTIES
from app.exports.document import ExportDocument, Item, num
from app.exports.palette import asset_color

APPID = "SITELAYOUTS"
FIXED_LAYERS: tuple[str, ...] = ("BOUNDARY", "EXCLUSIONS", "ROADS", "CONTOURS")
# AutoCAD colour index per fixed layer: 7 white/black, 1 red, 32 brown, 8 grey.
_LAYER_ACI = {"BOUNDARY": 7, "EXCLUSIONS": 1, "ROADS": 32, "CONTOURS": 8}
_INVALID_LAYER_CHARS = re.compile(r'[<>/\\":;?*|=`\s]+')
MAX_LAYER_NAME = 255


def asset_layer_name(asset_type: str) -> str:
    """The DXF layer for an asset type: upper case, characters DXF forbids replaced by "_".

    A name that would collide with a fixed layer gets an "ASSET_" prefix.
    """
    name = _INVALID_LAYER_CHARS.sub("_", asset_type.strip()).upper()[:MAX_LAYER_NAME] or "ASSET"
    return f"ASSET_{name}" if name in FIXED_LAYERS else name


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
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _lines(part)


def _add_polygon(
    msp: Modelspace, poly: Polygon, layer: str, *, elevation: float | None = None, linetype: str | None = None
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
    tags: list[tuple[int, str]] = [(1000, f"id={item.id}")]
    for key in keys:
        if key in item.properties:
            v = item.properties[key]
            value = num(v)
            text = "" if v is None else (repr(value) if value is not None else str(v))
            tags.append((1000, f"{key}={text}"[:255]))
    return tags


ASSET_XDATA = ASSET_PROPERTIES
ROAD_XDATA = ROAD_PROPERTIES
EXCLUSION_XDATA = ("zone_type", "buffer_m", "name")


def _header_comment(doc: ExportDocument) -> list[str]:
    def one_line(s: str) -> str:
        return " ".join(s.split())

    return [
        f"Site Layouts {app.__version__} layout export",
        one_line(f"Site: {doc.display_name}"),
        f"Layout: {one_line(doc.layout_id)}",
        one_line(f"CRS: {doc.crs_name}; coordinates are UTM easting/northing in metres"),
        f"Created: {doc.created_at_utc.isoformat()}",
    ]


def build_dxf(doc: ExportDocument) -> Drawing:
    """The ezdxf drawing of the layout (see the module docstring)."""
    dwg = new_drawing("R2010", setup=True, units=units.M)
    dwg.header["$MEASUREMENT"] = 1  # metric
    dwg.header["$LUNITS"] = 2  # decimal
    dwg.header["$LUPREC"] = 3
    dwg.appids.add(APPID)
    custom = dwg.header.custom_vars
    custom.append("CRS", doc.crs)
    custom.append("CRS_NAME", doc.crs_name)
    custom.append("SITE", doc.display_name[:250])
    custom.append("LAYOUT_ID", doc.layout_id)
    custom.append("GENERATOR", f"Site Layouts {app.__version__}")
    custom.append("CREATED_UTC", doc.created_at_utc.isoformat())

    for name in FIXED_LAYERS:
        dwg.layers.add(name, color=_LAYER_ACI[name])
    dwg.layers.get("BOUNDARY").dxf.lineweight = 50  # 0.50 mm
    asset_layers: dict[str, str] = {}
    for asset_type in doc.asset_types:
        layer = asset_layer_name(asset_type)
        asset_layers[asset_type] = layer
        if layer not in dwg.layers:
            rgb = asset_color(asset_type)
            r, g, b = (int(rgb[k : k + 2], 16) for k in (1, 3, 5))
            dwg.layers.add(layer, true_color=rgb2int((r, g, b)))

    msp = dwg.modelspace()

    for item in doc.items("boundary"):
        for poly in _polygons(doc.to_utm(item.geometry)):
            _add_polygon(msp, poly, "BOUNDARY")
    entry = doc.entry_point
    if entry is not None:
        p = doc.to_utm(entry)
        msp.add_point((p.x, p.y), dxfattribs={"layer": "BOUNDARY"})

    for item in doc.exclusions:
        utm = doc.to_utm(item.geometry)
        for poly in _polygons(utm):
            for e in _add_polygon(msp, poly, "EXCLUSIONS"):
                e.set_xdata(APPID, _xdata(item, EXCLUSION_XDATA))
        buffer_m = item.value("buffer_m") or 0.0
        if buffer_m > 0:
            for poly in _polygons(utm.buffer(buffer_m)):
                _add_polygon(msp, poly, "EXCLUSIONS", linetype="DASHED")

    for item in doc.roads:
        width = item.value("width_m") or 0.0
        for line in _lines(doc.to_utm(item.geometry)):
            pts = [(x, y) for x, y, *_ in line.coords]
            if len(pts) < 2:
                continue
            e = msp.add_lwpolyline(pts, format="xy", dxfattribs={"layer": "ROADS", "const_width": width})
            e.set_xdata(APPID, _xdata(item, ROAD_XDATA))

    for line, z in doc.contours_utm():
        attribs: dict[str, object] = {"layer": "CONTOURS"}
        if z is not None:
            attribs["elevation"] = z
        pts = [(x, y) for x, y, *_ in line.coords]
        msp.add_lwpolyline(pts, format="xy", close=line.is_closed, dxfattribs=attribs)

    for item in doc.assets:
        layer = asset_layers[item.asset_type]
        pad = item.value("pad_elevation_m")
        for poly in _polygons(doc.to_utm(item.geometry)):
            for e in _add_polygon(msp, poly, layer, elevation=pad):
                e.set_xdata(APPID, _xdata(item, ASSET_XDATA))

    extent = doc.extent_wgs84()
    if extent is not None:
        b = doc.to_utm(box(*extent)).bounds
        dwg.header["$EXTMIN"] = (b[0], b[1], 0.0)
        dwg.header["$EXTMAX"] = (b[2], b[3], 0.0)
        height = max(b[3] - b[1], b[2] - b[0]) * 1.1
        dwg.set_modelspace_vport(height=height, center=((b[0] + b[2]) / 2, (b[1] + b[3]) / 2))
    return dwg


def write_dxf(doc: ExportDocument) -> bytes:
    """The layout as an ASCII DXF (R2010, UTF-8) in UTM metres, CRS named in a 999 comment."""
    dwg = build_dxf(doc)
    stream = io.StringIO()
    dwg.write(stream)
    comments = "".join(f"999\n{line}\n" for line in _header_comment(doc))
    return dwg.encode(comments + stream.getvalue())
