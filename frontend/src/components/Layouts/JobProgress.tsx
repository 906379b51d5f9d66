import type { LayoutStatus } from "../../api/types";
import { formatDuration, formatElapsed, formatLength, formatNumber, formatPower, humanize, parseApiDate } from "../../lib/format";
import { useNow } from "../../hooks/useNow";
import { Spinner } from "../ui/Spinner";
import { ProgressBar } from "../ui/ProgressBar";
import { Button } from "../ui/Button";
import { Alert, LiveRegion } from "../ui/Alert";

export interface JobProgressProps {
  layoutId: string;
  status: LayoutStatus | null;
  isPolling: boolean;
  isWatching: boolean;
  pollError: Error | null;
  onCancel: () => void;
  cancelling?: boolean;
  cancelError?: string | null;
  onStopWatching: () => void;
  onResumeWatching: () => void;
  onRetry: () => void;
  retrying?: boolean;
  onDismiss: () => void;
}

/** Live state of an async layout job: spinner, stage, progress, counts, elapsed time, actions. */
export function JobProgress(props: JobProgressProps) {
  const { status, isPolling, isWatching, pollError } = props;
  const state = status?.status ?? "queued";
  const running = state === "queued" || state === "processing";
  const now = useNow(running && isWatching);

  const start = parseApiDate(status?.started_at) ?? parseApiDate(status?.queued_at);
  const end = parseApiDate(status?.completed_at);
  const elapsed = start ? ((end?.getTime() ?? now) - start.getTime()) / 1000 : null;
  // The finished job's own run time (worker start → completion), to the tenth of a second.
  const runTime = start && end ? (end.getTime() - start.getTime()) / 1000 : null;

  const announce =
    state === "failed"
      ? "" // the failure Alert (role="alert") announces itself
      : state === "completed"
        ? "Layout generation completed."
        : state === "cancelled"
          ? "Layout generation cancelled."
          : `Layout ${humanize(state)}${status?.stage ? `: ${humanize(status.stage)}` : ""}`;

  return (
    <div className={`job job-${state}`} data-testid="job-progress">
      <LiveRegion message={announce} />
      {running && (
        <>
          <div className="job-head">
            {isWatching ? <Spinner size="sm" label="Generating" /> : <span className="job-paused" aria-hidden="true">❚❚</span>}
            <div>
              <div className="job-title">{state === "queued" ? "Queued" : "Generating layout"}</div>
              <div className="job-stage">
                {status?.stage && status.stage !== state ? humanize(status.stage) : state === "queued" ? "Waiting for a worker" : "Starting"}
              </div>
            </div>
            <div className="job-elapsed" aria-label="Elapsed time">
              {formatDuration(elapsed)}
            </div>
          </div>
          <ProgressBar value={state === "queued" ? null : status?.progress_pct} label="Layout generation progress" />
          <dl className="job-stats">
            <div>
              <dt>Progress</dt>
              <dd>{status?.progress_pct != null ? `${formatNumber(status.progress_pct, 0)} %` : "—"}</dd>
            </div>
            <div>
              <dt>Assets</dt>
              <dd>{status?.asset_count != null ? formatNumber(status.asset_count) : "—"}</dd>
            </div>
            <div>
              <dt>Roads</dt>
              <dd>{status?.road_length_m != null ? formatLength(status.road_length_m) : "—"}</dd>
            </div>
            {(status?.attempts ?? 0) > 1 && (
              <div>
                <dt>Attempt</dt>
                <dd>{status?.attempts}</dd>
              </div>
            )}
          </dl>
          {!isWatching && <p className="muted small">Not watching — the job keeps running on the server.</p>}
          {pollError && isPolling && (
            <p className="muted small" role="status">
              Could not refresh the status ({pollError.message}); trying again…
            </p>
          )}
          {props.cancelError && <Alert>{props.cancelError}</Alert>}
          <div className="job-actions">
            <Button variant="danger" size="sm" onClick={props.onCancel} busy={props.cancelling}>
              Cancel job
            </Button>
            {isWatching ? (
              <Button size="sm" onClick={props.onStopWatching}>
                Stop watching
              </Button>
            ) : (
              <Button size="sm" onClick={props.onResumeWatching}>
                Resume watching
              </Button>
            )}
          </div>
        </>
      )}
      {state === "completed" && (
        <Alert
          tone="success"
          title="Layout ready"
          action={<Button size="sm" variant="ghost" onClick={props.onDismiss}>Dismiss</Button>}
        >
          {formatPower(status?.total_capacity_kw)} · {formatNumber(status?.asset_count)} assets · {formatLength(status?.road_length_m)} of roads
          {runTime != null && <> · generated in {formatElapsed(runTime)}</>}
        </Alert>
      )}
      {state === "completed" && (status?.warnings?.length ?? 0) > 0 && (
        <Alert tone="warning" title={`${status!.warnings!.length} warning${status!.warnings!.length === 1 ? "" : "s"}`}>
          <ul className="plain warnings-list">
            {status!.warnings!.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </Alert>
      )}
      {state === "failed" && (
        <Alert
          title="Layout generation failed"
          action={
            <div className="job-actions">
              <Button size="sm" variant="primary" onClick={props.onRetry} busy={props.retrying}>
                Retry
              </Button>
              <Button size="sm" variant="ghost" onClick={props.onDismiss}>
                Dismiss
              </Button>
            </div>
          }
        >
          {status?.error_message || "The job failed without a message."}
        </Alert>
      )}
      {state === "cancelled" && (
        <Alert tone="warning" title="Cancelled" action={<Button size="sm" variant="ghost" onClick={props.onDismiss}>Dismiss</Button>}>
          The layout job was cancelled.
        </Alert>
      )}
    </div>
  );
}
