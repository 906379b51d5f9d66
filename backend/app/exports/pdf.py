"""PDF export: a due-diligence report of the layout (US Letter, portrait), drawn with matplotlib.

Page 1: title, key figures and a map of the layout in the site's UTM CRS [m] (grid north up,
with a scale bar and a north arrow that points to true north). Following pages: capacity
summary, assets by type, roads, earthwork, terrain summary (when given), warnings, the
parameters used, notes, and an asset schedule. Every page carries the software version, the
generation date and "page n of N".

Uses matplotlib's object API (`Figure` + `PdfPages`), never pyplot, so it is safe in worker
threads. Fonts are embedded as TrueType (pdf.fonttype 42) so text can be extracted.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

import app
from app.engine.crs import to_utm
from app.exports.document import ROAD_CLASS_ORDER, ExportDocument, Item, num
from app.exports.palette import (
    BOUNDARY_COLOR,
    CONTOUR_COLOR,
    ENTRY_COLOR,
    EXCLUSION_COLOR,
    ROAD_COLOR,
    asset_color,
    label,
)

PAGE_W_IN, PAGE_H_IN = 8.5, 11.0  # US Letter
MARGIN_IN = 0.6
CONTENT_W_IN = PAGE_W_IN - 2 * MARGIN_IN
TOP_IN = 0.75  # first line of running pages
BOTTOM_IN = PAGE_H_IN - 0.75  # last usable line (footer below)
NAVY = "#1f3a5f"
GREY = "#5f6b7a"
LIGHT = "#eef2f7"
RULE = "#c9d1db"
FONTTYPE = 42  # TrueType: embedded subsets with ToUnicode maps, so text stays extractable
MAX_SCHEDULE_ROWS = 400  # the CSV export has them all
CJK_FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")


def _fmt(value: Any, decimals: int = 0, unit: str = "") -> str:
    """A number with thousands separators, or an en dash when missing."""
    v = num(value)
    if v is None:
        return "–"
    text = f"{v:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return f"{text} {unit}".rstrip()


_UNIT_SUFFIXES = (
    ("_m3", "m³"),
    ("_m2", "m²"),
    ("_kwh", "kWh"),
    ("_kw", "kW"),
    ("_ha", "ha"),
    ("_deg", "°"),
    ("_pct", "%"),
    ("_km", "km"),
    ("_m", "m"),
    ("_s", "s"),
)


def key_label(key: str) -> str:
    """ "mean_slope_deg" -> "Mean slope [°]"; "overrides.pv_block.max_slope_deg" keeps its path."""
    *path, last = key.split(".")
    unit = ""
    for suffix, u in _UNIT_SUFFIXES:
        if last.endswith(suffix) and len(last) > len(suffix):
            last, unit = last[: -len(suffix)], u
            break
    text = label(last)
    if path:
        text = " › ".join([*(label(p) for p in path), text])
    return f"{text} [{unit}]" if unit else text


def _flatten(params: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in params.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{full}.")
        else:
            yield full, value


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return _fmt(value, 0 if value.is_integer() and abs(value) >= 100 else 2 if abs(value) < 1000 else 0)
    if value is None:
        return "–"
    if isinstance(value, dict) and not value:
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v) for v in value) or "none"
    return str(value)


@dataclass(frozen=True)
class Col:
    """A table column: title, relative width, alignment ("left" or "right")."""

    title: str
    width: float = 1.0
    align: str = "right"


# -- page flow ----------------------------------------------------------------------------------


class _Report:
    """Pages of text and tables laid out top to bottom, in inches from the page's top-left."""

    def __init__(self, doc: ExportDocument) -> None:
        self.doc = doc
        self.pages: list[Figure] = []
        self.fig: Figure = self.new_page()
        self.y = TOP_IN

    # geometry helpers: inches from top-left -> figure fraction
    @staticmethod
    def fx(x_in: float) -> float:
        return x_in / PAGE_W_IN

    @staticmethod
    def fy(y_in: float) -> float:
        return 1.0 - y_in / PAGE_H_IN

    def new_page(self) -> Figure:
        fig = Figure(figsize=(PAGE_W_IN, PAGE_H_IN))
        fig.patch.set_facecolor("white")
        self.pages.append(fig)
        self.fig = fig
        self.y = TOP_IN
        if len(self.pages) > 1:
            self._running_header()
        return fig

    def _running_header(self) -> None:
        fig = self.fig
        fig.text(
            self.fx(MARGIN_IN), self.fy(0.45), self.doc.display_name, fontsize=9, color=NAVY, weight="bold"
        )
        fig.text(
            self.fx(PAGE_W_IN - MARGIN_IN),
            self.fy(0.45),
            "Site layout report",
            fontsize=9,
            color=GREY,
            ha="right",
        )
        self.rule(0.55, color=NAVY, lw=0.8)
        self.y = 0.85

    def rule(
        self, y_in: float, *, color: str = RULE, lw: float = 0.5, width_in: float = CONTENT_W_IN
    ) -> None:
        self.fig.add_artist(
            Line2D(
                [self.fx(MARGIN_IN), self.fx(MARGIN_IN + width_in)],
                [self.fy(y_in), self.fy(y_in)],
                color=color,
                lw=lw,
                transform=self.fig.transFigure,
            )
        )

    def rect(self, x_in: float, y_in: float, w_in: float, h_in: float, color: str, **kw: Any) -> None:
        """A filled rectangle; (x_in, y_in) is its top-left corner."""
        self.fig.add_artist(
            Rectangle(
                (self.fx(x_in), self.fy(y_in + h_in)),
                w_in / PAGE_W_IN,
                h_in / PAGE_H_IN,
                transform=self.fig.transFigure,
                facecolor=color,
                edgecolor=kw.pop("edgecolor", "none"),
                lw=kw.pop("lw", 0),
                **kw,
            )
        )

    def text(self, x_in: float, y_in: float, s: str, **kw: Any) -> None:
        self.fig.text(self.fx(x_in), self.fy(y_in), s, **kw)

    def ensure(self, h_in: float) -> bool:
        """Start a new page unless `h_in` inches fit below the cursor; True when a page was added."""
        if self.y + h_in > BOTTOM_IN:
            self.new_page()
            return True
        return False

    # blocks
    def heading(self, s: str) -> None:
        self.ensure(1.3)  # keep a heading with the first rows of its section
        self.y += 0.2
        self.text(MARGIN_IN, self.y, s, fontsize=12.5, color=NAVY, weight="bold", va="baseline")
        self.y += 0.08
        self.rule(self.y, color=NAVY, lw=0.8)
        self.y += 0.22

    def paragraph(self, s: str, *, size: float = 9.0, color: str = "#222222", indent_in: float = 0.0) -> None:
        line_h = size * 1.45 / 72
        chars = max(20, int((CONTENT_W_IN - indent_in) / (size * 0.52 / 72)))
        for line in textwrap.wrap(s, chars) or [""]:
            self.ensure(line_h)
            self.text(MARGIN_IN + indent_in, self.y + line_h * 0.7, line, fontsize=size, color=color)
            self.y += line_h
        self.y += 0.06

    def bullets(self, items: Sequence[str], *, size: float = 9.0) -> None:
        line_h = size * 1.45 / 72
        chars = max(20, int((CONTENT_W_IN - 0.25) / (size * 0.52 / 72)))
        for item in items:
            lines = textwrap.wrap(item, chars) or [""]
            self.ensure(line_h * min(len(lines), 3))
            self.text(MARGIN_IN + 0.05, self.y + line_h * 0.7, "•", fontsize=size, color=NAVY)
            for line in lines:
                self.ensure(line_h)
                self.text(MARGIN_IN + 0.25, self.y + line_h * 0.7, line, fontsize=size, color="#222222")
                self.y += line_h
            self.y += 0.03
        self.y += 0.06

    def table(
        self,
        columns: Sequence[Col],
        rows: Sequence[Sequence[str]],
        *,
        total: Sequence[str] | None = None,
        size: float = 8.5,
        row_h: float = 0.23,
        width_in: float = CONTENT_W_IN,
    ) -> None:
        """A table with a shaded header row (repeated on each page) and zebra rows."""
        weights = sum(c.width for c in columns)
        widths = [width_in * c.width / weights for c in columns]
        pad = 0.07

        def cell_text(s: str, w_in: float, bold: bool = False) -> str:
            max_chars = max(3, int((w_in - 2 * pad) / (size * (0.58 if bold else 0.54) / 72)))
            return s if len(s) <= max_chars else s[: max_chars - 1] + "…"

        def draw_row(
            values: Sequence[str], *, header: bool = False, shade: str | None = None, bold: bool = False
        ) -> None:
            if shade:
                self.rect(MARGIN_IN, self.y, width_in, row_h, shade)
            x = MARGIN_IN
            for col, w, v in zip(columns, widths, values, strict=False):
                right = col.align == "right"
                self.text(
                    x + (w - pad if right else pad),
                    self.y + row_h * 0.68,
                    str(v) if header else cell_text(str(v), w, bold),
                    fontsize=size - 0.5 if header else size,
                    ha="right" if right else "left",
                    color="white" if header else "#1b1b1b",
                    weight="bold" if (header or bold) else "normal",
                )
                x += w
            self.y += row_h

        def header() -> None:
            draw_row([c.title for c in columns], header=True, shade=NAVY)

        self.ensure(row_h * (2 + min(len(rows), 2)))
        header()
        for i, row in enumerate(rows):
            if self.ensure(row_h):
                header()
            draw_row(row, shade=LIGHT if i % 2 else None)
        if total is not None:
            if self.ensure(row_h):
                header()
            self.rule(self.y, color=NAVY, lw=0.8, width_in=width_in)
            draw_row(total, bold=True)
        self.rule(self.y, color=RULE, width_in=width_in)
        self.y += 0.18

    def kv_table(self, rows: Sequence[tuple[str, str]], *, width_in: float = CONTENT_W_IN * 0.72) -> None:
        self.table([Col("Item", 2.2, "left"), Col("Value", 1.4)], rows, width_in=width_in)

    # finish
    def footers(self) -> None:
        n = len(self.pages)
        stamp = self.doc.created_at_utc.strftime("%Y-%m-%d %H:%M UTC")
        for i, fig in enumerate(self.pages, start=1):
            y = self.fy(PAGE_H_IN - 0.42)
            fig.add_artist(
                Line2D(
                    [self.fx(MARGIN_IN), self.fx(PAGE_W_IN - MARGIN_IN)],
                    [self.fy(PAGE_H_IN - 0.6)] * 2,
                    color=RULE,
                    lw=0.5,
                    transform=fig.transFigure,
                )
            )
            fig.text(
                self.fx(MARGIN_IN),
                y,
                f"Site Layouts {app.__version__} · generated {stamp} · preliminary, not for construction",
                fontsize=7.5,
                color=GREY,
            )
            fig.text(
                self.fx(PAGE_W_IN - MARGIN_IN), y, f"Page {i} of {n}", fontsize=7.5, color=GREY, ha="right"
            )


# -- map ------------------------------------------------------------------------------------------


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
    assets = [(i, to(i.geometry)) for i in doc.assets]
    contours = doc.contours_utm()
    entry = to(doc.entry_point) if doc.entry_point is not None else None

    geoms: list[BaseGeometry] = [
        *boundary,
        *(g for _, g in exclusions),
        *(g for _, g in roads),
        *(g for _, g in assets),
    ]
    if entry is not None:
        geoms.append(entry)
    if not geoms:
        ax.text(0.5, 0.5, "No geometry to draw", ha="center", va="center", transform=ax.transAxes, color=GREY)
        return
    minx, miny, maxx, maxy = unary_union(geoms).bounds
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
    pt_per_m = box_w_in * 72 / w

    for g in boundary:
        for poly in _polygons(g):
            ax.add_patch(PathPatch(_poly_path(poly), facecolor="#f6f5ef", edgecolor="none", zorder=1))
    if contours:
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
    for road_class in sorted({i.road_class for i, _ in roads}, key=_road_order):
        segs3 = []
        widths = []
        for item, g in roads:
            if item.road_class != road_class:
                continue
            for ln in _lines(g):
                segs3.append([(x, y) for x, y, *_ in ln.coords])
                widths.append(max(0.8, (item.value("width_m") or 4.0) * pt_per_m))
        ax.add_collection(
            LineCollection(segs3, colors=ROAD_COLOR, linewidths=widths, capstyle="round", zorder=4)
        )
    for asset_type in doc.asset_types:
        verts = [
            [(x, y) for x, y, *_ in poly.exterior.coords]
            for item, g in assets
            if item.asset_type == asset_type
            for poly in _polygons(g)
        ]
        color = asset_color(asset_type)
        ax.add_collection(
            PolyCollection(verts, facecolors=color, edgecolors=color, linewidths=0.4, alpha=0.85, zorder=5)
        )
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


def _legend(fig: Figure, doc: ExportDocument, y_frac: float) -> None:
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
    counts = doc.metrics.get("counts_by_type") or {}
    for asset_type in doc.asset_types:
        n = counts.get(asset_type) or sum(1 for a in doc.assets if a.asset_type == asset_type)
        handles.append(
            Patch(facecolor=asset_color(asset_type), edgecolor="none", label=f"{label(asset_type)} ({n})")
        )
    if doc.roads:
        handles.append(Line2D([], [], color=ROAD_COLOR, lw=3, label="Road (to scale)"))
    if doc.contours:
        handles.append(Line2D([], [], color=CONTOUR_COLOR, lw=0.8, label="Contour [m]"))
    if doc.entry_point is not None:
        handles.append(Line2D([], [], color=ENTRY_COLOR, marker="^", linestyle="none", label="Site entry"))
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, y_frac),
        ncol=min(4, len(handles)),
        frameon=False,
        fontsize=7.5,
        handlelength=1.6,
        columnspacing=1.4,
    )


# -- pages ----------------------------------------------------------------------------------------


def _site_area_ha(doc: ExportDocument) -> float | None:
    return doc.to_utm(doc.boundary).area / 10_000.0 if doc.boundary is not None else None


def _first_page(r: _Report) -> None:
    doc = r.doc
    m = doc.metric
    r.rect(0, 0, PAGE_W_IN, 1.05, NAVY)
    r.text(MARGIN_IN, 0.55, "Site layout report", fontsize=20, color="white", weight="bold")
    r.text(MARGIN_IN, 0.82, "Preliminary layout · due-diligence summary", fontsize=10, color="#c8d3e1")
    r.text(
        PAGE_W_IN - MARGIN_IN,
        0.55,
        f"Site Layouts {app.__version__}",
        fontsize=9,
        color="#c8d3e1",
        ha="right",
    )
    r.text(
        PAGE_W_IN - MARGIN_IN,
        0.82,
        doc.created_at_utc.strftime("%d %B %Y"),
        fontsize=9,
        color="#c8d3e1",
        ha="right",
    )

    y = 1.45
    for line in textwrap.wrap(doc.display_name, 60)[:2]:
        r.text(MARGIN_IN, y, line, fontsize=16, color="#111111", weight="bold")
        y += 0.3
    r.text(MARGIN_IN, y, f"Layout {doc.layout_id}", fontsize=8.5, color=GREY)
    r.text(MARGIN_IN, y + 0.18, f"Coordinates: {doc.crs_name} · map grid north up", fontsize=8.5, color=GREY)
    y += 0.4

    capacity = m("total_capacity_kw")
    target = m("target_capacity_kw")
    cut, fill = m("cut_volume_m3"), m("fill_volume_m3")
    cards = [
        ("Capacity", _fmt(capacity / 1000 if capacity is not None else None, 2, "MW")),
        ("of target", f"{100 * capacity / target:.0f} %" if capacity is not None and target else "–"),
        ("Storage", _fmt((m("storage_kwh") or 0) / 1000, 1, "MWh")),
        ("Assets", _fmt(m("asset_count"), 0)),
        ("Roads", _fmt((m("road_length_m") or 0) / 1000, 2, "km")),
        ("Net earthwork", _fmt((cut or 0) - (fill or 0), 0, "m³")),
    ]
    gap = 0.1
    card_w = (CONTENT_W_IN - gap * (len(cards) - 1)) / len(cards)
    for k, (name, value) in enumerate(cards):
        x = MARGIN_IN + k * (card_w + gap)
        r.rect(x, y, card_w, 0.68, LIGHT)
        r.rect(x, y, 0.04, 0.68, NAVY)
        r.text(x + 0.14, y + 0.33, value, fontsize=12, weight="bold", color=NAVY)
        r.text(x + 0.14, y + 0.55, name, fontsize=7.5, color=GREY)
    y += 0.68 + 0.2

    map_top, map_bottom = y, PAGE_H_IN - 1.55
    rect = (
        MARGIN_IN / PAGE_W_IN,
        1 - map_bottom / PAGE_H_IN,
        CONTENT_W_IN / PAGE_W_IN,
        (map_bottom - map_top) / PAGE_H_IN,
    )
    _draw_map(r.fig, doc, rect)
    _legend(r.fig, doc, 1 - (map_bottom + 0.08) / PAGE_H_IN)
    r.text(
        MARGIN_IN,
        PAGE_H_IN - 0.75,
        "Figure 1 — Layout plan. Roads are drawn at their design width; exclusion buffers dashed.",
        fontsize=7.5,
        color=GREY,
    )


def _asset_summary_rows(doc: ExportDocument) -> tuple[list[list[str]], list[str]]:
    rows: list[list[str]] = []
    for asset_type in doc.asset_types:
        items = [a for a in doc.assets if a.asset_type == asset_type]
        slopes = [s for s in (a.value("slope_deg") for a in items) if s is not None]
        rows.append(
            [
                label(asset_type),
                f"{len(items):,}",
                _fmt(sum(a.value("capacity_kw") or 0 for a in items), 0),
                _fmt(sum(a.value("storage_kwh") or 0 for a in items), 0),
                _fmt(sum(slopes) / len(slopes), 1) if slopes else "–",
                _fmt(max(slopes), 1) if slopes else "–",
                _fmt(sum(a.value("cut_m3") or 0 for a in items), 0),
                _fmt(sum(a.value("fill_m3") or 0 for a in items), 0),
            ]
        )
    total = [
        "Total",
        f"{len(doc.assets):,}",
        _fmt(sum(a.value("capacity_kw") or 0 for a in doc.assets), 0),
        _fmt(sum(a.value("storage_kwh") or 0 for a in doc.assets), 0),
        "",
        "",
        _fmt(sum(a.value("cut_m3") or 0 for a in doc.assets), 0),
        _fmt(sum(a.value("fill_m3") or 0 for a in doc.assets), 0),
    ]
    return rows, total


def _road_rows(doc: ExportDocument) -> tuple[list[list[str]], list[str]]:
    rows: list[list[str]] = []
    for road_class in sorted({r.road_class for r in doc.roads}, key=_road_order):
        items = [r for r in doc.roads if r.road_class == road_class]
        widths = sorted({w for w in (r.value("width_m") for r in items) if w is not None})
        grades = [g for g in (r.value("max_grade_pct") for r in items) if g is not None]
        rows.append(
            [
                label(road_class),
                f"{len(items):,}",
                _fmt(sum(r.value("length_m") or 0 for r in items), 0),
                "/".join(_fmt(w, 1) for w in widths) or "–",
                _fmt(max(grades), 1) if grades else "–",
                _fmt(sum(r.value("cut_m3") or 0 for r in items), 0),
                _fmt(sum(r.value("fill_m3") or 0 for r in items), 0),
            ]
        )
    grades = [g for g in (r.value("max_grade_pct") for r in doc.roads) if g is not None]
    total = [
        "Total",
        f"{len(doc.roads):,}",
        _fmt(sum(r.value("length_m") or 0 for r in doc.roads), 0),
        "",
        _fmt(max(grades), 1) if grades else "–",
        _fmt(sum(r.value("cut_m3") or 0 for r in doc.roads), 0),
        _fmt(sum(r.value("fill_m3") or 0 for r in doc.roads), 0),
    ]
    return rows, total


def _sections(r: _Report) -> None:
    doc = r.doc
    m = doc.metric
    r.new_page()

    # 1 Capacity
    r.heading("1  Capacity summary")
    capacity, target = m("total_capacity_kw"), m("target_capacity_kw")
    site_ha = _site_area_ha(doc)
    excl_ha = sum(doc.to_utm(e.geometry).area for e in doc.exclusions) / 10_000.0
    r.kv_table(
        [
            ("Target generating capacity", _fmt(target, 0, "kW")),
            ("Placed generating capacity", _fmt(capacity, 0, "kW")),
            (
                "Share of target",
                f"{100 * capacity / target:.1f} %" if capacity is not None and target else "–",
            ),
            ("Energy storage", _fmt(m("storage_kwh"), 0, "kWh")),
            ("Site area", _fmt(site_ha, 2, "ha")),
            ("Exclusion zones", f"{len(doc.exclusions)} ({excl_ha:,.2f} ha)"),
            ("Buildable area", _fmt(m("buildable_area_ha"), 2, "ha")),
            ("Capacity density", _fmt(m("capacity_density_kw_per_ha"), 1, "kW/ha")),
        ]
    )

    # 2 Assets
    r.heading("2  Assets by type")
    rows, total = _asset_summary_rows(doc)
    if rows:
        r.table(
            [
                Col("Asset type", 1.5, "left"),
                Col("Count", 0.6),
                Col("Capacity [kW]", 1.15),
                Col("Storage [kWh]", 1.2),
                Col("Mean slope [°]", 1.2),
                Col("Max slope [°]", 1.1),
                Col("Cut [m³]", 0.95),
                Col("Fill [m³]", 0.95),
            ],
            rows,
            total=total,
        )
    else:
        r.paragraph("No assets were placed in this layout.")

    # 3 Roads
    r.heading("3  Roads")
    rows, total = _road_rows(doc)
    if rows:
        r.table(
            [
                Col("Road class", 1.6, "left"),
                Col("Segments", 0.9),
                Col("Length [m]", 1.1),
                Col("Width [m]", 1.0),
                Col("Max grade [%]", 1.1),
                Col("Cut [m³]", 1.0),
                Col("Fill [m³]", 1.0),
            ],
            rows,
            total=total,
        )
    else:
        r.paragraph("No roads were laid out.")

    # 4 Earthwork
    r.heading("4  Earthwork")
    a_cut = sum(a.value("cut_m3") or 0 for a in doc.assets)
    a_fill = sum(a.value("fill_m3") or 0 for a in doc.assets)
    rd_cut = sum(x.value("cut_m3") or 0 for x in doc.roads)
    rd_fill = sum(x.value("fill_m3") or 0 for x in doc.roads)
    cut = m("cut_volume_m3") if m("cut_volume_m3") is not None else a_cut + rd_cut
    fill = m("fill_volume_m3") if m("fill_volume_m3") is not None else a_fill + rd_fill
    r.table(
        [
            Col("Element", 1.8, "left"),
            Col("Cut [m³]", 1.0),
            Col("Fill [m³]", 1.0),
            Col("Net, cut − fill [m³]", 1.4),
        ],
        [
            ["Asset pads", _fmt(a_cut), _fmt(a_fill), _fmt(a_cut - a_fill)],
            ["Roads", _fmt(rd_cut), _fmt(rd_fill), _fmt(rd_cut - rd_fill)],
        ],
        total=["Total", _fmt(cut), _fmt(fill), _fmt((cut or 0) - (fill or 0))],
        width_in=CONTENT_W_IN * 0.8,
    )
    r.paragraph(
        "A positive net volume is surplus material to be spread or removed; a negative one must be imported. "
        "Volumes are bulk (unswelled) estimates from the terrain model.",
        size=8,
        color=GREY,
    )

    # 5 Terrain
    r.heading("5  Terrain summary")
    if doc.terrain_summary:
        terrain_kv, classes = terrain_rows(doc.terrain_summary)
        r.kv_table(terrain_kv)
        if classes:
            r.table(
                [Col("Slope class [°]", 1.4, "left"), Col("Area [ha]", 1.0), Col("Share of site", 1.0)],
                classes,
                width_in=CONTENT_W_IN * 0.6,
            )
    else:
        r.paragraph(
            "No terrain summary is available for this layout (terrain not analysed or flat ground assumed)."
        )

    # 6 Warnings
    r.heading("6  Warnings")
    if doc.warnings:
        r.bullets(doc.warnings)
    else:
        r.paragraph("None. The engine raised no warnings for this layout.")

    # 7 Parameters
    r.heading("7  Parameters used")
    params = list(_flatten(doc.params))
    if params:
        r.kv_table([(key_label(k), _value_text(v)) for k, v in params])
    else:
        r.paragraph("No parameters were recorded.")

    # 8 Notes
    r.heading("8  Notes")
    r.paragraph(
        "This report describes a preliminary, computer-generated layout for early-stage due diligence. "
        "Capacities, road lengths and earthwork volumes are estimates from a digital elevation model and "
        "simplified pad and road geometry; they do not replace survey, geotechnical investigation or "
        f"detailed engineering design. Quantities were computed in {doc.crs_name}; geometry is exchanged "
        "in WGS 84 (EPSG:4326) in the GeoJSON, KMZ and CSV exports and in UTM metres in the DXF export.",
        size=8.5,
    )
    r.paragraph(
        f"Layout {doc.layout_id} · generated {doc.created_at_utc.strftime('%Y-%m-%d %H:%M UTC')} · "
        f"Site Layouts {app.__version__}",
        size=8,
        color=GREY,
    )

    # Appendix: asset schedule
    if doc.assets:
        r.new_page()
        r.heading("Appendix A  Asset schedule")
        shown = doc.assets[:MAX_SCHEDULE_ROWS]
        r.table(
            [
                Col("#", 0.5),
                Col("Type", 1.3, "left"),
                Col("Lat [°]", 1.1),
                Col("Lon [°]", 1.2),
                Col("kW", 0.9),
                Col("kWh", 0.9),
                Col("Ground [m]", 0.95),
                Col("Slope [°]", 0.8),
                Col("Pad [m]", 0.9),
                Col("Cut [m³]", 0.85),
                Col("Fill [m³]", 0.85),
            ],
            [_schedule_row(n, a) for n, a in enumerate(shown, start=1)],
            size=7.5,
            row_h=0.2,
        )
        if len(doc.assets) > len(shown):
            r.paragraph(
                f"First {len(shown):,} of {len(doc.assets):,} assets shown; "
                "the CSV export lists every asset.",
                size=8,
                color=GREY,
            )


def _share(value: Any) -> str:
    v = num(value)
    return "–" if v is None else f"{100 * v:.1f} %"


def terrain_rows(summary: dict[str, Any]) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """Key/value rows and slope-class rows for a terrain summary.

    Understands `app.engine.terrain.TerrainSummary.to_dict()` (shares 0-1 shown as %, slope
    classes as a table, per-limit and per-asset buildable shares as rows); any other key is shown
    with its unit taken from its suffix.
    """
    rows: list[tuple[str, str]] = []
    classes: list[list[str]] = []
    for key, value in summary.items():
        if key == "slope_classes" and isinstance(value, list):
            for c in value:
                if isinstance(c, dict):
                    lo, hi = num(c.get("lower_deg")), num(c.get("upper_deg"))
                    name = c.get("label") or (f"{lo:g}-{hi:g}" if lo is not None and hi is not None else "?")
                    classes.append([str(name), _fmt(c.get("area_ha"), 2), _share(c.get("share"))])
        elif key == "buildable_share_by_limit" and isinstance(value, dict):
            rows += [(f"Buildable share, slope ≤ {k}°", _share(v)) for k, v in value.items()]
        elif key == "buildable_share_by_asset" and isinstance(value, dict):
            rows += [(f"Buildable share for {label(str(k))}", _share(v)) for k, v in value.items()]
        elif isinstance(value, dict):
            rows += [(f"{key_label(key)} › {k}", _value_text(v)) for k, v in value.items()]
        elif key.endswith("_share") or key.endswith("_fraction"):
            rows.append((key_label(key), _share(value)))
        elif key == "crs":
            rows.append(("Terrain CRS", str(value)))
        else:
            rows.append((key_label(key), _value_text(value)))
    return rows, classes


def _schedule_row(n: int, a: Item) -> list[str]:
    c = a.geometry.centroid
    return [
        str(n),
        label(a.asset_type),
        f"{c.y:.6f}",
        f"{c.x:.6f}",
        _fmt(a.value("capacity_kw"), 0),
        _fmt(a.value("storage_kwh"), 0),
        _fmt(a.value("elevation_m"), 1),
        _fmt(a.value("slope_deg"), 1),
        _fmt(a.value("pad_elevation_m"), 1),
        _fmt(a.value("cut_m3"), 0),
        _fmt(a.value("fill_m3"), 0),
    ]


def _font_families() -> list[str]:
    """DejaVu Sans, plus an installed CJK font as fallback for site names in those scripts."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(f for f in CJK_FALLBACK_FONTS if f in installed)]


def write_pdf(doc: ExportDocument) -> bytes:
    """The layout's due-diligence report as PDF bytes (see the module docstring)."""
    buf = io.BytesIO()
    with (
        matplotlib.rc_context(
            {
                "pdf.fonttype": FONTTYPE,
                "font.family": "sans-serif",
                "font.sans-serif": _font_families(),
                "hatch.linewidth": 0.6,
                "hatch.color": EXCLUSION_COLOR,
                "pdf.compression": 6,
            }
        ),
        warnings.catch_warnings(),
    ):
        # Glyphs missing from every installed font render as boxes; that must not fail an export.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        report = _Report(doc)
        _first_page(report)
        _sections(report)
        report.footers()
        metadata = {
            "Title": f"Site layout report — {doc.display_name}",
            "Author": f"Site Layouts {app.__version__}",
            "Subject": f"Layout {doc.layout_id}",
            "Creator": f"Site Layouts {app.__version__}",
            "CreationDate": doc.created_at_utc,
        }
        with PdfPages(buf, metadata=metadata) as pdf:
            for fig in report.pages:
                pdf.savefig(fig)
    return buf.getvalue()
