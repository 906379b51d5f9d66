"""load_site_grid: source order, the storage cache, flat terrain and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box, mapping

from app.config import Settings, load_settings
from app.dem.demo import demo_site
from app.dem.raster import grid_from_geotiff
from app.dem.service import cache_key, load_site_grid
from app.errors import DemNotCovered, DemUnavailable, InvalidInput
from app.storage.local import LocalStorage

from .conftest import DemServer

OHIO = box(-83.00, 40.00, -82.99, 40.01)  # in the US, outside the Jacksboro fixture


def _settings(
    dem_dir: Path, server: DemServer | None = None, sources: str = "file,3dep,terrarium"
) -> Settings:
    url = server.url if server else "http://127.0.0.1:9"
    return load_settings(
        dem_source=sources,
        dem_path=dem_dir,
        dem_3dep_url=f"{url}/3dep/exportImage",
        dem_terrarium_url=url + "/terrarium/{z}/{x}/{y}.png",
        dem_http_timeout_s=5,
        dem_http_retries=0,
    )


def test_file_source_wins_and_is_cached(tmp_path: Path, dem_dir: Path, dem_server: DemServer) -> None:
    storage = LocalStorage(tmp_path / "storage")
    settings = _settings(dem_dir, dem_server)
    site = demo_site().boundary
    grid, source = load_site_grid(
        boundary_wgs84=site, site_id=7, resolution_m=10, use_terrain=True, settings=settings, storage=storage
    )
    assert source == "file" and dem_server.state.requests == []
    assert grid.crs == "EPSG:32616" and grid.resolution_m == 10 and grid.data.dtype == np.float32
    key = "terrain/7/file-10m.tif"
    assert cache_key(7, "file", 10.0) == key and storage.exists("outputs", key)
    cached = grid_from_geotiff(storage.get("outputs", key))
    assert np.array_equal(cached.data, grid.data, equal_nan=True)

    # Reused: with the DEM folder gone, the cache still answers.
    empty = _settings(tmp_path / "no-dem", dem_server, sources="file")
    again, source = load_site_grid(
        boundary_wgs84=mapping(site),
        site_id=7,
        resolution_m=10,
        use_terrain=True,
        settings=empty,
        storage=storage,
    )
    assert source == "file" and np.array_equal(again.data, grid.data, equal_nan=True)

    # A missing entry is simply refetched.
    storage.delete("outputs", key)
    load_site_grid(
        boundary_wgs84=site, site_id=7, resolution_m=10, use_terrain=True, settings=settings, storage=storage
    )
    assert storage.exists("outputs", key)


def test_cache_entry_for_another_boundary_is_not_reused(tmp_path: Path, dem_dir: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    settings = _settings(dem_dir, sources="file")
    site = demo_site().boundary
    small = site.buffer(-0.002)
    g1, _ = load_site_grid(
        boundary_wgs84=site, site_id=1, resolution_m=30, use_terrain=True, settings=settings, storage=storage
    )
    g2, _ = load_site_grid(
        boundary_wgs84=small, site_id=1, resolution_m=30, use_terrain=True, settings=settings, storage=storage
    )
    assert g2.shape != g1.shape  # the edited boundary got its own grid, not the stale one
    assert grid_from_geotiff(storage.get("outputs", "terrain/1/file-30m.tif")).shape == g2.shape


def test_corrupt_cache_entry_is_refetched(tmp_path: Path, dem_dir: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    storage.put("outputs", "terrain/3/file-30m.tif", b"not a tiff")
    grid, source = load_site_grid(
        boundary_wgs84=demo_site().boundary,
        site_id=3,
        resolution_m=30,
        use_terrain=True,
        settings=_settings(dem_dir, sources="file"),
        storage=storage,
    )
    assert source == "file" and not np.isnan(grid.data).all()


def test_falls_through_to_3dep_when_files_do_not_cover(
    tmp_path: Path, dem_dir: Path, dem_server: DemServer
) -> None:
    storage = LocalStorage(tmp_path / "storage")
    with pytest.raises(DemNotCovered):  # the server only knows Jacksboro: Ohio is all nodata
        load_site_grid(
            boundary_wgs84=OHIO,
            site_id=1,
            resolution_m=30,
            use_terrain=True,
            settings=_settings(dem_dir, dem_server, sources="file,3dep"),
            storage=storage,
        )
    # Serve the Jacksboro site from 3DEP by leaving the file source out.
    _, source = load_site_grid(
        boundary_wgs84=demo_site().boundary,
        site_id=2,
        resolution_m=30,
        use_terrain=True,
        settings=_settings(tmp_path / "none", dem_server),
        storage=storage,
    )
    assert source == "3dep" and storage.exists("outputs", "terrain/2/3dep-30m.tif")
    assert len(dem_server.state.requests) >= 2


def test_no_source_covers_lists_every_reason(tmp_path: Path, dem_dir: Path, dem_server: DemServer) -> None:
    with pytest.raises(DemNotCovered) as info:
        load_site_grid(
            boundary_wgs84=box(36.80, -1.30, 36.81, -1.29),
            site_id=1,
            resolution_m=30,
            use_terrain=True,
            settings=_settings(dem_dir, dem_server),
            storage=None,
        )
    msg = info.value.message
    assert "file:" in msg and "3dep:" in msg and "terrarium:" in msg


def test_unavailable_source_stops_instead_of_silently_degrading(
    tmp_path: Path, dem_server: DemServer
) -> None:
    dem_server.state.fail_first = 100
    with pytest.raises(DemUnavailable, match="3DEP answered 503"):
        load_site_grid(
            boundary_wgs84=demo_site().boundary,
            site_id=1,
            resolution_m=30,
            use_terrain=True,
            settings=_settings(tmp_path, dem_server),
            storage=None,
        )
    assert all("/3dep/" in r for r in dem_server.state.requests)


def test_use_terrain_false_gives_a_flat_grid_without_fetching(tmp_path: Path, dem_server: DemServer) -> None:
    storage = LocalStorage(tmp_path / "storage")
    grid, source = load_site_grid(
        boundary_wgs84=OHIO,
        site_id=1,
        resolution_m=20,
        use_terrain=False,
        settings=_settings(tmp_path, dem_server),
        storage=storage,
    )
    assert source == "flat" and np.all(grid.data == 0) and grid.resolution_m == 20
    assert dem_server.state.requests == [] and storage.list("outputs") == []


def test_flat_as_last_resort_source(tmp_path: Path) -> None:
    grid, source = load_site_grid(
        boundary_wgs84=OHIO,
        site_id=1,
        resolution_m=30,
        use_terrain=True,
        settings=_settings(tmp_path, sources="file,flat"),
        storage=None,
    )
    assert source == "flat" and np.all(grid.data == 0)


def test_resolution_limits(tmp_path: Path, dem_dir: Path) -> None:
    with pytest.raises(InvalidInput):
        load_site_grid(
            boundary_wgs84=OHIO,
            site_id=1,
            resolution_m=0.5,
            use_terrain=True,
            settings=_settings(dem_dir),
            storage=None,
        )


def test_the_grid_reaches_the_interconnection_point_when_it_can(tmp_path: Path) -> None:
    from shapely.geometry import Point

    from app.dem.base import grid_spec_for
    from app.engine.core.crs import to_utm

    settings = load_settings(dem_source="flat")
    poi = Point(-82.97, 40.005)  # ≈ 1.7 km east of the parcel
    plain, _ = load_site_grid(
        boundary_wgs84=OHIO, site_id=1, resolution_m=30, use_terrain=False, settings=settings, storage=None
    )
    grid, _ = load_site_grid(
        boundary_wgs84=OHIO,
        site_id=1,
        resolution_m=30,
        use_terrain=False,
        settings=settings,
        storage=None,
        reach_wgs84=poi,
    )
    p = to_utm(poi, grid.crs)
    minx, miny, maxx, maxy = grid.bounds
    assert minx < p.x < maxx and miny < p.y < maxy
    assert not plain.bounds[2] > p.x
    assert grid.crs == plain.crs == grid_spec_for(OHIO, 30).crs
    # Cells stay aligned with the site's own grid.
    assert (grid.transform.c - plain.transform.c) % 30 == pytest.approx(0.0, abs=1e-6)

    # Too large a reach for the cell budget: the site's own grid, not an error.
    far = Point(-82.80, 40.18)  # ≈ 17 × 20 km at 1 m: over MAX_GRID_CELLS
    fallback, _ = load_site_grid(
        boundary_wgs84=OHIO,
        site_id=1,
        resolution_m=1,
        use_terrain=False,
        settings=settings,
        storage=None,
        reach_wgs84=far,
    )
    site_only, _ = load_site_grid(
        boundary_wgs84=OHIO, site_id=1, resolution_m=1, use_terrain=False, settings=settings, storage=None
    )
    assert fallback.bounds == site_only.bounds
