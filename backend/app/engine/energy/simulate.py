"""The yield of a PV plant as designed over a weather year: `simulate_plant`.

Chain (each step in docs/energy.md): solar position → per row group (terrain class) plane-of-array
irradiance with row shading and IAM (`irradiance.py`) → soiling → bifacial rear gain → cell
temperature (PVsyst model) → module DC power (CEC single-diode for CEC-library modules, else
PVWatts with the module's γ) → LID / quality / mismatch / DC ohmic → per inverter block: PVWatts
inverter efficiency curve and clipping at its AC rating → AC cables, MV transformer, availability.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from pvlib import atmosphere, irradiance, pvsystem, solarposition, temperature
from pyproj import Transformer

from app.engine.energy.groups import fixed_height_m, group_tables, row_axis_azimuth_deg
from app.engine.energy.irradiance import RowGeometry, Sun, diffuse_masks, group_irradiance
from app.engine.energy.losses import DEFAULT_LOSSES, Losses
from app.engine.energy.types import CLEARSKY_LABEL, EnergyResult, LossStep, WeatherData
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
    poa_effective: float = 0.0
    dc_stc: float = 0.0
    dc_module: float = 0.0
    dc_lid: float = 0.0
    dc_quality: float = 0.0
    dc_mismatch: float = 0.0
    dc_ohmic: float = 0.0
    ac_unclipped: float = 0.0
    ac_clipped: float = 0.0
    ac_cables: float = 0.0
    ac_transformer: float = 0.0
    ac_grid: float = 0.0


def _pct(after: float, before: float) -> float:
    return (after / before - 1.0) * 100.0 if before > 0 else 0.0


def _waterfall(t: _Tally, kind: str) -> tuple[LossStep, ...]:
    irr = "kWh/m²"
    steps = [
        ("Global horizontal irradiation", 0.0, t.ghi, irr),
        ("Transposition to the module plane (Hay–Davies)", _pct(t.poa_nominal, t.ghi), t.poa_nominal, irr),
        ("Row-to-row shading (beam and diffuse)", _pct(t.poa_shaded, t.poa_nominal), t.poa_shaded, irr),
        ("Incidence angle (IAM)", _pct(t.poa_iam, t.poa_shaded), t.poa_iam, irr),
        ("Soiling", _pct(t.poa_soiled, t.poa_iam), t.poa_soiled, irr),
        ("Bifacial rear-side gain", _pct(t.poa_effective, t.poa_soiled), t.poa_effective, irr),
        ("Array nominal energy at STC efficiency", 0.0, t.dc_stc / 1000.0, "MWh"),
        (
            "Temperature and irradiance level (CEC single-diode)"
            if kind == "cec"
            else "Temperature (PVWatts, module γ)",
            _pct(t.dc_module, t.dc_stc),
            t.dc_module / 1000.0,
            "MWh",
        ),
        ("Light-induced degradation", _pct(t.dc_lid, t.dc_module), t.dc_lid / 1000.0, "MWh"),
        ("Module quality", _pct(t.dc_quality, t.dc_lid), t.dc_quality / 1000.0, "MWh"),
        ("Mismatch", _pct(t.dc_mismatch, t.dc_quality), t.dc_mismatch / 1000.0, "MWh"),
        ("DC wiring (ohmic)", _pct(t.dc_ohmic, t.dc_mismatch), t.dc_ohmic / 1000.0, "MWh"),
        ("Inverter efficiency", _pct(t.ac_unclipped, t.dc_ohmic), t.ac_unclipped / 1000.0, "MWh"),
        ("Inverter clipping (DC/AC ratio)", _pct(t.ac_clipped, t.ac_unclipped), t.ac_clipped / 1000.0, "MWh"),
        ("AC / MV cables (ohmic)", _pct(t.ac_cables, t.ac_clipped), t.ac_cables / 1000.0, "MWh"),
        ("MV transformer", _pct(t.ac_transformer, t.ac_cables), t.ac_transformer / 1000.0, "MWh"),
        ("Availability", _pct(t.ac_grid, t.ac_transformer), t.ac_grid / 1000.0, "MWh"),
    ]
    return tuple(LossStep(name=n, percent=p, value_after=v, unit=u) for n, p, v, u in steps)


def _empty_result(plant: PvPlant, weather: WeatherData, losses: Losses) -> EnergyResult:
    return EnergyResult(
        annual_energy_mwh=0.0, specific_yield_kwh_per_kwp=0.0, performance_ratio=0.0, capacity_factor=0.0,
        monthly_energy_mwh=(0.0,) * 12, waterfall=(), dc_kwp=0.0, ac_kw=plant.ac_kw, poa_kwh_per_m2=0.0,
        ghi_kwh_per_m2=0.0, weather_source=weather.source, weather=weather.summary(),
        label=CLEARSKY_LABEL if weather.is_clearsky else None, model={}, losses=losses.to_document(),
        groups=0,
    )  # fmt: skip


def simulate_plant(
    plant: PvPlant,
    weather: WeatherData,
    losses: Losses | None = None,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    elevation_m: float | None = None,
) -> EnergyResult:
    """The plant's energy over the weather year (annual figures per year of data).

    plant: tables (UTM, DC kWp, slopes) and inverter blocks (AC kW) as designed; weather: the
    weather year; losses: assumptions (defaults `DEFAULT_LOSSES`). latitude / longitude [° WGS84] /
    elevation_m [m] of the site, default the plant's mean table centre and ground. A plant without
    tables gives a zero result. Raises InvalidInput for a plant with no DC.
    """
    losses = losses or DEFAULT_LOSSES
    if not plant.tables:
        return _empty_result(plant, weather, losses)
    groups, blocks = group_tables(plant)
    dc_total = float(sum(g.dc_kwp for g in groups))
    if dc_total <= 0:
        raise InvalidInput("the PV plant has no DC capacity to simulate")
    lat0, lon0, elev0 = plant_location(plant)
    lat = latitude if latitude is not None else lat0
    lon = longitude if longitude is not None else lon0
    elev = elevation_m if elevation_m is not None else elev0
    sun, day = _sun(weather, lat, lon, elev, losses.albedo)
    rows = _rows(plant, losses)
    module = plant.design.design.module
    cec = _cec_parameters(module)
    axis_az = row_axis_azimuth_deg(plant)
    masks = diffuse_masks(sun, rows, axis_azimuth=axis_az, bifaciality=module.bifaciality)
    step_h = weather.step_hours
    years = max(weather.years_covered, 1e-9)
    temp_air = weather.data["temp_air"].to_numpy(dtype=float)[day]
    wind = weather.data["wind_speed"].to_numpy(dtype=float)[day]
    soil = 1.0 - losses.soiling_pct / 100.0
    # Rear irradiance counts at the module's bifaciality, less what the structure shades.
    rear_factor = module.bifaciality * (1.0 - losses.rear_shading_pct / 100.0)
    dc_factors = (
        1.0 - losses.lid_pct / 100.0,
        1.0 - losses.module_quality_pct / 100.0,
        1.0 - losses.mismatch_pct / 100.0,
    )
    tally = _Tally(ghi=float(sun.ghi.sum()) * step_h / 1000.0 / years)
    block_dc = np.zeros((len(sun.zenith), len(blocks.ids)))
    for g in groups:
        w = g.dc_kwp / dc_total
        irr = group_irradiance(
            sun, rows, masks, axis_azimuth=g.axis_azimuth_deg, axis_tilt=g.axis_tilt_deg,
            cross_axis_tilt=g.cross_axis_tilt_deg,
        )  # fmt: skip
        front = irr.after_iam * soil
        effective = front + irr.rear * rear_factor
        temp_cell = temperature.pvsyst_cell(
            effective, temp_air, wind, u_c=losses.u_c, u_v=losses.u_v, module_efficiency=module.efficiency
        )
        dc, ideal = _dc_per_kwp(effective, np.asarray(temp_cell, dtype=float), module, cec)
        k = step_h / 1000.0 / years  # W/m² steps → kWh/m² per year
        tally.poa_nominal += w * float(irr.nominal.sum()) * k
        tally.poa_shaded += w * float(irr.shaded.sum()) * k
        tally.poa_iam += w * float(irr.after_iam.sum()) * k
        tally.poa_soiled += w * float(front.sum()) * k
        tally.poa_effective += w * float(effective.sum()) * k
        e = g.dc_kwp * step_h / years  # kW/kWp steps → kWh per year for the group
        tally.dc_stc += float(ideal.sum()) * e
        tally.dc_module += float(dc.sum()) * e
        for i, f in enumerate(dc_factors):
            dc = dc * f
            if i == 0:
                tally.dc_lid += float(dc.sum()) * e
            elif i == 1:
                tally.dc_quality += float(dc.sum()) * e
            else:
                tally.dc_mismatch += float(dc.sum()) * e
        # Ohmic loss grows with the square of the current, i.e. with power: given at STC (1 kW/kWp).
        dc = dc * (1.0 - losses.dc_ohmic_pct / 100.0 * np.clip(dc, 0.0, None))
        tally.dc_ohmic += float(dc.sum()) * e
        block_dc += np.outer(dc, g.kwp_by_block)
    unclipped, clipped = _inverter(block_dc, blocks.ac_kw, losses.inverter_efficiency_pct / 100.0)
    cables = clipped * (1.0 - losses.ac_ohmic_pct / 100.0 * clipped / blocks.ac_kw)
    after_tx = cables * (1.0 - losses.transformer_pct / 100.0)
    grid_kw = after_tx.sum(axis=1) * (losses.availability_pct / 100.0)
    hours = step_h / years
    tally.ac_unclipped = float(unclipped.sum()) * hours
    tally.ac_clipped = float(clipped.sum()) * hours
    tally.ac_cables = float(cables.sum()) * hours
    tally.ac_transformer = float(after_tx.sum()) * hours
    tally.ac_grid = float(grid_kw.sum()) * hours
    full = np.zeros(len(weather.data))
    full[day] = grid_kw * hours
    monthly = pd.Series(full, index=weather.data.index).groupby(weather.data.index.month).sum()
    monthly_mwh = tuple(float(monthly.get(m, 0.0)) / 1000.0 for m in range(1, 13))
    ac_kw = float(blocks.ac_kw.sum())
    annual_kwh = tally.ac_grid
    return EnergyResult(
        annual_energy_mwh=annual_kwh / 1000.0,
        specific_yield_kwh_per_kwp=annual_kwh / dc_total,
        performance_ratio=annual_kwh / (tally.poa_nominal * dc_total) if tally.poa_nominal > 0 else 0.0,
        capacity_factor=annual_kwh / (ac_kw * 8760.0) if ac_kw > 0 else 0.0,
        monthly_energy_mwh=monthly_mwh,
        waterfall=_waterfall(tally, "cec" if cec is not None else "pvwatts"),
        dc_kwp=dc_total,
        ac_kw=ac_kw,
        poa_kwh_per_m2=tally.poa_nominal,
        ghi_kwh_per_m2=tally.ghi,
        weather_source=weather.source,
        weather=weather.summary(),
        label=CLEARSKY_LABEL if weather.is_clearsky else None,
        model={
            "transposition": "Hay–Davies",
            "shading": "pvlib.shading.shaded_fraction1d (beam) + infinite_sheds view factors (diffuse)",
            "module_model": "CEC single-diode" if cec is not None else "PVWatts (module γ)",
            "temperature_model": f"PVsyst (u_c={losses.u_c:g}, u_v={losses.u_v:g})",
            "iam": "physical (Fresnel/Snell) + Marion diffuse",
            "inverter": "PVWatts part-load curve, clipping at each block's AC rating",
            "structure": plant.design.design.structure,
            "latitude": round(lat, 5),
            "longitude": round(lon, 5),
            "elevation_m": round(elev, 1),
        },
        losses=losses.to_document(),
        groups=len(groups),
    )
