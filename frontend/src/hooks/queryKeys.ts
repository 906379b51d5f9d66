/** Query keys in one place so invalidation stays consistent. */
export const keys = {
  config: ["config"] as const,
  me: ["me"] as const,
  sites: ["sites"] as const,
  site: (id: string) => ["sites", id] as const,
  terrain: (siteId: string, kind: string, params: Record<string, unknown>) => ["terrain", siteId, kind, params] as const,
  profiles: ["profiles"] as const,
  layouts: (siteId: string) => ["layouts", { siteId }] as const,
  layout: (id: string) => ["layout", id] as const,
  layoutGeojson: (id: string) => ["layout", id, "geojson"] as const,
  layoutStatus: (id: string) => ["layout", id, "status"] as const,
  ops: ["ops", "summary"] as const,
};
