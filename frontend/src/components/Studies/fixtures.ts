import type { StudyDetail, StudyRow } from "./studiesApi";

export function row(over: Partial<StudyRow> & { layout_id: string }): StudyRow {
  return {
    variant: {},
    status: "completed",
    progress_pct: 100,
    preferred: false,
    ac_capacity_mw: 5,
    dc_capacity_mwp: 6,
    annual_energy_mwh: 12000,
    specific_yield_kwh_per_kwp: 2000,
    performance_ratio: 0.85,
    capex_usd: 4_000_000,
    lcoe_usd_per_mwh: 40,
    lcoe_is_lower_bound: false,
    npv_usd: null,
    weather_source: "file",
    error_message: null,
    ...over,
  };
}

export const ROWS: StudyRow[] = [
  row({ layout_id: "a", variant: { structure: "fixed", gcr: 0.3 }, lcoe_usd_per_mwh: 41, annual_energy_mwh: 11000, dc_capacity_mwp: 6.1, capex_usd: 3.5e6, specific_yield_kwh_per_kwp: 1800 }),
  row({ layout_id: "b", variant: { structure: "tracker", gcr: 0.3 }, lcoe_usd_per_mwh: 37, annual_energy_mwh: 14000, dc_capacity_mwp: 6.0, capex_usd: 3.9e6, specific_yield_kwh_per_kwp: 2300 }),
  row({ layout_id: "c", variant: { structure: "tracker", gcr: 0.45 }, status: "failed", lcoe_usd_per_mwh: null, annual_energy_mwh: null, dc_capacity_mwp: null, capex_usd: null, specific_yield_kwh_per_kwp: null, error_message: "no room" }),
  row({ layout_id: "d", variant: { structure: "fixed", gcr: 0.45 }, lcoe_usd_per_mwh: 39, annual_energy_mwh: 12500, dc_capacity_mwp: 6.6, capex_usd: 4.2e6, specific_yield_kwh_per_kwp: 1900 }),
];

export function detail(over: Partial<StudyDetail> = {}): StudyDetail {
  return {
    id: "s1",
    site_id: "site1",
    name: "Fixed vs tracker",
    grid: { structure: ["fixed", "tracker"], gcr: [0.3, 0.45] },
    base: { target_capacity_kw: 5000 },
    created_at: "2026-12-03T08:00:00Z",
    preferred_layout_id: null,
    sort: "lcoe",
    progress: { total: 4, queued: 0, processing: 0, completed: 3, failed: 1, cancelled: 0, percent_done: 100, done: true },
    rows: ROWS,
    ...over,
  };
}
