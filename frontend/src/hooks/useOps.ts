import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import type { RedriveRequest } from "../api/types";
import { keys } from "./queryKeys";

/** Admin operations summary, refreshed every 10 s while the page is open. */
export function useOpsSummary() {
  return useQuery({ queryKey: keys.ops, queryFn: api.ops.summary, refetchInterval: 10_000 });
}

export function useRedrive() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RedriveRequest) => api.ops.redrive(body),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.ops }),
  });
}
