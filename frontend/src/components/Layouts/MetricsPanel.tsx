import type { Layout } from "../../api/types";
import { assetColor } from "../../lib/colors";
import { formatArea, formatDcPower, formatEnergy, formatLength, formatNumber, formatPower, formatVolume, humanize } from "../../lib/format";
import { Alert } from "../ui/Alert";

/** Table-level PV design numbers, shown when the layout has them (solar profiles). */
function pvMetrics(m: NonNullable<Layout["metrics"]>): [string, string][] {
  const rows: [string, string][] = [];
  if (m.dc_capacity_kwp != null) rows.push(["DC capacity", formatDcPower(m.dc_capacity_kwp)]);
  if (m.dc_ac_ratio != null) rows.push(["DC/AC ratio", formatNumber(m.dc_ac_ratio, 2)]);
  if (m.table_count != null) rows.push([m.structure === "tracker" ? "Trackers" : "Tables", formatNumber(m.table_count)]);
  if (m.structure) rows.push(["Structure", m.structure === "tracker" ? "Single-axis tracker" : m.structure === "fixed" ? "Fixed tilt" : humanize(m.structure)]);
  if (m.gcr != null) rows.push(["GCR", formatNumber(m.gcr, 2)]);
  if (m.pitch_m != null) rows.push(["Pitch", `${formatNumber(m.pitch_m, 1)} m`]);
  if (m.tilt_deg != null && m.structure !== "tracker") rows.push(["Tilt", `${formatNumber(m.tilt_deg, 1)}°`]);
  if (m.block_count != null) rows.push(["Inverter blocks", formatNumber(m.block_count)]);
  return rows;
}

/** Key numbers of one completed layout; its warnings come first, where they are seen. */
export function MetricsPanel({ layout, assetLabels = {} }: { layout: Layout; assetLabels?: Record<string, string> }) {
  const m = layout.metrics;
  if (!m) return <p className="empty small">No metrics for this layout.</p>;
  const target = layout.params.target_capacity_kw;
  // Off target like the engine warns it: short of the target, or over it by more than 5 % (whole units).
  const placed = m.total_capacity_kw ?? 0;
  const ratio = target ? placed / target : null;
  const offTarget = ratio == null ? null : ratio > 1.05 ? "over" : ratio < 0.999 ? "short" : null;
  const types = Object.entries(m.counts_by_type ?? {}).sort((a, b) => b[1] - a[1]);
  const pv = pvMetrics(m);
  return (
    <div className="metrics">
      {layout.stale && (
        <Alert tone="warning" title="Stale layout">
          The site's exclusion zones, entry or interconnection point changed after this layout was made. Generate it again to use them.
        </Alert>
      )}
      {layout.warnings.length > 0 && (
        <Alert tone="warning" title={`${layout.warnings.length} warning${layout.warnings.length === 1 ? "" : "s"}`}>
          <ul className="plain warnings-list">
            {layout.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </Alert>
      )}
      <dl className="metric-grid">
        <div
          className={offTarget ? "metric stat-warn" : "metric"}
          data-testid="capacity-metric"
          title={offTarget === "over" ? "Over the target: generating units come whole (see the warnings)" : offTarget === "short" ? "Short of the target (see the warnings)" : undefined}
        >
          <dt>Capacity (AC)</dt>
          <dd>
            {formatPower(m.total_capacity_kw)}
            {target ? <span className="metric-sub">{formatNumber((placed / target) * 100, 0)} % of {formatPower(target)}</span> : null}
          </dd>
        </div>
        {pv.map(([k, v]) => (
          <div className="metric" key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
        <div className="metric">
          <dt>Storage</dt>
          <dd>{formatEnergy(m.storage_kwh)}</dd>
        </div>
        <div className="metric">
          <dt>Road length</dt>
          <dd>{formatLength(m.road_length_m)}</dd>
        </div>
        <div className="metric">
          <dt>Assets</dt>
          <dd>{formatNumber(m.asset_count)}</dd>
        </div>
        <div className="metric">
          <dt>Cut</dt>
          <dd>{formatVolume(m.cut_volume_m3)}</dd>
        </div>
        <div className="metric">
          <dt>Fill</dt>
          <dd>{formatVolume(m.fill_volume_m3)}</dd>
        </div>
        {m.buildable_area_ha != null && (
          <div className="metric">
            <dt>Buildable area</dt>
            <dd>{formatArea(m.buildable_area_ha)}</dd>
          </div>
        )}
        {m.capacity_density_kw_per_ha != null && (
          <div className="metric">
            <dt>Density</dt>
            <dd>{formatNumber(m.capacity_density_kw_per_ha, 0)} kWac/ha</dd>
          </div>
        )}
      </dl>
      {types.length > 0 && (
        <table className="table table-compact">
          <caption>Assets by type</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col" className="num">Count</th>
            </tr>
          </thead>
          <tbody>
            {types.map(([t, n]) => (
              <tr key={t}>
                <th scope="row">
                  <span className="swatch swatch-fill" style={{ ["--c" as string]: assetColor(t) }} aria-hidden="true" /> {assetLabels[t] ?? humanize(t)}
                </th>
                <td className="num">{formatNumber(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
