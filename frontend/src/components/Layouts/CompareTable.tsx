import type { Layout, LayoutMetrics } from "../../api/types";
import { formatArea, formatDcPower, formatEnergy, formatLength, formatNumber, formatPower, formatVolume, humanize } from "../../lib/format";

interface Row {
  label: string;
  value: (l: Layout) => string;
  /** Shown only when some compared layout has the figure. */
  optional?: (l: Layout) => boolean;
}

const metric = (l: Layout, k: keyof LayoutMetrics): number | null => {
  const v = l.metrics?.[k];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
};
/** A figure, or its clear-sky bound with the bound's mark ("≤ 41,200 MWh/yr (clear-sky upper bound)"). */
const figure = (l: Layout, k: keyof LayoutMetrics, boundKey: keyof LayoutMetrics, mark: string, fmt: (x: number) => string, what: string): string => {
  const v = metric(l, k);
  if (v != null) return fmt(v);
  const b = metric(l, boundKey);
  return b != null ? `${mark} ${fmt(b)} (${what})` : "—";
};
const mwh = (x: number) => `${formatNumber(x, 0)} MWh/yr`;

const ROWS: Row[] = [
  { label: "Profile", value: (l) => humanize(l.params.profile) },
  { label: "Strategy", value: (l) => humanize(l.params.strategy) },
  { label: "Target", value: (l) => formatPower(l.params.target_capacity_kw) },
  { label: "Terrain", value: (l) => (l.params.use_terrain ? `Yes (${l.params.dem_resolution_m} m DEM)` : "No") },
  { label: "Capacity", value: (l) => formatPower(l.metrics?.total_capacity_kw) },
  { label: "DC capacity", value: (l) => formatDcPower(l.metrics?.dc_capacity_kwp) },
  { label: "DC/AC ratio", value: (l) => formatNumber(l.metrics?.dc_ac_ratio, 2) },
  { label: "Structure", value: (l) => (l.metrics?.structure ? humanize(l.metrics.structure) : "—") },
  { label: "Energy", value: (l) => figure(l, "annual_energy_mwh", "annual_energy_mwh_upper_bound", "≤", mwh, "clear-sky upper bound") },
  { label: "P90 (1 year)", value: (l) => (metric(l, "p90_1yr_mwh") != null ? mwh(metric(l, "p90_1yr_mwh")!) : "—"), optional: (l) => metric(l, "p90_1yr_mwh") != null },
  {
    label: "Specific yield",
    value: (l) => figure(l, "specific_yield_kwh_per_kwp", "specific_yield_kwh_per_kwp_upper_bound", "≤", (x) => `${formatNumber(x, 0)} kWh/kWp`, "clear-sky upper bound"),
  },
  { label: "CAPEX", value: (l) => (metric(l, "capex_usd") != null ? `$${formatNumber(metric(l, "capex_usd")! / 1e6, 2)} M` : "—") },
  { label: "LCOE", value: (l) => figure(l, "lcoe_usd_per_mwh", "lcoe_lower_bound_usd_per_mwh", "≥", (x) => `$${formatNumber(x, 1)}/MWh`, "lower bound") },
  { label: "Tables", value: (l) => formatNumber(l.metrics?.table_count) },
  { label: "Storage", value: (l) => formatEnergy(l.metrics?.storage_kwh) },
  { label: "Assets", value: (l) => formatNumber(l.metrics?.asset_count) },
  { label: "Road length", value: (l) => formatLength(l.metrics?.road_length_m) },
  { label: "Cut", value: (l) => formatVolume(l.metrics?.cut_volume_m3) },
  { label: "Fill", value: (l) => formatVolume(l.metrics?.fill_volume_m3) },
  { label: "Buildable area", value: (l) => formatArea(l.metrics?.buildable_area_ha) },
  { label: "Density", value: (l) => (l.metrics ? `${formatNumber(l.metrics.capacity_density_kw_per_ha, 0)} kWac/ha` : "—") },
  { label: "Warnings", value: (l) => String(l.warnings.length) },
];

/** Layouts side by side, one column each. `names` gives each layout's display name. */
export function CompareTable({ layouts, names, onClose }: { layouts: Layout[]; names: Record<string, string>; onClose?: () => void }) {
  const types = Array.from(new Set(layouts.flatMap((l) => Object.keys(l.metrics?.counts_by_type ?? {})))).sort();
  return (
    <section className="compare" aria-labelledby="compare-h">
      <header className="compare-header">
        <h2 id="compare-h">Compare layouts</h2>
        {onClose && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Close
          </button>
        )}
      </header>
      <div className="table-scroll">
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              {layouts.map((l) => (
                <th key={l.id} scope="col" className="num">
                  {names[l.id] ?? l.id.slice(0, 8)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {ROWS.filter((r) => !r.optional || layouts.some(r.optional)).map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                {layouts.map((l) => (
                  <td key={l.id} className="num">
                    {r.value(l)}
                  </td>
                ))}
              </tr>
            ))}
            {types.map((t) => (
              <tr key={t}>
                <th scope="row">{humanize(t)}</th>
                {layouts.map((l) => (
                  <td key={l.id} className="num">
                    {formatNumber(l.metrics?.counts_by_type?.[t] ?? 0)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
