"""Raster plumbing shared by the sources and the cache: warping onto a `GridSpec`, GeoTIFF bytes."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.io import DatasetReader, MemoryFile
from rasterio.warp import reproject
from rasterio.windows import Window

from app.dem.base import GridSpec
from app.engine.core.grid import Grid
from app.errors import DemError


def read_band_float(ds: DatasetReader, window: Window | None = None) -> np.ndarray:
    """Band 1 of `ds` (optionally a window) as float32 with nodata/masked cells as NaN."""
    band = ds.read(1, window=window, masked=True, out_dtype="float32")
    data: np.ndarray = band.filled(np.nan)
    return data


def warp_into(
    out: np.ndarray, src: np.ndarray, *, src_transform: Affine, src_crs: CRS | str, spec: GridSpec
) -> None:
    """Bilinearly reproject `src` (float32, NaN nodata) onto `spec`, filling only `out`'s NaN cells.

    Filling only the gaps lets several tiles be painted in order: the first tile with data wins.
    """
    tmp = spec.empty()
    reproject(
        source=src,
        destination=tmp,
        src_transform=src_transform,
        src_crs=src_crs,
        src_nodata=np.nan,
        dst_transform=spec.transform,
        dst_crs=spec.crs,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    gaps = np.isnan(out)
    out[gaps] = tmp[gaps]


def warp_geotiff_bytes_into(out: np.ndarray, data: bytes, spec: GridSpec, *, label: str) -> None:
    """Read a (Geo)TIFF given as bytes and warp its band 1 into `out` (see `warp_into`)."""
    try:
        with MemoryFile(data) as mem, mem.open() as ds:
            if ds.crs is None:
                raise DemError(f"{label} returned a raster without a CRS")
            src = read_band_float(ds)
            warp_into(out, src, src_transform=ds.transform, src_crs=ds.crs, spec=spec)
    except RasterioError as exc:
        raise DemError(f"{label} returned a raster that could not be read: {exc}") from exc


def read_png_rgb(data: bytes) -> np.ndarray:
    """The RGB bands of a PNG given as bytes: uint8 array (3, rows, cols)."""
    with warnings.catch_warnings():
        # XYZ tiles carry no georeferencing; we place them ourselves.
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(data) as mem, mem.open() as ds:
            if ds.count < 3:
                raise DemError("terrain tile is not an RGB PNG")
            rgb: np.ndarray = ds.read((1, 2, 3))
    return rgb


def grid_to_geotiff(grid: Grid, *, tags: dict[str, Any] | None = None) -> bytes:
    """A Grid as a compressed float32 GeoTIFF (NaN nodata), e.g. for the terrain cache."""
    rows, cols = grid.shape
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": "float32",
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": np.nan,
        "compress": "deflate",
        "predictor": 3,  # floating-point predictor: elevation compresses ~2x better
    }
    if rows >= 256 and cols >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with MemoryFile() as mem:
        with mem.open(**profile) as ds:
            ds.write(np.asarray(grid.data, dtype=np.float32), 1)
            if tags:
                ds.update_tags(**{k: str(v) for k, v in tags.items()})
        return bytes(mem.read())


def grid_from_geotiff(data: bytes) -> Grid:
    """A Grid from GeoTIFF bytes written by `grid_to_geotiff` (band 1, NaN nodata)."""
    with MemoryFile(data) as mem, mem.open() as ds:
        crs = ds.crs.to_string() if ds.crs is not None else ""
        return Grid(data=read_band_float(ds), transform=ds.transform, crs=crs)


def write_grid(path: str, grid: Grid) -> None:
    """Write a Grid to a GeoTIFF file at `path` (used by tests, the bench and the CLI)."""
    with open(path, "wb") as fh:
        fh.write(grid_to_geotiff(grid))
