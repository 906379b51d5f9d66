import { useQuery } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import { keys } from "./queryKeys";

export type TerrainLayer = "slope" | "contours" | "buildable";

export interface TerrainParams {
  resolution_m?: number;
  interval_m?: number;
  max_slope_deg?: number;
}

/** One terrain overlay, fetched only while it is switched on. */
export function useTerrainLayer(siteId: string, layer: TerrainLayer, enabled: boolean, params: TerrainParams = {}) {
  return useQuery({
    queryKey: keys.terrain(siteId, layer, { ...params }),
    queryFn: () => {
      switch (layer) {
        case "slope":
          return api.terrain.slope(siteId, undefined, params.resolution_m);
        case "contours":
          return api.terrain.contours(siteId, params.interval_m, params.resolution_m);
        case "buildable":
          return api.terrain.buildable(siteId, params.max_slope_deg, params.resolution_m);
      }
    },
    enabled: enabled && !!siteId,
    staleTime: 10 * 60_000,
    retry: false,
  });
}

export function useTerrainSummary(siteId: string, enabled: boolean, resolution_m?: number) {
  return useQuery({
    queryKey: keys.terrain(siteId, "summary", { resolution_m }),
    queryFn: () => api.terrain.summary(siteId, resolution_m),
    enabled: enabled && !!siteId,
    staleTime: 10 * 60_000,
    retry: false,
  });
}
