"""The PDF report's page machinery: page geometry, number formatting, and `_Report`, which flows
headings, paragraphs and tables over US Letter pages (matplotlib figures, inches from the top).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
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
