"""Terrain for a site: try the configured DEM sources in order and cache the result in storage.

The API, the worker and the CLI all call `load_site_grid`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from app.config import Settings
from app.dem.base import DemSource, GridSpec, as_geometry, grid_spec_for
from app.dem.flat import FlatSource
from app.engine.core.grid import Grid
from app.errors import ConfigError, DemError, DemNotCovered, InvalidInput, StorageError
from app.storage.base import Area, Storage

log = logging.getLogger(__name__)
CACHE_AREA: Area = "outputs"


def build_source(name: str, settings: Settings) -> DemSource:
    """The DEM source called `name` ("file", "3dep", "terrarium", "flat") configured from settings."""
    # Sources are imported when configured: a flat or file-only run (the CLI) skips the HTTP stack.
    max_bytes = int(settings.dem_max_download_mb * 1024 * 1024)
    if name == "file":
        from app.dem.file import FileSource

        return FileSource(Path(settings.dem_path))
    if name == "3dep":
        from app.dem.threedep import ThreeDepSource

        return ThreeDepSource(
            url=settings.dem_3dep_url,
            timeout_s=settings.dem_http_timeout_s,
            retries=settings.dem_http_retries,
            max_bytes=max_bytes,
        )
    if name == "terrarium":
        from app.dem.terrarium import TerrariumSource

        return TerrariumSource(
            url_template=settings.dem_terrarium_url,
            timeout_s=settings.dem_http_timeout_s,
            retries=settings.dem_http_retries,
            max_bytes=max_bytes,
        )
    if name == "flat":
        return FlatSource()
    raise ConfigError(f"DEM_SOURCE: unknown source {name!r}")


def cache_key(site_id: object, source: str, resolution_m: float) -> str:
    """Storage key (area "outputs") of a site's cached grid: terrain/{site_id}/{source}-{res}m.tif."""
    return f"terrain/{site_id}/{source}-{resolution_m:g}m.tif"


def _key(site_id: object, source: str, resolution_m: float, reach: BaseGeometry | None) -> str:
    """The cache key; a grid reaching out to the interconnection point is cached beside the site's."""
    key = cache_key(site_id, source, resolution_m)
    return key if reach is None else key.removesuffix(".tif") + "-reach.tif"


def _matches(grid: Grid, spec: GridSpec) -> bool:
    """Whether a cached grid is the one `spec` asks for (a changed boundary gives another grid)."""
    return (
        grid.crs == spec.crs
        and grid.shape == (spec.height, spec.width)
        and grid.transform.almost_equals(spec.transform, precision=1e-6)
    )


def _cached(storage: Storage, key: str, spec: GridSpec) -> Grid | None:
    try:
        if not storage.exists(CACHE_AREA, key):
            return None
        from app.dem.raster import grid_from_geotiff

        grid = grid_from_geotiff(storage.get(CACHE_AREA, key))
    except StorageError as exc:
        # The cache is an optimisation: a broken entry is refetched, not fatal.
        log.warning("terrain cache read failed for %s: %s", key, exc)
        return None
    except Exception as exc:  # a truncated or foreign file under our key
        log.warning("terrain cache entry %s is unreadable (%s); refetching", key, exc)
        return None
    return grid if _matches(grid, spec) else None


def _store(storage: Storage, key: str, grid: Grid) -> None:
    from app.dem.raster import grid_to_geotiff

    try:
        storage.put(CACHE_AREA, key, grid_to_geotiff(grid), content_type="image/tiff")
    except StorageError as exc:
        log.warning("terrain cache write failed for %s: %s", key, exc)


def fetch_grid(spec: GridSpec, sources: Sequence[DemSource]) -> tuple[Grid, str]:
    """The grid from the first of `sources` that covers the site, with that source's name.

    DemNotCovered moves on to the next source; DemUnavailable and other DemErrors stop here,
    since silently switching to another (coarser) source would change the layout without notice.
    Raises DemNotCovered naming every source tried when none covers the site.
    """
    reasons: list[str] = []
    for source in sources:
        try:
            return source.fetch(spec), source.name
        except DemNotCovered as exc:
            reasons.append(f"{source.name}: {exc.message}")
    raise DemNotCovered("No configured DEM source covers this site (" + "; ".join(reasons) + ")")


def load_site_grid(
    *,
    boundary_wgs84: BaseGeometry | Mapping[str, Any],
    site_id: object,
    resolution_m: float,
    use_terrain: bool,
    settings: Settings,
    storage: Storage | None,
    sources: Sequence[DemSource] | None = None,
    reach_wgs84: BaseGeometry | None = None,
) -> tuple[Grid, str]:
    """The site's elevation grid [m] in its UTM CRS at `resolution_m` [m], and the source name.

    boundary_wgs84: shapely geometry or GeoJSON dict (WGS84). The grid covers the boundary plus a
    margin, float32, NaN where nodata. use_terrain=False gives a flat grid (source "flat").
    Sources: `sources`, else DEM_SOURCE from `settings`; each grid is cached in `storage` (area
    "outputs", `cache_key`) and reused while it matches the site's grid; storage None skips the
    cache. Raises InvalidInput (resolution), DemNotCovered, DemUnavailable (retryable), DemError.
    reach_wgs84: also cover this (the interconnection point, for the gen-tie) when the sources can;
    when the larger grid is too big or not covered, the site's own grid is returned.
    """
    load = partial(
        _load_grid,
        boundary_wgs84=boundary_wgs84,
        site_id=site_id,
        resolution_m=resolution_m,
        use_terrain=use_terrain,
        settings=settings,
        storage=storage,
        sources=sources,
    )
    if reach_wgs84 is not None:
        try:
            return load(reach=reach_wgs84)
        except (InvalidInput, DemError) as exc:
            # The gen-tie then runs straight beyond the site's grid, and says so.
            log.info("terrain to the interconnection point not available (%s); using the site's grid", exc)
    return load()


def _load_grid(
    *,
    boundary_wgs84: BaseGeometry | Mapping[str, Any],
    site_id: object,
    resolution_m: float,
    use_terrain: bool,
    settings: Settings,
    storage: Storage | None,
    sources: Sequence[DemSource] | None = None,
    reach: BaseGeometry | None = None,
) -> tuple[Grid, str]:
    boundary = as_geometry(boundary_wgs84)
    spec = grid_spec_for(boundary, resolution_m, reach_wgs84=reach)
    if not use_terrain:
        return FlatSource().fetch(spec), "flat"
    chosen = (
        list(sources) if sources is not None else [build_source(n, settings) for n in settings.dem_source]
    )
    if storage is not None:
        for source in chosen:
            # Cached entries are looked up in source order, so a preferred source still wins.
            if source.name == "flat":
                break
            hit = _cached(storage, _key(site_id, source.name, resolution_m, reach), spec)
            if hit is not None:
                return hit, source.name
    grid, name = fetch_grid(spec, chosen)
    grid = grid.with_data(np.asarray(grid.data, dtype=np.float32))
    if storage is not None and name != "flat":
        _store(storage, _key(site_id, name, resolution_m, reach), grid)
    return grid, name
