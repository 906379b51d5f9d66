"""DEM sources: file (single GeoTIFF and tile folders), 3DEP and Terrarium against a local server."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.warp import calculate_default_transform, reproject
from shapely.geometry import box

from app.dem.base import GridSpec, grid_spec_for
from app.dem.demo import JACKSBORO_CELL_DEG, demo_site, jacksboro_elevation, jacksboro_transform
from app.dem.file import FileSource
from app.dem.terrarium import TerrariumSource, decode_terrarium, encode_terrarium, zoom_for
from app.dem.threedep import ThreeDepSource
from app.errors import DemError, DemNotCovered, DemUnavailable, InvalidInput

from .conftest import DemServer

# A site in Kenya: outside the Jacksboro DEM and outside 3DEP.
NAIROBI = box(36.80, -1.30, 36.81, -1.29)


def _site_spec(res: float = 30.0) -> GridSpec:
    return grid_spec_for(demo_site().boundary, res)


def _three_dep(server: DemServer, **kw: float) -> ThreeDepSource:
    opts: dict[str, float] = {"timeout_s": 5.0, "retries": 2, "max_bytes": 50_000_000, "backoff_s": 0.01}
    opts.update(kw)
    return ThreeDepSource(url=server.export_url, **opts)  # type: ignore[arg-type]


def _write_tif(
    path: Path, data: np.ndarray, transform: Affine, crs: str, nodata: float | None = None
) -> None:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as ds:
        ds.write(data, 1)


# --- the target grid -------------------------------------------------------------------------


def test_grid_spec_is_snapped_and_has_a_margin() -> None:
    site = demo_site().boundary
    spec = grid_spec_for(site, 7.0)
    assert spec.crs == "EPSG:32616"
    assert spec.transform.a == 7.0 and spec.transform.e == -7.0
    assert spec.transform.c % 7.0 == 0 and spec.transform.f % 7.0 == 0
    from app.engine.core.crs import to_utm

    minx, miny, maxx, maxy = to_utm(site, spec.crs).bounds
    x0, y0, x1, y1 = spec.bounds
    assert x0 <= minx - 30 and y0 <= miny - 30 and x1 >= maxx + 30 and y1 >= maxy + 30
    assert spec.site_mask().sum() * 49 == pytest.approx(to_utm(site, spec.crs).area, rel=0.02)


@pytest.mark.parametrize("res", [0.5, 101.0, float("nan")])
def test_grid_spec_rejects_resolutions_outside_1_to_100_m(res: float) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 100"):
        grid_spec_for(demo_site().boundary, res)


def test_grid_spec_rejects_huge_grids() -> None:
    with pytest.raises(InvalidInput, match="coarser"):
        grid_spec_for(box(-85.0, 35.0, -84.0, 36.0), 1.0)


# --- file -------------------------------------------------------------------------------------


def test_file_source_reprojects_a_geographic_dem_exactly_for_a_linear_surface(tmp_path: Path) -> None:
    # z linear in lon/lat: bilinear resampling must reproduce it at every target cell.
    rows, cols = 200, 240
    t = Affine(JACKSBORO_CELL_DEG, 0, -84.25, 0, -JACKSBORO_CELL_DEG, 36.68)
    r, c = np.mgrid[0:rows, 0:cols]
    lon = -84.25 + (c + 0.5) * JACKSBORO_CELL_DEG
    lat = 36.68 - (r + 0.5) * JACKSBORO_CELL_DEG
    z = (300 + 2000 * (lon + 84.25) + 1000 * (lat - 36.5)).astype(np.float32)
    _write_tif(tmp_path / "lin.tif", z, t, "EPSG:4326")
    spec = _site_spec(10.0)
    grid = FileSource(tmp_path / "lin.tif").fetch(spec)
    assert grid.crs == spec.crs and grid.shape == (spec.height, spec.width)
    assert grid.data.dtype == np.float32 and not np.isnan(grid.data).any()
    rr, cc = np.mgrid[0 : spec.height, 0 : spec.width]
    xs, ys = spec.transform @ (cc + 0.5, rr + 0.5)
    glon, glat = Transformer.from_crs(spec.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    expected = 300 + 2000 * (glon + 84.25) + 1000 * (glat - 36.5)
    np.testing.assert_allclose(grid.data, expected, atol=0.02)


def test_file_source_reads_the_real_jacksboro_dem(jacksboro_tif: Path) -> None:
    spec = _site_spec(30.0)
    grid = FileSource(jacksboro_tif).fetch(spec)
    # Compare with the source cell under the demo site's centre (gentle terrain: a few metres).
    lon, lat = demo_site().boundary.centroid.coords[0]
    col = int((lon - jacksboro_transform().c) / JACKSBORO_CELL_DEG)
    row = int((jacksboro_transform().f - lat) / JACKSBORO_CELL_DEG)
    x, y = Transformer.from_crs("EPSG:4326", spec.crs, always_xy=True).transform(lon, lat)
    assert float(grid.sample(np.array([x]), np.array([y]))[0]) == pytest.approx(
        float(jacksboro_elevation()[row, col]), abs=5.0
    )


def test_file_source_nodata_becomes_nan(tmp_path: Path) -> None:
    z = jacksboro_elevation().copy()
    z[140:146, 290:310] = -32768  # a hole under the demo site
    _write_tif(tmp_path / "holes.tif", z, jacksboro_transform(), "EPSG:4326", nodata=-32768)
    grid = FileSource(tmp_path / "holes.tif").fetch(_site_spec(30.0))
    assert np.isnan(grid.data).any()
    assert np.nanmin(grid.data) > 200  # the -32768 sentinel never leaks into elevations


def test_file_source_mosaics_a_folder_of_tiles_in_different_crs(tmp_path: Path, jacksboro_tif: Path) -> None:
    z = jacksboro_elevation()
    t = jacksboro_transform()
    # Split right through the demo site (column 299); the east tile goes to UTM.
    _write_tif(tmp_path / "a_west.tif", z[:, :300], t, "EPSG:4326", nodata=-32768)
    east = z[:, 298:].astype(np.float32)
    t_east = t @ Affine.translation(298, 0)
    dst_t, w, h = calculate_default_transform(
        "EPSG:4326",
        "EPSG:32616",
        east.shape[1],
        east.shape[0],
        *rasterio.transform.array_bounds(*east.shape, t_east),
    )
    utm = np.full((h, w), np.nan, dtype=np.float32)
    reproject(
        east,
        utm,
        src_transform=t_east,
        src_crs="EPSG:4326",
        dst_transform=dst_t,
        dst_crs="EPSG:32616",
        dst_nodata=np.nan,
    )
    (tmp_path / "sub").mkdir()
    _write_tif(tmp_path / "sub" / "b_east.tif", utm, dst_t, "EPSG:32616", nodata=float("nan"))
    (tmp_path / "notes.txt").write_text("not a raster")
    spec = _site_spec(30.0)
    mosaic = FileSource(tmp_path).fetch(spec)
    single = FileSource(jacksboro_tif).fetch(spec)
    inside = spec.site_mask()
    assert not np.isnan(mosaic.data[inside]).any()
    # The east half was resampled twice: allow a few metres on this gentle ground.
    assert np.abs(mosaic.data[inside] - single.data[inside]).max() < 5.0


def test_file_source_not_covered(tmp_path: Path, jacksboro_tif: Path) -> None:
    with pytest.raises(DemNotCovered, match="no DEM files"):
        FileSource(tmp_path / "missing").fetch(_site_spec())
    with pytest.raises(DemNotCovered, match="covers this site"):
        FileSource(jacksboro_tif).fetch(grid_spec_for(NAIROBI, 30.0))
    # A site straddling the DEM's western edge is only partly covered.
    straddling = box(-84.42, 36.60, -84.40, 36.61)
    with pytest.raises(DemNotCovered, match="only part"):
        FileSource(jacksboro_tif).fetch(grid_spec_for(straddling, 30.0))


# --- 3DEP -------------------------------------------------------------------------------------


def test_three_dep_fetches_the_site_grid(dem_server: DemServer, jacksboro_tif: Path) -> None:
    spec = _site_spec(10.0)
    grid = _three_dep(dem_server).fetch(spec)
    assert len(dem_server.state.requests) == 1
    query = dem_server.state.requests[0]
    assert "imageSR=32616" in query and f"size={spec.width}%2C{spec.height}" in query and "f=image" in query
    local = FileSource(jacksboro_tif).fetch(spec)
    inside = spec.site_mask()
    np.testing.assert_allclose(grid.data[inside], local.data[inside], atol=0.01)


def test_three_dep_splits_large_grids_into_blocks(
    dem_server: DemServer, jacksboro_tif: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.dem.threedep.MAX_REQUEST_PX", 64)
    spec = _site_spec(10.0)
    grid = _three_dep(dem_server).fetch(spec)
    assert len(dem_server.state.requests) == -(-spec.width // 64) * -(-spec.height // 64)
    local = FileSource(jacksboro_tif).fetch(spec)
    np.testing.assert_allclose(grid.data, local.data, atol=0.01)


def test_three_dep_retries_5xx_then_succeeds(dem_server: DemServer) -> None:
    dem_server.state.fail_first = 2
    grid = _three_dep(dem_server, retries=2).fetch(_site_spec())
    assert len(dem_server.state.requests) == 3
    assert not np.isnan(grid.data).all()


def test_three_dep_gives_up_with_a_retryable_error(dem_server: DemServer) -> None:
    dem_server.state.fail_first = 100
    with pytest.raises(DemUnavailable, match="Failed to fetch DEM data: 3DEP answered 503") as info:
        _three_dep(dem_server, retries=2).fetch(_site_spec())
    assert info.value.retryable is True
    assert len(dem_server.state.requests) == 3


def test_three_dep_timeout_is_retryable(dem_server: DemServer) -> None:
    dem_server.state.delay_s = 1.0
    with pytest.raises(DemUnavailable, match=r"did not answer within 0\.2 s"):
        _three_dep(dem_server, timeout_s=0.2, retries=0).fetch(_site_spec())


def test_three_dep_unreachable_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    source = ThreeDepSource(
        url=f"http://127.0.0.1:{port}/x", timeout_s=1, retries=1, max_bytes=10**6, backoff_s=0
    )
    with pytest.raises(DemUnavailable, match="could not reach 3DEP"):
        source.fetch(_site_spec())


def test_three_dep_unresolvable_host_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    # A failed name lookup fails the same way on every retry (offline, mistyped URL): no backoff.
    waits: list[float] = []
    monkeypatch.setattr("app.net.time.sleep", waits.append)
    source = ThreeDepSource(url="http://dem.invalid/x", timeout_s=1, retries=3, max_bytes=10**6)
    with pytest.raises(DemUnavailable, match="could not reach 3DEP"):
        source.fetch(_site_spec())
    assert waits == []


def test_three_dep_4xx_is_not_retryable(dem_server: DemServer) -> None:
    dem_server.state.fail_first, dem_server.state.fail_status = 100, 400
    with pytest.raises(DemError, match="refused") as info:
        _three_dep(dem_server).fetch(_site_spec())
    assert not isinstance(info.value, DemUnavailable) and info.value.retryable is False
    assert len(dem_server.state.requests) == 1


def test_three_dep_download_limit(dem_server: DemServer) -> None:
    with pytest.raises(DemError, match="DEM_MAX_DOWNLOAD_MB"):
        _three_dep(dem_server, max_bytes=1000).fetch(_site_spec())


def test_three_dep_non_tiff_answer(dem_server: DemServer) -> None:
    dem_server.state.body_override = b'{"error": {"code": 500, "message": "Error exporting image"}}'
    with pytest.raises(DemUnavailable, match="Error exporting image"):
        _three_dep(dem_server).fetch(_site_spec())


def test_three_dep_outside_the_us_is_not_covered_without_a_request(dem_server: DemServer) -> None:
    with pytest.raises(DemNotCovered, match="United States"):
        _three_dep(dem_server).fetch(grid_spec_for(NAIROBI, 30.0))
    assert dem_server.state.requests == []


def test_three_dep_all_nodata_is_not_covered(dem_server: DemServer) -> None:
    # Inside the US but outside the fixture: the server answers a GeoTIFF full of nodata.
    with pytest.raises(DemNotCovered, match="no elevation data"):
        _three_dep(dem_server).fetch(grid_spec_for(box(-100.0, 40.0, -99.99, 40.01), 30.0))


# --- Terrarium --------------------------------------------------------------------------------


def test_terrarium_encoding_round_trips() -> None:
    z = np.array([[-10.5, 0.0], [331.25, 8848.0]], dtype=np.float32)
    np.testing.assert_allclose(decode_terrarium(encode_terrarium(z)), z, atol=1 / 256)


def test_terrarium_zoom_matches_resolution() -> None:
    assert zoom_for(30.0, 36.6) == 13  # 15.3 m cells at zoom 13, 30.7 m at zoom 12
    assert zoom_for(1.0, 36.6) == 15  # capped
    assert zoom_for(100.0, 0.0) == 11


def test_terrarium_fetches_and_decodes_tiles(dem_server: DemServer, jacksboro_tif: Path) -> None:
    source = TerrariumSource(
        url_template=dem_server.terrarium_url, timeout_s=5, retries=1, max_bytes=50_000_000, backoff_s=0.01
    )
    spec = _site_spec(30.0)
    grid = source.fetch(spec)
    assert all(p.startswith("/terrarium/13/") for p in dem_server.state.requests)
    local = FileSource(jacksboro_tif).fetch(spec)
    inside = spec.site_mask()
    # Resampled twice (to Web Mercator tiles, then to UTM): within a metre on this gentle ground.
    assert np.abs(grid.data[inside] - local.data[inside]).max() < 1.0


def test_terrarium_missing_tiles_are_not_covered(dem_server: DemServer) -> None:
    source = TerrariumSource(
        url_template=dem_server.terrarium_url, timeout_s=5, retries=0, max_bytes=10**6, backoff_s=0
    )
    with pytest.raises(DemNotCovered):
        source.fetch(grid_spec_for(NAIROBI, 30.0))


def test_terrarium_server_errors_are_retryable(dem_server: DemServer) -> None:
    dem_server.state.fail_first = 1000
    source = TerrariumSource(
        url_template=dem_server.terrarium_url, timeout_s=5, retries=1, max_bytes=10**6, backoff_s=0
    )
    with pytest.raises(DemUnavailable, match="answered 503"):
        source.fetch(_site_spec())
