import { metricNumber, warningsAbout, type HybridDesign } from "../../api/hybrid";
import { EnergyBySource } from "./EnergyBySource";
import { GasPanel } from "./GasPanel";
import { StoragePanel } from "./StoragePanel";
import { WindPanel } from "./WindPanel";

type Metrics = Record<string, unknown> | null | undefined;

/** Which hybrid parts a layout has: a part shows only when its design section or its metrics are there. */
export function hybridParts(design: HybridDesign | null | undefined, metrics: Metrics) {
  const d = design ?? {};
  return {
    bySource: (d.economics_by_source ?? []).length > 0,
    wind: !!d.wind || (metricNumber(metrics, "turbine_count") ?? 0) > 0,
    storage: !!d.storage || (metricNumber(metrics, "storage_kw") ?? 0) > 0,
    gas: !!d.gas || (metricNumber(metrics, "gas_capacity_kw") ?? 0) > 0,
  };
}

/**
 * The hybrid sections of a layout's results (issue 23): energy by source, wind, storage, gas —
 * each a collapsible section, and nothing for a part the plant does not have. The backend's
 * warnings about a part are shown at the top of its section.
 */
export function HybridSections({ design, metrics, warnings = [] }: { design: HybridDesign | null | undefined; metrics: Metrics; warnings?: string[] }) {
  const d = design ?? {};
  const parts = hybridParts(d, metrics);
  return (
    <>
      {parts.bySource && (
        <details className="design-section" open>
          <summary>Energy by source</summary>
          <EnergyBySource rows={d.economics_by_source!} metrics={metrics} />
        </details>
      )}
      {parts.wind && (
        <details className="design-section" open>
          <summary>Wind</summary>
          <WindPanel wind={d.wind} metrics={metrics} warnings={warningsAbout(warnings, "wind")} />
        </details>
      )}
      {parts.storage && (
        <details className="design-section" open>
          <summary>Storage</summary>
          <StoragePanel storage={d.storage} metrics={metrics} warnings={warningsAbout(warnings, "storage")} />
        </details>
      )}
      {parts.gas && (
        <details className="design-section">
          <summary>Gas</summary>
          <GasPanel gas={d.gas} metrics={metrics} warnings={warningsAbout(warnings, "gas")} />
        </details>
      )}
    </>
  );
}
