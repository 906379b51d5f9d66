"""The PDF at plant scale (issue 24 item 3): long tables set as fixed-width row lines, blocks of the
same make-up grouped in 1a, and Appendix A summing the power stations per rating — with the CSV named
for the full lists. Forced here on a small document by lowering the row threshold."""

from __future__ import annotations

import io
import re
from collections import Counter

import pypdf
import pytest

import app.exports.pdf as pdf
import app.exports.pdf_page as pdf_page
from app.exports.pdf import _grouped_blocks, _ranges, write_pdf
from app.exports.pdf_page import Col, _Report
from tests.exports.conftest import make_pv_document


def _text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_ranges_and_groups() -> None:
    assert _ranges(["1", "2", "3", "5", "7", "8", "–"]) == "1–3, 5, 7–8, –"
    assert _ranges([]) == ""
    rows = [["1", "10", "280", "5.0", "80"], ["2", "10", "280", "5.0", "80"], ["3", "9", "252", "4.5", "72"]]
    rows.append(["4", "10", "280", "5.0", "80"])
    assert _grouped_blocks(rows) == [
        ["1–2, 4", "3", "10", "280", "5.0", "80"],
        ["3", "1", "9", "252", "4.5", "72"],
    ]
    # The largest group with a long list is "all other blocks"; the others stay named.
    many = [[str(b), "10", "280", "5.0", "80"] for b in range(1, 200, 2)] + [["2", "9", "1", "1", "1"]]
    grouped = _grouped_blocks(many)
    assert grouped[0][:2] == ["all other blocks", "100"] and grouped[1][:2] == ["2", "1"]


@pytest.fixture
def dense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "DENSE_TABLE_ROWS", 2)
    monkeypatch.setattr(pdf_page, "DENSE_TABLE_ROWS", 2)


def test_dense_table_rows_are_one_line_each_in_column_order(dense: None) -> None:
    doc = make_pv_document()
    r = _Report(doc)
    rows = [[str(i), f"name {i}", f"{i * 1000:,}"] for i in range(1, 8)]
    before = len(r.fig.texts)
    r.table(
        [Col("#", 0.5), Col("Name", 2.0, "left"), Col("Value [kW]", 1.0)], rows, total=["", "Total", "28,000"]
    )
    drawn = [t.get_text() for t in r.fig.texts[before:]]
    # Header, seven rows, total: one text each, columns in order with their values whole.
    assert len(drawn) == 1 + len(rows) + 1
    assert re.split(r"\s{2,}|\s(?=\S)", drawn[0].strip())[0] == "#"
    for line, row in zip(drawn[1:-1], rows, strict=True):
        assert line.split() == [row[0], *row[1].split(), row[2]]
    # Right-aligned numbers end in the same column.
    ends = {len(line.rstrip()) for line in drawn[1:]}
    assert len(ends) == 1
    assert drawn[-1].split() == ["Total", "28,000"]
    assert all(t.get_fontfamily() == [pdf_page.MONO_FAMILY] for t in r.fig.texts[before:])


def test_blocks_grouped_and_stations_summed_with_the_csv_named(dense: None) -> None:
    doc = make_pv_document()
    text = _text(write_pdf(doc))
    flat = re.sub(r"\s+", " ", text)
    blocks = doc.blocks
    # Every block is in exactly one row of the grouped table, and the counts add up.
    assert "Blocks with the same make-up share a row" in flat
    assert f"({len(blocks):,} blocks in" in flat
    assert "tables.csv" in flat
    # Appendix A: stations summed per rating; the other equipment listed one by one.
    stations = [a for a in doc.equipment if a.asset_type == "power_station"]
    assert f"the {len(stations)} power stations, one per inverter block, are summed per rating" in flat
    assert "assets.csv" in flat
    ratings = Counter(round(a.value("capacity_kw") or 0) for a in stations)
    assert len(ratings) >= 1
    others = [a for a in doc.equipment if a.asset_type != "power_station"]
    for a in others:
        assert pdf_page.label(a.asset_type) in flat
