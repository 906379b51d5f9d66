"""Closed forms of the row packing (app.engine.pv.rows) on a rectangle aligned with the rows:
rows every pitch while a table depth still fits, tables every length + end clearance while a table
still fits, as pvlib tests infinite sheds on its idealised geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.pv.design import PvDesign, resolve_design
from app.engine.pv.frame import RowFrame
from app.engine.pv.rows import Corridors, row_candidates, table_polygons
from tests.engine.factory import make_site, utm_origin

LAT = 40.0
_, X0, Y0 = utm_origin()  # make_site's south-west corner
# No access corridors: one bay spanning the whole site.
NO_CORRIDORS = Corridors(bay_m=1.0e9, width_m=0.0, u0_m=-1.0e8)


def _fixed(**kw: float):  # type: ignore[no-untyped-def]
    return resolve_design(PvDesign(structure="fixed", **kw), LAT)  # type: ignore[arg-type]


def _rect(rd, rows_frac: float, n_rows: int, n_tables: int, tables_frac: float):  # type: ignore[no-untyped-def]
    """A rectangle (x east, y north, [m]) holding n_rows rows and n_tables tables per row plus the
    given fractions of one more pitch / table slot (kept away from the boundary cases)."""
    gap = rd.design.row_end_clearance_m
    depth = rd.depth_m + (n_rows - 1 + rows_frac) * rd.pitch_m
    width = n_tables * rd.length_m + (n_tables - 1) * gap + tables_frac * (rd.length_m + gap)
    return make_site(width, depth).boundary, width, depth


def test_fixed_tilt_rows_run_east_west_in_true_north() -> None:
    rd = _fixed()
    # Equator-facing fixed tables in the northern hemisphere: facing 180°, rows along 90°.
    assert rd.azimuth_deg == pytest.approx(180.0)
    assert rd.row_azimuth_deg == pytest.approx(90.0)
    area, _, _ = _rect(rd, 0.5, 4, 3, 0.5)
    frame = RowFrame(phi_deg=rd.row_azimuth_deg, x0=X0, y0=Y0)
    c = row_candidates(area, frame, rd, NO_CORRIDORS, 0.0)
    for poly in table_polygons(c, frame):
        minx, miny, maxx, maxy = poly.bounds
        # Axis-aligned rectangles: long side east-west, plan depth north-south.
        assert maxx - minx == pytest.approx(rd.length_m, abs=1e-6)
        assert maxy - miny == pytest.approx(rd.depth_m, abs=1e-6)
        assert area.contains(poly)


@pytest.mark.parametrize(("n_rows", "n_tables"), [(1, 1), (3, 2), (7, 5)])
def test_row_and_table_counts_follow_the_closed_form(n_rows: int, n_tables: int) -> None:
    rd = _fixed(gcr=0.4)
    area, width, depth = _rect(rd, 0.5, n_rows, n_tables, 0.5)
    gap = rd.design.row_end_clearance_m
    rows_expected = math.floor((depth - rd.depth_m) / rd.pitch_m) + 1
    per_row_expected = math.floor((width + gap) / (rd.length_m + gap))
    assert (rows_expected, per_row_expected) == (n_rows, n_tables)  # the closed form on this input
    frame = RowFrame(phi_deg=rd.row_azimuth_deg, x0=X0, y0=Y0)
    c = row_candidates(area, frame, rd, NO_CORRIDORS, 0.0)
    assert len(np.unique(c.row)) == rows_expected
    assert np.all(np.bincount(c.row) == per_row_expected)
    # Consecutive rows one pitch apart; every table a full table.
    v = np.unique(c.v_lo)
    np.testing.assert_allclose(np.diff(v), rd.pitch_m, atol=1e-6)
    assert np.all(c.modules == rd.design.n_along * rd.design.n_across)


def test_a_pitch_longer_than_the_site_gives_a_single_row() -> None:
    rd = _fixed(gcr=0.15)
    area, _, depth = _rect(rd, 0.9, 1, 4, 0.5)
    assert depth < rd.depth_m + rd.pitch_m
    frame = RowFrame(phi_deg=rd.row_azimuth_deg, x0=X0, y0=Y0)
    c = row_candidates(area, frame, rd, NO_CORRIDORS, 0.0)
    assert len(c) == 4 and set(c.row.tolist()) == {0}
    # Too shallow for one table depth: nothing.
    shallow = make_site(200.0, rd.depth_m * 0.9).boundary
    assert len(row_candidates(shallow, frame, rd, NO_CORRIDORS, 0.0)) == 0
