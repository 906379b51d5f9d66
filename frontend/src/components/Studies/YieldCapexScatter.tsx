import type { StudyRow } from "./studiesApi";
import { rowValue, variantLabel } from "./StudyTable";

const W = 360;
const H = 220;
const PAD = { left: 52, right: 12, top: 12, bottom: 36 };

export interface ScatterPoint {
  id: string;
  x: number;
  y: number;
  cx: number;
  cy: number;
  label: string;
  preferred: boolean;
}

/** Completed variants as points: x = CAPEX [M USD], y = specific yield [kWh/kWp], mapped into the
 * plot box (SVG pixels, y down). A single value on an axis is centred. */
export function scatterPoints(rows: StudyRow[]): ScatterPoint[] {
  const done = rows.filter((r) => r.capex_usd != null && rowValue(r, "specific_yield_kwh_per_kwp") != null);
  const xs = done.map((r) => r.capex_usd! / 1e6);
  const ys = done.map((r) => rowValue(r, "specific_yield_kwh_per_kwp")!);
  const scale = (v: number, lo: number, hi: number, a: number, b: number) => (hi > lo ? a + ((v - lo) / (hi - lo)) * (b - a) : (a + b) / 2);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return done.map((r, i) => ({
    id: r.layout_id,
    x: xs[i],
    y: ys[i],
    cx: scale(xs[i], x0, x1, PAD.left, W - PAD.right),
    cy: scale(ys[i], y0, y1, H - PAD.bottom, PAD.top),
    label: variantLabel(r.variant),
    preferred: r.preferred,
  }));
}

/** Specific yield against CAPEX: up and to the left is better. */
export function YieldCapexScatter({ rows }: { rows: StudyRow[] }) {
  const points = scatterPoints(rows);
  if (!points.length) return <p className="muted small">The scatter appears as variants complete.</p>;
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Specific yield against CAPEX, one point per variant">
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke="#9ca3af" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke="#9ca3af" />
        <text x={(PAD.left + W - PAD.right) / 2} y={H - 6} textAnchor="middle" fontSize="11">
          CAPEX (M USD)
        </text>
        <text x={12} y={(PAD.top + H - PAD.bottom) / 2} textAnchor="middle" fontSize="11" transform={`rotate(-90 12 ${(PAD.top + H - PAD.bottom) / 2})`}>
          kWh/kWp
        </text>
        {points.map((p) => (
          <circle
            key={p.id}
            data-testid="scatter-point"
            cx={p.cx}
            cy={p.cy}
            r={p.preferred ? 6 : 4}
            fill={p.preferred ? "#d97706" : "#2563eb"}
            fillOpacity={0.8}
          >
            <title>{`${p.label}: ${p.x.toFixed(2)} M USD, ${p.y.toFixed(0)} kWh/kWp${p.preferred ? " (preferred)" : ""}`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
