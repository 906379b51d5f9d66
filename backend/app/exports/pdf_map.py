"""The PDF report's layout plan: the layout in the site's UTM CRS [m], grid north up, with a scale
bar, a north arrow pointing to true north, and a legend.

PV tables and trackers are coloured by inverter block, everything else by asset type, with the
web app's colours (app.exports.palette); roads steeper than trucks can climb are red and dashed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from app.engine.core.crs import to_utm
from app.exports.document import ROAD_CLASS_ORDER, TABLE_TYPES, ExportDocument
from app.exports.palette import (
    BOUNDARY_COLOR,
    COLLECTOR_TIE_COLOR,
    CONTOUR_COLOR,
    ENTRY_COLOR,
    EXCLUSION_COLOR,
    FENCE_COLOR,
    GEN_TIE_COLOR,
    NONCOMPLIANT_ROAD_COLOR,
    asset_color,
    block_color,
    cable_color,
    label,
    road_color,
)

GREY = "#5f6b7a"
RULE = "#c9d1db"
# Blocks named one by one in the legend; more are summarised in one entry.
MAX_LEGEND_BLOCKS = 8


def _poly_path(poly: Polygon) -> Path:
    """A compound path for a polygon with holes (exterior CCW, holes CW: non-zero fill cuts holes)."""
    p = orient(poly, sign=1.0)
    rings = [p.exterior, *p.interiors]
    return Path.make_compound_path(*(Path(list(r.coords), closed=True) for r in rings))


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _exteriors(geoms: list[BaseGeometry]) -> list[np.ndarray]:
    """The exterior ring of every polygon part of `geoms` as an (n, 2) array [m], read in one call."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    rings = shapely.get_exterior_ring(parts[shapely.get_type_id(parts) == 3])
    if not len(rings):
        return []
    xy, index = shapely.get_coordinates(rings, return_index=True)
    return np.split(xy, np.flatnonzero(np.diff(index)) + 1)


def rings_path(rings: list[np.ndarray]) -> Path:
    """One compound path of closed rings, each an (n, 2) array [m] whose last point repeats its
    first (as `_exteriors` reads them).

    The PDF backend writes a PolyCollection one path (and one graphics state) per polygon: at
    1 GWac ~28k of them took most of the map's time. A block's tables are disjoint, so one path
    of all of them, filled and stroked once in the block's colour, draws the same page.
    """
    rings = [r for r in rings if len(r) >= 2]
    if not rings:
        return Path(np.zeros((0, 2)))
    lengths = np.fromiter((len(r) for r in rings), dtype=np.intp, count=len(rings))
    codes = np.full(int(lengths.sum()), Path.LINETO, dtype=Path.code_type)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    codes[starts] = Path.MOVETO
    codes[starts + lengths - 1] = Path.CLOSEPOLY
    return Path(np.concatenate(rings), codes)


def _lines(geom: BaseGeometry) -> list[LineString]:
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, MultiLineString):
        return list(geom.geoms)
    return [ln for g in getattr(geom, "geoms", []) for ln in _lines(g)]


def nice_length(target: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above `target` (for scale bars) [same unit]."""
    if target <= 0:
        return 1.0
    exp = math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * 10**exp <= target:
            return float(m * 10**exp)
    return float(10**exp)


def true_north_deg(lon: float, lat: float, crs: str) -> float:
    """Direction of true north at (lon, lat) [degrees], clockwise from grid north in `crs`."""
    a = to_utm(Point(lon, lat), crs)
    b = to_utm(Point(lon, min(lat + 0.01, 89.99)), crs)
    return math.degrees(math.atan2(b.x - a.x, b.y - a.y))


def _draw_map(fig: Figure, doc: ExportDocument, rect: tuple[float, float, float, float]) -> None:
    """The layout map into `rect` (left, bottom, width, height in figure fraction), UTM metres."""
    ax = fig.add_axes(rect)
    ax.set_facecolor("white")
    for side in ax.spines.values():
        side.set_color(RULE)
    ax.set_xticks([])
    ax.set_yticks([])

    to = doc.to_utm
    boundary = [to(i.geometry) for i in doc.items("boundary")]
    exclusions = [(i, to(i.geometry)) for i in doc.exclusions]
    roads = [(i, to(i.geometry)) for i in doc.roads]
    # Tables come from the document's one-call reprojection; the (few) other assets one by one.
    assets = [(i, doc.table_utm(i) if i.asset_type in TABLE_TYPES else to(i.geometry)) for i in doc.assets]
    contours = doc.contours_utm()
    entry = to(doc.entry_point) if doc.entry_point is not None else None

    geoms: list[BaseGeometry] = [
        *boundary,
        *(g for _, g in exclusions),
        *(g for _, g in roads),
        *(g for _, g in assets),
    ]
    gen_ties = [ln for item in doc.gen_ties for ln in _lines(doc.to_utm(item.geometry))]
    geoms += gen_ties  # the map reaches the interconnection point
    if entry is not None:
        geoms.append(entry)
    if not geoms:
        ax.text(0.5, 0.5, "No geometry to draw", ha="center", va="center", transform=ax.transAxes, color=GREY)
        return
    x0, x1, y0, y1, w, h, pt_per_m = _frame(ax, fig, rect, geoms)
    for g in boundary:
        for poly in _polygons(g):
            ax.add_patch(PathPatch(_poly_path(poly), facecolor="#f6f5ef", edgecolor="none", zorder=1))
    _draw_contours(ax, contours, w)
    _draw_exclusions(ax, exclusions)
    _draw_roads(ax, roads, pt_per_m)
    _draw_lines(ax, doc, gen_ties)
    _draw_assets(ax, doc, assets)
    for g in boundary:
        for poly in _polygons(g):
            ax.add_patch(
                PathPatch(_poly_path(poly), facecolor="none", edgecolor=BOUNDARY_COLOR, lw=1.6, zorder=6)
            )
    if entry is not None:
        ax.plot([entry.x], [entry.y], marker="^", color=ENTRY_COLOR, markersize=8, zorder=7, linestyle="none")

    _scale_bar(ax, x0, y0, w, h)
    c = doc.boundary.centroid if doc.boundary is not None else None
    if c is not None:
        _north_arrow(ax, x1 - 0.06 * w, y1 - 0.16 * h, 0.09 * h, true_north_deg(c.x, c.y, doc.crs))


def _frame(
    ax: Any, fig: Figure, rect: tuple[float, float, float, float], geoms: list[BaseGeometry]
) -> tuple[float, float, float, float, float, float, float]:
    """Set the map's extent around `geoms` (UTM [m], at least 50 m, with a margin for the scale
    bar and north arrow) to the box's aspect ratio; returns x0, x1, y0, y1, the width and height
    [m] and the scale [pt per m]."""
    # The bounds of the parts, read in C (a union of every table took seconds at 1 GWac).
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(np.asarray(geoms, dtype=object)))
    w, h = max(maxx - minx, 50.0), max(maxy - miny, 50.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    fig_w_in, fig_h_in = fig.get_size_inches()
    box_w_in, box_h_in = rect[2] * fig_w_in, rect[3] * fig_h_in
    w, h = w * 1.12, h * 1.16  # margin for the scale bar and north arrow
    if w / h < box_w_in / box_h_in:
        w = h * box_w_in / box_h_in
    else:
        h = w * box_h_in / box_w_in
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    return x0, x1, y0, y1, w, h, box_w_in * 72 / w


def _draw_contours(ax: Any, contours: list[tuple[Any, float | None]], w: float) -> None:
    """Contour lines, labelled with their elevation [m] where longer than 15 % of the map width `w`."""
    if not contours:
        return
    segs = [[(x, y) for x, y, *_ in ln.coords] for ln, _ in contours]
    ax.add_collection(LineCollection(segs, colors=CONTOUR_COLOR, linewidths=0.5, zorder=2))
    for ln, z in contours:
        if z is not None and ln.length > w * 0.15:
            mid = ln.interpolate(0.5, normalized=True)
            ax.text(
                mid.x,
                mid.y,
                f"{z:.0f}",
                fontsize=6,
                color=CONTOUR_COLOR,
                ha="center",
                va="center",
                zorder=2,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            )


def _draw_exclusions(ax: Any, exclusions: list[tuple[Any, BaseGeometry]]) -> None:
    """Exclusion zones hatched, with their buffer dashed."""
    for item, g in exclusions:
        buffer_m = item.value("buffer_m") or 0.0
        if buffer_m > 0:
            for poly in _polygons(g.buffer(buffer_m)):
                ax.add_patch(
                    PathPatch(
                        _poly_path(poly),
                        facecolor="none",
                        edgecolor=EXCLUSION_COLOR,
                        lw=0.7,
                        linestyle=(0, (3, 2)),
                        zorder=3,
                    )
                )
        for poly in _polygons(g):
            ax.add_patch(
                PathPatch(_poly_path(poly), facecolor=EXCLUSION_COLOR, alpha=0.18, edgecolor="none", zorder=3)
            )
            ax.add_patch(
                PathPatch(
                    _poly_path(poly),
                    facecolor="none",
                    edgecolor=EXCLUSION_COLOR,
                    hatch="////",
                    lw=0.9,
                    zorder=3,
                )
            )


def _draw_roads(ax: Any, roads: list[tuple[Any, BaseGeometry]], pt_per_m: float) -> None:
    """Roads by class (spine first), at their width to scale; non-compliant stretches dashed."""
    for road_class in sorted({i.road_class for i, _ in roads}, key=_road_order):
        for compliant in (True, False):
            segs3 = []
            widths = []
            for item, g in roads:
                if item.road_class != road_class or item.compliant is not compliant:
                    continue
                for ln in _lines(g):
                    segs3.append([(x, y) for x, y, *_ in ln.coords])
                    widths.append(max(0.8, (item.value("width_m") or 4.0) * pt_per_m))
            if segs3:
                ax.add_collection(
                    LineCollection(
                        segs3,
                        colors=road_color(road_class, compliant=compliant),
                        linewidths=widths,
                        linestyles="solid" if compliant else (0, (2, 1)),
                        capstyle="round" if compliant else "butt",
                        zorder=4,
                    )
                )


def _draw_lines(ax: Any, doc: ExportDocument, gen_ties: list[LineString]) -> None:
    """Fences, the gen-tie, the collector ties and the MV feeders."""
    fences = [ln for item in doc.fences for ln in _lines(doc.to_utm(item.geometry))]
    if fences:
        segs = [[(x, y) for x, y, *_ in ln.coords] for ln in fences]
        ax.add_collection(
            LineCollection(segs, colors=FENCE_COLOR, linewidths=0.8, linestyles=(0, (4, 1.5)), zorder=5)
        )
    if gen_ties:
        segs = [[(x, y) for x, y, *_ in ln.coords] for ln in gen_ties]
        ax.add_collection(
            LineCollection(segs, colors=GEN_TIE_COLOR, linewidths=1.6, linestyles=(0, (6, 2, 1, 2)), zorder=7)
        )
    ties = [ln for item in doc.collector_ties for ln in _lines(doc.to_utm(item.geometry))]
    if ties:
        segs = [[(x, y) for x, y, *_ in ln.coords] for ln in ties]
        ax.add_collection(
            LineCollection(
                segs, colors=COLLECTOR_TIE_COLOR, linewidths=1.6, linestyles=(0, (6, 2, 1, 2)), zorder=7
            )
        )
    # MV feeders only: DC and LV cables follow every row and would hide the tables at plan scale.
    mv = [ln for item in doc.cables_by_level.get("mv", []) for ln in _lines(doc.to_utm(item.geometry))]
    if mv:
        segs = [[(x, y) for x, y, *_ in ln.coords] for ln in mv]
        ax.add_collection(LineCollection(segs, colors=cable_color("mv"), linewidths=1.3, zorder=7))


def _draw_assets(ax: Any, doc: ExportDocument, assets: list[tuple[Any, BaseGeometry]]) -> None:
    """Assets by type in the document's order; PV tables in their inverter block's colour."""
    by_type: dict[str, list[tuple[Any, BaseGeometry]]] = {}
    for item, g in assets:
        by_type.setdefault(item.asset_type, []).append((item, g))
    for asset_type in doc.asset_types:
        items = by_type.get(asset_type, [])
        if asset_type in TABLE_TYPES:
            # Tables by inverter block, in the block's colour (one collection per block), grouped
            # in one pass (a scan of every table per block took seconds at 1 GWac).
            by_block: dict[int | None, list[BaseGeometry]] = {}
            for item, g in items:
                by_block.setdefault(item.block, []).append(g)
            for block in sorted(by_block, key=lambda b: (b is None, b or 0)):
                color = block_color(block) if block is not None else asset_color(asset_type)
                rings = _exteriors(by_block[block])
                if rings:
                    # add_artist, not add_patch: the map's extent is set already (`_frame`), and
                    # add_patch walks every segment in Python to grow the data limits.
                    ax.add_artist(
                        PathPatch(
                            rings_path(rings),
                            facecolor=color,
                            edgecolor=color,
                            linewidth=0.2,
                            alpha=0.9,
                            zorder=5,
                        )
                    )
            continue
        verts = [[(x, y) for x, y, *_ in poly.exterior.coords] for _, g in items for poly in _polygons(g)]
        color = asset_color(asset_type)
        ax.add_collection(
            PolyCollection(verts, facecolors=color, edgecolors=color, linewidths=0.4, alpha=0.85, zorder=5)
        )


def _scale_bar(ax: Any, x0: float, y0: float, w: float, h: float) -> None:
    length = nice_length(w / 4.5)
    bx, by, bh = x0 + 0.04 * w, y0 + 0.05 * h, 0.011 * h
    ax.add_patch(
        Rectangle(
            (bx - 0.012 * w, by - 0.035 * h),
            length + 0.05 * w,
            bh + 0.075 * h,
            facecolor="white",
            edgecolor=RULE,
            lw=0.5,
            alpha=0.9,
            zorder=8,
        )
    )
    for k in range(4):
        ax.add_patch(
            Rectangle(
                (bx + k * length / 4, by),
                length / 4,
                bh,
                facecolor="black" if k % 2 == 0 else "white",
                edgecolor="black",
                lw=0.6,
                zorder=9,
            )
        )

    def lab(v: float) -> str:
        return f"{v / 1000:g} km" if length >= 1000 else f"{v:g} m"

    for v in (0.0, length / 2, length):
        ax.text(
            bx + v,
            by + bh + 0.012 * h,
            "0" if v == 0 else lab(v),
            fontsize=7,
            ha="center",
            va="bottom",
            zorder=9,
        )
    ax.text(bx, by - 0.022 * h, "Scale", fontsize=6.5, color=GREY, ha="left", va="center", zorder=9)


def _north_arrow(ax: Any, x: float, y: float, length: float, angle_deg: float) -> None:
    a = math.radians(angle_deg)
    dx, dy = math.sin(a) * length, math.cos(a) * length
    ax.annotate(
        "",
        xy=(x + dx / 2, y + dy / 2),
        xytext=(x - dx / 2, y - dy / 2),
        arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "color": "black", "lw": 1.6},
        zorder=9,
    )
    ax.text(x + dx * 0.78, y + dy * 0.78, "N", fontsize=12, weight="bold", ha="center", va="center", zorder=9)
    ax.text(
        x,
        y - length * 0.72,
        f"true north\n{angle_deg:+.2f}° from grid",
        fontsize=6,
        color=GREY,
        ha="center",
        va="top",
        zorder=9,
    )


def _road_order(road_class: str) -> tuple[int, str]:
    return (
        (ROAD_CLASS_ORDER.index(road_class), road_class)
        if road_class in ROAD_CLASS_ORDER
        else (9, road_class)
    )


LEGEND_COLUMNS = 4


def legend_rows(doc: ExportDocument) -> int:
    """Rows the plan's legend takes (LEGEND_COLUMNS entries a row)."""
    return -(-len(_legend_handles(doc)) // LEGEND_COLUMNS)


def _legend_handles(doc: ExportDocument) -> list[Any]:
    from app.exports.pdf_page import table_noun

    noun = table_noun(doc)
    handles: list[Any] = [Patch(facecolor="#f6f5ef", edgecolor=BOUNDARY_COLOR, lw=1.4, label="Site boundary")]
    if doc.exclusions:
        handles.append(
            Patch(
                facecolor=EXCLUSION_COLOR,
                alpha=0.35,
                edgecolor=EXCLUSION_COLOR,
                hatch="////",
                label="Exclusion zone (dashed: buffer)",
            )
        )
    handles.extend(_asset_type_handles(doc))
    handles.extend(_block_handles(doc, noun))
    handles.extend(_line_handles(doc))
    return handles


def _asset_type_handles(doc: ExportDocument) -> list[Any]:
    """One legend entry per non-table asset type: its count and station rating(s) [kVA]."""
    from app.exports.pdf_page import station_kva

    handles: list[Any] = []
    counts = doc.typed_metrics.counts_by_type or {}
    for asset_type in doc.asset_types:
        if asset_type in TABLE_TYPES:
            continue
        n = counts.get(asset_type) or sum(1 for a in doc.assets if a.asset_type == asset_type)
        kvas = sorted(
            {
                round(k)
                for a in doc.assets
                if (k := station_kva(doc, a)) is not None and a.asset_type == asset_type
            }
        )
        # One rating, or the range of ratings (a partial block's station is smaller).
        rating = (
            "" if not kvas else f", {kvas[0]:,} kVA" if len(kvas) == 1 else f", {kvas[0]:,}–{kvas[-1]:,} kVA"
        )
        handles.append(
            Patch(
                facecolor=asset_color(asset_type),
                edgecolor="none",
                label=f"{label(asset_type)} ({n}{rating})",
            )
        )
    return handles


def _block_handles(doc: ExportDocument, noun: str) -> list[Any]:
    """Legend entries for the blocks (the first MAX_LEGEND_BLOCKS, then the rest together) and the
    tables without a block."""
    handles: list[Any] = []
    blocks = [(b, items) for b, items in doc.blocks.items() if b is not None]
    for b, items in blocks[:MAX_LEGEND_BLOCKS]:
        handles.append(
            Patch(facecolor=block_color(b), edgecolor="none", label=f"Block {b} ({len(items)} {noun})")
        )
    if len(blocks) > MAX_LEGEND_BLOCKS:
        rest = sum(len(items) for _, items in blocks[MAX_LEGEND_BLOCKS:])
        handles.append(
            Patch(
                facecolor="#cccccc",
                edgecolor="none",
                label=f"{len(blocks) - MAX_LEGEND_BLOCKS} more blocks ({rest} {noun})",
            )
        )
    loose = doc.blocks.get(None, [])
    if loose:
        handles.append(
            Patch(
                facecolor=asset_color(loose[0].asset_type),
                edgecolor="none",
                label=f"{noun.capitalize()} without a block ({len(loose)})",
            )
        )
    return handles


def _line_handles(doc: ExportDocument) -> list[Any]:
    """Legend entries for the drawn lines and markers: roads, fence, gen-ties, MV cables, contours, entry."""
    handles: list[Any] = []
    if any(r.compliant for r in doc.roads):
        handles.append(Line2D([], [], color=road_color("secondary"), lw=3, label="Road (to scale)"))
    if any(not r.compliant for r in doc.roads):
        handles.append(
            Line2D(
                [],
                [],
                color=NONCOMPLIANT_ROAD_COLOR,
                lw=3,
                linestyle=(0, (2, 1)),
                label="Road too steep for trucks",
            )
        )
    if doc.fences:
        handles.append(Line2D([], [], color=FENCE_COLOR, lw=1, linestyle=(0, (4, 1.5)), label="Fence"))
    for tie in doc.gen_ties:
        kv, km = tie.value("voltage_kv"), (tie.value("length_m") or 0.0) / 1000.0
        volts = f"{kv:g} kV " if kv else ""
        handles.append(
            Line2D(
                [],
                [],
                color=GEN_TIE_COLOR,
                lw=1.6,
                linestyle=(0, (6, 2, 1, 2)),
                label=f"Gen-tie {volts}({km:,.2f} km)",
            )
        )
    if doc.collector_ties:
        km = sum(t.value("length_m") or 0.0 for t in doc.collector_ties) / 1000.0
        handles.append(
            Line2D(
                [],
                [],
                color=COLLECTOR_TIE_COLOR,
                lw=1.6,
                linestyle=(0, (6, 2, 1, 2)),
                label=f"Collector ties ({len(doc.collector_ties)}, {km:,.2f} km)",
            )
        )
    feeders = {c.text("circuit") for c in doc.cables_by_level.get("mv", [])}
    if feeders:
        handles.append(
            Line2D([], [], color=cable_color("mv"), lw=1.5, label=f"MV cable ({len(feeders)} routes)")
        )
    if doc.contours:
        handles.append(Line2D([], [], color=CONTOUR_COLOR, lw=0.8, label="Contour [m]"))
    if doc.entry_point is not None:
        handles.append(Line2D([], [], color=ENTRY_COLOR, marker="^", linestyle="none", label="Site entry"))
    return handles


def _legend(fig: Figure, doc: ExportDocument, y_frac: float) -> None:
    handles = _legend_handles(doc)
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, y_frac),
        ncol=min(LEGEND_COLUMNS, len(handles)),
        frameon=False,
        fontsize=7.5,
        handlelength=1.6,
        columnspacing=1.4,
    )
