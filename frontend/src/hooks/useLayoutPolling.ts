import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import { isTerminal, type LayoutStatus } from "../api/types";
import { keys } from "./queryKeys";

/** How often a running layout's status is polled. */
export const POLL_INTERVAL_MS = 2000;

export interface LayoutPolling {
  /** Last status the API returned (kept across a failed request). */
  status: LayoutStatus | null;
  /** True while the hook is polling: a layout is set, watching, and not in a terminal state. */
  isPolling: boolean;
  /** False after "Stop watching" (the job keeps running on the server). */
  isWatching: boolean;
  stopWatching: () => void;
  resumeWatching: () => void;
  /** The last request's error, cleared by the next success. Polling continues regardless. */
  error: Error | null;
}

/**
 * Polls GET /api/layouts/{id}/status every 2 s with TanStack Query's refetchInterval and stops on
 * completed / failed / cancelled. A failed request does not stop polling: the next tick tries
 * again and the last good status stays on screen. "Stop watching" only stops polling.
 * When the job reaches a terminal state, the site's layouts and the site list are refreshed.
 */
export function useLayoutPolling(layoutId: string | null): LayoutPolling {
  const queryClient = useQueryClient();
  const [watching, setWatching] = useState(true);
  const [watchedId, setWatchedId] = useState(layoutId);
  if (watchedId !== layoutId) {
    // a new layout is watched from the start
    setWatchedId(layoutId);
    setWatching(true);
  }

  const query = useQuery({
    queryKey: keys.layoutStatus(layoutId ?? ""),
    queryFn: () => api.layouts.status(layoutId!),
    enabled: !!layoutId && watching,
    refetchInterval: (q) => (isTerminal(q.state.data?.status) ? false : POLL_INTERVAL_MS),
    refetchIntervalInBackground: true,
    refetchOnWindowFocus: false,
    retry: false,
    staleTime: 0,
  });

  const status = layoutId ? (query.data ?? null) : null;
  const terminal = isTerminal(status?.status);

  useEffect(() => {
    if (!terminal || !layoutId) return;
    void queryClient.invalidateQueries({ queryKey: ["layouts"] });
    void queryClient.invalidateQueries({ queryKey: keys.layout(layoutId), exact: true });
    void queryClient.invalidateQueries({ queryKey: keys.sites, exact: true });
  }, [terminal, layoutId, queryClient]);

  return {
    status,
    isPolling: !!layoutId && watching && !terminal,
    isWatching: watching,
    stopWatching: () => setWatching(false),
    resumeWatching: () => setWatching(true),
    error: query.isError ? query.error : null,
  };
}
