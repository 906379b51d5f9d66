import { useState } from "react";
import type { OpsSummary } from "../../api/types";
import { formatDateTime, formatDuration, formatNumber, humanize } from "../../lib/format";
import { Button } from "../ui/Button";
import { Alert } from "../ui/Alert";

function Stat({ label, value, tone }: { label: string; value: string; tone?: "warn" | "bad" }) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ""}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function OpsDashboard({ summary, onRedrive, redriving, redriveError, redriveResult }: {
  summary: OpsSummary;
  onRedrive: (body: { message_ids?: string[]; all?: boolean }) => void;
  redriving: boolean;
  redriveError: string | null;
  redriveResult: string | null;
}) {
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  const jobs = summary.jobs_last_hour ?? { completed: 0, failed: 0, cancelled: 0 };
  const dlq = summary.dlq ?? [];
  const stuck = summary.stuck_jobs ?? [];
  const workers = summary.workers ?? [];
  const problems = [
    summary.database && !summary.database.ok ? `Database: ${summary.database.error ?? "unavailable"}` : null,
    summary.queue && !summary.queue.ok ? `Queue: ${summary.queue.error ?? "unavailable"}` : null,
  ].filter(Boolean) as string[];

  return (
    <div className="ops">
      {problems.length > 0 && (
        <div className="ops-wide">
          <Alert title="Unhealthy">
            <ul className="plain">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </Alert>
        </div>
      )}
      <section className="card" aria-labelledby="ops-queue">
        <h2 id="ops-queue" className="card-title">Queue</h2>
        <dl className="stat-grid">
          <Stat label="Queue depth" value={formatNumber(summary.queue_depth)} />
          <Stat label="In flight" value={formatNumber(summary.in_flight)} />
          <Stat label="Dead-letter queue" value={formatNumber(summary.dlq_depth)} tone={(summary.dlq_depth ?? 0) > 0 ? "bad" : undefined} />
          <Stat label="Oldest message" value={summary.oldest_message_age_s == null ? "—" : formatDuration(summary.oldest_message_age_s)} />
        </dl>
        {summary.queue_backend && <p className="muted small">Backend: {summary.queue_backend}</p>}
      </section>

      <section className="card" aria-labelledby="ops-jobs">
        <h2 id="ops-jobs" className="card-title">Last hour</h2>
        <dl className="stat-grid">
          <Stat label="Completed" value={formatNumber(jobs.completed)} />
          <Stat label="Failed" value={formatNumber(jobs.failed)} tone={jobs.failed > 0 ? "bad" : undefined} />
          <Stat label="Cancelled" value={formatNumber(jobs.cancelled)} />
          <Stat label="p50 processing" value={formatDuration(summary.processing_p50_s)} />
          <Stat label="p95 processing" value={formatDuration(summary.processing_p95_s)} />
        </dl>
        {Object.keys(summary.layouts_by_status ?? {}).length > 0 && (
          <p className="muted small">
            All layouts:{" "}
            {Object.entries(summary.layouts_by_status ?? {})
              .map(([k, v]) => `${humanize(k)} ${v}`)
              .join(" · ")}
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="ops-stuck">
        <h2 id="ops-stuck" className="card-title">
          Stuck jobs <span className="count">{stuck.length}</span>
        </h2>
        {stuck.length === 0 ? (
          <p className="empty small">No stuck jobs.</p>
        ) : (
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Layout</th>
                <th scope="col">Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {stuck.map((j) => (
                <tr key={j.layout_id}>
                  <td className="mono">{j.layout_id}</td>
                  <td>{formatDateTime(j.heartbeat_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="ops-workers">
        <h2 id="ops-workers" className="card-title">
          Workers <span className="count">{workers.filter((w) => w.alive).length}</span>
        </h2>
        {workers.length === 0 ? (
          <p className="empty small">No worker has reported yet.</p>
        ) : (
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">State</th>
                <th scope="col" className="num">Last seen</th>
                <th scope="col" className="num">Jobs done</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <tr key={w.worker_id}>
                  <td className="mono">{w.worker_id}</td>
                  <td>
                    <span className={`badge ${w.alive ? "badge-completed" : "badge-failed"}`}>
                      {w.alive ? (w.current_layout_id ? "Busy" : "Idle") : "Silent"}
                    </span>
                  </td>
                  <td className="num">{formatDuration(w.last_seen_s)} ago</td>
                  <td className="num">{formatNumber(w.jobs_done)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card ops-dlq" aria-labelledby="ops-dlq">
        <h2 id="ops-dlq" className="card-title">
          Dead-letter queue <span className="count">{dlq.length}</span>
        </h2>
        {redriveError && <Alert title="Redrive failed">{redriveError}</Alert>}
        {redriveResult && <Alert tone="success">{redriveResult}</Alert>}
        {dlq.length === 0 ? (
          <p className="empty small">The dead-letter queue is empty.</p>
        ) : (
          <>
            <table className="table table-compact">
              <thead>
                <tr>
                  <th scope="col"><span className="visually-hidden">Select</span></th>
                  <th scope="col">Message</th>
                  <th scope="col">Layout</th>
                  <th scope="col" className="num">Receives</th>
                  <th scope="col">Sent</th>
                </tr>
              </thead>
              <tbody>
                {dlq.map((m) => (
                  <tr key={m.message_id}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select message ${m.message_id}`}
                        checked={picked.includes(m.message_id)}
                        onChange={() => toggle(m.message_id)}
                      />
                    </td>
                    <td className="mono">{m.message_id}</td>
                    <td className="mono">{m.layout_id ?? "—"}</td>
                    <td className="num">{m.receive_count}</td>
                    <td>{formatDateTime(m.sent_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="form-actions">
              <Button
                variant="primary"
                size="sm"
                disabled={picked.length === 0}
                busy={redriving}
                onClick={() => {
                  onRedrive({ message_ids: picked });
                  setPicked([]);
                }}
              >
                Redrive selected ({picked.length})
              </Button>
              <Button size="sm" busy={redriving} onClick={() => onRedrive({ all: true })}>
                Redrive all
              </Button>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
