import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import type { ZoneInput } from "../api/types";
import { keys } from "./queryKeys";

export function useSites() {
  return useQuery({ queryKey: keys.sites, queryFn: api.sites.list });
}

export function useSite(id: string | undefined) {
  return useQuery({ queryKey: keys.site(id ?? ""), queryFn: () => api.sites.get(id!), enabled: !!id });
}

export function useUploadSite() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ file, name }: { file: File; name?: string }) => api.sites.upload(file, name),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.sites }),
  });
}

export function useDeleteSite() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.sites.remove(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.sites }),
  });
}

/** Create / update / delete exclusion zones; each refreshes the site (which embeds its zones). */
export function useZoneMutations(siteId: string) {
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: keys.site(siteId) });
    void qc.invalidateQueries({ queryKey: ["terrain", siteId] });
  };
  const create = useMutation({ mutationFn: (zone: ZoneInput) => api.zones.create(siteId, zone), onSuccess: refresh });
  const update = useMutation({
    mutationFn: ({ zoneId, patch }: { zoneId: string; patch: Partial<ZoneInput> }) => api.zones.update(siteId, zoneId, patch),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (zoneId: string) => api.zones.remove(siteId, zoneId), onSuccess: refresh });
  return { create, update, remove };
}
