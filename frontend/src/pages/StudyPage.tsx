import { useMemo } from "react";
import { Link, useParams } from "react-router-dom";
import { useSite } from "../hooks/useSites";
import { useSiteLayouts } from "../hooks/useLayouts";
import { usePreferVariant, useStudy } from "../components/Studies/studiesApi";
import { StudyTable, type MetricsById } from "../components/Studies/StudyTable";
import { YieldCapexScatter } from "../components/Studies/YieldCapexScatter";
import { Alert } from "../components/ui/Alert";
import { ProgressBar } from "../components/ui/ProgressBar";
import { Spinner } from "../components/ui/Spinner";

/**
 * A study's comparison at full page width: every variant with its figures (sortable, no sideways
 * scroll at 1440 px), the yield-against-CAPEX scatter, and a link to each variant's map.
 * Figures the study row does not carry (P90, constructability…) are read from the variant's layout.
 */
export function StudyPage() {
  const { siteId = "", studyId = "" } = useParams();
  const site = useSite(siteId);
  const study = useStudy(studyId);
  const layouts = useSiteLayouts(siteId);
  const prefer = usePreferVariant(studyId);
  const metrics: MetricsById = useMemo(
    () => Object.fromEntries((layouts.data?.data ?? []).map((l) => [l.id, l.metrics])),
    [layouts.data],
  );

  if (study.isPending) {
    return (
      <div className="page-center">
        <Spinner size="lg" label="Loading study" />
      </div>
    );
  }
  if (study.isError) {
    return (
      <div className="page">
        <Alert title="Could not load the study">{study.error.message}</Alert>
        <Link to={`/sites/${siteId}`}>Back to the site</Link>
      </div>
    );
  }
  const d = study.data;
  const p = d.progress;
  // The terrain the variants were made on, as their stored parameters say (defaults applied).
  const variants = (layouts.data?.data ?? []).filter((l) => l.study_id === d.id);
  const terrainUsed = variants.some((l) => l.params.use_terrain);
  const cells = Array.from(new Set(variants.filter((l) => l.params.use_terrain).map((l) => Number(l.params.dem_resolution_m)))).sort((a, b) => a - b);
  return (
    <div className="page page-wide study-page">
      <header className="page-header">
        <div>
          <Link to={`/sites/${siteId}`} className="back-link">
            ← {site.data?.name ?? "Site"}
          </Link>
          <h1>{d.name}</h1>
          <p className="muted small">
            {p.completed} of {p.total} completed
            {p.processing ? `, ${p.processing} running` : ""}
            {p.queued ? `, ${p.queued} queued` : ""}
            {p.failed ? `, ${p.failed} failed` : ""}
            {p.cancelled ? `, ${p.cancelled} cancelled` : ""}
            {variants.length > 0 && (terrainUsed ? ` · terrain at ${cells.join(" / ")} m resolution` : " · flat ground (terrain off)")}
          </p>
        </div>
      </header>
      {!p.done && <ProgressBar value={p.percent_done} label="Study progress" />}
      {d.rows.some((r) => r.weather_source === "clearsky") && (
        <Alert tone="warning" title="Clear-sky weather">
          Energy is a clear-sky upper bound, not a P50: upload a weather file for a P50.
        </Alert>
      )}
      <div className="study-grid">
        <section aria-label="Comparison table" className="study-table-wrap">
          <StudyTable
            rows={d.rows}
            metrics={metrics}
            busy={prefer.isPending}
            onPrefer={(id) => prefer.mutate(id)}
            mapHref={(id) => `/sites/${siteId}?layout=${id}`}
          />
          {prefer.isError && <Alert title="Could not mark the variant">{prefer.error.message}</Alert>}
        </section>
        <section aria-label="Yield against CAPEX" className="study-scatter-wrap">
          <h2 className="sub-title">Specific yield against CAPEX</h2>
          <YieldCapexScatter rows={d.rows} metrics={metrics} />
        </section>
      </div>
    </div>
  );
}
