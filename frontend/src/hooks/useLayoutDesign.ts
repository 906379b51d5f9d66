import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../api/client";
import type { LayoutDesign } from "../api/design";
import { api } from "../api/endpoints";

/** Under ["layout", id] so invalidating a layout refreshes its design too. */
export const designKey = (layoutId: string) => ["layout", layoutId, "design"] as const;

/**
 * The design document of a completed layout. A 404 means "this layout has no design" (gas/BESS
 * layouts, layouts made before designs) and resolves to `null` rather than an error, so the UI
 * can say so plainly; other failures stay errors. A stored design never changes: cached forever.
 */
export function useLayoutDesign(layoutId: string | null, enabled = true) {
  return useQuery<LayoutDesign | null, Error>({
    queryKey: designKey(layoutId ?? ""),
    queryFn: async () => {
      try {
        return await api.layouts.design(layoutId!);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    enabled: !!layoutId && enabled,
    staleTime: Infinity,
  });
}
