"""Terrain for exports: summary and contours from an in-memory grid, and the document builder."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.engine.core.crs import to_utm
from app.engine.core.grid import flat_grid
from app.exports.build import contour_interval_m, terrain_context
from app.exports.dxf import write_dxf
from tests.exports.conftest import CRS, make_document


@pytest.mark.parametrize(
    ("relief", "interval"), [(17.6, 2.0), (0.0, 1.0), (3.0, 1.0), (140.0, 10.0), (700.0, 50.0)]
)
def test_contour_interval(relief: float, interval: float) -> None:
    assert contour_interval_m(relief) == interval


def test_terrain_context_from_a_tilted_plane() -> None:
    doc = make_document(with_terrain=False)
    boundary = doc.boundary
    assert boundary is not None
    minx, miny, maxx, maxy = to_utm(boundary, CRS).bounds
    grid = flat_grid((minx - 50, miny - 50, maxx + 50, maxy + 50), resolution_m=10.0, crs=CRS)
    rows, cols = grid.shape
    # Rising 3 m per 100 m towards north and 1 m per 100 m towards east (row 0 is the top):
    # the L-shaped site spans 240-263 m.
    ys = grid.transform.f + grid.transform.e * (np.arange(rows) + 0.5)
    xs = grid.transform.c + grid.transform.a * (np.arange(cols) + 0.5)
    data = (240.0 + 0.03 * (ys - miny)[:, None] + 0.01 * (xs - minx)[None, :]).astype(np.float32)
    summary, contours = terrain_context(grid.with_data(data), boundary, source="test")
    assert summary["source"] == "test"
    assert summary["elevation_min_m"] == pytest.approx(240.0, abs=0.5)
    assert summary["elevation_max_m"] == pytest.approx(263.0, abs=0.5)  # at the L-shape corner (500 m, 600 m)
    assert summary["slope_mean_deg"] == pytest.approx(1.81, abs=0.05)  # atan(sqrt(0.03² + 0.01²))
    assert summary["contour_interval_m"] == 2.0
    levels = sorted({line.coords[0][2] for line in contours})
    assert levels == [float(z) for z in range(242, 264, 2)]
    # contours go into the DXF at their elevation
    data_dxf = write_dxf(replace(doc, terrain_summary=summary, contours=contours)).decode()
    assert "CONTOURS" in data_dxf
