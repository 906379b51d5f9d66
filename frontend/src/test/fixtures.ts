import type { Layout, LayoutStatus, Profile, Site, SiteSummary } from "../api/types";

export const SITE_SUMMARY: SiteSummary = {
  id: "s1",
  name: "West Texas parcel",
  area_ha: 25.04,
  centroid: [-102.1, 31.9],
  bbox: [-102.102, 31.898, -102.098, 31.902],
  created_at: "2026-03-01T10:00:00Z",
  latest_layout: { id: "L1", status: "completed", total_capacity_kw: 4000 },
};

export const SITE: Site = {
  ...SITE_SUMMARY,
  boundary: {
    type: "Polygon",
    coordinates: [[[-102.102, 31.898], [-102.098, 31.898], [-102.098, 31.902], [-102.102, 31.902], [-102.102, 31.898]]],
  },
  exclusion_zones: [],
  entry_point: { type: "Point", coordinates: [-102.102, 31.9] },
  warnings: [],
};

export function layout(id: string, overrides: Partial<Layout> = {}): Layout {
  return {
    id,
    site_id: "s1",
    status: "completed",
    params: { target_capacity_kw: 5000, profile: "solar_farm", strategy: "balanced", use_terrain: true, dem_resolution_m: 10, setback_m: 15 },
    metrics: {
      total_capacity_kw: 4000,
      storage_kwh: 0,
      asset_count: 5,
      counts_by_type: { pv_block: 2, power_station: 2, substation: 1 },
      road_length_m: 1234,
      cut_volume_m3: 500,
      fill_volume_m3: 420,
      buildable_area_ha: 20,
      capacity_density_kw_per_ha: 160,
    },
    warnings: [],
    error_message: null,
    crs: "EPSG:32613",
    total_capacity_kw: 4000,
    asset_count: 5,
    road_length_m: 1234,
    cut_volume_m3: 500,
    fill_volume_m3: 420,
    stage: "completed",
    progress_pct: 100,
    queued_at: "2026-03-01T10:00:00Z",
    started_at: "2026-03-01T10:00:01Z",
    completed_at: "2026-03-01T10:00:09Z",
    attempts: 1,
    created_at: "2026-03-01T10:00:00Z",
    ...overrides,
  };
}

export function statusOf(l: Layout, overrides: Partial<LayoutStatus> = {}): LayoutStatus {
  return {
    layout_id: l.id,
    status: l.status,
    error_message: l.error_message,
    stage: l.stage,
    progress_pct: l.progress_pct,
    queued_at: l.queued_at,
    started_at: l.started_at,
    completed_at: l.completed_at,
    attempts: l.attempts,
    ...overrides,
  };
}

export const PROFILES: { data: Profile[]; strategies: string[] } = {
  data: [
    {
      name: "solar_farm",
      label: "Solar farm",
      description: "Fixed-tilt PV blocks with power stations.",
      asset_types: { pv_block: { label: "PV block", capacity_kw: 2000, generating: true }, substation: { label: "HV substation" } },
    },
    { name: "bess", label: "Battery storage", description: "Containerised BESS.", asset_types: { bess: { label: "Battery" } } },
  ],
  strategies: ["balanced", "density", "low_earthwork", "clustered"],
};
