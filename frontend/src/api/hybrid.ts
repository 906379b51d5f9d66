/**
 * Hybrid plants (issue 23): the wind, storage, gas and energy-by-source parts of a layout's design
 * document and metrics, the site's wind resource, and the storage target of the generate body.
 *
 * These follow the hybrid contract shared with the backend branches `wind` and `storage`
 * (docs: HYBRID_CONTRACT.md) and are written by hand because those fields are not in the
 * OpenAPI schema yet. TODO after the backend merge: run `npm run generate-client` and switch the
 * wind-resource response (and, if the backend types them, the design sections) to the generated
 * types in schema.d.ts. Every key is optional: a section is absent when the plant has no such part.
 * Units are in the field names (m, m/s, kW, kWh, MW, MWh, °, %, USD).
 */
import { request } from "./client";

// ---------------------------------------------------------------- design sections

export interface WindTurbineSpec {
  name?: string;
  hub_height_m?: number;
  rotor_diameter_m?: number;
  rated_kw?: number;
  cut_in_m_s?: number;
  cut_out_m_s?: number;
  /** [wind speed m/s, power kW] pairs */
  power_curve?: [number, number][];
  /** [wind speed m/s, thrust coefficient] pairs */
  thrust_curve?: [number, number][];
  source?: string;
}

export interface WindResourceInfo {
  kind?: "weibull" | "tab" | "timeseries" | string;
  measurement_height_m?: number;
  hub_height_m?: number;
  shear_exponent?: number;
  mean_speed_hub_m_s?: number;
  /** true when the hourly series was synthesised from a Weibull table (storage dispatch needs hours) */
  hourly_synthesised?: boolean;
  source?: string;
}

/** One direction sector of the wind rose at hub height; sector_deg is its centre, clockwise from north. */
export interface RoseSector {
  sector_deg: number;
  /** share of the time, 0..1 */
  frequency: number;
  mean_speed_m_s?: number;
}

export interface TurbineResult {
  id: string;
  x_m?: number;
  y_m?: number;
  gross_aep_mwh?: number;
  net_aep_mwh?: number;
  wake_loss_pct?: number;
}

export interface WindSection {
  turbine?: WindTurbineSpec;
  air_density_kg_m3?: number;
  resource?: WindResourceInfo;
  rose?: RoseSector[];
  wake_model?: string;
  spacing?: { along_wind_d?: number; across_wind_d?: number; prevailing_deg?: number; setback_tip_heights?: number };
  turbines?: TurbineResult[];
  /** wake loss [%], availability [%] (the share of time turbines run, e.g. 97), electrical loss [%] */
  losses?: { wake_pct?: number; availability_pct?: number; electrical_pct?: number };
}

export interface StorageTargetInfo {
  kind?: "firm" | "load" | "fixed" | string;
  firm_mw?: number;
  firm_hours?: number;
  window?: [number, number] | null;
  days_share?: number | null;
  load_profile_hours?: number | null;
}

/** One hour of the typical (day-of-year mean) day of the storage dispatch. */
export interface DispatchHour {
  hour: number;
  pv_mw?: number;
  wind_mw?: number;
  charge_mw?: number;
  discharge_mw?: number;
  soc_mwh?: number;
  grid_mw?: number;
  firm_target_mw?: number;
}

export interface StorageSection {
  power_kw?: number;
  energy_kwh?: number;
  duration_h?: number;
  round_trip_efficiency?: number;
  cycles_per_yr?: number;
  warranty_cycles_per_yr?: number;
  target?: StorageTargetInfo;
  firm_days_met_share?: number;
  /** true when the LP chose the MW and MWh (no fixed battery given) */
  sized?: boolean;
  solver?: string;
  /** what the sizing wants the reader to know (solver status, relaxations …) */
  notes?: string[];
  typical_day?: DispatchHour[];
  spacing?: { standard?: string; container_gap_m?: number };
}

export interface GasSection {
  unit_kw?: number;
  units?: number;
  heat_rate_btu_per_kwh?: number;
  fuel_price_usd_per_mmbtu?: number;
  capacity_factor_pct?: number;
  energy_mwh?: number;
  fuel_cost_usd_per_yr?: number;
  co2_t_per_yr?: number;
  overshoot_kw?: number;
  overshoot_reason?: string;
  sources?: Record<string, unknown>;
}

export type EnergySource = "pv" | "wind" | "storage" | "gas";

export interface SourceEconomics {
  source: EnergySource | string;
  capex_usd?: number;
  opex_usd_per_yr?: number;
  energy_mwh?: number;
  lcoe_usd_per_mwh?: number | null;
  /** On a clear-sky PV year the PV, storage (and plant) LCOE is a lower bound, named so. */
  lcoe_lower_bound_usd_per_mwh?: number | null;
}

/** The hybrid sections of GET /api/layouts/{id}/design. */
export interface HybridDesign {
  wind?: WindSection;
  storage?: StorageSection;
  gas?: GasSection;
  economics_by_source?: SourceEconomics[];
}

/** The hybrid keys of LayoutResult.metrics (flat). wind_*_aep_mwh are absent without a wind resource. */
export interface HybridMetrics {
  turbine_count?: number;
  wind_capacity_kw?: number;
  wind_gross_aep_mwh?: number;
  wind_wake_loss_pct?: number;
  wind_net_aep_mwh?: number;
  wind_shear_exponent?: number;
  wind_capacity_factor_pct?: number;
  storage_kw?: number;
  storage_kwh?: number;
  storage_duration_h?: number;
  firm_days_met_share?: number;
  storage_cycles_per_yr?: number;
  storage_discharge_mwh?: number;
  storage_curtailment_avoided_mwh?: number;
  gas_capacity_kw?: number;
  gas_energy_mwh?: number;
  gas_fuel_cost_usd_per_yr?: number;
  gas_co2_t_per_yr?: number;
  pv_energy_mwh?: number;
  plant_energy_mwh?: number;
  plant_lcoe_usd_per_mwh?: number;
  plant_energy_mwh_upper_bound?: number;
  plant_lcoe_lower_bound_usd_per_mwh?: number;
  pv_energy_mwh_upper_bound?: number;
}

/** A metric read from the loosely typed metrics object: a finite number, else undefined. */
export function metricNumber(metrics: Record<string, unknown> | null | undefined, key: keyof HybridMetrics): number | undefined {
  const v = metrics?.[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** The backend's warnings about one part of the plant ("no wind resource: …" for wind). */
export function warningsAbout(warnings: readonly string[] | null | undefined, part: "wind" | "storage" | "gas"): string[] {
  // "turbine" alone is not wind: gas plants have gas turbines.
  const re = part === "wind" ? /\bwind\b|\bwakes?\b/i : part === "storage" ? /storage|\bbess\b|batter|\bfirm\b|dispatch/i : /\bgas\b/i;
  return (warnings ?? []).filter((w) => re.test(w));
}

// ---------------------------------------------------------------- the site's wind resource

/**
 * POST/GET /api/sites/{id}/wind: the stored wind resource. The field names of the response are the
 * wind branch's to fix; the panel reads the ones below and their alternatives (see windResourceSummary).
 */
export interface WindResourcePublic {
  site_id?: string;
  filename?: string | null;
  format?: string | null;
  kind?: "weibull" | "tab" | "timeseries" | string;
  height_m?: number | null;
  measurement_height_m?: number | null;
  mean_speed_m_s?: number | null;
  sectors?: number | null;
  /** the rose at the measurement height */
  rose?: RoseSector[] | null;
  rows?: number | null;
  /** true when hourly values will be synthesised from a Weibull table */
  hourly_synthesised?: boolean | null;
  warnings?: string[];
  [key: string]: unknown;
}

/** Kind, measurement height [m] and mean speed [m/s] of a stored resource, under either name. */
export function windResourceSummary(r: WindResourcePublic): { kind?: string; height_m?: number; mean_speed_m_s?: number } {
  const num = (...vs: unknown[]) => vs.find((v): v is number => typeof v === "number" && Number.isFinite(v));
  return {
    kind: typeof r.kind === "string" ? r.kind : undefined,
    height_m: num(r.height_m, r.measurement_height_m),
    mean_speed_m_s: num(r.mean_speed_m_s, r.mean_speed_at_height_m_s),
  };
}

/** What a wind-resource kind is, in words. */
export function windResourceKindLabel(kind: string | undefined): string {
  const names: Record<string, string> = { weibull: "Weibull table by sector", tab: "WAsP / WindPRO .tab histogram", timeseries: "Hourly time series" };
  return kind ? (names[kind] ?? kind) : "—";
}

const windPath = (siteId: string) => `/api/sites/${encodeURIComponent(siteId)}/wind`;

/** The wind-resource endpoints; plain fetch because the path is not in schema.d.ts yet. */
export const windApi = {
  get: (siteId: string) => request<WindResourcePublic>(windPath(siteId)),
  /** Multipart field `file`, like the site and weather uploads; the browser sets the boundary. */
  upload: (siteId: string, file: File) => {
    const form = new FormData();
    form.append("file", file);
    return request<WindResourcePublic>(windPath(siteId), { method: "POST", body: form });
  },
  remove: (siteId: string) => request<void>(windPath(siteId), { method: "DELETE" }),
};

// ---------------------------------------------------------------- storage target (generate body)

/** The storage target the form produces, in the form's own terms (validated, API units). */
export type StorageTarget =
  | { kind: "firm"; firmMw: number; firmHours: number; window: [number, number]; daysShare: number }
  | { kind: "fixed"; mw: number; mwh: number };

/**
 * The generate body's `storage` object. THE ONE PLACE that names the API's keys (the `storage`
 * branch's StorageInput, extra keys forbidden: firm_power_mw, firm_hours, firm_window [start, end),
 * firm_days_share 0..1; power_mw + energy_mwh for a fixed battery). If they change, change them here
 * (and in StorageTargetFields.test.tsx).
 */
export function storageParams(t: StorageTarget): Record<string, unknown> {
  return t.kind === "firm"
    ? { firm_power_mw: t.firmMw, firm_hours: t.firmHours, firm_window: [t.window[0], t.window[1]], firm_days_share: t.daysShare }
    : { power_mw: t.mw, energy_mwh: t.mwh };
}

/** The hours in a daily window [start, end) that may wrap midnight (22–2 is 4 h), as the backend counts them. */
export function windowLength(start: number, end: number): number {
  const b = end % 24;
  return start < b ? b - start : 24 - start + b;
}

/** Profiles that place storage and so take a storage target. */
export const STORAGE_PROFILES: readonly string[] = ["bess", "hybrid", "gas_bess", "wind_hybrid"];
export const hasStorage = (profile: string | undefined): boolean => !!profile && STORAGE_PROFILES.includes(profile);
