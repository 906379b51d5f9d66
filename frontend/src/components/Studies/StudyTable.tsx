import { useState } from "react";
import { Link } from "react-router-dom";
import { variantLabel } from "../../lib/variant";
import type { LayoutMetrics } from "../../api/types";
import type { StudyRow } from "./studiesApi";

export { variantLabel };

/** Extra figures of a variant's layout (its metrics), read when the study row does not carry them. */
export type MetricsById = Record<string, LayoutMetrics | null | undefined>;

type Bound = "" | "≥" | "≤";

/**
 * A numeric column of the comparison. `fields` are tried in order (first on the study row, then in
 * the layout's metrics); a later field is a bound of the figure (e.g. a clear-sky LCOE is only a
 * lower bound) and is shown with its mark.
 */
interface NumColumn {
  key: string;
  label: string;
  title: string;
  fields: { name: string; bound: Bound; scale?: number }[];
  digits: number;
  lowerIsBetter: boolean;
  /** Shown only when some row has the figure (figures other parts of the API add over time). */
  optional?: boolean;
  compact?: boolean;
}

export const COLUMNS: NumColumn[] = [
  {
    key: "lcoe",
    label: "LCOE ($/MWh)",
    title: "Levelised cost of energy [USD/MWh]; ≥ marks a lower bound (clear-sky energy)",
    fields: [
      { name: "lcoe_usd_per_mwh", bound: "" },
      { name: "lcoe_lower_bound_usd_per_mwh", bound: "≥" },
    ],
    digits: 1,
    lowerIsBetter: true,
    compact: true,
  },
  {
    key: "mwh",
    label: "MWh/yr",
    title: "Annual energy [MWh/yr], P50; ≤ marks a clear-sky upper bound",
    fields: [
      { name: "annual_energy_mwh", bound: "" },
      { name: "annual_energy_mwh_upper_bound", bound: "≤" },
    ],
    digits: 0,
    lowerIsBetter: false,
  },
  {
    key: "p90",
    label: "P90 MWh/yr",
    title: "Annual energy exceeded in 90 % of single years [MWh/yr]",
    fields: [{ name: "p90_1yr_mwh", bound: "" }],
    digits: 0,
    lowerIsBetter: false,
    optional: true,
  },
  {
    key: "mwdc",
    label: "MWdc",
    title: "DC capacity [MWp]",
    fields: [
      { name: "dc_capacity_mwp", bound: "" },
      { name: "dc_capacity_kwp", bound: "", scale: 1e-3 },
    ],
    digits: 2,
    lowerIsBetter: false,
  },
  {
    key: "capex",
    label: "CAPEX ($M)",
    title: "Capital cost [million USD]",
    fields: [{ name: "capex_usd", bound: "", scale: 1e-6 }],
    digits: 2,
    lowerIsBetter: true,
  },
  {
    key: "yield",
    label: "kWh/kWp",
    title: "Specific yield [kWh/kWp per year]; ≤ marks a clear-sky upper bound",
    fields: [
      { name: "specific_yield_kwh_per_kwp", bound: "" },
      { name: "specific_yield_kwh_per_kwp_upper_bound", bound: "≤" },
    ],
    digits: 0,
    lowerIsBetter: false,
  },
];

export type SortKey = string;

const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

/** A column's figure for one row: the value (scaled) and its bound mark; null when absent. */
export function cellValue(r: StudyRow, col: NumColumn, metrics?: MetricsById): { value: number; bound: Bound } | null {
  const rec = r as unknown as Record<string, unknown>;
  // A column names a field of the row or of the metrics: read both by name.
  const m: Record<string, unknown> | undefined = metrics?.[r.layout_id] ?? undefined;
  for (const f of col.fields) {
    const v = rec[f.name] ?? (r.status === "completed" ? m?.[f.name] : undefined);
    if (!finite(v)) continue;
    // A clear-sky year is an upper bound on energy, so its LCOE is a lower bound (issue 22), even
    // where the API still names the figure plainly.
    const clearsky = r.weather_source === "clearsky" && !f.bound;
    const bound: Bound = clearsky && col.key === "lcoe" ? "≥" : clearsky && (col.key === "mwh" || col.key === "yield") ? "≤" : f.bound;
    return { value: v * (f.scale ?? 1), bound };
  }
  return null;
}

/** The constructability section of a variant (from the row or its layout's metrics), if any. */
function constructability(r: StudyRow, metrics?: MetricsById): Record<string, unknown> | null {
  const c = (r as unknown as Record<string, unknown>).constructability ?? metrics?.[r.layout_id]?.constructability;
  return c && typeof c === "object" ? (c as Record<string, unknown>) : null;
}

/** The problems a constructability section reports, as short phrases (empty: none). */
export function constructabilityProblems(c: Record<string, unknown>): string[] {
  const out: string[] = [];
  const n = (k: string) => (finite(c[k]) ? (c[k] as number) : 0);
  if (n("unreachable_asset_count") > 0) out.push(`${n("unreachable_asset_count")} unreachable`);
  if (n("noncompliant_road_m") > 0) out.push(`${Math.round(n("noncompliant_road_m"))} m steep road`);
  if (n("cable_in_no_cross_zone_m") > 0) out.push(`${Math.round(n("cable_in_no_cross_zone_m"))} m cable in no-cross zone`);
  return out;
}

/** Rows sorted by `key`: best first (lowest LCOE/CAPEX, highest MWh/MWdc) unless reversed; rows
 * without the value (running, failed) always last. */
export function sortRows(rows: StudyRow[], key: SortKey, reversed = false, metrics?: MetricsById): StudyRow[] {
  const col = COLUMNS.find((c) => c.key === key) ?? COLUMNS[0];
  const val = (r: StudyRow) => cellValue(r, col, metrics)?.value ?? null;
  const have = rows.filter((r) => val(r) != null);
  const missing = rows.filter((r) => val(r) == null);
  const sign = (col.lowerIsBetter ? 1 : -1) * (reversed ? -1 : 1);
  have.sort((a, b) => sign * (val(a)! - val(b)!));
  return [...have, ...missing];
}

const fmt = (x: number, digits: number) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const statusText = (r: StudyRow) => (r.status === "processing" ? `running ${Math.round(r.progress_pct)}%` : r.status);

/**
 * The comparison table; header buttons sort it, a radio marks the preferred variant.
 * `compact` (the sidebar) shows variant, status and LCOE only; the full view (the study page) every
 * figure present, a constructability column when the layouts report one, and a link to each
 * variant's map (`mapHref`).
 */
export function StudyTable({
  rows,
  onPrefer,
  busy,
  compact = false,
  metrics,
  mapHref,
}: {
  rows: StudyRow[];
  onPrefer?: (layoutId: string) => void;
  busy?: boolean;
  compact?: boolean;
  metrics?: MetricsById;
  mapHref?: (layoutId: string) => string;
}) {
  const [sort, setSort] = useState<{ key: SortKey; reversed: boolean }>({ key: "lcoe", reversed: false });
  const sorted = sortRows(rows, sort.key, sort.reversed, metrics);
  const columns = COLUMNS.filter((c) => (compact ? c.compact : !c.optional || rows.some((r) => cellValue(r, c, metrics))));
  const showConstructability = !compact && rows.some((r) => constructability(r, metrics));
  const ariaSort = (key: SortKey) => {
    if (sort.key !== key) return "none" as const;
    const col = COLUMNS.find((c) => c.key === key)!;
    return col.lowerIsBetter !== sort.reversed ? ("ascending" as const) : ("descending" as const);
  };
  return (
    <table className={`table table-compact study-table${compact ? " study-table-compact" : ""}`}>
      <caption>Variants ({rows.length})</caption>
      <thead>
        <tr>
          {onPrefer && (
            <th scope="col" className="col-pref" title="The preferred variant">
              {compact ? "Pref." : "Preferred"}
            </th>
          )}
          <th scope="col">Variant</th>
          <th scope="col">Status</th>
          {columns.map((c) => (
            <th key={c.key} scope="col" className="num" aria-sort={ariaSort(c.key)} title={c.title}>
              <button
                type="button"
                className="link-like"
                onClick={() => setSort((s) => ({ key: c.key, reversed: s.key === c.key ? !s.reversed : false }))}
              >
                {c.label}
              </button>
            </th>
          ))}
          {showConstructability && <th scope="col">Constructability</th>}
          {mapHref && <th scope="col">Map</th>}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => {
          const label = variantLabel(r.variant);
          const c = constructability(r, metrics);
          const problems = c ? constructabilityProblems(c) : [];
          return (
            <tr key={r.layout_id} data-testid="study-row" className={problems.length ? "row-warn" : undefined}>
              {onPrefer && (
                <td>
                  <input
                    type="radio"
                    name="preferred-variant"
                    aria-label={`Prefer ${label}`}
                    checked={r.preferred}
                    disabled={busy || r.status !== "completed"}
                    onChange={() => onPrefer(r.layout_id)}
                  />
                </td>
              )}
              <th scope="row">{label}</th>
              <td title={r.error_message ?? undefined}>{statusText(r)}</td>
              {columns.map((col) => {
                const v = cellValue(r, col, metrics);
                return (
                  <td
                    key={col.key}
                    className="num"
                    data-testid={v?.bound === "≥" ? "lower-bound" : v?.bound === "≤" ? "upper-bound" : undefined}
                    title={v?.bound === "≥" ? "lower bound (clear-sky energy)" : v?.bound === "≤" ? "upper bound (clear-sky energy)" : undefined}
                  >
                    {v ? `${v.bound ? `${v.bound} ` : ""}${fmt(v.value, col.digits)}` : "—"}
                  </td>
                );
              })}
              {showConstructability && <td>{c ? (problems.length ? problems.join(" · ") : "OK") : "—"}</td>}
              {mapHref && (
                <td>
                  {r.status === "completed" ? (
                    <Link to={mapHref(r.layout_id)} aria-label={`Open ${label} on the map`}>
                      Open map
                    </Link>
                  ) : null}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
