"""Shared fixtures for the engine tests: the real Jacksboro DEM reprojected to UTM."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from matplotlib import cbook
from rasterio.warp import Resampling, calculate_default_transform, reproject

from app.engine.core.crs import utm_crs_for
from app.engine.core.grid import Grid


def _jacksboro_utm(resolution_m: float = 30.0) -> Grid:
    """The Jacksboro fault DEM (3 arc-second cells) reprojected to its UTM zone at `resolution_m`."""
    d = cbook.get_sample_data("jacksboro_fault_dem.npz")
    z = d["elevation"].astype(np.float32)
    dx, dy = float(d["dx"]), float(d["dy"])
    # The file's ymin/ymax labels are swapped: "ymin" is the north edge.
    west, north = float(d["xmin"]), float(d["ymin"])
    src_transform = Affine(dx, 0.0, west, 0.0, -dy, north)
    rows, cols = z.shape
    east, south = west + cols * dx, north - rows * dy
    crs = utm_crs_for((west + east) / 2, (north + south) / 2)
    transform, width, height = calculate_default_transform(
        "EPSG:4326", crs, cols, rows, west, south, east, north, resolution=resolution_m
    )
    out = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        z,
        out,
        src_transform=src_transform,
        src_crs="EPSG:4326",
        dst_transform=transform,
        dst_crs=crs,
        resampling=Resampling.bilinear,
        src_nodata=None,
        dst_nodata=np.nan,
    )
    return Grid(data=out, transform=transform, crs=crs)


@pytest.fixture(scope="session")
def jacksboro() -> Grid:
    return _jacksboro_utm()
