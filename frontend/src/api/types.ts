/**
 * The app's API types. Shapes come from `schema.d.ts`, which `npm run generate-client` generates
 * from the backend's OpenAPI schema; here they are narrowed where the schema is loose
 * (GeoJSON geometry and ops objects); the status enum and the metrics come from the schema as they are.
 */
import type { FeatureCollection, Geometry, MultiPolygon, Point, Polygon } from "geojson";
import type { components } from "./schema";

type S = components["schemas"];

/** A layout's job status: the API's `LayoutStatus` enum. */
export type LayoutStatusValue = S["LayoutStatus"];
export const TERMINAL_STATUSES: readonly LayoutStatusValue[] = ["completed", "failed", "cancelled"];
export const isTerminal = (s: string | null | undefined): boolean =>
  s != null && (TERMINAL_STATUSES as readonly string[]).includes(s);

export type AppConfig = Omit<S["AppConfigPublic"], "auth_mode"> & { auth_mode: "local" | "oidc" | string };
export type User = S["UserPublic"];
export type TokenResponse = S["Token"];

export type LatestLayout = S["LatestLayout"];

export type SiteSummary = Omit<S["SiteSummary"], "centroid" | "bbox" | "latest_layout"> & {
  /** [lon, lat] WGS84 */
  centroid: [number, number];
  /** [minlon, minlat, maxlon, maxlat] WGS84 */
  bbox: [number, number, number, number];
  latest_layout?: LatestLayout | null;
};

export type Zone = Omit<S["ExclusionZonePublic"], "geometry"> & { geometry: Polygon | MultiPolygon };

export type Site = SiteSummary &
  Omit<S["SitePublic"], keyof S["SiteSummary"] | "boundary" | "exclusion_zones" | "entry_point" | "interconnection_point"> & {
    boundary: Polygon | MultiPolygon;
    exclusion_zones: Zone[];
    entry_point: Point | null;
    /** Grid interconnection point (WGS84). */
    interconnection_point?: Point | null;
  };

/** PATCH /api/sites/{id}: only the fields given change; null clears a point. */
export interface SitePatch {
  name?: string;
  entry_point?: Point | null;
  interconnection_point?: Point | null;
}

/** Which site point the user is placing or moving. */
export type SitePointKind = "entry_point" | "interconnection_point";

export interface ListResponse<T> {
  data: T[];
  count: number;
}

export type ZoneInput = Omit<S["ExclusionZoneCreate"], "geometry"> & {
  geometry: Polygon | MultiPolygon;
  zone_type: string;
  buffer_m: number;
  name: string | null;
};

export type SlopeClass = S["SlopeClassPublic"];
export type TerrainSummary = S["TerrainSummaryPublic"];

export interface AssetType {
  name?: string;
  label: string;
  generating?: boolean;
  capacity_kw?: number;
  [key: string]: unknown;
}

/** GET /api/layouts/profiles item; asset_types is keyed by asset type name (a list is accepted too). */
export interface Profile {
  name: string;
  label: string;
  description: string;
  asset_types: Record<string, AssetType> | AssetType[];
}

/** [asset type name, label] pairs of a profile, whichever shape asset_types has. */
export function assetTypeLabels(profile: Profile): [string, string][] {
  const at = profile.asset_types;
  if (Array.isArray(at)) return at.filter((a) => a.name).map((a) => [a.name!, a.label ?? a.name!]);
  return Object.entries(at ?? {}).map(([name, a]) => [name, a?.label ?? name]);
}

export type Strategy = "balanced" | "density" | "low_earthwork" | "clustered";
export const STRATEGIES: { value: Strategy; label: string }[] = [
  { value: "balanced", label: "Balanced" },
  { value: "density", label: "Maximum density" },
  { value: "low_earthwork", label: "Low earthwork" },
  { value: "clustered", label: "Clustered" },
];

/** Table-level PV design inputs (the generate body's `pv`; omitted fields take the engine's defaults). */
export interface PvDesignInput {
  structure?: "fixed" | "tracker";
  /** CEC module name (pvlib library); omitted: the default module */
  module?: string;
  gcr?: number;
  pitch_m?: number;
  tilt_deg?: number;
  dc_ac_ratio?: number;
  /** fixed: maximum ground slope under a table [°] */
  max_slope_deg?: number;
  /** tracker: maximum slope along / across the axis [%] */
  max_slope_along_pct?: number;
  max_slope_across_pct?: number;
  [key: string]: unknown;
}

export interface LayoutParams {
  target_capacity_kw: number;
  profile: string;
  strategy: Strategy | string;
  use_terrain: boolean;
  dem_resolution_m: number;
  setback_m?: number | null;
  pv?: PvDesignInput | null;
  [key: string]: unknown;
}

export type GenerateRequest = LayoutParams & { site_id: string };

/** A layout's metrics: every key the engine may write, each documented with its unit in the
 * OpenAPI schema (backend app/engine/core/document.py `LayoutMetrics`); a key absent from a
 * layout does not apply to it (e.g. no DC capacity on a BESS layout). */
export type LayoutMetrics = S["LayoutMetrics"];

export type Layout = Omit<S["LayoutPublic"], "params" | "stale"> & {
  /** Made before the site's zones, entry or interconnection point last changed. */
  stale?: boolean;
  params: LayoutParams;
};

export type LayoutStatus = S["LayoutStatusPublic"];

export type GenerateAccepted = S["LayoutQueued"];

export type GenerateSyncResult = Omit<S["LayoutDetail"], "layout" | "geojson"> & {
  layout: Layout;
  geojson: LayoutFeatureCollection;
};

export type GenerateResponse = GenerateAccepted | GenerateSyncResult;

export const isSyncResult = (r: GenerateResponse): r is GenerateSyncResult => "layout" in r;

export interface AssetProperties {
  kind: "asset";
  asset_type: string;
  capacity_kw?: number | null;
  storage_kwh?: number | null;
  elevation_m?: number | null;
  slope_deg?: number | null;
  pad_elevation_m?: number | null;
  cut_m3?: number | null;
  fill_m3?: number | null;
  rotation_deg?: number | null;
  [key: string]: unknown;
}

export interface RoadProperties {
  kind: "road";
  road_class: "spine" | "secondary" | "spur" | string;
  width_m?: number | null;
  length_m?: number | null;
  max_grade_pct?: number | null;
  cut_m3?: number | null;
  fill_m3?: number | null;
  [key: string]: unknown;
}

export type LayoutFeatureCollection = FeatureCollection<Geometry, Record<string, unknown>> & {
  metrics?: LayoutMetrics;
};

export type ExportFormat = "geojson" | "kmz" | "csv" | "dxf" | "pdf";
export const EXPORT_FORMATS: { format: ExportFormat; label: string }[] = [
  { format: "geojson", label: "GeoJSON" },
  { format: "kmz", label: "KMZ" },
  { format: "csv", label: "CSV (.zip)" },
  { format: "dxf", label: "DXF" },
  { format: "pdf", label: "PDF report" },
];

/** GET /api/ops/summary (admin). Queue fields are missing when the queue could not be read. */
export interface OpsSummary {
  checked_at?: string;
  queue_backend?: string;
  healthy?: boolean;
  database?: { ok: boolean; error?: string };
  queue?: { ok: boolean; error?: string };
  queue_depth?: number;
  in_flight?: number;
  dlq_depth?: number;
  oldest_message_age_s?: number | null;
  layouts_by_status?: Record<string, number>;
  jobs_last_hour?: { completed: number; failed: number; cancelled: number; [k: string]: number };
  processing_p50_s?: number | null;
  processing_p95_s?: number | null;
  stuck_jobs?: { layout_id: string; heartbeat_at: string | null }[];
  dlq?: { message_id: string; layout_id: string | null; receive_count: number; sent_at: string | null }[];
  workers?: { worker_id: string; last_seen_s: number; alive: boolean; current_layout_id: string | null; jobs_done: number }[];
}

export interface RedriveResult {
  redriven_layout_ids: string[];
}

export interface RedriveRequest {
  message_ids?: string[];
  all?: boolean;
}
