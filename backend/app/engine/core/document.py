"""The layout's typed result document: its metrics and its design sections, as pydantic models.

`LayoutMetrics` declares every key a layout's `metrics` may hold, each with its unit, and forbids
any other (`extra="forbid"`): a new metric is declared here before a writer may emit it. The
`DesignDocument` is typed at the top level (pv, electrical, bom, energy, cost, constructability,
and the hybrid sections); the big nested sections declare their headline fields and allow the
rest (`extra="allow"`).

The engine and the pipeline still build plain dicts (`LayoutResult.metrics` / `.design`); the
pipeline validates them at its boundary (`check_result`), the API schema (and so OpenAPI and the
web app's generated TypeScript types) serves these models, and the exports read metrics through
them. Stored layouts are read leniently (`LayoutMetrics.from_stored`): a key a newer or older
version wrote is logged and left out rather than failing the read. docs/architecture.md
("The result document") says where each part lives.

Units are in each field's description: kW (AC), kWp (DC), kWh, MWh, m, m², m³, ha, °, %, USD;
"share" fields are fractions 0-1.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

log = logging.getLogger(__name__)


def _f(description: str) -> Any:
    """An optional field (default None) with its description (unit in brackets)."""
    return Field(default=None, description=description)


class DocumentModel(BaseModel):
    """A part of the result document: serialised with the keys it was given only, so a typed
    response carries exactly what the layout computed (no `null` for what does not apply)."""

    model_config = ConfigDict(extra="allow")

    # No return annotation on purpose: pydantic then keeps the model's own schema for OpenAPI's
    # response side (an annotation, even `Any`, would replace it).
    @model_serializer(mode="wrap")
    def _given_keys_only(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        if not isinstance(data, dict):
            return data
        given = self.model_fields_set | set(self.__pydantic_extra__ or {})
        return {k: v for k, v in data.items() if k in given}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | None, *, where: str = "") -> Self | None:
        """A stored (JSON) document validated leniently: a key this version does not declare, or
        a value of the wrong type, is logged and left out instead of failing the read."""
        if data is None:
            return None
        values = dict(data)
        for _ in range(len(values) + 1):
            try:
                return cls.model_validate(values)
            except ValidationError as exc:
                bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
                if not bad & values.keys():
                    raise
                log.warning(
                    "stored %s: left out undeclared or mistyped keys %s",
                    where or cls.__name__,
                    sorted(bad & values.keys()),
                )
                values = {k: v for k, v in values.items() if k not in bad}
        return cls.model_validate(values)


class Constructability(DocumentModel):
    """Whether the plant can be built as drawn (app/engine/civil/constructability.py)."""

    unreachable_asset_count: int | None = _f("assets with no road from an entry [count]")
    dc_within_150m_of_road_share: float | None = _f("share of the DC capacity within 150 m of a road [0-1]")
    max_table_to_road_m: float | None = _f("largest distance from a PV table to a road [m]")
    blocks_contiguous_share: float | None = _f("share of inverter blocks whose tables are contiguous [0-1]")
    max_string_run_m: float | None = _f("longest string cable run [m]")
    max_dc_feeder_m: float | None = _f("longest DC feeder [m]")
    max_mv_feeder_m: float | None = _f("longest MV feeder [m]")
    noncompliant_road_m: float | None = _f("road length over the maximum grade [m]")
    cable_in_no_cross_zone_m: float | None = _f("cable length inside zones nothing may cross [m]")
    cable_outside_parcel_m: float | None = _f("cable length outside the parcel [m]")
    crossing_count: int | None = _f("roads crossing crossable zones [count]")
    graded_road_m3: float | None = _f("earthwork of the roads graded to the maximum grade [m³]")
    problems: list[str] | None = _f("what makes the plant not constructable as drawn, in words")
    ok: bool | None = _f("no problem found")


class LayoutMetrics(DocumentModel):
    """Every headline figure of a layout; a key not declared here is refused (`extra="forbid"`).

    On a clear-sky weather year the energy figures are upper bounds and the LCOE a lower bound:
    they are reported under the bound names only (`app.engine.core.energy_basis`)."""

    model_config = ConfigDict(extra="forbid")

    # -- capacity and assets (app/engine/layout.py) -------------------------------------------------
    total_capacity_kw: float | None = _f("generating capacity placed, AC [kW]")
    target_capacity_kw: float | None = _f("generating capacity asked for, AC [kW]")
    capacity_over_target_pct: float | None = _f("placed over target [%]; negative: short of it")
    storage_kwh: float | None = _f("battery energy capacity placed [kWh]")
    asset_count: int | None = _f("assets placed (PV tables included) [count]")
    counts_by_type: dict[str, int] | None = _f("assets placed by asset type [count]")
    pv_capacity_kw: float | None = _f("PV plant AC capacity (sum of inverter blocks) [kW]")
    # -- roads, earthwork, land -------------------------------------------------------------------
    road_length_m: float | None = _f("road length [m]")
    noncompliant_road_m: float | None = _f("road length over the profile's maximum grade [m]")
    road_area_m2: float | None = _f("carriageway area, length × width [m²]")
    road_buildup_m3: float | None = _f("aggregate build-up of the carriageway [m³]")
    cut_volume_m3: float | None = _f("cut of pads, tables and roads [m³]")
    fill_volume_m3: float | None = _f("fill of pads, tables and roads [m³]")
    parcel_area_ha: float | None = _f("parcel (boundary) area [ha]")
    usable_area_ha: float | None = _f("boundary − setback − exclusion zones with buffers [ha]")
    buildable_area_ha: float | None = _f("usable area within the generating assets' slope limit [ha]")
    buildable_share: float | None = _f("buildable / usable area [0-1]")
    slope_limit_deg: float | None = _f("slope limit of the buildable area [°]")
    capacity_density_kw_per_ha: float | None = _f("AC capacity per buildable hectare [kW/ha]")
    crossing_count: int | None = _f("roads crossing crossable zones (easements, creeks …) [count]")
    crossing_cost_usd: float | None = _f("cost of those crossings [USD]")
    constructability: Constructability | None = _f("whether the plant can be built as drawn")
    # -- gen-tie --------------------------------------------------------------------------------
    gen_tie_length_m: float | None = _f(
        "line from the substation to the interconnection point [m]; 0 without one"
    )
    gen_tie_voltage_kv: float | None = _f("gen-tie voltage class [kV]")
    # -- collector substations (app/engine/civil/collectors.py) ------------------------------------
    collector_substation_count: int | None = _f("collector substations built [count]")
    collector_tie_length_m: float | None = _f("HV tie lines from collectors to the main substation [m]")
    collector_tie_outside_parcel_m: float | None = _f("part of those tie lines outside the parcel [m]")
    # -- terrain provenance (app/pipeline/run.py) ---------------------------------------------------
    dem_source: str | None = _f("the DEM source the terrain came from (flat: none)")
    dem_resolution_m: float | None = _f("analysis grid cell size [m]")
    dem_native_resolution_m: float | None = _f("the DEM source's own cell size [m]; null if unknown or flat")
    dem_resolution_label: str | None = _f("the grid and its source's resolution, in words")
    terrain_assessed: bool | None = _f("terrain slopes and earthwork were assessed (use_terrain)")
    # -- PV design (app/engine/pv/outputs.py) -------------------------------------------------------
    dc_capacity_kwp: float | None = _f("PV DC capacity [kWp]")
    dc_ac_ratio: float | None = _f("DC / AC ratio [-]")
    module_count: int | None = _f("PV modules [count]")
    table_count: int | None = _f("PV tables or trackers [count]")
    structure: Literal["fixed", "tracker"] | None = _f("PV structure: fixed tilt or single-axis tracker")
    module: str | None = _f("PV module name")
    module_power_w: float | None = _f("PV module STC power [W]")
    gcr: float | None = _f("ground coverage ratio [0-1]")
    pitch_m: float | None = _f("row pitch [m]")
    tilt_deg: float | None = _f("fixed-tilt angle [°]; null for trackers")
    azimuth_deg: float | None = _f("module azimuth, clockwise from north [°]")
    spacing_rule: str | None = _f("how the row pitch was chosen, in words")
    block_count: int | None = _f("inverter blocks [count]")
    block_ac_kw: float | None = _f("inverter block AC rating [kW]")
    fenced_area_ha: float | None = _f("area inside the fences [ha]")
    fence_length_m: float | None = _f("fence length [m]")
    gate_count: int | None = _f("fence gates [count]")
    pile_count: int | None = _f("structure piles [count]")
    mwdc_per_ha_fenced: float | None = _f("DC density on the fenced area [MWp/ha]")
    mwdc_per_ha_parcel: float | None = _f("DC density on the parcel [MWp/ha]")
    mwdc_per_ha_buildable: float | None = _f("DC density on the buildable area [MWp/ha]")
    pv_offered_kwp: float | None = _f("DC capacity the site could hold before trimming to target [kWp]")
    # -- electrical (app/engine/pv/outputs.py electrical_metrics) -----------------------------------
    string_count: int | None = _f("PV strings [count]")
    modules_per_string: int | None = _f("modules in series per string [count]")
    electrical_topology: Literal["central", "string"] | None = _f("central or string inverters")
    dc_ohmic_loss_pct_stc: float | None = _f("DC cable loss at STC power [%]")
    mv_loss_pct_stc: float | None = _f("MV cable loss at rated power [%]")
    transformer_loss_pct_stc: float | None = _f("transformer loss (no-load + load) at rated power [%]")
    dc_ohmic_loss_pct_annual: float | None = _f("DC cable loss over the year [%]")
    mv_loss_pct_annual: float | None = _f("MV cable loss over the year [%]")
    cable_length_m: float | None = _f("cable length, all levels [m]")
    trench_length_m: float | None = _f("trench length [m]")
    power_station_count: int | None = _f("power stations (inverter + MV transformer) [count]")
    # -- energy (app/engine/energy/types.py EnergyResult.metrics) -----------------------------------
    energy_basis: Literal["p50", "clearsky_upper_bound"] | None = _f(
        "p50 (real weather) or clearsky_upper_bound (no clouds: figures are bounds)"
    )
    annual_energy_mwh: float | None = _f("year-1 net energy at the point of interconnection, P50 [MWh]")
    annual_energy_mwh_upper_bound: float | None = _f(
        "year-1 net energy on a clear-sky year, upper bound [MWh]"
    )
    p90_1yr_mwh: float | None = _f("annual energy exceeded with 90 % probability in one year [MWh]")
    p90_10yr_mwh: float | None = _f("annual energy exceeded with 90 % probability over 10 years [MWh]")
    energy_uncertainty_1yr_pct: float | None = _f("1-σ uncertainty of one year's energy [%]")
    energy_uncertainty_10yr_pct: float | None = _f("1-σ uncertainty of the 10-year mean energy [%]")
    specific_yield_kwh_per_kwp: float | None = _f("annual energy per DC capacity, P50 [kWh/kWp]")
    specific_yield_kwh_per_kwp_upper_bound: float | None = _f(
        "annual energy per DC capacity on a clear-sky year, upper bound [kWh/kWp]"
    )
    performance_ratio: float | None = _f("performance ratio [0-1]")
    capacity_factor: float | None = _f("AC capacity factor, P50 [0-1]")
    capacity_factor_upper_bound: float | None = _f(
        "AC capacity factor on a clear-sky year, upper bound [0-1]"
    )
    snow_loss_pct: float | None = _f("energy lost to snow cover over the year [%]")
    loss_preset: str | None = _f("the yield loss stack's preset: conservative, typical or optimistic")
    weather_source: str | None = _f("where the weather year came from (pvgis, file, clearsky …)")
    energy_label: str | None = _f("the energy's label when it is not a P50 (e.g. clear-sky upper bound)")
    # -- cost (app/pipeline/yield_cost.py) ------------------------------------------------------------
    capex_usd: float | None = _f("capital cost [USD]")
    capex_usd_per_wdc: float | None = _f("capital cost per DC watt [USD/Wdc]")
    opex_usd_per_yr: float | None = _f("operating cost [USD/yr]")
    lcoe_usd_per_mwh: float | None = _f("levelised cost of energy, P50 [USD/MWh]")
    lcoe_lower_bound_usd_per_mwh: float | None = _f("LCOE on a clear-sky year, lower bound [USD/MWh]")
    npv_usd: float | None = _f("net present value at the request's energy price, P50 [USD]")
    npv_upper_bound_usd: float | None = _f("NPV on a clear-sky year, upper bound [USD]")
    # -- wind (hybrid profiles) -------------------------------------------------------------------------
    turbine_count: int | None = _f("wind turbines [count]")
    wind_capacity_kw: float | None = _f("wind capacity [kW]")
    wind_gross_aep_mwh: float | None = _f("wind annual energy before wakes [MWh]")
    wind_wake_loss_pct: float | None = _f("wind energy lost to wakes [%]")
    wind_net_aep_mwh: float | None = _f("wind annual energy after wakes [MWh]")
    wind_shear_exponent: float | None = _f("wind shear power-law exponent [-]")
    wind_capacity_factor_pct: float | None = _f("wind capacity factor [%]")
    # -- storage -----------------------------------------------------------------------------------------
    storage_kw: float | None = _f("battery power rating [kW]")
    storage_duration_h: float | None = _f("battery energy / power [h]")
    firm_days_met_share: float | None = _f("share of days the firm delivery target was met [0-1]")
    storage_cycles_per_yr: float | None = _f("equivalent full battery cycles [1/yr]")
    storage_discharge_mwh: float | None = _f("battery discharge over the year [MWh]")
    storage_curtailment_avoided_mwh: float | None = _f(
        "energy stored instead of curtailed over the year [MWh]"
    )
    # -- gas ---------------------------------------------------------------------------------------------
    gas_capacity_kw: float | None = _f("gas generation capacity [kW]")
    gas_energy_mwh: float | None = _f("gas generation over the year [MWh]")
    gas_fuel_cost_usd_per_yr: float | None = _f("gas fuel cost [USD/yr]")
    gas_co2_t_per_yr: float | None = _f("gas CO₂ emissions [t/yr]")
    # -- plant totals by source ------------------------------------------------------------------------
    pv_energy_mwh: float | None = _f("PV energy over the year [MWh]")
    plant_energy_mwh: float | None = _f("whole-plant energy over the year, all sources [MWh]")
    plant_lcoe_usd_per_mwh: float | None = _f("whole-plant levelised cost of energy [USD/MWh]")
    pv_energy_mwh_upper_bound: float | None = _f("PV energy over a clear-sky year, an upper bound [MWh]")
    plant_energy_mwh_upper_bound: float | None = _f(
        "whole-plant energy with a clear-sky PV year, an upper bound [MWh]"
    )
    plant_lcoe_lower_bound_usd_per_mwh: float | None = _f(
        "whole-plant LCOE with a clear-sky PV year, a lower bound [USD/MWh]"
    )


# -- the design document ----------------------------------------------------------------------------


class PvSection(DocumentModel):
    """`design.pv`: the PV design as given and as resolved, and its inverter blocks."""

    design: dict[str, Any] | None = _f("the PV design inputs with the profile's defaults (PvDesign)")
    resolved: dict[str, Any] | None = _f("tilt, azimuth [°], pitch, depth, length [m], gcr as designed")
    blocks: list[dict[str, Any]] | None = _f("per inverter block: tables, dc_kwp [kWp], ac_kw [kW]")


class ElectricalSection(DocumentModel):
    """`design.electrical` (app/engine/electrical/design.py)."""

    topology: Literal["central", "string"] | None = _f("central or string inverters")
    params: dict[str, Any] | None = _f("the electrical inputs used (ElectricalParams)")
    stringing: dict[str, Any] | None = _f("modules per string, string voltages [V], strings [count]")
    blocks: list[dict[str, Any]] | None = _f("per inverter block: strings, modules, kWp, kW, devices")
    single_line: list[dict[str, Any]] | None = _f("MV feeders: blocks, MVA, length [m], loss [kW], drop [%]")
    mv_feeder_capacity_a: float | None = _f("MV feeder cable ampacity [A]")
    losses: dict[str, Any] | None = _f("cable and transformer losses at STC [%, kW] and annual [%, MWh]")
    warnings: list[str] | None = _f("what the electrical design could not meet, in words")


class BomSection(DocumentModel):
    """`design.bom`: the bill of quantities (counts, m, m², m³)."""

    modules: dict[str, Any] | None = _f("count, model, power_w [W], dc_kwp [kWp]")
    structures: dict[str, Any] | None = _f("type, count, full, partial, piles")
    strings: dict[str, Any] | None = _f("count, modules_per_string, by_length")
    combiner_boxes: int | None = _f("combiner boxes [count]")
    combiner_inputs: int | None = _f("inputs per combiner box [count]")
    string_inverters: int | None = _f("string inverters [count]")
    power_stations: dict[str, Any] | None = _f("count, ac_kw [kW], by_kva")
    transformers: dict[str, Any] | None = _f("count, total_kva [kVA]")
    cables: list[dict[str, Any]] | None = _f("per level and conductor: cable_m, route_m [m]")
    trenches: dict[str, Any] | None = _f("dc_m, mv_m, wind_mv_m (wind collection), total_m [m]")
    roads: list[dict[str, Any]] | None = _f("per road class: length_m [m], area_m2 [m²]")
    fence_m: float | None = _f("fence length [m]")
    gates: int | None = _f("gates [count]")
    grading: dict[str, Any] | None = _f("cut, fill, total, tables, roads, pads [m³]")
    mv_feeders: int | None = _f("MV feeders [count]")
    crossings: list[dict[str, Any]] | None = _f("zone crossings")
    gen_tie: dict[str, Any] | None = _f("length_m [m], voltage_kv [kV], interconnection_point")
    collectors: list[dict[str, Any]] | None = _f(
        "per collector substation: ac_kw [kW], tie_m [m], voltage_kv [kV]"
    )
    wind: dict[str, Any] | None = _f(
        "turbines, turbine, rated_kw [kW], capacity_kw [kW], foundations, crane_pads, crane_pad_m2 [m²], "
        "pad_transformers, pad_transformer_kva [kVA], collector_circuits"
    )


class EnergySection(DocumentModel):
    """`design.energy` (app/engine/energy/types.py `to_document`): bound names on clear sky."""

    energy_basis: Literal["p50", "clearsky_upper_bound"] | None = _f("p50 or clearsky_upper_bound")
    annual_energy_mwh: float | None = _f("year-1 net energy, P50 [MWh]")
    annual_energy_mwh_upper_bound: float | None = _f("year-1 net energy, clear-sky upper bound [MWh]")
    monthly_energy_mwh: list[float] | None = _f("net energy by month, January first [MWh]")
    loss_waterfall: list[dict[str, Any]] | None = _f("each loss step: name, percent [%], value_after")
    loss_stack: list[dict[str, Any]] | None = _f("each loss input: key, input_pct, annual_pct [%], source")
    weather_source: str | None = _f("where the weather year came from")
    label: str | None = _f("the energy's label when it is not a P50")


class CostSection(DocumentModel):
    """`design.cost` (app/engine/cost/model.py): USD of `dollar_year`; bound names on clear sky."""

    currency: str | None = _f("currency of every figure (USD)")
    dollar_year: int | None = _f("the year the prices are in")
    capex: dict[str, Any] | None = _f("lines, direct_usd, overheads, total_usd [USD], usd_per_wdc")
    capex_usd: float | None = _f("capital cost [USD]")
    opex_usd_per_yr: float | None = _f("operating cost [USD/yr]")
    opex: dict[str, Any] | None = _f("lines, total_usd_per_yr [USD/yr]")
    lcoe_usd_per_mwh: float | None = _f("LCOE, P50 [USD/MWh]")
    lcoe_lower_bound_usd_per_mwh: float | None = _f("LCOE on a clear-sky year, lower bound [USD/MWh]")
    npv_usd: float | None = _f("NPV, P50 [USD]")
    npv_upper_bound_usd: float | None = _f("NPV on a clear-sky year, upper bound [USD]")
    unit_costs: dict[str, Any] | None = _f("the unit-cost table used, each with value, unit, source")
    warnings: list[str] | None = _f("what the cost could not price, in words")


class WindTurbine(DocumentModel):
    """`design.wind.turbine`: the turbine the farm is laid out and simulated with."""

    name: str | None = _f("turbine name")
    hub_height_m: float | None = _f("hub height [m]")
    rotor_diameter_m: float | None = _f("rotor diameter [m]")
    rated_kw: float | None = _f("rated power [kW]")
    cut_in_m_s: float | None = _f("cut-in wind speed [m/s]")
    cut_out_m_s: float | None = _f("cut-out wind speed [m/s]")
    power_curve: list[list[float]] | None = _f("[wind speed m/s, power kW] pairs")
    thrust_curve: list[list[float]] | None = _f("[wind speed m/s, thrust coefficient] pairs")
    source: str | None = _f("where the curves come from")


class WindSection(DocumentModel):
    """`design.wind` (app/engine/wind/): turbine, resource at hub height, rose, spacing, wakes."""

    turbine: WindTurbine | None = _f("the turbine")
    air_density_kg_m3: float | None = _f("air density used [kg/m³]")
    resource: dict[str, Any] | None = _f(
        "kind, measurement_height_m / hub_height_m [m], shear_exponent, mean_speed_hub_m_s [m/s], "
        "hourly_synthesised, source"
    )
    rose: list[dict[str, Any]] | None = _f(
        "per sector: sector_deg [°], frequency (0-1), mean_speed_m_s [m/s]"
    )
    wake_model: str | None = _f("the wake model and its version")
    spacing: dict[str, Any] | None = _f(
        "along_wind_d, across_wind_d [rotor diameters], prevailing_deg [°], setback_tip_heights"
    )
    turbines: list[dict[str, Any]] | None = _f(
        "per turbine: id, x_m / y_m [m, UTM], gross_aep_mwh / net_aep_mwh [MWh], wake_loss_pct [%]"
    )
    losses: dict[str, Any] | None = _f(
        "wake_pct, availability_pct, electrical_pct [%] with electrical_basis (computed from the MV "
        "collection, given or default), collection_cable_pct, pad_transformer_pct [%], loss_factor"
    )
    collection: dict[str, Any] | None = _f(
        "the turbines' MV collection: voltage_kv [kV], pad_transformer {count, kva [kVA], voltage}, "
        "circuits [{circuit, turbines, mva [MVA], length_m [m], loss_kw [kW], drop_pct [%], conductors, "
        "max_current_a [A]}], circuit_capacity_a [A], cable_route_m, trench_m, shared_trench_m [m], "
        "rated_losses_kw {cables, transformer_no_load, transformer_load} [kW]"
    )
    optimisation: dict[str, Any] | None = _f(
        "the lattice orientation search (wind.optimise_s): objective, budget_s [s], chosen_rotation_deg [°], "
        "candidates [{rotation_deg [°], turbines, aep_mwh [MWh/yr]}]"
    )
    energy_note: str | None = _f("why there is no wind energy when the yield was not simulated")


class StorageSection(DocumentModel):
    """`design.storage` (app/engine/storage/, app/pipeline/hybrid.py): the battery sized to its
    target and its dispatch (the hourly year in `dispatch`)."""

    power_kw: float | None = _f("battery power [kW]")
    energy_kwh: float | None = _f("battery usable energy [kWh]")
    duration_h: float | None = _f("energy / power [h]")
    round_trip_efficiency: float | None = _f("round-trip efficiency (0-1)")
    cycles_per_yr: float | None = _f("equivalent full cycles per year")
    warranty_cycles_per_yr: float | None = _f("the warranty's cap on cycles per year")
    target: dict[str, Any] | None = _f(
        "kind (firm | load | fixed), firm_mw [MW], firm_hours [h], window [h, h], days_share (0-1)"
    )
    firm_days_met_share: float | None = _f("share of target days the target is met (0-1)")
    discharge_mwh: float | None = _f("energy discharged per year [MWh]")
    curtailment_avoided_mwh: float | None = _f("curtailment the battery avoids per year [MWh]")
    solver: str | None = _f("the LP/MIP solver and its version")
    typical_day: list[dict[str, Any]] | None = _f(
        "24 rows: hour, pv_mw, wind_mw, charge_mw, discharge_mw, grid_mw, firm_target_mw [MW], soc_mwh [MWh]"
    )
    dispatch: dict[str, Any] | None = _f("the hourly year: columns and 8760 rows (units as typical_day)")
    spacing: dict[str, Any] | None = _f("standard and container_gap_m [m]")
    notes: list[str] | None = _f("what the sizing could not do, in words")


class GasSection(DocumentModel):
    """`design.gas` (app/engine/gas/dispatch.py): units filling what the battery cannot."""

    unit_kw: float | None = _f("one unit's power [kW]")
    units: int | None = _f("units installed")
    installed_kw: float | None = _f("installed gas power [kW]")
    heat_rate_btu_per_kwh: float | None = _f("heat rate [Btu/kWh]")
    fuel_price_usd_per_mmbtu: float | None = _f("fuel price [USD/MMBtu]")
    capacity_factor_pct: float | None = _f("capacity factor [%]")
    energy_mwh: float | None = _f("energy per year [MWh]")
    fuel_cost_usd_per_yr: float | None = _f("fuel cost [USD/yr]")
    co2_t_per_yr: float | None = _f("CO₂ emitted [t/yr]")
    overshoot_kw: float | None = _f("installed power beyond the need [kW]")
    overshoot_reason: str | None = _f("why the installed power exceeds the need")


class SourceEconomics(DocumentModel):
    """One row of `design.economics_by_source`: a source's own cost, energy and LCOE."""

    source: str | None = _f("pv | wind | storage | gas")
    capex_usd: float | None = _f("its CAPEX [USD]")
    opex_usd_per_yr: float | None = _f("its OPEX [USD/yr]")
    energy_mwh: float | None = _f("its energy per year (storage: discharged) [MWh]")
    lcoe_usd_per_mwh: float | None = _f("its LCOE [USD/MWh]")
    lcoe_lower_bound_usd_per_mwh: float | None = _f(
        "its LCOE on a clear-sky PV year, a lower bound [USD/MWh]"
    )


class DesignDocument(DocumentModel):
    """A layout's design document: one section per discipline, as far as the layout has them.
    A top-level key not declared here is refused."""

    model_config = ConfigDict(extra="forbid")

    pv: PvSection | None = _f("the PV design and its inverter blocks")
    electrical: ElectricalSection | None = _f("stringing, inverter blocks, MV single-line, losses")
    bom: BomSection | None = _f("the bill of quantities")
    energy: EnergySection | None = _f("the energy yield: annual and monthly MWh, loss waterfall, weather")
    cost: CostSection | None = _f("CAPEX lines, OPEX, LCOE, NPV")
    constructability: Constructability | None = _f("whether the plant can be built as drawn")
    wind: WindSection | None = _f("wind turbines, wakes and energy (hybrid profiles)")
    storage: StorageSection | None = _f("battery sizing and dispatch (hybrid profiles)")
    gas: GasSection | None = _f("gas generation, fuel and emissions (hybrid profiles)")
    economics_by_source: list[SourceEconomics] | None = _f(
        "energy, CAPEX, OPEX and LCOE per source (pv, wind, storage, gas) [MWh, USD, USD/yr, USD/MWh]"
    )
    features: list[dict[str, Any]] | None = _f(
        "stored layouts only: fences, gates, cables as GeoJSON features (WGS84), served in the GeoJSON"
    )


def document_problems(metrics: Mapping[str, Any], design: Mapping[str, Any]) -> list[str]:
    """What in a result's metrics / design is not declared or not of the declared type, each as
    "metrics.<key>: <pydantic message>"; empty when both validate."""
    out: list[str] = []
    for part, model, value in (("metrics", LayoutMetrics, metrics), ("design", DesignDocument, design)):
        try:
            model.model_validate(dict(value))
        except ValidationError as exc:
            out += [f"{part}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return out


class UndeclaredResultKey(ValueError):
    """A result carries a metric or design key not declared in `app.engine.core.document`."""


def check_result(metrics: Mapping[str, Any], design: Mapping[str, Any], *, strict: bool) -> list[str]:
    """Validate a result's metrics and design against the document models.

    strict (tests, `STRICT_RESULT_DOCUMENT=true`): raise `UndeclaredResultKey` naming each problem.
    Otherwise (production): log each problem as an error and return them, so a job is not failed
    for a figure nobody declared yet — but it is never silent (the log names the key, and the API
    leaves the key out of its typed answer, see `DocumentModel.from_stored`)."""
    problems = document_problems(metrics, design)
    if problems and strict:
        raise UndeclaredResultKey("; ".join(problems))
    for p in problems:
        log.error("result document: %s (declare it in app/engine/core/document.py)", p)
    return problems
