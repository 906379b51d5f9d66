/** The storage's typical-day dispatch as plain SVG lines (the approach of the monthly energy chart). */
import type { DispatchHour } from "../../api/hybrid";
import { formatNumber } from "../../lib/format";
import { niceMax } from "./EnergyCharts";

type MwKey = "pv_mw" | "wind_mw" | "charge_mw" | "discharge_mw" | "grid_mw" | "firm_target_mw";

/** The MW series, drawn on the left axis; `dash` marks the target, which is a requirement, not a flow. */
export const DISPATCH_SERIES: { key: MwKey; label: string; color: string; dash?: string }[] = [
  { key: "pv_mw", label: "PV", color: "#d97706" },
  { key: "wind_mw", label: "Wind", color: "#2563eb" },
  { key: "charge_mw", label: "Charge", color: "#7c3aed" },
  { key: "discharge_mw", label: "Discharge", color: "#047857" },
  { key: "grid_mw", label: "To grid", color: "#111827" },
  { key: "firm_target_mw", label: "Firm target", color: "#dc2626", dash: "5 3" },
];
const SOC = { key: "soc_mwh" as const, label: "State of charge (MWh, right axis)", color: "#6b7280", dash: "2 2" };

const W = 360;
const H = 200;
const PAD = { left: 40, right: 40, top: 16, bottom: 24 };

/** A series worth a line: some hour has a non-zero value (the backend sends wind_mw = 0 for a plant without wind). */
const has = (rows: DispatchHour[], key: keyof DispatchHour) => rows.some((r) => typeof r[key] === "number" && Number.isFinite(r[key]) && r[key] !== 0);

/** The series a typical day carries (a plant without wind has no wind line, a day never charged no charge line). */
export function dispatchSeries(rows: DispatchHour[]) {
  return { mw: DISPATCH_SERIES.filter((s) => has(rows, s.key)), soc: has(rows, "soc_mwh") };
}

/**
 * Hours 0–23 (each the day-of-year mean of that hour) on x; MW on the left axis, the state of
 * charge in MWh on the right. Every series is one polyline with a point per hour.
 */
export function DispatchChart({ day }: { day: DispatchHour[] }) {
  const rows = [...day].sort((a, b) => a.hour - b.hour);
  const { mw, soc } = dispatchSeries(rows);
  const val = (r: DispatchHour, k: keyof DispatchHour) => (typeof r[k] === "number" && Number.isFinite(r[k]) ? (r[k] as number) : null);
  const topMw = niceMax(Math.max(0, ...rows.flatMap((r) => mw.map((s) => val(r, s.key) ?? 0))));
  const topSoc = niceMax(Math.max(0, ...rows.map((r) => val(r, "soc_mwh") ?? 0)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (hour: number) => PAD.left + (hour / 23) * plotW;
  const y = (v: number, top: number) => H - PAD.bottom - (Math.max(0, v) / top) * plotH;
  const points = (k: keyof DispatchHour, top: number) =>
    rows
      .map((r) => [r.hour, val(r, k)] as const)
      .filter(([, v]) => v != null)
      .map(([h, v]) => `${x(h).toFixed(2)},${y(v!, top).toFixed(2)}`)
      .join(" ");
  const ticks = [0, 0.5, 1];
  return (
    <figure className="dispatch-chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Typical-day storage dispatch: power in MW by hour of day, state of charge in MWh">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t * topMw, topMw)} y2={y(t * topMw, topMw)} stroke={t === 0 ? "#9ca3af" : "#e5e7eb"} />
            <text x={PAD.left - 4} y={y(t * topMw, topMw) + 3} textAnchor="end" fontSize="9" fill="#4b5563">
              {formatNumber(t * topMw, 1)}
            </text>
            {soc && (
              <text x={W - PAD.right + 4} y={y(t * topSoc, topSoc) + 3} textAnchor="start" fontSize="9" fill={SOC.color}>
                {formatNumber(t * topSoc, 1)}
              </text>
            )}
          </g>
        ))}
        <text x={PAD.left - 4} y={9} textAnchor="end" fontSize="9" fill="#4b5563">
          MW
        </text>
        {soc && (
          <text x={W - PAD.right + 4} y={9} textAnchor="start" fontSize="9" fill={SOC.color}>
            MWh
          </text>
        )}
        {[0, 6, 12, 18, 23].map((h) => (
          <text key={h} x={x(h)} y={H - 8} textAnchor="middle" fontSize="9" fill="#4b5563">
            {`${h}h`}
          </text>
        ))}
        {mw.map((s) => (
          <polyline
            key={s.key}
            data-testid="dispatch-series"
            data-series={s.key}
            points={points(s.key, topMw)}
            fill="none"
            stroke={s.color}
            strokeWidth={s.key === "firm_target_mw" ? 1.5 : 1.75}
            strokeDasharray={s.dash}
          >
            <title>{s.label}</title>
          </polyline>
        ))}
        {soc && (
          <polyline data-testid="dispatch-series" data-series="soc_mwh" points={points("soc_mwh", topSoc)} fill="none" stroke={SOC.color} strokeWidth={1.5} strokeDasharray={SOC.dash}>
            <title>{SOC.label}</title>
          </polyline>
        )}
      </svg>
      <figcaption className="small muted dispatch-legend">
        {[...mw, ...(soc ? [SOC] : [])].map((s) => (
          <span key={s.key} className="dispatch-key">
            <svg width="18" height="8" aria-hidden="true">
              <line x1="0" x2="18" y1="4" y2="4" stroke={s.color} strokeWidth="2" strokeDasharray={s.dash} />
            </svg>{" "}
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
