"""The yield of a PV plant as designed over a weather year: `simulate_plant`.

Chain (each step in docs/energy.md): solar position → per row group (terrain class) plane-of-array
irradiance with row shading and IAM (`irradiance.py`) → soiling → bifacial rear gain → cell
temperature (PVsyst model) → module DC power (CEC single-diode for CEC-library modules, else
PVWatts with the module's γ) → snow cover (pvlib.snow) → LID / LeTID / quality / mismatch / DC ohmic →
per inverter block: PVWatts inverter efficiency curve and clipping at its AC rating → AC cables,
MV transformer (copper, iron), auxiliary consumption, availability. The year's P90s follow from
its variability (`uncertainty.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from pvlib import atmosphere, irradiance, pvsystem, solarposition, temperature
from pyproj import Transformer

from app.engine.energy.groups import SimGroup, fixed_height_m, group_tables, row_axis_azimuth_deg
from app.engine.energy.hourly import hourly_year_mw
from app.engine.energy.irradiance import DiffuseMasks, RowGeometry, Sun, diffuse_masks, group_irradiance
from app.engine.energy.losses import (
    DEFAULT_INTERANNUAL_COV_PCT,
    DEFAULT_LOSSES,
    LOSS_BASIS,
    LOSS_SOURCES,
    Losses,
)
from app.engine.energy.snow import SnowInput, snow_dc_loss, snow_input
from app.engine.energy.types import CLEARSKY_LABEL, EnergyResult, LossStep, WeatherData
from app.engine.energy.uncertainty import exceedance, yearly_variability_pct
from app.engine.pv.modules import ModuleSpec
from app.engine.pv.types import PvPlant
from app.errors import InvalidInput

# PVWatts v5 inverter part-load curve (Dobos 2014, NREL/TP-6A20-62641, eq. 11-12).
PVWATTS_ETA_REF = 0.9637


@lru_cache(maxsize=1)
def _cec_library() -> Any:
    return pvsystem.retrieve_sam("CECMod")


def _cec_parameters(module: ModuleSpec) -> Any | None:
    """The module's CEC single-diode parameters when it comes from the CEC library, else None."""
    if not module.source.startswith("CEC module library"):
        return None
    table = _cec_library()
    return table[module.name] if module.name in table.columns else None


def plant_location(plant: PvPlant) -> tuple[float, float, float]:
    """Latitude, longitude [° WGS84] of the mean table centre and mean ground elevation [m]."""
    xs = np.array([t.centre[0] for t in plant.tables])
    ys = np.array([t.centre[1] for t in plant.tables])
    lon, lat = Transformer.from_crs(plant.crs, "EPSG:4326", always_xy=True).transform(xs.mean(), ys.mean())
    elev = float(np.mean([t.elevation_m for t in plant.tables]))
    return float(lat), float(lon), elev


def _sun(weather: WeatherData, lat: float, lon: float, elev: float, albedo: float) -> tuple[Sun, np.ndarray]:
    """Solar geometry at each step's interval midpoint; the daytime steps and their mask."""
    df = weather.data
    half = pd.Timedelta(hours=weather.step_hours / 2.0)
    shift = {"ending": -half, "beginning": half, "instant": pd.Timedelta(0)}[weather.interval_label]
    times = df.index + shift
    pressure = atmosphere.alt2pres(elev)
    sp = solarposition.get_solarposition(
        times, lat, lon, altitude=elev, pressure=pressure, temperature=df["temp_air"].to_numpy()
    )
    zenith = sp["zenith"].to_numpy(dtype=float)
    day = (zenith < 90.0) & (df["ghi"].to_numpy(dtype=float) > 0)
    ghi = df["ghi"].to_numpy(dtype=float)[day]
    if "dni" in df.columns and "dhi" in df.columns:
        dni = df["dni"].to_numpy(dtype=float)[day]
        dhi = np.minimum(df["dhi"].to_numpy(dtype=float)[day], ghi)
    else:  # GHI only: split it with the Erbs model
        split = irradiance.erbs(ghi, zenith[day], times[day])
        dni = np.nan_to_num(np.asarray(split["dni"], dtype=float))
        dhi = np.nan_to_num(np.asarray(split["dhi"], dtype=float))
    alb = df["albedo"].to_numpy(dtype=float)[day] if "albedo" in df.columns else np.full(day.sum(), albedo)
    sun = Sun(
        zenith=zenith[day],
        apparent_zenith=sp["apparent_zenith"].to_numpy(dtype=float)[day],
        azimuth=sp["azimuth"].to_numpy(dtype=float)[day],
        dni=dni,
        ghi=ghi,
        dhi=dhi,
        dni_extra=np.asarray(irradiance.get_extra_radiation(times), dtype=float)[day],
        albedo=np.nan_to_num(np.clip(alb, 0.0, 1.0), nan=albedo),
    )
    return sun, day


def _rows(plant: PvPlant, losses: Losses) -> RowGeometry:
    d = plant.design
    tracker = d.design.structure == "tracker"
    width = d.design.collector_width_m
    height = (
        losses.tracker_axis_height_m
        if tracker
        else fixed_height_m(losses.fixed_lower_edge_m, width, d.tilt_deg)
    )
    return RowGeometry(
        tracker=tracker,
        tilt_deg=d.tilt_deg,
        max_rotation_deg=float(getattr(d, "max_rotation_deg", d.design.max_rotation_deg)),
        gcr=d.gcr,
        collector_width_m=width,
        pitch_m=d.pitch_m,
        height_m=height,
    )


def _dc_per_kwp(
    effective: np.ndarray, temp_cell: np.ndarray, module: ModuleSpec, cec: Any | None
) -> tuple[np.ndarray, np.ndarray]:
    """DC power per kWp of nameplate [kW/kWp] with and without the temperature (and, for CEC
    modules, the single-diode low-light) behaviour."""
    ideal = effective / 1000.0
    if cec is None:
        dc = pvsystem.pvwatts_dc(effective, temp_cell, 1.0, module.gamma_pmp_pct_per_c / 100.0)
        return np.nan_to_num(np.asarray(dc, dtype=float)), ideal
    params = pvsystem.calcparams_cec(
        effective,
        temp_cell,
        cec["alpha_sc"],
        cec["a_ref"],
        cec["I_L_ref"],
        cec["I_o_ref"],
        cec["R_sh_ref"],
        cec["R_s"],
        cec["Adjust"],
    )
    mpp = pvsystem.max_power_point(*params, method="newton")
    p_mp = np.clip(np.nan_to_num(np.asarray(mpp["p_mp"], dtype=float)), 0.0, None)
    return p_mp / float(cec["STC"]), ideal


def _inverter(pdc: np.ndarray, ac_kw: np.ndarray, eta_nom: float) -> tuple[np.ndarray, np.ndarray]:
    """AC power [kW] per step and block before and after clipping at the block rating (PVWatts)."""
    pdc0 = ac_kw / eta_nom
    zeta = np.where(pdc > 0, pdc / pdc0, 1.0)
    eta = eta_nom / PVWATTS_ETA_REF * (-0.0162 * zeta - 0.0059 / zeta + 0.9858)
    unclipped = np.where(pdc > 0, np.clip(eta, 0.0, None) * pdc, 0.0)
    return unclipped, np.minimum(unclipped, ac_kw)


@dataclass
class _Tally:
    """Annual sums [kWh/m² or kWh] at each step of the chain, over all groups."""

    ghi: float = 0.0
    poa_nominal: float = 0.0
    poa_shaded: float = 0.0
    poa_iam: float = 0.0
    poa_soiled: float = 0.0
    poa_rear_gross: float = 0.0
    poa_effective: float = 0.0
    dc_stc: float = 0.0
    dc_module: float = 0.0
    dc_snow: float = 0.0
    dc_lid: float = 0.0
    dc_letid: float = 0.0
    dc_quality: float = 0.0
    dc_mismatch: float = 0.0
    dc_ohmic: float = 0.0
    ac_unclipped: float = 0.0
    ac_clipped: float = 0.0
    ac_cables: float = 0.0
    ac_copper: float = 0.0
    ac_iron: float = 0.0
    ac_aux: float = 0.0
    ac_grid: float = 0.0


def _pct(after: float, before: float) -> float:
    return (after / before - 1.0) * 100.0 if before > 0 else 0.0


# Waterfall steps that are losses of the stack: step name → Losses field.
_STEP_KEYS = {
    "Soiling": "soiling_pct",
    "Rear-side irradiance mismatch (bifacial)": "rear_mismatch_pct",
    "Light-induced degradation (LID)": "lid_pct",
    "Light- and elevated-temperature-induced degradation (LeTID)": "letid_pct",
    "Module quality": "module_quality_pct",
    "Mismatch": "mismatch_pct",
    "DC wiring (ohmic)": "dc_ohmic_pct",
    "Inverter efficiency": "inverter_efficiency_pct",
    "AC / MV cables (ohmic)": "ac_ohmic_pct",
    "MV transformer, copper (load)": "transformer_copper_pct",
    "MV transformer, iron (no-load, all hours)": "transformer_iron_pct",
    "Auxiliary consumption": "auxiliary_pct",
    "Availability": "availability_pct",
}


def _waterfall(t: _Tally, kind: str) -> tuple[LossStep, ...]:
    irr = "kWh/m²"
    steps = [
        ("Global horizontal irradiation", 0.0, t.ghi, irr),
        ("Transposition to the module plane (Hay–Davies)", _pct(t.poa_nominal, t.ghi), t.poa_nominal, irr),
        ("Row-to-row shading (beam and diffuse)", _pct(t.poa_shaded, t.poa_nominal), t.poa_shaded, irr),
        ("Incidence angle (IAM)", _pct(t.poa_iam, t.poa_shaded), t.poa_iam, irr),
        ("Soiling", _pct(t.poa_soiled, t.poa_iam), t.poa_soiled, irr),
        ("Bifacial rear-side gain", _pct(t.poa_rear_gross, t.poa_soiled), t.poa_rear_gross, irr),
        (
            "Rear-side irradiance mismatch (bifacial)",
            _pct(t.poa_effective, t.poa_rear_gross),
            t.poa_effective,
            irr,
        ),
        ("Array nominal energy at STC efficiency", 0.0, t.dc_stc / 1000.0, "MWh"),
        (
            "Temperature and irradiance level (CEC single-diode)"
            if kind == "cec"
            else "Temperature (PVWatts, module γ)",
            _pct(t.dc_module, t.dc_stc),
            t.dc_module / 1000.0,
            "MWh",
        ),
        ("Snow cover (pvlib.snow, NREL model)", _pct(t.dc_snow, t.dc_module), t.dc_snow / 1000.0, "MWh"),
        ("Light-induced degradation (LID)", _pct(t.dc_lid, t.dc_snow), t.dc_lid / 1000.0, "MWh"),
        (
            "Light- and elevated-temperature-induced degradation (LeTID)",
            _pct(t.dc_letid, t.dc_lid),
            t.dc_letid / 1000.0,
            "MWh",
        ),
        ("Module quality", _pct(t.dc_quality, t.dc_letid), t.dc_quality / 1000.0, "MWh"),
        ("Mismatch", _pct(t.dc_mismatch, t.dc_quality), t.dc_mismatch / 1000.0, "MWh"),
        ("DC wiring (ohmic)", _pct(t.dc_ohmic, t.dc_mismatch), t.dc_ohmic / 1000.0, "MWh"),
        ("Inverter efficiency", _pct(t.ac_unclipped, t.dc_ohmic), t.ac_unclipped / 1000.0, "MWh"),
        ("Inverter clipping (DC/AC ratio)", _pct(t.ac_clipped, t.ac_unclipped), t.ac_clipped / 1000.0, "MWh"),
        ("AC / MV cables (ohmic)", _pct(t.ac_cables, t.ac_clipped), t.ac_cables / 1000.0, "MWh"),
        ("MV transformer, copper (load)", _pct(t.ac_copper, t.ac_cables), t.ac_copper / 1000.0, "MWh"),
        (
            "MV transformer, iron (no-load, all hours)",
            _pct(t.ac_iron, t.ac_copper),
            t.ac_iron / 1000.0,
            "MWh",
        ),
        ("Auxiliary consumption", _pct(t.ac_aux, t.ac_iron), t.ac_aux / 1000.0, "MWh"),
        ("Availability", _pct(t.ac_grid, t.ac_aux), t.ac_grid / 1000.0, "MWh"),
    ]
    return tuple(LossStep(name=n, percent=p, value_after=v, unit=u) for n, p, v, u in steps)


def _loss_stack(
    losses: Losses, waterfall: tuple[LossStep, ...], bifacial: bool
) -> tuple[dict[str, Any], ...]:
    """Every loss of the stack: its input [%] and the basis it is given on, its annual share [%]
    (the waterfall step, positive = loss) and the default's source."""
    by_key = {_STEP_KEYS[s.name]: s for s in waterfall if s.name in _STEP_KEYS}
    values = losses.model_dump()
    out = []
    for key, step in by_key.items():
        if key == "rear_mismatch_pct" and not bifacial:
            continue
        out.append(
            {
                "key": key,
                "name": step.name,
                "input_pct": values[key],
                "input_basis": LOSS_BASIS[key],
                "annual_pct": round(-step.percent, 4),
                "source": LOSS_SOURCES[key],
            }
        )
    out.append(
        {
            "key": "degradation_pct_per_yr",
            "name": "Degradation (per year after the first; over the lifetime)",
            "input_pct": values["degradation_pct_per_yr"],
            "input_basis": LOSS_BASIS["degradation_pct_per_yr"],
            "annual_pct": None,
            "source": LOSS_SOURCES["degradation_pct_per_yr"],
        }
    )
    return tuple(out)


def _empty_result(plant: PvPlant, weather: WeatherData, losses: Losses, preset: str) -> EnergyResult:
    return EnergyResult(
        annual_energy_mwh=0.0, specific_yield_kwh_per_kwp=0.0, performance_ratio=0.0, capacity_factor=0.0,
        monthly_energy_mwh=(0.0,) * 12, waterfall=(), dc_kwp=0.0, ac_kw=plant.ac_kw, poa_kwh_per_m2=0.0,
        ghi_kwh_per_m2=0.0, weather_source=weather.source, weather=weather.summary(),
        label=CLEARSKY_LABEL if weather.is_clearsky else None, model={}, losses=losses.to_document(),
        groups=0, loss_preset=preset,
    )  # fmt: skip


def _exceedance(losses: Losses, weather: WeatherData, grid_kwh: pd.Series, p50_mwh: float) -> Any:
    """The P90s: inter-annual variability from the request, else from a multi-year series, else
    the cited default; None on clear sky (no weather to vary)."""
    if weather.is_clearsky or p50_mwh <= 0:
        return None
    if losses.interannual_variability_pct is not None:
        iav, source = losses.interannual_variability_pct, "request"
    else:
        measured = yearly_variability_pct(grid_kwh, weather.step_hours)
        if measured is not None:
            iav, source = measured[0], f"weather: CoV of the simulated energy of {measured[1]} years"
        else:
            iav = DEFAULT_INTERANNUAL_COV_PCT
            source = "default: GHI inter-annual CoV 2–5 % (Gueymard & Wilcox 2011), one typical year given"
    return exceedance(
        p50_mwh,
        interannual_pct=iav,
        interannual_source=source,
        resource_pct=losses.resource_uncertainty_pct,
        model_pct=losses.model_uncertainty_pct,
    )


def simulate_plant(
    plant: PvPlant,
    weather: WeatherData,
    losses: Losses | None = None,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    elevation_m: float | None = None,
    loss_preset: str = "typical",
) -> EnergyResult:
    """The plant's energy over the weather year (annual figures per year of data).

    plant: tables (UTM, DC kWp, slopes) and inverter blocks (AC kW) as designed; weather: the
    weather year; losses: assumptions (defaults `DEFAULT_LOSSES`, the typical stack; `loss_preset`
    names the preset they came from). latitude / longitude [° WGS84] / elevation_m [m] of the site,
    default the plant's mean table centre and ground. A plant without tables gives a zero result.
    Raises InvalidInput for a plant with no DC.
    """
    losses = losses or DEFAULT_LOSSES
    if not plant.tables:
        return _empty_result(plant, weather, losses, loss_preset)
    groups, blocks = group_tables(plant)
    dc_total = float(sum(g.dc_kwp for g in groups))
    if dc_total <= 0:
        raise InvalidInput("the PV plant has no DC capacity to simulate")
    lat0, lon0, elev0 = plant_location(plant)
    lat = latitude if latitude is not None else lat0
    lon = longitude if longitude is not None else lon0
    elev = elevation_m if elevation_m is not None else elev0
    chain = _chain(plant, weather, losses, lat, lon, elev, dc_total)
    tally = _Tally(ghi=float(chain.sun.ghi.sum()) * chain.step_h / 1000.0 / chain.years)
    block_dc = np.zeros((len(chain.sun.zenith), len(blocks.ids)))
    for g in groups:
        block_dc += np.outer(_group_dc(g, chain, tally), g.kwp_by_block)
    grid_kw = _ac_side(block_dc, blocks.ac_kw, losses, chain, len(weather.data), tally)
    ac_kw = float(blocks.ac_kw.sum())
    grid_series = pd.Series(grid_kw * chain.step_h, index=weather.data.index)  # kWh per step
    monthly = grid_series.groupby(weather.data.index.month).sum() / chain.years
    monthly_mwh = tuple(float(monthly.get(m, 0.0)) / 1000.0 for m in range(1, 13))
    annual_kwh = tally.ac_grid
    cec = chain.cec
    waterfall = _waterfall(tally, "cec" if cec is not None else "pvwatts")
    notes: list[str] = []
    snow_doc = _snow_document(chain.snow_in, tally, notes)
    return EnergyResult(
        annual_energy_mwh=annual_kwh / 1000.0,
        specific_yield_kwh_per_kwp=annual_kwh / dc_total,
        performance_ratio=annual_kwh / (tally.poa_nominal * dc_total) if tally.poa_nominal > 0 else 0.0,
        capacity_factor=annual_kwh / (ac_kw * 8760.0) if ac_kw > 0 else 0.0,
        monthly_energy_mwh=monthly_mwh,
        waterfall=waterfall,
        dc_kwp=dc_total,
        ac_kw=ac_kw,
        poa_kwh_per_m2=tally.poa_nominal,
        ghi_kwh_per_m2=tally.ghi,
        weather_source=weather.source,
        weather=weather.summary(),
        label=CLEARSKY_LABEL if weather.is_clearsky else None,
        model=_model_document(plant, losses, cec is not None, lat, lon, elev),
        losses=losses.to_document(),
        groups=len(groups),
        loss_preset=loss_preset,
        exceedance=_exceedance(losses, weather, grid_series, annual_kwh / 1000.0),
        loss_stack=_loss_stack(losses, waterfall, chain.module.bifaciality > 0),
        annual_loss_pct={k: round(v, 4) for k, v in _annual_loss(tally, losses, annual_kwh).items()},
        snow=snow_doc,
        notes=tuple(notes),
        hourly_grid_mw=hourly_year_mw(grid_kw, weather.data.index, longitude_deg=lon),
    )


@dataclass(frozen=True, kw_only=True)
class _Chain:
    """What every row group's DC chain shares: the sun over the daylight steps (`day`, a mask of
    the weather year's steps), the nominal rows and their diffuse masks, air temperature [°C]
    (all steps and daylight) and wind [m/s], the module (CEC parameters or None: PVWatts), the
    losses, the snow drivers (None: snow off), the step [h], the years of data and the DC [kWp]."""

    sun: Sun
    day: np.ndarray
    rows: RowGeometry
    masks: DiffuseMasks
    temp_all: np.ndarray
    temp_air: np.ndarray
    wind: np.ndarray
    module: ModuleSpec
    cec: Any
    n_across: int
    losses: Losses
    snow_in: SnowInput | None
    step_h: float
    years: float
    dc_total: float


def _chain(
    plant: PvPlant, weather: WeatherData, losses: Losses, lat: float, lon: float, elev: float, dc_total: float
) -> _Chain:
    """The shared inputs of the DC chain at the site (lat, lon [°], elev [m])."""
    sun, day = _sun(weather, lat, lon, elev, losses.albedo)
    rows = _rows(plant, losses)
    design = plant.design.design
    module = design.module
    temp_all = weather.data["temp_air"].to_numpy(dtype=float)
    return _Chain(
        sun=sun,
        day=day,
        rows=rows,
        masks=diffuse_masks(
            sun, rows, axis_azimuth=row_axis_azimuth_deg(plant), bifaciality=module.bifaciality
        ),
        temp_all=temp_all,
        temp_air=temp_all[day],
        wind=weather.data["wind_speed"].to_numpy(dtype=float)[day],
        module=module,
        cec=_cec_parameters(module),
        n_across=design.n_across,
        losses=losses,
        snow_in=snow_input(weather) if losses.snow else None,
        step_h=weather.step_hours,
        years=max(weather.years_covered, 1e-9),
        dc_total=dc_total,
    )


def _group_dc(g: SimGroup, c: _Chain, tally: _Tally) -> np.ndarray:
    """One row group's DC power per kWp of the group [kW/kWp] at each daylight step after the DC
    chain (irradiance with shading and IAM, soiling, rear gain, cell temperature, module model,
    snow, LID / LeTID / quality / mismatch, DC ohmic), its steps added to `tally`."""
    losses, module, step_h, years = c.losses, c.module, c.step_h, c.years
    soil = 1.0 - losses.soiling_pct / 100.0
    # Rear irradiance counts at the module's bifaciality, less what the structure shades; the
    # rear's non-uniformity costs a share of that gain (mismatch between cells).
    rear_factor = module.bifaciality * (1.0 - losses.rear_shading_pct / 100.0)
    rear_kept = 1.0 - losses.rear_mismatch_pct / 100.0
    w = g.dc_kwp / c.dc_total
    irr = group_irradiance(
        c.sun, c.rows, c.masks, axis_azimuth=g.axis_azimuth_deg, axis_tilt=g.axis_tilt_deg,
        cross_axis_tilt=g.cross_axis_tilt_deg,
    )  # fmt: skip
    front = irr.after_iam * soil
    rear_gross = front + irr.rear * rear_factor
    effective = front + irr.rear * rear_factor * rear_kept
    temp_cell = temperature.pvsyst_cell(
        effective, c.temp_air, c.wind, u_c=losses.u_c, u_v=losses.u_v, module_efficiency=module.efficiency
    )
    dc, ideal = _dc_per_kwp(effective, np.asarray(temp_cell, dtype=float), module, c.cec)
    k = step_h / 1000.0 / years  # W/m² steps → kWh/m² per year
    tally.poa_nominal += w * float(irr.nominal.sum()) * k
    tally.poa_shaded += w * float(irr.shaded.sum()) * k
    tally.poa_iam += w * float(irr.after_iam.sum()) * k
    tally.poa_soiled += w * float(front.sum()) * k
    tally.poa_rear_gross += w * float(rear_gross.sum()) * k
    tally.poa_effective += w * float(effective.sum()) * k
    e = g.dc_kwp * step_h / years  # kW/kWp steps → kWh per year for the group
    tally.dc_stc += float(ideal.sum()) * e
    tally.dc_module += float(dc.sum()) * e
    snow_in, day = c.snow_in, c.day
    if snow_in is not None and snow_in.snowfall is not None:
        poa_all = np.zeros(len(day))
        poa_all[day] = irr.nominal
        # Night: fixed tables keep their tilt; trackers lie flat (no sliding credited).
        tilt_all = np.full(len(day), 0.0 if c.rows.tracker else float(np.mean(irr.surface_tilt)))
        tilt_all[day] = irr.surface_tilt
        loss = snow_dc_loss(snow_in, poa_all, c.temp_all, tilt_all, c.n_across)
        dc = dc * (1.0 - loss[day])
    tally.dc_snow += float(dc.sum()) * e
    dc_factors = (
        1.0 - losses.lid_pct / 100.0,
        1.0 - losses.letid_pct / 100.0,
        1.0 - losses.module_quality_pct / 100.0,
        1.0 - losses.mismatch_pct / 100.0,
    )
    sums = []
    for f in dc_factors:
        dc = dc * f
        sums.append(float(dc.sum()) * e)
    tally.dc_lid += sums[0]
    tally.dc_letid += sums[1]
    tally.dc_quality += sums[2]
    tally.dc_mismatch += sums[3]
    # Ohmic loss grows with the square of the current, i.e. with power: given at STC (1 kW/kWp).
    dc = dc * (1.0 - losses.dc_ohmic_pct / 100.0 * np.clip(dc, 0.0, None))
    tally.dc_ohmic += float(dc.sum()) * e
    out: np.ndarray = dc
    return out


def _ac_side(
    block_dc: np.ndarray, block_ac_kw: np.ndarray, losses: Losses, c: _Chain, n_steps: int, tally: _Tally
) -> np.ndarray:
    """The power delivered to the grid [kW] at each of the year's `n_steps` steps from each
    block's DC [kW] at the daylight steps: inverter (efficiency curve, clipping), AC cables,
    transformer copper and iron losses, auxiliary consumption, availability; sums into `tally`."""
    unclipped, clipped = _inverter(block_dc, block_ac_kw, losses.inverter_efficiency_pct / 100.0)
    cables = clipped * (1.0 - losses.ac_ohmic_pct / 100.0 * clipped / block_ac_kw)
    # Transformer load (copper) loss ∝ (S/S_rated)²; the iron loss is drawn every hour of the year.
    copper = cables * (1.0 - losses.transformer_copper_pct / 100.0 * cables / block_ac_kw)
    ac_kw = float(block_ac_kw.sum())
    iron_kw = losses.transformer_iron_pct / 100.0 * ac_kw
    aux = losses.auxiliary_pct / 100.0
    avail = losses.availability_pct / 100.0
    produced = np.zeros(n_steps)
    produced[c.day] = copper.sum(axis=1)
    grid_kw: np.ndarray = produced * (1.0 - aux) * avail - iron_kw
    hours = c.step_h / c.years
    tally.ac_unclipped = float(unclipped.sum()) * hours
    tally.ac_clipped = float(clipped.sum()) * hours
    tally.ac_cables = float(cables.sum()) * hours
    tally.ac_copper = float(produced.sum()) * hours
    tally.ac_iron = tally.ac_copper - iron_kw * len(produced) * hours
    tally.ac_aux = tally.ac_iron - aux * tally.ac_copper
    tally.ac_grid = float(grid_kw.sum()) * hours
    return grid_kw


def _snow_document(snow_in: SnowInput | None, tally: _Tally, notes: list[str]) -> dict[str, Any]:
    """The result's snow section: modelled or not, by which driver, the annual loss [%]; the
    driver's note (if any) added to `notes`."""
    if snow_in is None:
        return {"modelled": False, "driver": "off (losses.snow = false)", "annual_loss_pct": 0.0}
    modelled = snow_in.snowfall is not None
    if snow_in.note:
        notes.append(snow_in.note)
    return {
        "modelled": modelled,
        "driver": snow_in.driver,
        "cold_months": snow_in.cold_months,
        "annual_loss_pct": round(-_pct(tally.dc_snow, tally.dc_module), 4),
        "model": "pvlib.snow.coverage_nrel + dc_loss_nrel" if modelled else None,
    }


def _annual_loss(tally: _Tally, losses: Losses, annual_kwh: float) -> dict[str, float]:
    """The year's cable and transformer losses as simulated: DC and AC ohmic [%] (and the DC one
    against its STC figure), transformer load and no-load [MWh] and their share [%]."""
    dc_stc_pct = losses.dc_ohmic_pct
    return {
        "dc_ohmic_pct": -_pct(tally.dc_ohmic, tally.dc_mismatch),
        "dc_ohmic_loss_factor": -_pct(tally.dc_ohmic, tally.dc_mismatch) / dc_stc_pct if dc_stc_pct else 0.0,
        "ac_ohmic_pct": -_pct(tally.ac_cables, tally.ac_clipped),
        "transformer_load_mwh": (tally.ac_cables - tally.ac_copper) / 1000.0,
        "transformer_no_load_mwh": (tally.ac_copper - tally.ac_iron) / 1000.0,
        "transformer_pct": 100.0 * (tally.ac_cables - tally.ac_iron) / annual_kwh if annual_kwh > 0 else 0.0,
    }  # fmt: skip


def _model_document(
    plant: PvPlant, losses: Losses, cec: bool, lat: float, lon: float, elev: float
) -> dict[str, Any]:
    """The models the simulation used, and where (lat, lon [°], elev [m])."""
    return {
        "transposition": "Hay–Davies",
        "shading": "pvlib.shading.shaded_fraction1d (beam) + infinite_sheds view factors (diffuse)",
        "module_model": "CEC single-diode" if cec else "PVWatts (module γ)",
        "temperature_model": f"PVsyst (u_c={losses.u_c:g}, u_v={losses.u_v:g})",
        "iam": "physical (Fresnel/Snell) + Marion diffuse",
        "inverter": "PVWatts part-load curve, clipping at each block's AC rating",
        "snow": "pvlib.snow NREL model (Marion 2013; Ryberg & Freeman 2017)",
        "structure": plant.design.design.structure,
        "latitude": round(lat, 5),
        "longitude": round(lon, 5),
        "elevation_m": round(elev, 1),
    }
