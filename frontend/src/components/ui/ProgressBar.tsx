export function ProgressBar({ value, label }: { value: number | null | undefined; label: string }) {
  const pct = value == null ? null : Math.max(0, Math.min(100, value));
  return (
    <div
      className={`progress${pct == null ? " progress-indeterminate" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct == null ? undefined : Math.round(pct)}
    >
      <div className="progress-fill" style={pct == null ? undefined : { width: `${pct}%` }} />
    </div>
  );
}
