/**
 * Scenario studies: API calls and TanStack Query hooks (kept beside the Studies components).
 * Shapes come from the generated schema (`npm run generate-client`).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { http, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

type S = components["schemas"];
export type StudyCreate = S["StudyCreate"];
export type StudyGrid = S["StudyGrid"];
export type StudyRow = S["StudyRow"];
export type StudyDetail = S["StudyDetail"];
export type StudySummary = S["StudySummary"];
export type StudyQueued = S["StudyQueued"];

/** The API's limit on variants per study (app/studies/grid.py MAX_VARIANTS). */
export const MAX_VARIANTS = 200;

/** Variants a grid makes, counted as the API counts them: trackers ignore the tilt axis. */
export function countVariants(grid: StudyGrid): number {
  const n = (xs: unknown[] | null | undefined) => (xs && xs.length ? xs.length : 1);
  const rest = n(grid.gcr) * n(grid.dc_ac_ratio) * n(grid.strategy);
  const structures: (string | null)[] = grid.structure && grid.structure.length ? grid.structure : [null];
  return structures.reduce((sum, s) => sum + rest * (s === "tracker" ? 1 : n(grid.tilt_deg)), 0);
}

export const studyKeys = {
  list: (siteId: string) => ["studies", { siteId }] as const,
  detail: (id: string) => ["study", id] as const,
};

export const studiesApi = {
  list: (siteId: string) =>
    unwrap(http.GET("/api/sites/{site_id}/studies", { params: { path: { site_id: siteId } } })) as Promise<S["StudiesPublic"]>,
  get: (id: string) =>
    unwrap(http.GET("/api/studies/{study_id}", { params: { path: { study_id: id } } })) as Promise<StudyDetail>,
  create: (siteId: string, body: StudyCreate) =>
    unwrap(http.POST("/api/sites/{site_id}/studies", { params: { path: { site_id: siteId } }, body })) as Promise<StudyQueued>,
  prefer: (id: string, layoutId: string | null) =>
    unwrap(
      http.PUT("/api/studies/{study_id}/preferred", { params: { path: { study_id: id } }, body: { layout_id: layoutId } }),
    ) as Promise<StudySummary>,
  remove: (id: string) => unwrap(http.DELETE("/api/studies/{study_id}", { params: { path: { study_id: id } } })),
};

export function useSiteStudies(siteId: string) {
  return useQuery({ queryKey: studyKeys.list(siteId), queryFn: () => studiesApi.list(siteId), enabled: !!siteId });
}

/** A study, polled every `intervalMs` while variants are still queued or running. */
export function useStudy(id: string | null, intervalMs = 2000) {
  return useQuery({
    queryKey: studyKeys.detail(id ?? ""),
    queryFn: () => studiesApi.get(id!),
    enabled: !!id,
    refetchInterval: (q) => (q.state.data && q.state.data.progress.done ? false : intervalMs),
  });
}

export function useCreateStudy(siteId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StudyCreate) => studiesApi.create(siteId, body),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: studyKeys.list(siteId) });
      void qc.invalidateQueries({ queryKey: ["layouts"] });
    },
  });
}

export function usePreferVariant(studyId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (layoutId: string | null) => studiesApi.prefer(studyId, layoutId),
    onSuccess: () => void qc.invalidateQueries({ queryKey: studyKeys.detail(studyId) }),
  });
}

export function useDeleteStudy(siteId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => studiesApi.remove(id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: studyKeys.list(siteId) });
      void qc.invalidateQueries({ queryKey: ["layouts"] });
    },
  });
}
