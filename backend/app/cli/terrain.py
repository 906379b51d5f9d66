"""`sitelayouts terrain …`: terrain analysis of a site file from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from app.errors import InvalidInput

terrain_app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, add_completion=False, help="Terrain analysis."
)


@terrain_app.callback()
def _group() -> None:
    """Terrain analysis (a callback keeps `summary` a sub-command even while it is the only one)."""


@terrain_app.command("summary")
def summary(
    boundary: Annotated[Path, typer.Argument(help="Site boundary: a .kml or .kmz file.")],
    dem: Annotated[
        Path | None,
        typer.Option("--dem", help="A DEM GeoTIFF (any CRS). Default: the DEM_SOURCE sources, uncached."),
    ] = None,
    resolution_m: Annotated[
        float, typer.Option("--resolution-m", min=1, max=100, help="Grid cell size [m], 1-100.")
    ] = 10.0,
) -> None:
    """Print the terrain summary of a site as JSON (elevations [m], slopes [degrees], areas [ha])."""
    # Imported on use: `sitelayouts --help` must not load numpy, rasterio and shapely.
    from app.config import get_settings
    from app.dem.base import grid_spec_for
    from app.dem.file import FileSource
    from app.dem.resolution import native_resolution
    from app.dem.service import load_site_grid
    from app.engine.core.crs import to_utm
    from app.engine.terrain.analysis import terrain_summary
    from app.sites.kml import parse_site_file

    try:
        data = boundary.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {boundary}: {exc.strerror}") from exc
    site = parse_site_file(data, boundary.name)
    if dem is not None:
        if not dem.is_file():
            raise InvalidInput(f"--dem {dem}: no such file")
        grid = FileSource(dem).fetch(grid_spec_for(site.boundary, resolution_m))
        source = "file"
        settings = get_settings().model_copy(update={"dem_path": dem})
    else:
        settings = get_settings()
        grid, source = load_site_grid(
            boundary_wgs84=site.boundary,
            site_id="cli",
            resolution_m=resolution_m,
            use_terrain=True,
            settings=settings,
            storage=None,
        )
    native = native_resolution(source, site.boundary, resolution_m=resolution_m, settings=settings)
    summary_ = terrain_summary(
        grid,
        site=to_utm(site.boundary, grid.crs),
        native_resolution_m=native.resolution_m if native else None,
    )
    result: dict[str, Any] = {"site": site.name, "source": source, **summary_.to_dict()}
    typer.echo(json.dumps(result, indent=2))
