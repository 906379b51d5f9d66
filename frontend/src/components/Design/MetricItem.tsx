import type { ReactNode } from "react";

/** One labelled figure of a `metric-grid`; "—" when there is no value (never a made-up number). */
export function MetricItem({ label, value, sub, testId }: { label: string; value: ReactNode; sub?: ReactNode; testId?: string }) {
  return (
    <div className="metric" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        {value ?? "—"}
        {sub ? <span className="metric-sub">{sub}</span> : null}
      </dd>
    </div>
  );
}
