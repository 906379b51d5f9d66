"""The PDF reads cleanly (issue 26): text positions are read back from the PDF (pypdf) and every
text's box is measured independently with the font the PDF names (FreeType, DejaVu Sans), so an
overprint ("20.00 MWac100 %") or a caption under a legend is found where it is on the page."""

from __future__ import annotations

import copy
import dataclasses
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pypdf
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font, Kerning, LoadFlags
from shapely.geometry import box

from app.exports.document import ExportDocument
from app.exports.pdf import write_pdf


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float  # PDF points, y up


@cache
def _font(bold: bool) -> FT2Font:
    path = font_manager.findfont(
        font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    )
    return FT2Font(path)


def _width_pt(text: str, size: float, bold: bool) -> float:
    """The advance width [pt] of `text` at `size` [pt]: the font's unhinted advances plus its
    kerning, as a PDF viewer sets the glyphs."""
    font = _font(bold)
    font.set_size(size, 72)
    width, prev = 0.0, None
    for ch in text:
        glyph = font.load_char(ord(ch), flags=LoadFlags.NO_HINTING)
        idx = font.get_char_index(ord(ch))
        if prev is not None:
            width += font.get_kerning(prev, idx, Kerning.UNFITTED) / 64.0
        width += glyph.linearHoriAdvance / 65536.0
        prev = idx
    return width


# Glyphs pypdf decodes to several letters (the font's ligatures): measured as the one glyph drawn.
LIGATURES = {"fi": "\ufb01", "fl": "\ufb02", "ff": "\ufb00", "ffi": "\ufb03", "ffl": "\ufb04"}


def _as_drawn(s: str) -> str:
    """`s` as its glyphs were drawn: a lone ligature fragment as its glyph, and without the space
    pypdf reads into a kerned capital ("T emperature")."""
    if s in LIGATURES:
        return LIGATURES[s]
    return re.sub(r"\b([A-Z]) (?=[a-z])", r"\1", s)


def text_boxes(page: Any) -> list[Box]:
    """Every horizontal text shown on the page with its box: from its baseline origin, the width
    of its glyphs at its size, 0.22 em below the baseline to 0.76 em above (DejaVu's descent and
    cap height)."""
    out: list[Box] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        s = text.strip("\n")
        if not s.strip() or not font:
            return
        m, n = tm, cm  # text space → user space: tm × cm
        a, b, c, _d, e, f = (
            m[0] * n[0] + m[1] * n[2],
            m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2],
            m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4],
            m[4] * n[1] + m[5] * n[3] + n[5],
        )
        if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0:
            return  # rotated text (axis titles) is not checked here
        fs = size * a
        bold = "Bold" in str(font.get("/BaseFont", ""))
        lead = len(s) - len(s.lstrip())
        x = e + (_width_pt(s[:lead], fs, bold) if lead else 0.0)
        w = _width_pt(_as_drawn(s.strip()), fs, bold)
        out.append(Box(s.strip(), x, f - 0.22 * fs, x + w, f + 0.76 * fs))

    page.extract_text(visitor_text=visit)
    return out


def overlaps(boxes: list[Box], tol: float = 0.6) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes intersect by more than `tol` points vertically and, horizontally,
    by more than `tol` or 2 % of their widths (the measure's error on long strings: kerning, and
    the spaces pypdf infers)."""
    bad = []
    # pypdf reports a ligature fragment ("fi" of "fill") at an inexact offset: not judged.
    boxes = [b for b in boxes if b.text not in LIGATURES]
    for i, p in enumerate(boxes):
        for q in boxes[i + 1 :]:
            dx = min(p.x1, q.x1) - max(p.x0, q.x0)
            dy = min(p.y1, q.y1) - max(p.y0, q.y0)
            if dx > max(tol, 0.02 * (p.x1 - p.x0 + q.x1 - q.x0)) and dy > tol:
                bad.append((p.text, q.text))
    return bad


def _reader(doc: ExportDocument) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(write_pdf(doc)))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def tracker_doc() -> ExportDocument:
    """A ≈ 10 MWac single-axis tracker plant with its electrical design, a terrain summary and a
    terrain grid coarser source (≈ 93 m, like the demo DEM)."""
    from app.dem.base import grid_spec_for
    from app.dem.flat import FlatSource
    from app.engine.core.types import LayoutParams, SiteInput
    from app.engine.layout import generate_layout
    from app.exports.build import document_from_result

    site = SiteInput(boundary=box(-99.50, 31.00, -99.492, 31.007))
    params = LayoutParams(
        target_capacity_kw=10_000,
        use_terrain=True,
        dem_resolution_m=30,
        pv={"structure": "tracker", "gcr": 0.35},
    )
    grid = FlatSource().fetch(grid_spec_for(site.boundary, 30))
    result = generate_layout(site, grid, params)
    result.metrics.update(
        dem_source="file",
        dem_resolution_m=30,
        dem_native_resolution_m=92.6,
        dem_resolution_label="30 m grid resampled from ≈ 93 m source (file)",
    )
    return document_from_result(
        site=site,
        result=result,
        params=params,
        grid=grid,
        grid_source="file",
        site_name="Mesquite Flats Solar 10 MW",
        layout_id="f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b",
        created_at=datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
    )


@pytest.fixture(scope="module")
def tracker_pdf(tracker_doc: ExportDocument) -> pypdf.PdfReader:
    return _reader(tracker_doc)


def test_the_box_measure_finds_an_overprint() -> None:
    # The measure itself: two texts set 10 pt apart at 12 pt overlap, 200 pt apart do not.
    w = _width_pt("20.00 MWac", 12, True)
    assert 60 < w < 90
    a = Box("20.00 MWac", 0, 0, w, 12)
    assert overlaps([a, Box("100 %", w - 10, 0, w + 20, 12)]) == [("20.00 MWac", "100 %")]
    assert overlaps([a, Box("100 %", 200, 0, 230, 12)]) == []


def test_page_one_has_no_overlapping_text(tracker_pdf: pypdf.PdfReader) -> None:
    boxes = text_boxes(tracker_pdf.pages[0])
    texts = [b.text for b in boxes]
    assert any("MWac" in t for t in texts) and any("MWp" in t for t in texts)
    assert any(t.startswith("Figure 1") for t in texts)
    assert overlaps(boxes) == []
    assert not [t for t in texts if t.endswith("…")], "a page-1 text was cut"


def test_key_figures_fit_their_cards(tracker_pdf: pypdf.PdfReader) -> None:
    boxes = text_boxes(tracker_pdf.pages[0])
    by = {b.text: b for b in boxes}
    capacity = next(b for t, b in by.items() if t.endswith("MWac"))
    share = (
        by["100 %"]
        if "100 %" in by
        else next(b for t, b in by.items() if t.endswith("%") and b.y0 == capacity.y0)
    )
    label = by["Capacity"]
    # The value ends before the next card's text starts (cards are 0.1 in apart).
    assert capacity.x1 < share.x0 - 0.1 * 72 * 0.5
    assert label.x0 == pytest.approx(capacity.x0, abs=0.5)


def test_caption_clears_the_legend(tracker_doc: ExportDocument) -> None:
    # A legend of five rows: the plant's tables spread over 12 inverter blocks (8 listed, then
    # "4 more blocks"), beside the boundary, equipment, roads, fence and MV cables.
    fc = copy.deepcopy(tracker_doc.feature_collection)
    tables = [f for f in fc["features"] if f["properties"].get("asset_type") in ("tracker", "pv_table")]
    for i, f in enumerate(tables):
        f["properties"]["block"] = i % 12 + 1
    doc = dataclasses.replace(tracker_doc, feature_collection=fc)
    boxes = text_boxes(_reader(doc).pages[0])
    caption = next(b for b in boxes if b.text.startswith("Figure 1"))
    legend = [
        b
        for b in boxes
        if re.match(r"(Site boundary|Block \d|\d+ more blocks|Power station|Road|Fence|MV cable)", b.text)
    ]
    assert len({round(b.y0) for b in legend}) >= 5, "a legend of five rows"
    assert min(b.y0 for b in legend) > caption.y1 + 2  # the whole legend sits above the caption


def test_tables_have_no_overlapping_or_cut_cells(tracker_pdf: pypdf.PdfReader) -> None:
    for n, page in enumerate(tracker_pdf.pages[1:], start=2):
        boxes = text_boxes(page)
        assert overlaps(boxes) == [], f"page {n}"
    text = _squash("".join(p.extract_text() for p in tracker_pdf.pages))
    # The terrain grid's label is whole, not "30 m grid resampled from ≈ 9…".
    assert _squash("30 m grid resampled from ≈ 93 m source (file)") in text


def test_trackers_are_called_trackers(tracker_doc: ExportDocument, tracker_pdf: pypdf.PdfReader) -> None:
    first = _squash(tracker_pdf.pages[0].extract_text())
    assert "Trackers" in first
    assert "PVtables" not in first
    assert f"({len(tracker_doc.blocks[1])}trackers)" in first  # the legend's blocks
    everything = _squash("".join(p.extract_text() for p in tracker_pdf.pages))
    assert "PVtables" not in everything


def test_only_the_profiles_asset_types_are_listed(tracker_pdf: pypdf.PdfReader) -> None:
    text = _squash("".join(p.extract_text() for p in tracker_pdf.pages))
    assert "BuildableshareforPVblock" in text
    for other in ("Windturbine", "Gasturbine", "Batterycontainer", "Coolingunit"):
        assert f"Buildablesharefor{other}" not in text, other


def test_power_stations_carry_their_kva(tracker_doc: ExportDocument, tracker_pdf: pypdf.PdfReader) -> None:
    stations = [a for a in tracker_doc.assets if a.asset_type == "power_station"]
    assert stations
    pf = float(tracker_doc.section("electrical")["params"]["power_factor"])
    total_kva = sum(float(a.properties["ac_kw"]) for a in stations) / pf
    text = _squash("".join(p.extract_text() for p in tracker_pdf.pages))
    assert f"Powerstation{len(stations)}{total_kva:,.0f}kVA" in text
    first = _squash(tracker_pdf.pages[0].extract_text())
    assert re.search(r"Powerstation\(\d+,[\d,]+(–[\d,]+)?kVA\)", first)  # one rating or a range
