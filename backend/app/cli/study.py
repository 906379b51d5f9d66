"""`sitelayouts study BOUNDARY.kml --grid grid.json`: a scenario study without a server or database.

Each variant (structure × GCR × tilt × DC/AC × strategy, at most 200) is designed, simulated and
priced in its own process (`--workers N`); the comparison table is printed as JSON sorted by LCOE
(lowest first; failed variants last) and optionally written as CSV.

grid.json is either the axes alone, `{"structure": ["fixed", "tracker"], "gcr": [0.3, 0.4]}`, or
`{"base": {...generate fields...}, "grid": {...axes...}}` as POST /api/sites/{id}/studies takes it.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import typer

from app.errors import AppError, InvalidInput

CSV_COLUMNS = (
    "variant_no", "structure", "gcr", "tilt_deg", "dc_ac_ratio", "strategy", "status",
    "ac_capacity_mw", "dc_capacity_mwp", "annual_energy_mwh", "specific_yield_kwh_per_kwp",
    "performance_ratio", "capex_usd", "lcoe_usd_per_mwh", "npv_usd", "energy_basis",
    "annual_energy_mwh_upper_bound", "specific_yield_kwh_per_kwp_upper_bound", "lcoe_lower_bound_usd_per_mwh",
    "npv_upper_bound_usd", "p90_1yr_mwh", "p90_10yr_mwh", "weather_source", "error_message",
)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("study")(study)


def read_grid_file(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(base, grid) from a grid file, both validated as the API validates them (InvalidInput)."""
    from pydantic import ValidationError

    from app.api.study_schemas import StudyBase, StudyGrid

    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"--grid {path}: not a readable JSON file ({exc})") from exc
    except RecursionError:
        raise InvalidInput(f"--grid {path}: the JSON is nested too deeply to be a grid file") from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"--grid {path}: expected a JSON object of axes, or {{'base': …, 'grid': …}}")
    base_doc, grid_doc = (doc.get("base") or {}, doc["grid"]) if "grid" in doc else ({}, doc)
    try:
        grid = StudyGrid.model_validate(grid_doc).model_dump(mode="json", exclude_none=True)
        base = StudyBase.model_validate({"target_capacity_kw": 1.0, **base_doc})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        raise InvalidInput(f"--grid {path}: {loc}: {err.get('msg')}") from exc
    base_dict = base.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    if "target_capacity_kw" not in base_doc:
        base_dict.pop("target_capacity_kw")
    return base_dict, grid


@lru_cache(maxsize=4)
def _site_and_terrain(
    boundary: str, resolution_m: float, use_terrain: bool, dem: str | None
) -> tuple[Any, Any]:
    """The site and its terrain, once per worker process for the same terrain inputs."""
    from app.cli.generate import CLI_SITE_ID, cli_settings, read_site_file
    from app.engine.core.types import LayoutParams
    from app.pipeline.run import DesignInput, load_terrain

    site, _ = read_site_file(Path(boundary))
    # Only the terrain fields matter here; the capacity is a placeholder.
    params = LayoutParams(target_capacity_kw=1.0, dem_resolution_m=resolution_m, use_terrain=use_terrain)
    terrain = load_terrain(
        DesignInput(site_id=CLI_SITE_ID, site=site, params=params),
        settings=cli_settings(Path(dem) if dem is not None else None),
        storage=None,
    )
    return site, terrain


@lru_cache(maxsize=1)
def _weather(path: str) -> Any:
    from app.weather.service import read_weather_file

    return read_weather_file(Path(path))


def run_variant(
    number: int,
    variant: dict[str, Any],
    params: dict[str, Any],
    boundary: str,
    dem: str | None,
    weather: str | None,
) -> dict[str, Any]:
    """Design, simulate and price one variant (in a worker process) through the layout pipeline;
    its comparison row."""
    from app.cli.generate import CLI_SITE_ID, cli_settings
    from app.pipeline.run import DesignInput, params_from_document, run_pipeline
    from app.studies.grid import comparison_row

    try:
        lp = params_from_document(params)
        site, terrain = _site_and_terrain(boundary, lp.dem_resolution_m, lp.use_terrain, dem)
        result = run_pipeline(
            DesignInput(site_id=CLI_SITE_ID, site=site, params=lp),
            settings=cli_settings(Path(dem) if dem is not None else None),
            storage=None,
            progress=lambda stage, pct: None,
            terrain=terrain,
            weather=_weather(weather) if weather is not None else None,
        ).result
        row = comparison_row(layout_id=None, variant=variant, status="completed", metrics=result.metrics)
    except AppError as exc:
        row = comparison_row(
            layout_id=None, variant=variant, status="failed", metrics=None, error_message=str(exc)
        )
    return {"variant_no": number, **row}


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = {**row, **row["variant"]}
    return {k: "" if flat.get(k) is None else flat[k] for k in CSV_COLUMNS}


def study(
    boundary: Annotated[Path, typer.Argument(help="site boundary .kml or .kmz", exists=True, dir_okay=False)],
    grid: Annotated[
        Path,
        typer.Option("--grid", help="JSON: the axes, or {'base': …, 'grid': …}", exists=True, dir_okay=False),
    ],
    capacity_kw: Annotated[
        float | None, typer.Option("--capacity-kw", help="target capacity [kW] (else the grid file's base)")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="parallel processes (default: CPUs)")] = 0,
    dem: Annotated[
        Path | None, typer.Option(help="DEM GeoTIFF (any CRS)", exists=True, dir_okay=False)
    ] = None,
    flat: Annotated[bool, typer.Option("--flat", help="ignore terrain (flat ground)")] = False,
    resolution_m: Annotated[
        float | None, typer.Option("--resolution-m", help="terrain cell size [m], 1-100 (default 10)")
    ] = None,
    weather: Annotated[
        Path | None,
        typer.Option(
            "--weather", help="weather year: EPW, TMY3, PVGIS TMY or NSRDB PSM", exists=True, dir_okay=False
        ),
    ] = None,
    sort: Annotated[str, typer.Option(help="lcoe | mwh | mwdc | mwac | capex | yield | npv")] = "lcoe",
    csv_path: Annotated[Path | None, typer.Option("--csv", help="also write the table as CSV here")] = None,
) -> None:
    """Run a grid of layout variants in parallel and print their comparison as JSON (best LCOE first)."""
    from app.api.params import generate_params
    from app.studies.grid import SORT_KEYS, expand, sort_rows, validated_bodies

    if dem is not None and flat:
        raise InvalidInput("choose either --dem FILE or --flat, not both")
    if workers < 0:
        raise InvalidInput("--workers must be 0 (one per CPU) or more")
    if sort not in SORT_KEYS:
        raise InvalidInput(f"--sort must be one of {', '.join(SORT_KEYS)}")
    base, axes = read_grid_file(grid)
    if capacity_kw is not None:
        base["target_capacity_kw"] = capacity_kw
    if "target_capacity_kw" not in base:
        raise InvalidInput("give --capacity-kw, or target_capacity_kw in the grid file's base")
    if flat:
        base["use_terrain"] = False
    if resolution_m is not None:
        base["dem_resolution_m"] = resolution_m
    base.setdefault("dem_resolution_m", 10.0)
    variants = expand(axes)
    bodies = validated_bodies(uuid.uuid4(), base, variants, grid=axes)
    params = [generate_params(b) for b in bodies]
    n_workers = min(workers or os.cpu_count() or 1, len(variants))
    sys.stderr.write(f"{len(variants)} variants on {n_workers} processes\n")
    rows: list[dict[str, Any]] = []
    args = (
        str(boundary.resolve()),
        str(dem.resolve()) if dem else None,
        str(weather.resolve()) if weather else None,
    )
    # spawn: a clean interpreter per worker, nothing inherited from this process's threads.
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(run_variant, i, v, p, *args)
            for i, (v, p) in enumerate(zip(variants, params, strict=True), 1)
        ]
        for k, future in enumerate(as_completed(futures), 1):
            row = future.result()
            rows.append(row)
            sys.stderr.write(f"{k}/{len(variants)} variant {row['variant_no']}: {row['status']}\n")
    rows.sort(key=lambda r: r["variant_no"])
    rows = sort_rows(rows, sort)
    for row in rows:
        row.pop("layout_id", None)
    if csv_path is not None:
        with csv_path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(_csv_row(r) for r in rows)
        sys.stderr.write(f"wrote {csv_path}\n")
    typer.echo(json.dumps(rows, indent=2))
