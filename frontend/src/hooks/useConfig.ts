import { useQuery } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import { keys } from "./queryKeys";

/** GET /api/config (no auth): async mode, auth mode, version. */
export function useConfig() {
  return useQuery({ queryKey: keys.config, queryFn: api.config, staleTime: Infinity });
}
