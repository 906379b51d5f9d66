/**
 * API calls, one function per endpoint, on the generated client (`http`, typed by schema.d.ts).
 * Hooks in src/hooks wrap these with TanStack Query. The multipart upload and the binary exports
 * use plain fetch (`request` / `requestBlob`).
 */
import type { FeatureCollection } from "geojson";
import { http, request, requestBlob, unwrap } from "./client";
import { rememberGeojsonText } from "../lib/plantArraysAsync";
import type { components } from "./schema";
import type { Bom, LayoutDesign } from "./design";
import type {
  AppConfig,
  ExportFormat,
  GenerateRequest,
  GenerateResponse,
  Layout,
  LayoutFeatureCollection,
  LayoutStatus,
  ListResponse,
  OpsSummary,
  Profile,
  RedriveRequest,
  RedriveResult,
  Site,
  SitePatch,
  SiteSummary,
  TerrainSummary,
  TokenResponse,
  User,
  Zone,
  ZoneInput,
} from "./types";

/** The schema types geometry loosely; the app narrows it (see types.ts). */
const as = <T>(p: Promise<unknown>) => p as Promise<T>;

export const api = {
  config: () => as<AppConfig>(unwrap(http.GET("/api/config"))),

  auth: {
    register: (email: string, password: string) =>
      as<components["schemas"]["Message"]>(
        unwrap(http.POST("/api/auth/register", { body: { email, password } })),
      ),
    login: (email: string, password: string) =>
      as<TokenResponse>(
        unwrap(
          http.POST("/api/auth/token", {
            body: { username: email, password, scope: "" },
            bodySerializer: (b) => new URLSearchParams(b as Record<string, string>),
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
          }),
        ),
      ),
    me: () => as<User>(unwrap(http.GET("/api/auth/me"))),
  },

  sites: {
    list: () => as<ListResponse<SiteSummary>>(unwrap(http.GET("/api/sites"))),
    get: (id: string) => as<Site>(unwrap(http.GET("/api/sites/{site_id}", { params: { path: { site_id: id } } }))),
    /** Multipart upload goes through plain fetch so the browser sets the boundary itself. */
    upload: (file: File, name?: string) => {
      const form = new FormData();
      form.append("file", file);
      if (name) form.append("name", name);
      return request<Site>("/api/sites/upload", { method: "POST", body: form });
    },
    remove: (id: string) => as<void>(unwrap(http.DELETE("/api/sites/{site_id}", { params: { path: { site_id: id } } }))),
    /** Adds the demo site for the current user (201), or returns theirs (200). */
    demo: () => as<Site>(unwrap(http.POST("/api/sites/demo"))),
    update: (id: string, patch: SitePatch) =>
      as<Site>(
        unwrap(
          http.PATCH("/api/sites/{site_id}", {
            params: { path: { site_id: id } },
            body: patch as unknown as components["schemas"]["SiteUpdate"],
          }),
        ),
      ),
    /** Setback line and exclusion-zone buffers (WGS84). */
    guides: (id: string, setback_m?: number) =>
      as<FeatureCollection>(
        unwrap(http.GET("/api/sites/{site_id}/guides", { params: { path: { site_id: id }, query: { setback_m } } })),
      ),
  },

  zones: {
    list: (siteId: string) =>
      as<Zone[]>(unwrap(http.GET("/api/sites/{site_id}/exclusion-zones", { params: { path: { site_id: siteId } } }))),
    create: (siteId: string, zone: ZoneInput) =>
      as<Zone>(
        unwrap(
          http.POST("/api/sites/{site_id}/exclusion-zones", {
            params: { path: { site_id: siteId } },
            body: { ...zone, geometry: zone.geometry as unknown as Record<string, unknown> },
          }),
        ),
      ),
    update: (siteId: string, zoneId: string, patch: Partial<ZoneInput>) =>
      as<Zone>(
        unwrap(
          http.PATCH("/api/sites/{site_id}/exclusion-zones/{zone_id}", {
            params: { path: { site_id: siteId, zone_id: zoneId } },
            body: { ...patch, geometry: patch.geometry as unknown as Record<string, unknown> | undefined },
          }),
        ),
      ),
    remove: (siteId: string, zoneId: string) =>
      as<void>(
        unwrap(
          http.DELETE("/api/sites/{site_id}/exclusion-zones/{zone_id}", { params: { path: { site_id: siteId, zone_id: zoneId } } }),
        ),
      ),
  },

  terrain: {
    summary: (siteId: string, resolution_m?: number) =>
      as<TerrainSummary>(
        unwrap(http.GET("/api/sites/{site_id}/terrain/summary", { params: { path: { site_id: siteId }, query: { resolution_m } } })),
      ),
    contours: (siteId: string, interval_m?: number, resolution_m?: number) =>
      as<FeatureCollection>(
        unwrap(
          http.GET("/api/sites/{site_id}/terrain/contours", {
            params: { path: { site_id: siteId }, query: { interval_m, resolution_m } },
          }),
        ),
      ),
    slope: (siteId: string, classes = "0,2,5,10,15,25,90", resolution_m?: number) =>
      as<FeatureCollection>(
        unwrap(
          http.GET("/api/sites/{site_id}/terrain/slope", { params: { path: { site_id: siteId }, query: { classes, resolution_m } } }),
        ),
      ),
    buildable: (siteId: string, max_slope_deg?: number, resolution_m?: number) =>
      as<FeatureCollection>(
        unwrap(
          http.GET("/api/sites/{site_id}/terrain/buildable", {
            params: { path: { site_id: siteId }, query: { max_slope_deg, resolution_m } },
          }),
        ),
      ),
  },

  layouts: {
    profiles: () => as<ListResponse<Profile>>(unwrap(http.GET("/api/layouts/profiles"))),
    generate: (body: GenerateRequest, idempotencyKey?: string) =>
      as<GenerateResponse>(
        unwrap(
          http.POST("/api/layouts/generate", {
            // profile/strategy are enums in the schema; the form offers what /profiles returned
            body: body as unknown as components["schemas"]["LayoutGenerate"],
            params: { header: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {} },
          }),
        ),
      ),
    list: (siteId: string) =>
      as<ListResponse<Layout>>(unwrap(http.GET("/api/layouts", { params: { query: { site_id: siteId } } }))),
    get: (id: string) => as<Layout>(unwrap(http.GET("/api/layouts/{layout_id}", { params: { path: { layout_id: id } } }))),
    /** Read as text and parsed here; the text is kept for the map's WebGL worker (lib/plantArraysAsync). */
    geojson: async (id: string) => {
      const text = await unwrap(
        http.GET("/api/layouts/{layout_id}/geojson", { params: { path: { layout_id: id } }, parseAs: "text" }),
      );
      const fc = JSON.parse(text as unknown as string) as LayoutFeatureCollection;
      rememberGeojsonText(fc, text as unknown as string);
      return fc;
    },
    status: (id: string) =>
      as<LayoutStatus>(unwrap(http.GET("/api/layouts/{layout_id}/status", { params: { path: { layout_id: id } } }))),
    cancel: (id: string) =>
      as<LayoutStatus>(unwrap(http.POST("/api/layouts/{layout_id}/cancel", { params: { path: { layout_id: id } } }))),
    remove: (id: string) => as<void>(unwrap(http.DELETE("/api/layouts/{layout_id}", { params: { path: { layout_id: id } } }))),
    /** The design document (pv, electrical, bom, energy, cost); 404 when the layout has none. */
    design: (id: string) =>
      as<LayoutDesign>(unwrap(http.GET("/api/layouts/{layout_id}/design", { params: { path: { layout_id: id } } }))),
    /** The bill of quantities alone; 404 when the layout has none. */
    bom: (id: string) => as<Bom>(unwrap(http.GET("/api/layouts/{layout_id}/bom", { params: { path: { layout_id: id } } }))),
    exportFile: (id: string, format: ExportFormat) => requestBlob(`/api/layouts/${encodeURIComponent(id)}/export/${format}`),
  },

  ops: {
    summary: () => as<OpsSummary>(unwrap(http.GET("/api/ops/summary"))),
    redrive: (body: RedriveRequest) => as<RedriveResult>(unwrap(http.POST("/api/ops/dlq/redrive", { body: { all: false, ...body } }))),
  },
};
