import type { Layout } from "../../api/types";
import { assetColor } from "../../lib/colors";
import { formatArea, formatEnergy, formatLength, formatNumber, formatPower, formatVolume, humanize } from "../../lib/format";

/** Key numbers of one completed layout. */
export function MetricsPanel({ layout, assetLabels = {} }: { layout: Layout; assetLabels?: Record<string, string> }) {
  const m = layout.metrics;
  if (!m) return <p className="empty small">No metrics for this layout.</p>;
  const target = layout.params.target_capacity_kw;
  const types = Object.entries(m.counts_by_type ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <div className="metrics">
      <dl className="metric-grid">
        <div className="metric">
          <dt>Capacity</dt>
          <dd>
            {formatPower(m.total_capacity_kw)}
            {target ? <span className="metric-sub">{formatNumber((m.total_capacity_kw / target) * 100, 0)} % of {formatPower(target)}</span> : null}
          </dd>
        </div>
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
            <dd>{formatNumber(m.capacity_density_kw_per_ha, 0)} kW/ha</dd>
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
      {layout.warnings.length > 0 && (
        <div className="warnings">
          <h3>Warnings</h3>
          <ul>
            {layout.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
