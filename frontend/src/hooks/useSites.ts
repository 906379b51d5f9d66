import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import type { Site, SitePatch, ZoneInput } from "../api/types";
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

/** POST /api/sites/demo: the demo site for this user. */
export function useAddDemoSite() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.sites.demo(),
    onSuccess: (site: Site) => {
      qc.setQueryData(keys.site(site.id), site);
      void qc.invalidateQueries({ queryKey: keys.sites });
    },
  });
}

/** Rename the site or move its entry / interconnection point; older layouts may turn stale. */
export function useUpdateSite(siteId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: SitePatch) => api.sites.update(siteId, patch),
    onSuccess: (site: Site) => {
      qc.setQueryData(keys.site(siteId), site);
      void qc.invalidateQueries({ queryKey: keys.sites });
      void qc.invalidateQueries({ queryKey: keys.layouts(siteId) });
    },
  });
}

/** Setback line and zone buffers for the map; refetched when the site (its zones) changes. */
export function useSiteGuides(site: Site | undefined, setbackM: number) {
  return useQuery({
    queryKey: [...keys.site(site?.id ?? ""), "guides", setbackM, site?.exclusion_zones.map((z) => `${z.id}:${z.buffer_m}`).join(",")],
    queryFn: () => api.sites.guides(site!.id, setbackM),
    enabled: !!site,
    staleTime: Infinity,
    placeholderData: (prev) => prev,
  });
}

/** Create / update / delete exclusion zones; each refreshes the site (which embeds its zones). */
export function useZoneMutations(siteId: string) {
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: keys.site(siteId) });
    void qc.invalidateQueries({ queryKey: keys.layouts(siteId) }); // older layouts turn stale
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
