"""The constructability section and crossings in the outputs: a real engine layout on a parcel cut
by a wash, through the GeoJSON and the PDF report."""

from __future__ import annotations

import io
import re

import pypdf
from shapely.geometry import MultiPoint, Point, box

from app.engine.core.crs import to_wgs84
from app.engine.core.geojson import layout_feature_collection
from app.engine.core.types import Exclusion, LayoutParams, SiteInput
from app.engine.layout import generate_layout
from app.exports.document import ExportDocument
from app.exports.pdf import write_pdf
from tests.engine.factory import grid_for, square_utm


def test_crossings_and_the_constructability_section_reach_geojson_and_pdf() -> None:
    crs, parcel = square_utm(1000.0)
    x0, y0, x1, y1 = parcel.bounds
    wash = box(x0 + 480, y0, x0 + 520, y1)
    entries = [Point(x0 + 1.0, y0 + 500.0), Point(x1 - 1.0, y0 + 300.0)]
    site = SiteInput(
        boundary=to_wgs84(parcel, crs),  # type: ignore[arg-type]
        exclusions=(Exclusion(geometry=to_wgs84(wash, crs), zone_type="wash", name="Dry wash"),),  # type: ignore[arg-type]
        entry_point=to_wgs84(MultiPoint(entries), crs),  # type: ignore[arg-type]
    )
    params = LayoutParams(target_capacity_kw=50_000.0)
    result = generate_layout(site, grid_for(parcel, crs, resolution_m=10.0), params)
    fc = layout_feature_collection(site, result, params)
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("entry") == 2
    crossings = [f for f in fc["features"] if f["properties"]["kind"] == "crossing"]
    assert crossings and {c["properties"]["zone_type"] for c in crossings} == {"wash"}
    assert all(c["properties"]["cost_usd"] > 0 for c in crossings)
    section = fc["metrics"]["constructability"]
    assert section["crossing_count"] == len(crossings) and section["unreachable_asset_count"] == 0
    assert result.design["constructability"] == section

    doc = ExportDocument(
        feature_collection=fc, crs=result.crs, site_name="wash", layout_id="x", design=result.design
    )
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(write_pdf(doc))).pages)
    flat = re.sub(r"\s+", "", text)
    assert "3aConstructability" in flat
    assert f"Zonecrossings(roads,culverts){len(crossings)}" in flat
