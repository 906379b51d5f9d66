"""The PDF report's constructability section: the figures of the layout's `constructability`
metrics group (app/engine/civil/constructability.py) and its problems, in words."""

from __future__ import annotations

from app.exports.pdf_page import _fmt, _Report

# (key, label, unit, decimals); shares are shown as percentages.
ROWS: tuple[tuple[str, str, str, int], ...] = (
    ("unreachable_asset_count", "Assets with no road from an entry", "", 0),
    ("dc_within_150m_of_road_share", "DC within 150 m of a road", "%", 1),
    ("max_table_to_road_m", "Farthest table from a road", "m", 0),
    ("blocks_contiguous_share", "Inverter blocks in one piece", "%", 1),
    ("max_string_run_m", "Longest string run", "m", 0),
    ("max_dc_feeder_m", "Longest DC / LV feeder", "m", 0),
    ("max_mv_feeder_m", "Longest MV feeder", "m", 0),
    ("noncompliant_road_m", "Road over its grade limit", "m", 0),
    ("cable_in_no_cross_zone_m", "Cable or trench in a zone it may not cross", "m", 0),
    ("cable_outside_parcel_m", "Cable or trench outside the parcel", "m", 0),
    ("crossing_count", "Zone crossings (roads, culverts)", "", 0),
    ("graded_road_m3", "Road earthwork (cut + fill)", "m³", 0),
)


def constructability_section(r: _Report, heading: str) -> None:
    """A short section: the figures, then the problems or a line saying there are none. Nothing
    for layouts made before the section existed."""
    typed = r.doc.typed_metrics.constructability
    if typed is None:
        return
    section = typed.model_dump()
    r.heading(heading)
    rows = []
    for key, name, unit, decimals in ROWS:
        value = section.get(key)
        if value is None:
            continue
        if unit == "%":
            value = 100.0 * float(value)
        rows.append((name, _fmt(value, decimals, unit)))
    r.kv_table(rows)
    problems = [str(p) for p in section.get("problems", [])]
    if problems:
        r.paragraph("Not constructable as drawn: " + "; ".join(problems) + ".", color="#b00020")
    else:
        r.paragraph(
            "Every asset is reached by road from an entry; no cable or trench leaves the parcel or "
            "runs through a zone it may not cross."
        )
