import { useState } from "react";
import type { StudyRow } from "./studiesApi";

export type SortKey = "lcoe" | "mwh" | "mwdc" | "capex";

const COLUMNS: { key: SortKey; field: keyof StudyRow; label: string; lowerIsBetter: boolean }[] = [
  { key: "lcoe", field: "lcoe_usd_per_mwh", label: "LCOE ($/MWh)", lowerIsBetter: true },
  { key: "mwh", field: "annual_energy_mwh", label: "MWh/yr", lowerIsBetter: false },
  { key: "mwdc", field: "dc_capacity_mwp", label: "MWdc", lowerIsBetter: false },
  { key: "capex", field: "capex_usd", label: "CAPEX ($M)", lowerIsBetter: true },
];

/** The variant's axis values as a short label, e.g. "tracker · GCR 0.35 · DC/AC 1.3". */
export function variantLabel(v: Record<string, unknown>): string {
  const parts: string[] = [];
  if (v.structure) parts.push(String(v.structure));
  if (v.gcr != null) parts.push(`GCR ${v.gcr}`);
  if (v.tilt_deg != null) parts.push(`${v.tilt_deg}°`);
  if (v.dc_ac_ratio != null) parts.push(`DC/AC ${v.dc_ac_ratio}`);
  if (v.strategy) parts.push(String(v.strategy).replace("_", " "));
  return parts.join(" · ") || "base";
}

/** A row's figure under either name: on clear-sky energy (`energy_basis` "clearsky_upper_bound")
 * the LCOE is only `lcoe_lower_bound_usd_per_mwh` and the energy `*_upper_bound`. */
export function rowValue(r: StudyRow, field: keyof StudyRow): number | null {
  const bound: Partial<Record<keyof StudyRow, keyof StudyRow>> = {
    lcoe_usd_per_mwh: "lcoe_lower_bound_usd_per_mwh",
    annual_energy_mwh: "annual_energy_mwh_upper_bound",
    specific_yield_kwh_per_kwp: "specific_yield_kwh_per_kwp_upper_bound",
  };
  const v = r[field] ?? (bound[field] ? r[bound[field]!] : null);
  return typeof v === "number" ? v : null;
}

/** Rows sorted by `key`: best first (lowest LCOE/CAPEX, highest MWh/MWdc) unless reversed; rows
 * without the value (running, failed) always last. Clear-sky rows sort by their bound, marked. */
export function sortRows(rows: StudyRow[], key: SortKey, reversed = false): StudyRow[] {
  const col = COLUMNS.find((c) => c.key === key)!;
  const have = rows.filter((r) => rowValue(r, col.field) != null);
  const missing = rows.filter((r) => rowValue(r, col.field) == null);
  const sign = (col.lowerIsBetter ? 1 : -1) * (reversed ? -1 : 1);
  have.sort((a, b) => sign * (rowValue(a, col.field)! - rowValue(b, col.field)!));
  return [...have, ...missing];
}

/** "≥ 41.5 lower bound" on a clear-sky row, the plain figure otherwise. */
function Bound({ value, digits, mark }: { value: number | null; digits: number; mark: "lower" | "upper" | null }) {
  if (value == null || mark == null) return <>{fmt(value, digits)}</>;
  return (
    <span title="clear-sky energy: a bound, not a P50" data-testid={`${mark}-bound`}>
      {mark === "lower" ? "≥ " : "≤ "}
      {fmt(value, digits)} <small className="bound-mark">{mark} bound</small>
    </span>
  );
}

const fmt = (x: number | null | undefined, digits: number) => (x == null ? "—" : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** The comparison table; header buttons sort it, a radio marks the preferred variant. */
export function StudyTable({ rows, onPrefer, busy }: { rows: StudyRow[]; onPrefer: (layoutId: string) => void; busy?: boolean }) {
  const [sort, setSort] = useState<{ key: SortKey; reversed: boolean }>({ key: "lcoe", reversed: false });
  const sorted = sortRows(rows, sort.key, sort.reversed);
  const ariaSort = (key: SortKey) => {
    if (sort.key !== key) return "none" as const;
    const col = COLUMNS.find((c) => c.key === key)!;
    return col.lowerIsBetter !== sort.reversed ? ("ascending" as const) : ("descending" as const);
  };
  return (
    <div className="table-scroll">
      <table className="table table-compact">
        <caption>Variants ({rows.length})</caption>
        <thead>
          <tr>
            <th scope="col">Preferred</th>
            <th scope="col">Variant</th>
            <th scope="col">Status</th>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col" className="num" aria-sort={ariaSort(c.key)}>
                <button
                  type="button"
                  className="link-like"
                  onClick={() => setSort((s) => ({ key: c.key, reversed: s.key === c.key ? !s.reversed : false }))}
                >
                  {c.label}
                </button>
              </th>
            ))}
            <th scope="col" className="num">
              kWh/kWp
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.layout_id} data-testid="study-row">
              <td>
                <input
                  type="radio"
                  name="preferred-variant"
                  aria-label={`Prefer ${variantLabel(r.variant)}`}
                  checked={r.preferred}
                  disabled={busy || r.status !== "completed"}
                  onChange={() => onPrefer(r.layout_id)}
                />
              </td>
              <th scope="row">{variantLabel(r.variant)}</th>
              <td title={r.error_message ?? undefined}>{r.status === "processing" ? `running ${Math.round(r.progress_pct)}%` : r.status}</td>
              <td className="num">
                <Bound value={rowValue(r, "lcoe_usd_per_mwh")} digits={1} mark={r.lcoe_is_lower_bound ? "lower" : null} />
              </td>
              <td className="num">
                <Bound value={rowValue(r, "annual_energy_mwh")} digits={0} mark={r.energy_basis === "clearsky_upper_bound" ? "upper" : null} />
              </td>
              <td className="num">{fmt(r.dc_capacity_mwp, 2)}</td>
              <td className="num">{fmt(r.capex_usd == null ? null : r.capex_usd / 1e6, 2)}</td>
              <td className="num">{fmt(rowValue(r, "specific_yield_kwh_per_kwp"), 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
