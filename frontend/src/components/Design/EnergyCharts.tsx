/** The two energy charts, drawn as plain SVG (no chart library): monthly energy and the loss waterfall. */
import type { WaterfallStep } from "../../api/design";
import { formatNumber } from "../../lib/format";
import { MONTHS, formatSignedPct } from "./designFormat";

const MW = 360;
const MH = 180;
const MPAD = { left: 44, right: 6, top: 20, bottom: 22 };

/** A "nice" axis maximum ≥ v (1, 2, 2.5 or 5 × 10ⁿ). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/** Monthly energy [MWh] as bars, January first; `qualifier` goes into every bar's tooltip
 * (e.g. "clear-sky upper bound") so the number is never read without it. */
export function MonthlyChart({ monthly, qualifier }: { monthly: number[]; qualifier?: string }) {
  const top = niceMax(Math.max(...monthly));
  const plotH = MH - MPAD.top - MPAD.bottom;
  const slot = (MW - MPAD.left - MPAD.right) / monthly.length;
  const barW = slot * 0.7;
  const ticks = [0, top / 2, top];
  const y = (v: number) => MH - MPAD.bottom - (v / top) * plotH;
  return (
    <svg
      viewBox={`0 0 ${MW} ${MH}`}
      width="100%"
      role="img"
      aria-label={`Monthly energy in MWh${qualifier ? ` (${qualifier})` : ""}, January to December`}
    >
      {ticks.map((t) => (
        <g key={t}>
          <line x1={MPAD.left} x2={MW - MPAD.right} y1={y(t)} y2={y(t)} stroke={t === 0 ? "#9ca3af" : "#e5e7eb"} />
          <text x={MPAD.left - 4} y={y(t) + 3} textAnchor="end" fontSize="9" fill="#4b5563">
            {formatNumber(t, 0)}
          </text>
        </g>
      ))}
      <text x={MPAD.left - 4} y={9} textAnchor="end" fontSize="9" fill="#4b5563">
        MWh
      </text>
      {monthly.map((v, i) => {
        const h = (Math.max(0, v) / top) * plotH;
        const x = MPAD.left + i * slot + (slot - barW) / 2;
        return (
          <g key={i}>
            <rect data-testid="month-bar" x={x} y={MH - MPAD.bottom - h} width={barW} height={h} fill="#2563eb">
              <title>{`${MONTHS[i] ?? `Month ${i + 1}`}: ${formatNumber(v, 0)} MWh${qualifier ? ` (${qualifier})` : ""}`}</title>
            </rect>
            <text x={x + barW / 2} y={MH - 8} textAnchor="middle" fontSize="9" fill="#4b5563">
              {(MONTHS[i] ?? String(i + 1)).charAt(0)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Steps where the chain starts or changes unit (kWh/m² → MWh) are anchors: shown as a value,
 * not as a change. */
export const isAnchor = (steps: WaterfallStep[], i: number): boolean => i === 0 || steps[i].unit !== steps[i - 1].unit;

/** Bar box of one waterfall row, in SVG units: the zero line is at BAR_W / 2. */
const BAR_W = 100;
const ZERO_X = BAR_W / 2;

/**
 * The loss waterfall: one row per step with a bar from the zero line proportional to the step's %
 * (gains right in green, losses left in red), the signed %, and the running value after the step
 * in the row's tooltip. Rows are HTML so long step names wrap at a readable size; bars are SVG.
 */
export function LossWaterfall({ steps }: { steps: WaterfallStep[] }) {
  const maxPct = Math.max(1e-9, ...steps.filter((_, i) => !isAnchor(steps, i)).map((s) => Math.abs(s.percent)));
  const scale = ZERO_X / maxPct;
  return (
    <table className="design-waterfall" aria-label="Loss waterfall: the change of each step in percent">
      <tbody>
        {steps.map((s, i) => {
          const tip = `${s.name}: ${isAnchor(steps, i) ? "" : `${formatSignedPct(s.percent, 2)}, `}${formatNumber(s.value_after, 1)} ${s.unit} after`;
          if (isAnchor(steps, i)) {
            return (
              <tr key={i} data-testid="waterfall-anchor" className="design-waterfall-anchor" title={tip}>
                <th scope="row" colSpan={2}>
                  {s.name}
                </th>
                <td className="num">{`${formatNumber(s.value_after, s.unit === "MWh" ? 0 : 1)} ${s.unit}`}</td>
              </tr>
            );
          }
          const w = Math.abs(s.percent) * scale;
          const gain = s.percent > 0;
          return (
            <tr key={i} data-testid="waterfall-step" title={tip}>
              <th scope="row">{s.name}</th>
              <td className="design-waterfall-bar">
                <svg viewBox={`0 0 ${BAR_W} 10`} width="100%" height="10" preserveAspectRatio="none" aria-hidden="true">
                  <line x1={ZERO_X} x2={ZERO_X} y1={0} y2={10} stroke="#9ca3af" />
                  <rect
                    data-testid="waterfall-bar"
                    x={gain ? ZERO_X : ZERO_X - w}
                    y={1}
                    width={w}
                    height={8}
                    fill={gain ? "#047857" : "#b91c1c"}
                  />
                </svg>
              </td>
              <td className={`num ${gain ? "design-gain" : s.percent < 0 ? "design-loss" : "muted"}`}>{formatSignedPct(s.percent, 1)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
