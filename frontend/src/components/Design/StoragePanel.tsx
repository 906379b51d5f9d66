import { metricNumber, type StorageSection, type StorageTargetInfo } from "../../api/hybrid";
import { formatEnergy, formatNumber, formatPower } from "../../lib/format";
import { Alert } from "../ui/Alert";
import { formatMwh } from "./designFormat";
import { DispatchChart } from "./DispatchChart";
import { MetricItem } from "./MetricItem";

const pct = (share: number | undefined, digits = 0) => (share == null ? "—" : `${formatNumber(share * 100, digits)} %`);

/** "Firm 10 MW for 4 h in 18–22 h on 90 % of days", "Load profile …", or, without a target, how the size was set. */
export function describeTarget(t: StorageTargetInfo | undefined, sized?: boolean): string | null {
  if (!t?.kind) return null;
  if (t.kind === "fixed")
    return sized ? "None: sized to shift the energy the grid limit would curtail" : "None: a fixed battery, as asked (its dispatch is simulated)";
  if (t.kind === "load") return `Load profile${t.days_share != null ? ` on ${pct(t.days_share)} of days` : ""}`;
  const parts = [`${formatNumber(t.firm_mw, 2)} MW`];
  if (t.firm_hours != null) parts.push(`for ${formatNumber(t.firm_hours, 1)} h`);
  if (t.window) parts.push(`in ${t.window[0]}–${t.window[1]} h`);
  if (t.days_share != null) parts.push(`on ${pct(t.days_share)} of days`);
  return `Firm ${parts.join(" ")}`;
}

/**
 * The storage: power, energy, duration, efficiency, cycles (against the warranty cap), the target
 * and the share of days it is met, the solver, NFPA 855 spacing and the typical-day dispatch.
 */
export function StoragePanel({ storage, metrics, warnings }: { storage: StorageSection | undefined; metrics: Record<string, unknown> | null | undefined; warnings: string[] }) {
  const s = storage ?? {};
  const kw = s.power_kw ?? metricNumber(metrics, "storage_kw");
  const kwh = s.energy_kwh ?? metricNumber(metrics, "storage_kwh");
  const duration = s.duration_h ?? metricNumber(metrics, "storage_duration_h");
  const met = s.firm_days_met_share ?? metricNumber(metrics, "firm_days_met_share");
  const cycles = s.cycles_per_yr ?? metricNumber(metrics, "storage_cycles_per_yr");
  const asked = s.target?.days_share;
  const short = met != null && asked != null && met + 1e-9 < asked;
  const overCycles = cycles != null && s.warranty_cycles_per_yr != null && cycles > s.warranty_cycles_per_yr;
  const target = describeTarget(s.target, s.sized);
  // The backend also raises some notes as layout warnings: each is said once.
  const notes = (s.notes ?? []).filter((n) => !warnings.includes(n));
  return (
    <div className="design-panel" data-testid="storage-panel">
      {warnings.map((m, i) => (
        <Alert key={i} tone="warning" title="Storage">
          {m}
        </Alert>
      ))}
      {short && (
        <Alert tone="warning" title="Target not met">
          The firm-power target is met on {pct(met, 1)} of days, short of the {pct(asked)} asked.
        </Alert>
      )}
      <dl className="metric-grid">
        <MetricItem label="Power" value={formatPower(kw)} />
        <MetricItem label="Energy" value={formatEnergy(kwh)} sub={duration != null ? `${formatNumber(duration, 2)} h` : undefined} />
        <MetricItem label="Round-trip efficiency" value={s.round_trip_efficiency != null ? pct(s.round_trip_efficiency, 1) : "—"} />
        <MetricItem
          testId="storage-cycles"
          label="Cycles per year"
          value={formatNumber(cycles, 0)}
          sub={s.warranty_cycles_per_yr != null ? `${overCycles ? "over" : "within"} the warranty's ${formatNumber(s.warranty_cycles_per_yr, 0)}` : undefined}
        />
        {met != null && <MetricItem testId="firm-days-met" label="Firm days met" value={pct(met, 1)} sub={asked != null ? `target ${pct(asked)}` : undefined} />}
        {metricNumber(metrics, "storage_discharge_mwh") != null && <MetricItem label="Discharged" value={formatMwh(metricNumber(metrics, "storage_discharge_mwh"))} sub="per year" />}
        {metricNumber(metrics, "storage_curtailment_avoided_mwh") != null && (
          <MetricItem label="Curtailment avoided" value={formatMwh(metricNumber(metrics, "storage_curtailment_avoided_mwh"))} sub="per year" />
        )}
      </dl>
      {target && (
        <p className="design-weather" data-testid="storage-target">
          <strong>Target:</strong> {target}
          {s.solver ? <span className="metric-sub">{s.sized === false ? "dispatched" : "sized"} by optimisation ({s.solver})</span> : null}
        </p>
      )}
      {notes.length > 0 && (
        <ul className="plain small muted" data-testid="storage-notes">
          {notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      {(s.typical_day ?? []).length > 0 && (
        <>
          <h4 className="design-subhead">Typical day (mean of each hour over the year)</h4>
          <DispatchChart day={s.typical_day!} />
        </>
      )}
      {s.spacing?.standard && (
        <p className="small muted">
          Containers spaced per {s.spacing.standard}
          {s.spacing.container_gap_m != null ? ` (${formatNumber(s.spacing.container_gap_m, 1)} m gap)` : ""}.
        </p>
      )}
    </div>
  );
}
