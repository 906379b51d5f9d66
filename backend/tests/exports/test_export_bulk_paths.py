"""The exports' bulk paths for large plants (issue 24): the DXF's vectorised table frames and the
PDF map's one compound path per inverter block, checked against the geometry they come from."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from pypdf import PdfReader
from shapely import affinity
from shapely.geometry import LineString, Point, box

from app.exports.document import ExportDocument
from app.exports.dxf import table_frame, table_frames
from app.exports.pdf import write_pdf
from app.exports.pdf_map import _draw_map, _exteriors, rings_path
from tests.exports.conftest import make_pv_document


@pytest.mark.parametrize("angle", [0.0, 12.5, -37.0, 89.0, 91.0, 135.0])
def test_table_frames_measure_rotated_rectangles(angle: float) -> None:
    # A 20 m × 4.5 m table centred at (500100, 4400050), turned `angle` degrees CCW.
    table = affinity.rotate(box(-10.0, -2.25, 10.0, 2.25), angle, origin=(0, 0))
    table = affinity.translate(table, 500_100.0, 4_400_050.0)
    (x, y, length, width, rotation), degenerate, point = table_frames(
        [table, LineString([(0, 0), (3, 4)]), Point(7, 8)]
    )
    assert (x, y) == pytest.approx((500_100.0, 4_400_050.0), abs=1e-6)
    # GEOS's minimum rotated rectangle is exact to a fraction of a millimetre here.
    assert (length, width) == pytest.approx((20.0, 4.5), abs=1e-3)
    # The long side's direction, folded into [-90, 90).
    assert rotation == pytest.approx((angle + 90.0) % 180.0 - 90.0, abs=1e-3)
    # The same numbers as the one-table form.
    assert [x, y, length, width, rotation] == pytest.approx(list(table_frame(table)), abs=1e-9)
    # A line or a point keeps its centre and no size or rotation.
    assert degenerate.tolist() == pytest.approx([1.5, 2.0, 0.0, 0.0, 0.0])
    assert point.tolist() == [7.0, 8.0, 0.0, 0.0, 0.0]


def test_rings_path_is_every_ring_once() -> None:
    tables = [box(0, 0, 2, 1), box(5, 0, 7, 1), affinity.rotate(box(10, 0, 12, 1), 30)]
    rings = _exteriors(tables)
    path = rings_path(rings)
    starts = np.flatnonzero(path.codes == Path.MOVETO)
    assert len(starts) == len(tables)
    assert (path.codes == Path.CLOSEPOLY).sum() == len(tables)
    for k, t in enumerate(tables):
        ring = path.vertices[starts[k] : starts[k] + len(t.exterior.coords)]
        assert np.allclose(ring, np.asarray(t.exterior.coords))
    # Filled with non-zero winding the path covers each table's area and nothing between them.
    for t in tables:
        c = t.centroid
        assert path.contains_point((c.x, c.y))
    assert not path.contains_point((3.5, 0.5))


def test_pdf_map_draws_one_patch_per_block(pv_doc: ExportDocument) -> None:
    fig = Figure(figsize=(8, 6))
    _draw_map(fig, pv_doc, (0.05, 0.05, 0.9, 0.9))
    ax = fig.axes[0]
    patches = [p for p in ax.get_children() if isinstance(p, PathPatch) and p.get_zorder() == 5]
    assert len(patches) == len(pv_doc.blocks)
    drawn = sum(int((p.get_path().codes == Path.MOVETO).sum()) for p in patches)
    assert drawn == sum(len(list(getattr(pv_doc.table_utm(t), "geoms", [t]))) for t in pv_doc.tables)


def test_pdf_renders_a_plant_of_many_tables() -> None:
    doc = make_pv_document(with_terrain=False)
    features = doc.feature_collection["features"]
    tables = [f for f in features if (f.get("properties") or {}).get("asset_type") in ("pv_table", "tracker")]
    # 40 copies of each table, shifted east 200 m at a time: a few thousand tables.
    many = [
        {
            **f,
            "id": f"{f.get('id')}-{k}",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x + k * 0.0025, y] for x, y, *_ in f["geometry"]["coordinates"][0]]],
            },
        }
        for k in range(1, 41)
        for f in tables
    ]
    big = replace(doc, feature_collection={**doc.feature_collection, "features": [*features, *many]})
    assert len(big.tables) == len(tables) * 41
    data = write_pdf(big)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    text = reader.pages[1].extract_text() + "".join(p.extract_text() for p in reader.pages[2:])
    assert f"{len(big.tables):,}" in text


def test_to_geojson_many_matches_mapping_one_by_one() -> None:
    from shapely.geometry import MultiPolygon, Polygon, mapping

    from app.sites.geometry import to_geojson_many

    holed = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    geoms = [
        box(-93.0, 40.0, -92.9999, 40.0001),
        holed,
        Point(1, 2),
        MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)]),
        Polygon([(0, 0, 1), (1, 0, 2), (1, 1, 3)]),
        Polygon(),
        affinity.rotate(box(10, 10, 12, 11), 17),
    ]

    assert [json.dumps(g) for g in to_geojson_many(geoms)] == [json.dumps(mapping(g)) for g in geoms]
    assert to_geojson_many([]) == []
