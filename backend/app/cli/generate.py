"""`sitelayouts generate BOUNDARY.kml|kmz --capacity-kw N …`: a layout without a server or database.

Prints the metrics as JSON on stdout and a progress bar on stderr; exit code 2 with a clear
message for bad input (see `app.cli.main.main`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.engine.core.names import PROFILE_NAMES, STRATEGY_NAMES
from app.errors import InvalidInput

if TYPE_CHECKING:
    from app.config import Settings
    from app.engine.core.types import LayoutParams, SiteInput
    from app.pipeline.run import Designed

PROFILE_HELP = " | ".join(PROFILE_NAMES)
STRATEGY_HELP = " | ".join(STRATEGY_NAMES)


CLI_SITE_ID = "cli"  # the terrain and weather cache key of a site given as a file


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)


def read_site_file(path: Path) -> tuple[SiteInput, str]:
    """The engine's site (WGS84) and its name from a .kml / .kmz file, as an upload stores it
    (exclusion zones without a buffer)."""
    from app.engine.core.types import Exclusion, SiteInput
    from app.sites.kml import parse_site_file

    parsed = parse_site_file(path.read_bytes(), path.name)
    site = SiteInput(
        boundary=parsed.boundary,
        exclusions=tuple(
            Exclusion(geometry=z.geometry, buffer_m=0.0, zone_type=z.zone_type, name=z.name)
            for z in parsed.exclusions
        ),
        entry_point=parsed.entry_point,
    )
    return site, parsed.name


def wind_options(
    shear: float | None,
    turbine: str | None,
    curve: Path | None,
    hub_height_m: float | None,
    rotor_diameter_m: float | None,
    *,
    optimise_s: float | None = None,
) -> dict[str, object] | None:
    """The layout's `wind` inputs from the command line (checked as the API checks them);
    optimise_s: --optimise-turbines, the orientation search's budget [s]."""
    from app.engine.wind.params import parse_wind_params

    doc: dict[str, object] = {}
    if shear is not None:
        doc["shear_exponent"] = shear
    if optimise_s is not None:
        doc["optimise_s"] = optimise_s
    if curve is not None:
        if turbine is not None:
            raise InvalidInput("choose either --turbine NAME or --turbine-curve FILE, not both")
        if hub_height_m is None or rotor_diameter_m is None:
            raise InvalidInput("--turbine-curve needs --hub-height-m and --rotor-diameter-m")
        try:
            text = curve.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read the turbine curve {str(curve)!r}: {exc}") from None
        doc["turbine"] = {
            "name": curve.stem,
            "hub_height_m": hub_height_m,
            "rotor_diameter_m": rotor_diameter_m,
            "curve_csv": text,
        }
    else:
        if rotor_diameter_m is not None:
            raise InvalidInput("--rotor-diameter-m is for a custom --turbine-curve")
        if turbine is not None:
            doc["turbine"] = turbine
        if hub_height_m is not None:
            doc["hub_height_m"] = hub_height_m
    if not doc:
        return None
    parse_wind_params(doc)
    return doc


def electrical_options(mv_max_feeder_m: float | None) -> dict[str, object] | None:
    """The layout's `electrical` inputs from the command line: --mv-max-feeder-m METRES (the MV
    feeder length that calls for a collector substation). `InvalidInput` names the option and its
    range (the bounds are `ElectricalParams`')."""
    if mv_max_feeder_m is None:
        return None
    from annotated_types import Ge, Le

    from app.engine.electrical.params import ElectricalParams, parse_electrical_params

    doc: dict[str, object] = {"mv_max_feeder_m": mv_max_feeder_m}
    try:
        parse_electrical_params(doc)
    except InvalidInput:
        meta = ElectricalParams.model_fields["mv_max_feeder_m"].metadata
        lo = next(m.ge for m in meta if isinstance(m, Ge))
        hi = next(m.le for m in meta if isinstance(m, Le))
        raise InvalidInput(
            f"--mv-max-feeder-m must be between {lo:,g} and {hi:,g} m (got {mv_max_feeder_m:g})"
        ) from None
    return doc


def cli_settings(dem: Path | None) -> Settings:
    """The settings, with --dem FILE as the only DEM source (so the terrain provenance names it)."""
    from app.config import get_settings

    settings = get_settings()
    if dem is None:
        return settings
    return settings.model_copy(update={"dem_source": ["file"], "dem_path": dem})


class _ProgressBar:
    """A one-line progress bar on stderr (nothing when stderr is not a terminal but the stage names)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.stage = ""

    def __call__(self, stage: str, pct: float) -> None:
        width = 30
        filled = int(width * min(max(pct, 0.0), 100.0) / 100.0)
        if self.tty:
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {pct:5.1f}% {stage:<24}")
        elif stage != self.stage:
            sys.stderr.write(f"{pct:5.1f}% {stage}\n")
        sys.stderr.flush()
        self.stage = stage

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def parse_overrides(items: list[str], pv: dict[str, object]) -> dict[str, dict[str, object]]:
    """`--override KEY=VALUE` items: PV design fields go into `pv` (in place); ASSET.FIELD and
    road.FIELD become engine overrides. Values are read as JSON when they parse, else as text."""
    overrides: dict[str, dict[str, object]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--override {item!r}: expected KEY=VALUE")
        try:
            value: object = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON (or absurdly nested): the text itself
            value = raw
        key = key.strip()
        if "." in key:
            head, _, field = key.partition(".")
            if head == "pv":
                pv[field] = value
            else:
                overrides.setdefault(head, {})[field] = value
        else:
            pv[key] = value
    return overrides


def parse_loss_options(preset: str, items: list[str]) -> dict[str, object]:
    """The request's `losses` from --loss-preset and --loss KEY=VALUE (validated as the API does:
    InvalidInput names a bad preset, key or value)."""
    from app.engine.energy.losses import parse_losses

    losses: dict[str, object] = {"preset": preset}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--loss {item!r}: expected KEY=VALUE, e.g. soiling_pct=3")
        text = value.strip()
        flag = text.lower() in ("true", "false")
        losses[key.strip()] = text.lower() == "true" if flag else _number(text, item)
    parse_losses(losses)
    return losses


def _number(text: str, item: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"--loss {item!r}: {text!r} is not a number") from None


def generate(
    boundary: Annotated[Path, typer.Argument(help="site boundary .kml or .kmz", exists=True, dir_okay=False)],
    capacity_kw: Annotated[float, typer.Option("--capacity-kw", help="target generating capacity [kW]")],
    profile: Annotated[str, typer.Option(help=PROFILE_HELP)] = "solar_farm",
    strategy: Annotated[str, typer.Option(help=STRATEGY_HELP)] = "balanced",
    dem: Annotated[
        Path | None, typer.Option(help="DEM GeoTIFF (any CRS)", exists=True, dir_okay=False)
    ] = None,
    flat: Annotated[bool, typer.Option("--flat", help="ignore terrain (flat ground)")] = False,
    resolution_m: Annotated[
        float, typer.Option("--resolution-m", help="terrain cell size [m], 1-100")
    ] = 10.0,
    setback_m: Annotated[float, typer.Option("--setback-m", help="keep-out inside the boundary [m]")] = 15.0,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="write the layout GeoJSON here")
    ] = None,
    export: Annotated[
        str | None, typer.Option("--export", help="also write these formats, e.g. pdf,kmz,dxf,csv,geojson")
    ] = None,
    export_dir: Annotated[Path, typer.Option("--export-dir", help="folder for --export files")] = Path("."),
    structure: Annotated[str | None, typer.Option(help="PV structure: fixed | tracker")] = None,
    gcr: Annotated[float | None, typer.Option("--gcr", help="ground coverage ratio (0.15-0.9)")] = None,
    pitch_m: Annotated[
        float | None, typer.Option("--pitch-m", help="row spacing [m] (instead of --gcr)")
    ] = None,
    tilt_deg: Annotated[float | None, typer.Option("--tilt-deg", help="fixed-tilt angle [deg]")] = None,
    dc_ac: Annotated[float | None, typer.Option("--dc-ac", help="DC/AC ratio (1.0-2.0)")] = None,
    module: Annotated[str | None, typer.Option("--module", help="module name (pvlib CEC library)")] = None,
    weather: Annotated[
        Path | None,
        typer.Option(
            "--weather",
            help="weather year for the energy yield: EPW, TMY3, PVGIS TMY CSV/JSON or NSRDB PSM CSV "
            "(default: WEATHER_SOURCE, offline a labelled clear-sky upper bound)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    wind: Annotated[
        Path | None,
        typer.Option(
            "--wind",
            help="wind resource for turbines (wind_hybrid): sector Weibull table CSV, WAsP/WindPRO .tab or "
            "time-series CSV (docs/wind.md); without one no wind energy is computed",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    wind_shear: Annotated[
        float | None,
        typer.Option("--wind-shear", help="power-law shear exponent to hub height (default 0.143 = 1/7)"),
    ] = None,
    turbine: Annotated[
        str | None,
        typer.Option("--turbine", help="turbine: iea_3.4mw_130 (default) | nrel_5mw | iea_10mw | iea_15mw"),
    ] = None,
    turbine_curve: Annotated[
        Path | None,
        typer.Option(
            "--turbine-curve",
            help="custom turbine curve CSV (wind_speed_m_s, power_kw, thrust_coefficient); needs "
            "--hub-height-m and --rotor-diameter-m",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    hub_height_m: Annotated[
        float | None, typer.Option("--hub-height-m", help="turbine hub height [m] (a custom curve needs it)")
    ] = None,
    rotor_diameter_m: Annotated[
        float | None, typer.Option("--rotor-diameter-m", help="custom turbine rotor diameter [m]")
    ] = None,
    optimise_turbines: Annotated[
        float | None,
        typer.Option(
            "--optimise-turbines",
            metavar="SECONDS",
            help="search the turbine lattice's orientation for the most energy after wakes within this "
            "time budget (off by default; docs/wind.md#layout-optimisation)",
        ),
    ] = None,
    energy: Annotated[
        bool,
        typer.Option(
            "--energy/--no-energy",
            help="simulate the energy yield (pvlib) for annual MWh, LCOE and NPV; --no-energy gives "
            "the layout, electrical design and CAPEX only",
        ),
    ] = True,
    loss_preset: Annotated[
        str,
        typer.Option(
            "--loss-preset",
            help="yield loss stack: conservative | typical | optimistic (docs/energy.md, Loss stack)",
        ),
    ] = "typical",
    loss: Annotated[
        list[str] | None,
        typer.Option(
            "--loss",
            help="KEY=VALUE, repeatable: override one loss of the preset (soiling_pct=3, snow=false)",
        ),
    ] = None,
    firm_power_mw: Annotated[
        float | None, typer.Option("--firm-power-mw", help="storage: firm power to deliver [MW]")
    ] = None,
    firm_hours: Annotated[
        float | None, typer.Option("--firm-hours", help="storage: firm hours a day (default: the window)")
    ] = None,
    firm_window: Annotated[
        str | None,
        typer.Option("--firm-window", help="storage: daily window START-END hours (default 18-22)"),
    ] = None,
    firm_days_share: Annotated[
        float | None, typer.Option("--firm-days-share", help="storage: share of days the target is met (0-1]")
    ] = None,
    storage_mw: Annotated[float | None, typer.Option("--storage-mw", help="fixed battery power [MW]")] = None,
    storage_mwh: Annotated[
        float | None, typer.Option("--storage-mwh", help="fixed battery energy [MWh]")
    ] = None,
    load_profile: Annotated[
        Path | None,
        typer.Option(
            "--load-profile", help="storage target: CSV of 24 or 8760 MW values", exists=True, dir_okay=False
        ),
    ] = None,
    storage_dispatch: Annotated[
        Path | None,
        typer.Option("--storage-dispatch", help="write the storage's hourly year (8760 rows) to FILE.csv"),
    ] = None,
    mv_max_feeder_m: Annotated[
        float | None,
        typer.Option(
            "--mv-max-feeder-m",
            metavar="METRES",
            help="longest MV feeder route before the plant gets collector substations [m], 500-50,000 "
            "(default 5,000; docs/engine.md, Collector substations)",
        ),
    ] = None,
    gas_fuel_price: Annotated[
        float | None, typer.Option("--gas-fuel-price", help="gas fuel price [USD/MMBtu] (default 3.5)")
    ] = None,
    override: Annotated[
        list[str] | None,
        typer.Option(
            "--override",
            help="KEY=VALUE, repeatable: a PV design field (max_slope_along_pct=12, block_ac_kw=3000) "
            "or ASSET.FIELD / road.FIELD (power_station.max_slope_deg=8)",
        ),
    ] = None,
) -> None:
    """Generate a layout for a boundary file and print its metrics as JSON."""
    # Imported here, and exports and the yield only when asked for, so the command pays for
    # what it runs (docs/benchmarks.md, CLI start-up).
    from app.engine.core.types import LayoutParams
    from app.pipeline.run import DesignInput, run_pipeline

    _check_energy_options(
        dem=dem, flat=flat, weather=weather, energy=energy, loss=loss, loss_preset=loss_preset
    )
    losses = parse_loss_options(loss_preset, loss or []) if energy else None
    if capacity_kw <= 0:
        raise InvalidInput("--capacity-kw must be greater than 0")
    if not 1 <= resolution_m <= 100:
        raise InvalidInput("--resolution-m must be between 1 and 100")
    from app.cli.storage_options import storage_request

    storage_req, gas_req = storage_request(
        firm_power_mw=firm_power_mw,
        firm_hours=firm_hours,
        firm_window=firm_window,
        firm_days_share=firm_days_share,
        storage_mw=storage_mw,
        storage_mwh=storage_mwh,
        load_profile=load_profile,
        gas_fuel_price=gas_fuel_price,
    )
    site, site_name = read_site_file(boundary)
    pv = _pv_options(
        structure=structure, gcr=gcr, pitch_m=pitch_m, tilt_deg=tilt_deg, dc_ac=dc_ac, module=module
    )
    overrides = parse_overrides(override or [], pv)
    wind_params = wind_options(
        wind_shear, turbine, turbine_curve, hub_height_m, rotor_diameter_m, optimise_s=optimise_turbines
    )
    electrical = electrical_options(mv_max_feeder_m)
    params = LayoutParams(
        target_capacity_kw=capacity_kw,
        profile=profile,
        strategy=strategy,
        setback_m=setback_m,
        dem_resolution_m=resolution_m,
        use_terrain=not flat,
        overrides=overrides,
        pv=pv or None,
        losses=losses,
        wind=wind_params,
        electrical=electrical,
        storage=storage_req,
        gas=gas_req,
    )
    weather_year = None
    if weather is not None:
        from app.weather.service import read_weather_file

        weather_year = read_weather_file(weather)
    wind_resource = None
    if wind is not None:
        from app.wind.file import read_wind_file

        wind_resource = read_wind_file(wind)
    bar = _ProgressBar()
    designed = run_pipeline(
        DesignInput(site_id=CLI_SITE_ID, site=site, params=params),
        settings=cli_settings(dem),
        storage=None,
        progress=bar,
        weather=weather_year,
        wind=wind_resource,
        simulate=energy,
    )
    bar("done", 100.0)
    bar.done()
    _write_files(designed, site, site_name, params, output=output, export=export, export_dir=export_dir)
    if storage_dispatch is not None:
        from app.cli.storage_options import write_dispatch

        write_dispatch(designed.result.design, storage_dispatch)
        typer.echo(f"wrote {storage_dispatch}", err=True)
    typer.echo(json.dumps(_printed_metrics(designed), indent=2))


def _check_energy_options(
    *,
    dem: Path | None,
    flat: bool,
    weather: Path | None,
    energy: bool,
    loss: list[str] | None,
    loss_preset: str,
) -> None:
    """Options that contradict one another fail by name (`InvalidInput`, exit code 2)."""
    if dem is not None and flat:
        raise InvalidInput("choose either --dem FILE or --flat, not both")
    if weather is not None and not energy:
        raise InvalidInput("--weather is for the energy yield: drop it or drop --no-energy")
    if not energy and (loss or loss_preset != "typical"):
        raise InvalidInput("--loss-preset / --loss are for the energy yield: drop them or drop --no-energy")


def _pv_options(
    *,
    structure: str | None,
    gcr: float | None,
    pitch_m: float | None,
    tilt_deg: float | None,
    dc_ac: float | None,
    module: str | None,
) -> dict[str, object]:
    """The PV design fields given on the command line (the others keep the profile's values)."""
    return {
        k: v
        for k, v in {
            "structure": structure,
            "gcr": gcr,
            "pitch_m": pitch_m,
            "tilt_deg": tilt_deg,
            "dc_ac_ratio": dc_ac,
            "module": module,
        }.items()
        if v is not None
    }


def _write_files(
    designed: Designed,
    site: SiteInput,
    site_name: str,
    params: LayoutParams,
    *,
    output: Path | None,
    export: str | None,
    export_dir: Path,
) -> None:
    """The layout GeoJSON at `output` and the `export` formats in `export_dir`, when asked for."""
    result, terrain = designed.result, designed.terrain
    if output is not None:
        from app.engine.core.geojson import layout_geojson_bytes

        output.write_bytes(layout_geojson_bytes(site, result, params))
    if export:
        from app.cli.export import write_exports
        from app.exports.build import document_from_result

        doc = document_from_result(
            site=site,
            result=result,
            params=params,
            site_name=site_name,
            layout_id=CLI_SITE_ID,
            grid=terrain.grid,
            grid_source=terrain.source,
        )
        for path in write_exports(doc, export, export_dir):
            typer.echo(f"wrote {path}", err=True)


def _printed_metrics(designed: Designed) -> dict[str, object]:
    """What the command prints: the metrics, warnings, the design document's tables (BOM, MV
    single-line, energy months and losses, cost lines) and the terrain's source."""
    result = designed.result
    metrics = dict(result.metrics)
    metrics["warnings"] = list(result.warnings)
    # The design document's tables (BOM, MV single-line, energy months and losses, cost lines).
    for key in ("bom", "energy", "cost", "wind", "gas", "economics_by_source"):
        if key in result.design:
            metrics[key] = result.design[key]
    if "storage" in result.design:  # without its 8760-row year (--storage-dispatch writes it)
        metrics["storage"] = {k: v for k, v in result.design["storage"].items() if k != "dispatch"}
    if "electrical" in result.design:
        metrics["single_line"] = result.design["electrical"].get("single_line")
    metrics["terrain_source"] = designed.terrain.source
    return metrics
