import { useState } from "react";
import type { StudyRow } from "./studiesApi";
import { variantLabel } from "../../lib/variant";
import type { MetricsById } from "./StudyTable";

const W = 420;
const H = 260;
const PAD = { left: 56, right: 14, top: 14, bottom: 44 };

/** Colours of the two structures (fixed tilt, single-axis tracker). */
export const STRUCTURE_COLORS: Record<string, string> = { fixed: "#2563eb", tracker: "#16a34a" };
const OTHER_COLOR = "#6b7280";

export interface ScatterPoint {
  id: string;
  x: number;
  y: number;
  cx: number;
  cy: number;
  label: string;
  structure: string;
  preferred: boolean;
}

export interface Axis {
  lo: number;
  hi: number;
  ticks: number[];
}

/** A "nice" axis around [min, max]: about 5 ticks at 1/2/5 × 10^k; a single value gets a span. */
export function niceAxis(min: number, max: number, count = 5): Axis {
  if (!(max > min)) {
    const pad = Math.abs(min) * 0.05 || 1;
    return niceAxis(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  // The epsilon keeps 4.2 / 0.2 = 21.000000000000004 from adding an empty step.
  const lo = Number((Math.floor(min / step + 1e-9) * step).toPrecision(12));
  const hi = Number((Math.ceil(max / step - 1e-9) * step).toPrecision(12));
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { lo, hi, ticks };
}

const decimals = (ticks: number[]) => {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  return step >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(step)));
};

function structureOf(r: StudyRow, metrics?: MetricsById): string {
  const s = r.variant.structure ?? metrics?.[r.layout_id]?.structure;
  return typeof s === "string" ? s : "fixed";
}

/** The specific yield [kWh/kWp] under either name: on clear-sky weather it is an upper bound. */
const yieldOf = (r: StudyRow): number | null | undefined => r.specific_yield_kwh_per_kwp ?? r.specific_yield_kwh_per_kwp_upper_bound;

const completed = (rows: StudyRow[]) => rows.filter((r) => r.capex_usd != null && yieldOf(r) != null);

/** The plot's axes: CAPEX [M USD] and specific yield [kWh/kWp] of the completed variants. */
export function scatterAxes(rows: StudyRow[]): { x: Axis; y: Axis } {
  const done = completed(rows);
  const xs = done.map((r) => r.capex_usd! / 1e6);
  const ys = done.map((r) => yieldOf(r)!);
  return { x: niceAxis(Math.min(...xs), Math.max(...xs)), y: niceAxis(Math.min(...ys), Math.max(...ys)) };
}

const toX = (x: Axis) => (v: number) => PAD.left + ((v - x.lo) / (x.hi - x.lo)) * (W - PAD.left - PAD.right);
const toY = (y: Axis) => (v: number) => H - PAD.bottom - ((v - y.lo) / (y.hi - y.lo)) * (H - PAD.top - PAD.bottom);

/** Completed variants as points: x = CAPEX [M USD], y = specific yield [kWh/kWp], mapped into the
 * plot box (SVG pixels, y down) over the nice axes of scatterAxes. */
export function scatterPoints(rows: StudyRow[], metrics?: MetricsById): ScatterPoint[] {
  const done = completed(rows);
  if (!done.length) return [];
  const { x, y } = scatterAxes(rows);
  const [sx, sy] = [toX(x), toY(y)];
  return done.map((r) => ({
    id: r.layout_id,
    x: r.capex_usd! / 1e6,
    y: yieldOf(r)!,
    cx: sx(r.capex_usd! / 1e6),
    cy: sy(yieldOf(r)!),
    label: variantLabel(r.variant),
    structure: structureOf(r, metrics),
    preferred: r.preferred,
  }));
}

/** Specific yield against CAPEX, coloured by structure: up and to the left is better. */
export function YieldCapexScatter({ rows, metrics }: { rows: StudyRow[]; metrics?: MetricsById }) {
  const [hover, setHover] = useState<string | null>(null);
  const points = scatterPoints(rows, metrics);
  if (!points.length) return <p className="muted small">The scatter appears as variants complete.</p>;
  const { x, y } = scatterAxes(rows);
  const [sx, sy] = [toX(x), toY(y)];
  const structures = Array.from(new Set(points.map((p) => p.structure))).sort();
  const color = (s: string) => STRUCTURE_COLORS[s] ?? OTHER_COLOR;
  const hp = points.find((p) => p.id === hover) ?? null;
  const xd = decimals(x.ticks);
  const yd = decimals(y.ticks);
  return (
    <figure className="scatter">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Specific yield [kWh/kWp] against CAPEX [M USD], one point per variant">
        {x.ticks.map((t) => (
          <g key={`x${t}`} data-testid="scatter-xtick">
            <line x1={sx(t)} x2={sx(t)} y1={PAD.top} y2={H - PAD.bottom} stroke="#e5e7eb" />
            <text x={sx(t)} y={H - PAD.bottom + 14} textAnchor="middle" fontSize="10" fill="#374151">
              {t.toFixed(xd)}
            </text>
          </g>
        ))}
        {y.ticks.map((t) => (
          <g key={`y${t}`} data-testid="scatter-ytick">
            <line x1={PAD.left} x2={W - PAD.right} y1={sy(t)} y2={sy(t)} stroke="#e5e7eb" />
            <text x={PAD.left - 6} y={sy(t) + 3} textAnchor="end" fontSize="10" fill="#374151">
              {t.toFixed(yd)}
            </text>
          </g>
        ))}
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke="#6b7280" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke="#6b7280" />
        <text x={(PAD.left + W - PAD.right) / 2} y={H - 8} textAnchor="middle" fontSize="11">
          CAPEX [M USD]
        </text>
        <text x={14} y={(PAD.top + H - PAD.bottom) / 2} textAnchor="middle" fontSize="11" transform={`rotate(-90 14 ${(PAD.top + H - PAD.bottom) / 2})`}>
          Specific yield [kWh/kWp]
        </text>
        {points.map((p) => (
          <circle
            key={p.id}
            data-testid="scatter-point"
            data-structure={p.structure}
            cx={p.cx}
            cy={p.cy}
            r={p.preferred ? 6 : 4}
            fill={color(p.structure)}
            stroke={p.preferred ? "#111827" : "#fff"}
            strokeWidth={p.preferred ? 2 : 1}
            fillOpacity={0.85}
            tabIndex={0}
            onMouseEnter={() => setHover(p.id)}
            onMouseLeave={() => setHover((h) => (h === p.id ? null : h))}
            onFocus={() => setHover(p.id)}
            onBlur={() => setHover((h) => (h === p.id ? null : h))}
          >
            <title>{`${p.label}: ${p.x.toFixed(2)} M USD, ${p.y.toFixed(0)} kWh/kWp${p.preferred ? " (preferred)" : ""}`}</title>
          </circle>
        ))}
      </svg>
      {hp && (
        <div
          className={`scatter-tip${hp.cx > W * 0.6 ? " scatter-tip-left" : ""}`}
          role="status"
          data-testid="scatter-tip"
          style={{ left: `${(hp.cx / W) * 100}%`, top: `${(hp.cy / H) * 100}%` }}
        >
          <strong>{hp.label}</strong>
          <br />
          {hp.x.toFixed(2)} M USD · {hp.y.toFixed(0)} kWh/kWp{hp.preferred ? " · preferred" : ""}
        </div>
      )}
      <figcaption className="scatter-legend" aria-label="Scatter legend">
        {structures.map((s) => (
          <span key={s} className="scatter-key">
            <span className="swatch swatch-dot" style={{ ["--c" as string]: color(s) }} aria-hidden="true" /> {s === "tracker" ? "Tracker" : s === "fixed" ? "Fixed tilt" : s}
          </span>
        ))}
        <span className="scatter-key">
          <span className="swatch swatch-dot swatch-ring" aria-hidden="true" /> preferred
        </span>
      </figcaption>
    </figure>
  );
}
