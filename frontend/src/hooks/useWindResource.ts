import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";
import { windApi, type WindResourcePublic } from "../api/hybrid";

/** Under the site's key so invalidating a site refreshes its wind resource too. */
export const windKey = (siteId: string) => ["sites", siteId, "wind"] as const;

/**
 * The site's stored wind resource. A 404 means none was uploaded and resolves to `null` (the
 * panel says so); other failures stay errors with the API's message.
 */
export function useWindResource(siteId: string) {
  return useQuery<WindResourcePublic | null, Error>({
    queryKey: windKey(siteId),
    queryFn: async () => {
      try {
        return await windApi.get(siteId);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    enabled: !!siteId,
  });
}

/** POST /api/sites/{id}/wind (multipart `file`); the stored summary replaces the cached one. */
export function useUploadWind(siteId: string) {
  const qc = useQueryClient();
  return useMutation<WindResourcePublic, Error, File>({
    mutationFn: (file) => windApi.upload(siteId, file),
    onSuccess: (r) => qc.setQueryData(windKey(siteId), r),
  });
}

/** DELETE /api/sites/{id}/wind. */
export function useDeleteWind(siteId: string) {
  const qc = useQueryClient();
  return useMutation<void, Error, void>({
    mutationFn: () => windApi.remove(siteId),
    onSuccess: () => qc.setQueryData(windKey(siteId), null),
  });
}
