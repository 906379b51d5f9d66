import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import { isTerminal, type GenerateRequest } from "../api/types";
import { keys } from "./queryKeys";

export function useProfiles() {
  return useQuery({ queryKey: keys.profiles, queryFn: api.layouts.profiles, staleTime: Infinity });
}

/**
 * The site's layouts. While any of them is queued or running (a study's variants, a job started in
 * another tab) the list is refetched every `pollMs`, so finished variants appear without a reload.
 */
export function useSiteLayouts(siteId: string, pollMs = 2000) {
  return useQuery({
    queryKey: keys.layouts(siteId),
    queryFn: () => api.layouts.list(siteId),
    enabled: !!siteId,
    refetchInterval: (q) => (q.state.data?.data.some((l) => !isTerminal(l.status)) ? pollMs : false),
  });
}

export function useLayoutGeojson(layoutId: string | null, enabled = true) {
  return useQuery({
    queryKey: keys.layoutGeojson(layoutId ?? ""),
    queryFn: () => api.layouts.geojson(layoutId!),
    enabled: !!layoutId && enabled,
    staleTime: Infinity,
  });
}

export function useGenerateLayout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: { body: GenerateRequest; idempotencyKey?: string }) =>
      api.layouts.generate(body, idempotencyKey),
    onSuccess: (_res, { body }) => {
      void qc.invalidateQueries({ queryKey: keys.layouts(body.site_id) });
      void qc.invalidateQueries({ queryKey: keys.sites, exact: true });
    },
  });
}

export function useCancelLayout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (layoutId: string) => api.layouts.cancel(layoutId),
    onSuccess: (status) => {
      qc.setQueryData(keys.layoutStatus(status.layout_id), status);
      void qc.invalidateQueries({ queryKey: ["layouts"] });
    },
  });
}

export function useDeleteLayout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (layoutId: string) => api.layouts.remove(layoutId),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["layouts"] });
      void qc.invalidateQueries({ queryKey: keys.sites, exact: true });
    },
  });
}
