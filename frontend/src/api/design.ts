/**
 * The layout design document served by GET /api/layouts/{id}/design (and its `bom` part by
 * GET /api/layouts/{id}/bom). The API types it as a free-form object (it grows with the engine),
 * so these are the fields the web app reads; every section is optional because gas/BESS layouts
 * and layouts made before designs lack some or all of them. Units are in the field names.
 */

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
  annual_energy_mwh: number;
  specific_yield_kwh_per_kwp?: number;
  performance_ratio?: number;
  capacity_factor?: number;
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
  npv_usd?: number | null;
  price_usd_per_mwh?: number | null;
  unit_costs?: Record<string, UnitCost>;
  /** Yearly OPEX by line: O&M, property tax, land lease [USD/yr]. */
  opex?: { lines?: { item: string; quantity: number; unit: string; unit_cost: number; usd: number; key?: string }[]; total_usd_per_yr?: number };
  /** What the cost could not include, e.g. no interconnection point: the gen-tie priced at 0 km. */
  warnings?: string[];
}

export interface LayoutDesign {
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
    energy.is_clearsky_upper_bound === true ||
    energy.weather_source === "clearsky" ||
    energy.weather?.is_clearsky_upper_bound === true
  );
}
