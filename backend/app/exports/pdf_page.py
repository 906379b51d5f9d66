"""The PDF report's page machinery: page geometry, number formatting, and `_Report`, which flows
headings, paragraphs and tables over US Letter pages (matplotlib figures, inches from the top).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from matplotlib import rcParams
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

import app
from app.exports.document import ExportDocument, num
from app.exports.palette import label

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
# A table longer than this is set as fixed-width lines, one text per row (see `_Report.table`).
DENSE_TABLE_ROWS = 60
MONO_FAMILY = "DejaVu Sans Mono"  # ships with matplotlib
MONO_ADVANCE_EM = 0.602  # DejaVu Sans Mono's advance width [em], every glyph
CJK_FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")


@lru_cache(maxsize=1)
def _renderer() -> RendererAgg:
    # 72 dpi: the renderer's pixels are points.
    return RendererAgg(8, 8, 72)  # type: ignore[no-untyped-call]


@lru_cache(maxsize=8192)
def _width_pt(s: str, size: float, bold: bool, families: tuple[str, ...]) -> float:
    prop = FontProperties(family=list(families), size=size, weight="bold" if bold else "normal")
    w, _h, _d = _renderer().get_text_width_height_descent(s, prop, ismath=False)  # type: ignore[no-untyped-call]
    return float(w)


def text_width_in(s: str, size: float, *, bold: bool = False) -> float:
    """The width [in] of `s` set at `size` [pt] in the report's font (the current rcParams'
    sans-serif families), as matplotlib will lay it out."""
    return _width_pt(s, size, bold, tuple(rcParams["font.sans-serif"])) / 72.0


def fit_size(s: str, max_w_in: float, size: float, *, bold: bool = False, min_size: float = 6.0) -> float:
    """The largest font size [pt] ≤ `size`, in 0.25 pt steps down to `min_size`, at which `s`
    fits in `max_w_in` inches (`min_size` when even that is too wide)."""
    while size > min_size and text_width_in(s, size, bold=bold) > max_w_in:
        size -= 0.25
    return max(size, min_size)


def fit_text(s: str, max_w_in: float, size: float, *, bold: bool = False) -> str:
    """`s`, cut with an ellipsis at the last character that fits `max_w_in` inches at `size` [pt]."""
    if text_width_in(s, size, bold=bold) <= max_w_in:
        return s
    lo, hi = 0, len(s)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width_in(s[:mid] + "…", size, bold=bold) <= max_w_in:
            lo = mid
        else:
            hi = mid - 1
    return s[:lo].rstrip() + "…"


def table_noun(doc: ExportDocument, *, plural: bool = True) -> str:
    """What the layout's PV structures are called: "trackers" when every one is a single-axis
    tracker, else "tables" (fixed-tilt tables, or a mix)."""
    tables = doc.tables
    tracker = bool(tables) and all(
        t.asset_type == "tracker" or t.properties.get("structure") == "tracker" for t in tables
    )
    if not tables and doc.typed_metrics.structure == "tracker":
        tracker = True
    word = "tracker" if tracker else "table"
    return f"{word}s" if plural else word


def station_kva(doc: ExportDocument, item: Any) -> float | None:
    """A power station's rating [kVA]: its AC power [kW] over the collection system's power factor
    (electrical params, 0.95 by default as in app.engine.electrical.params), None for other assets."""
    if getattr(item, "asset_type", None) != "power_station":
        return None
    ac = num(item.properties.get("ac_kw"))
    if ac is None:
        return None
    params = (doc.section("electrical") or {}).get("params") or {}
    pf = num(params.get("power_factor")) or 0.95
    return ac / pf


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

        def cell_fit(s: str, w_in: float, bold: bool, base: float) -> tuple[str, float]:
            # Shrink a long cell down to 80 % of the table's size before cutting it: a cut value
            # ("30 m grid resampled from ≈ 9…") is worse than a slightly smaller one.
            room = w_in - 2 * pad
            fitted = fit_size(s, room, base, bold=bold, min_size=max(5.5, base * 0.8))
            return fit_text(s, room, fitted, bold=bold), fitted

        def draw_row(
            values: Sequence[str], *, header: bool = False, shade: str | None = None, bold: bool = False
        ) -> None:
            if shade:
                self.rect(MARGIN_IN, self.y, width_in, row_h, shade)
            x = MARGIN_IN
            for col, w, v in zip(columns, widths, values, strict=False):
                right = col.align == "right"
                text, fs = cell_fit(str(v), w, header or bold, size - 0.5 if header else size)
                self.text(
                    x + (w - pad if right else pad),
                    self.y + row_h * 0.68,
                    text,
                    fontsize=fs,
                    ha="right" if right else "left",
                    color="white" if header else "#1b1b1b",
                    weight="bold" if (header or bold) else "normal",
                )
                x += w
            self.y += row_h

        def header() -> None:
            draw_row([c.title for c in columns], header=True, shade=NAVY)

        if len(rows) > DENSE_TABLE_ROWS:
            self._dense_table(columns, rows, total=total, size=size, row_h=row_h, width_in=width_in)
            return
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

    def _dense_table(
        self,
        columns: Sequence[Col],
        rows: Sequence[Sequence[str]],
        *,
        total: Sequence[str] | None,
        size: float,
        row_h: float,
        width_in: float,
    ) -> None:
        """`table` for many rows (a 1 GWac plant's 250 blocks, its asset schedule): each row is one
        text of fixed-width columns in DejaVu Sans Mono, not one text per cell. Matplotlib lays out
        and embeds every text artist on its own; 4,400 cell texts were most of a 1 GWac report's
        CPU time, 400 row texts are a tenth of that (docs/benchmarks.md). Same header, zebra rows,
        total row and page breaks as `table`; a cell too long for its column ends in "…"."""
        # Each column as wide as its longest text (+ a space), the size shrunk to fit the width,
        # down to 6 pt; below that the columns share the width by their weights and cut.
        widths = [
            1 + max([len(c.title), *(len(str(r[k])) for r in rows if k < len(r))])
            for k, c in enumerate(columns)
        ]
        fs = min(size, width_in * 72 / ((sum(widths) + 1) * MONO_ADVANCE_EM))
        if fs < 6.0:
            fs = 6.0
            chars = int(width_in * 72 / (fs * MONO_ADVANCE_EM)) - 1
            weights = sum(c.width for c in columns)
            widths = [max(2, int(chars * c.width / weights)) for c in columns]
        char_in = fs * MONO_ADVANCE_EM / 72

        def line(values: Sequence[str]) -> str:
            cells = []
            for col, w, v in zip(columns, widths, values, strict=False):
                text = str(v)
                if len(text) > w - 1:
                    text = text[: max(0, w - 2)] + "…"
                cells.append(text.rjust(w - 1) + " " if col.align == "right" else " " + text.ljust(w - 1))
            return "".join(cells).rstrip()

        def draw(
            values: Sequence[str], *, shade: str | None = None, header: bool = False, bold: bool = False
        ) -> None:
            if shade:
                self.rect(MARGIN_IN, self.y, width_in, row_h, shade)
            self.text(
                MARGIN_IN + char_in / 2,
                self.y + row_h * 0.68,
                line(values),
                fontsize=fs,
                family=MONO_FAMILY,
                color="white" if header else "#1b1b1b",
                weight="bold" if (header or bold) else "normal",
            )
            self.y += row_h

        def header() -> None:
            draw([c.title for c in columns], shade=NAVY, header=True)

        self.ensure(row_h * (2 + min(len(rows), 2)))
        header()
        for i, row in enumerate(rows):
            if self.ensure(row_h):
                header()
            draw(row, shade=LIGHT if i % 2 else None)
        if total is not None:
            if self.ensure(row_h):
                header()
            self.rule(self.y, color=NAVY, lw=0.8, width_in=width_in)
            draw(total, bold=True)
        self.rule(self.y, color=RULE, width_in=width_in)
        self.y += 0.18

    def kv_table(self, rows: Sequence[tuple[str, str]], *, width_in: float = CONTENT_W_IN * 0.72) -> None:
        """Item / value rows; the columns share the width in proportion to their longest text, and
        the table widens (up to the content width) rather than cut a value."""
        size, pad = 8.5, 0.07
        item_w = (
            max([text_width_in("Item", size, bold=True), *(text_width_in(k, size) for k, _ in rows)])
            + 2 * pad
        )
        value_w = (
            max([text_width_in("Value", size, bold=True), *(text_width_in(v, size) for _, v in rows)])
            + 2 * pad
        )
        width_in = min(CONTENT_W_IN, max(width_in, item_w + value_w + 0.3))
        # When both do not fit, the item keeps its width (up to 55 %) and the value takes the rest.
        if item_w + value_w > width_in:
            item_w = min(item_w, max(0.55 * width_in, width_in - value_w))
            value_w = width_in - item_w
        self.table([Col("Item", item_w, "left"), Col("Value", value_w)], rows, width_in=width_in)

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
