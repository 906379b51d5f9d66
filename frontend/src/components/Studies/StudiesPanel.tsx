import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { Alert } from "../ui/Alert";
import { Button } from "../ui/Button";
import { Panel } from "../ui/Panel";
import { ProgressBar } from "../ui/ProgressBar";
import { StudyForm } from "./StudyForm";
import { StudyTable } from "./StudyTable";
import { YieldCapexScatter } from "./YieldCapexScatter";
import { useCreateStudy, useDeleteStudy, usePreferVariant, useSiteStudies, useStudy } from "./studiesApi";

/** Scenario studies of a site: create a grid of variants, follow its progress, compare, prefer one. */
export function StudiesPanel({ siteId, pollMs = 2000, resolutionM }: { siteId: string; pollMs?: number; resolutionM?: number | null }) {
  const studies = useSiteStudies(siteId);
  const [studyId, setStudyId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const create = useCreateStudy(siteId);
  const remove = useDeleteStudy(siteId);
  const study = useStudy(studyId, pollMs);
  const prefer = usePreferVariant(studyId ?? "");
  const list = studies.data?.data ?? [];
  const qc = useQueryClient();
  // Each variant is a layout: refresh the site's layouts list as variants finish, without a reload.
  const finished = study.data ? study.data.progress.completed + study.data.progress.failed + study.data.progress.cancelled : 0;
  useEffect(() => {
    if (finished > 0) void qc.invalidateQueries({ queryKey: ["layouts"] });
  }, [finished, qc]);

  useEffect(() => {
    if (studyId === null && list.length) setStudyId(list[0].id);
  }, [studyId, list]);

  const d = study.data;
  const p = d?.progress;
  return (
    <Panel
      title={`Scenario studies${list.length ? ` (${list.length})` : ""}`}
      actions={
        <Button size="sm" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? "Close" : "New study"}
        </Button>
      }
    >
      {/* Plain text, not an alert: a secondary panel must not take over the page's announcements. */}
      {studies.isError && <p className="muted small">Studies unavailable: {studies.error.message}</p>}
      {creating && (
        <>
          <StudyForm
            resolutionM={resolutionM}
            busy={create.isPending}
            onSubmit={(body) =>
              create.mutate(body, {
                onSuccess: (res) => {
                  setStudyId(res.study_id);
                  setCreating(false);
                },
              })
            }
          />
          {create.isError && <Alert title="Could not start the study">{create.error.message}</Alert>}
        </>
      )}
      {list.length > 1 && (
        <label className="field">
          Study
          <select value={studyId ?? ""} onChange={(e) => setStudyId(e.target.value)}>
            {list.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {!list.length && !creating && !studies.isLoading && <p className="muted small">No studies yet: compare structure, GCR, tilt, DC/AC and strategy variants.</p>}
      {study.isError && <Alert>{study.error.message}</Alert>}
      {d && p && (
        <div className="form">
          <h3 className="sub-title">{d.name}</h3>
          <ProgressBar value={p.percent_done} label={`Study progress`} />
          <p className="muted small" aria-live="polite">
            {p.completed} of {p.total} completed
            {p.processing ? `, ${p.processing} running` : ""}
            {p.queued ? `, ${p.queued} queued` : ""}
            {p.failed ? `, ${p.failed} failed` : ""}
            {p.cancelled ? `, ${p.cancelled} cancelled` : ""} ({p.percent_done}%)
          </p>
          <p className="muted small" data-testid="study-terrain">
            {d.base.use_terrain === false
              ? "Flat ground (terrain off)"
              : `Terrain at ${d.base.dem_resolution_m != null ? String(d.base.dem_resolution_m) : "30"} m resolution${d.base.dem_resolution_m != null ? "" : " (the API's default)"}`}
          </p>
          {d.rows.some((r) => r.weather_source === "clearsky") && (
            <Alert title="Clear-sky weather">Energy is a clear-sky upper bound, not a P50: upload a weather file for a P50.</Alert>
          )}
          <Link className="btn btn-secondary btn-sm" to={`/sites/${siteId}/studies/${d.id}`}>
            Open the full comparison
          </Link>
          <StudyTable compact rows={d.rows} busy={prefer.isPending} onPrefer={(id) => prefer.mutate(id)} />
          {prefer.isError && <Alert title="Could not mark the variant">{prefer.error.message}</Alert>}
          <YieldCapexScatter rows={d.rows} />
          <Button
            size="sm"
            variant="ghost"
            className="text-danger"
            busy={remove.isPending}
            onClick={() => remove.mutate(d.id, { onSuccess: () => setStudyId(null) })}
          >
            Delete study
          </Button>
        </div>
      )}
    </Panel>
  );
}
