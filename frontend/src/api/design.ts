/**
 * The layout design document served by GET /api/layouts/{id}/design (and its `bom` part by
 * GET /api/layouts/{id}/bom). The API types it as a free-form object (it grows with the engine),
 * so these are the fields the web app reads; every section is optional because gas/BESS layouts
 * and layouts made before designs lack some or all of them. Units are in the field names.
 */

import type { HybridDesign } from "./hybrid";

export interface DesignBlock {
  block: number;
  strings?: number;
  modules?: number;
  tables?: number;
  dc_kwp: number;
  ac_kw: number;
  dc_ac_ratio: number;
  /** combiner boxes (central topology) or string inverters (string topology) in the block */
  devices?: number;
}

export interface PvSection {
  design?: Record<string, unknown>;
  resolved?: Record<string, unknown>;
  blocks?: DesignBlock[];
}

export interface Stringing {
  modules_per_string: number;
  min_modules?: number;
  max_modules?: number;
  string_voc_cold_v?: number;
  string_vmp_hot_v?: number;
  strings: number;
  strings_per_full_table?: number;
}

/** One radial MV feeder of the single-line summary. */
export interface Feeder {
  feeder: number;
  blocks: number[];
  mva: number;
  length_m: number;
  loss_kw: number;
  drop_pct?: number;
  conductors?: string[];
  max_current_a?: number;
}

export interface StcLosses {
  string_kw?: number;
  dc_feeder_kw?: number;
  dc_kw?: number;
  dc_pct?: number;
  lv_ac_kw?: number;
  lv_ac_pct?: number;
  mv_kw?: number;
  mv_pct?: number;
  transformer_no_load_kw?: number;
  transformer_load_kw?: number;
  transformer_pct?: number;
}

export interface AnnualLosses {
  loss_factor?: number;
  dc_ohmic_pct?: number;
  lv_ac_ohmic_pct?: number;
  mv_ohmic_pct?: number;
  transformer_no_load_mwh?: number;
  transformer_load_mwh?: number;
  /** % of the annual energy (copper + iron), once the year is simulated */
  transformer_pct?: number;
  /** set when the annual figures come from the hourly energy simulation (the waterfall's) */
  basis?: string;
}

export interface ElectricalSection {
  topology: "central" | "string" | string;
  params?: Record<string, unknown>;
  stringing?: Stringing;
  blocks?: DesignBlock[];
  single_line?: Feeder[];
  mv_feeder_capacity_a?: number;
  losses?: { stc?: StcLosses; annual?: AnnualLosses };
  warnings?: string[];
}

export interface BomCable {
  level: string;
  conductor: string;
  cable_m: number;
  route_m?: number;
}

export interface BomRoad {
  class: string;
  length_m: number;
  area_m2: number;
}

export interface Bom {
  modules?: { count: number; model?: string; power_w?: number; dc_kwp?: number };
  structures?: { type: string; count: number; full?: number; partial?: number; piles?: number };
  strings?: { count: number; modules_per_string?: number; by_length?: Record<string, number> };
  combiner_boxes?: number;
  combiner_inputs?: number;
  string_inverters?: number;
  string_inverter_ac_kw?: number;
  power_stations?: { count: number; ac_kw?: number; by_kva?: Record<string, number> };
  transformers?: { count: number; total_kva?: number };
  cables?: BomCable[];
  trenches?: { dc_m?: number; mv_m?: number; total_m?: number };
  roads?: BomRoad[];
  fence_m?: number;
  gates?: number;
  grading?: { cut_m3?: number; fill_m3?: number; total_m3?: number };
  mv_feeders?: number;
}

/** One step of the loss waterfall: `percent` is the step's change (negative = loss). */
export interface WaterfallStep {
  name: string;
  percent: number;
  value_after: number;
  unit: string;
}

export interface LossStackEntry {
  key: string;
  name: string;
  input_pct: number;
  input_basis: string;
  annual_pct: number | null;
  source: string;
}

export interface WeatherInfo {
  source?: string;
  label?: string | null;
  kind?: string;
  is_clearsky_upper_bound?: boolean;
  distance_km?: number;
  warning?: string;
  skipped?: string[];
  [key: string]: unknown;
}

export interface EnergySection {
  /** "p50" (real weather) or "clearsky_upper_bound"; on clear sky the energy keys carry `_upper_bound` */
  energy_basis?: "p50" | "clearsky_upper_bound";
  annual_energy_mwh?: number;
  annual_energy_mwh_upper_bound?: number;
  specific_yield_kwh_per_kwp?: number;
  specific_yield_kwh_per_kwp_upper_bound?: number;
  performance_ratio?: number;
  capacity_factor?: number;
  capacity_factor_upper_bound?: number;
  p90_1yr_mwh?: number | null;
  p90_10yr_mwh?: number | null;
  uncertainty_1yr_pct?: number;
  uncertainty_10yr_pct?: number;
  interannual_variability_pct?: number;
  interannual_variability_source?: string;
  /** why there is no P90 (clear sky) */
  p90_note?: string | null;
  loss_preset?: string;
  /** every loss: its input, the basis it is given on (annual | stc | rated …), its annual share */
  loss_stack?: LossStackEntry[];
  monthly_energy_mwh?: number[];
  loss_waterfall?: WaterfallStep[];
  dc_kwp?: number;
  ac_kw?: number;
  poa_kwh_per_m2?: number;
  ghi_kwh_per_m2?: number;
  weather_source?: string;
  weather?: WeatherInfo;
  is_p50?: boolean;
  is_clearsky_upper_bound?: boolean;
  /** set for clear-sky results: the wording to show next to the number */
  label?: string | null;
  model?: Record<string, unknown>;
  losses?: Record<string, number>;
  simulation_groups?: number;
}

export interface CapexLine {
  item: string;
  quantity: number;
  unit: string;
  unit_cost: number;
  usd: number;
  /** key into `unit_costs` */
  key?: string;
}

export interface CapexOverhead {
  item: string;
  pct: number;
  usd: number;
  key?: string;
}

export interface UnitCost {
  /** a price, or prices by conductor name (cable $/m) */
  value: number | Record<string, number>;
  source: string;
}

export interface CostSection {
  currency?: string;
  dollar_year?: number;
  capex?: {
    lines?: CapexLine[];
    direct_usd?: number;
    overheads?: CapexOverhead[];
    total_usd?: number;
    usd_per_wdc?: number;
    usd_per_wac?: number;
  };
  capex_usd?: number;
  opex_usd_per_yr?: number;
  discount_rate_real?: number;
  lifetime_yr?: number;
  degradation_pct_per_yr?: number;
  lcoe_usd_per_mwh?: number | null;
  /** the LCOE on clear-sky energy: only a lower bound */
  lcoe_lower_bound_usd_per_mwh?: number | null;
  npv_usd?: number | null;
  npv_upper_bound_usd?: number | null;
  energy_basis?: "p50" | "clearsky_upper_bound";
  price_usd_per_mwh?: number | null;
  unit_costs?: Record<string, UnitCost>;
  /** Yearly OPEX by line: O&M, property tax, land lease [USD/yr]. */
  opex?: { lines?: { item: string; quantity: number; unit: string; unit_cost: number; usd: number; key?: string }[]; total_usd_per_yr?: number };
  /** What the cost could not include, e.g. no interconnection point: the gen-tie priced at 0 km. */
  warnings?: string[];
}

/** The hybrid sections (wind, storage, gas, economics_by_source) are typed in hybrid.ts. */
export interface LayoutDesign extends HybridDesign {
  pv?: PvSection;
  electrical?: ElectricalSection;
  bom?: Bom;
  energy?: EnergySection;
  cost?: CostSection;
}

/** True when the energy comes from the clear-sky fallback: an upper bound, never a P50. */
export function isClearSky(energy: EnergySection | undefined | null): boolean {
  if (!energy) return false;
  return (
    energy.energy_basis === "clearsky_upper_bound" ||
    energy.is_clearsky_upper_bound === true ||
    energy.weather_source === "clearsky" ||
    energy.weather?.is_clearsky_upper_bound === true
  );
}

type BoundKey = "annual_energy_mwh" | "specific_yield_kwh_per_kwp" | "capacity_factor";

/** An energy figure under either of its names (`x` on P50, `x_upper_bound` on clear sky). */
export function energyFigure(energy: EnergySection, key: BoundKey): number | undefined {
  return energy[key] ?? energy[`${key}_upper_bound`];
}

/** The LCOE under either of its names (on clear-sky energy it is only a lower bound). */
export function lcoeFigure(cost: CostSection): number | null | undefined {
  return cost.lcoe_usd_per_mwh ?? cost.lcoe_lower_bound_usd_per_mwh;
}

/** The NPV under either of its names (on clear-sky energy it is only an upper bound). */
export function npvFigure(cost: CostSection): number | null | undefined {
  return cost.npv_usd ?? cost.npv_upper_bound_usd;
}
