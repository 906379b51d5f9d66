import { metricNumber, windResourceKindLabel, type WindSection } from "../../api/hybrid";
import { formatNumber, formatPower } from "../../lib/format";
import { Alert } from "../ui/Alert";
import { formatMwh, formatPct } from "./designFormat";
import { MetricItem } from "./MetricItem";
import { WindRose } from "./WindRose";

/**
 * The wind part of a plant: turbine, hub height, rotor, rated power; gross and net AEP, wake loss
 * and shear (flat metrics); the resource and whether its hours were synthesised; the wind rose and
 * per-turbine AEP. Without a wind resource the backend leaves the AEP out and warns: the warning is
 * shown first and no energy figure is drawn.
 */
export function WindPanel({ wind, metrics, warnings }: { wind: WindSection | undefined; metrics: Record<string, unknown> | null | undefined; warnings: string[] }) {
  const w = wind ?? {};
  const t = w.turbine ?? {};
  const res = w.resource ?? {};
  const gross = metricNumber(metrics, "wind_gross_aep_mwh");
  const net = metricNumber(metrics, "wind_net_aep_mwh");
  const wake = metricNumber(metrics, "wind_wake_loss_pct");
  const shear = metricNumber(metrics, "wind_shear_exponent") ?? res.shear_exponent;
  const count = metricNumber(metrics, "turbine_count") ?? w.turbines?.length;
  const capacity = metricNumber(metrics, "wind_capacity_kw") ?? (count != null && t.rated_kw != null ? count * t.rated_kw : undefined);
  const cf = metricNumber(metrics, "wind_capacity_factor_pct");
  const noEnergy = gross == null && net == null;
  const turbines = w.turbines ?? [];
  return (
    <div className="design-panel" data-testid="wind-panel">
      {warnings.map((m, i) => (
        <Alert key={i} tone="warning" title="Wind">
          {m}
        </Alert>
      ))}
      {noEnergy && warnings.length === 0 && (
        <Alert tone="warning" title="Wind">
          No wind energy was computed for this layout.
        </Alert>
      )}
      <dl className="metric-grid">
        <MetricItem label="Turbine" value={t.name ?? "—"} sub={t.source} />
        <MetricItem label="Turbines" value={formatNumber(count)} sub={capacity != null ? formatPower(capacity) : undefined} />
        <MetricItem label="Hub height" value={t.hub_height_m != null ? `${formatNumber(t.hub_height_m, 0)} m` : "—"} />
        <MetricItem label="Rotor diameter" value={t.rotor_diameter_m != null ? `${formatNumber(t.rotor_diameter_m, 0)} m` : "—"} />
        <MetricItem label="Rated power" value={t.rated_kw != null ? `${formatNumber(t.rated_kw, 0)} kW` : "—"} />
        {!noEnergy && (
          <>
            <MetricItem testId="wind-gross" label="Gross AEP" value={formatMwh(gross)} sub="before wakes and losses" />
            <MetricItem testId="wind-net" label="Net AEP (P50)" value={formatMwh(net)} sub={cf != null ? `capacity factor ${formatPct(cf, 1)}` : undefined} />
            <MetricItem testId="wind-wake" label="Wake loss" value={formatPct(wake, 1)} sub={w.wake_model} />
            {w.losses && (w.losses.availability_pct != null || w.losses.electrical_pct != null) && (
              <MetricItem
                testId="wind-availability"
                label="Availability"
                value={formatPct(w.losses.availability_pct, 1)}
                sub={w.losses.electrical_pct != null ? `electrical loss ${formatPct(w.losses.electrical_pct, 1)}` : undefined}
              />
            )}
          </>
        )}
        <MetricItem label="Shear exponent" value={shear != null ? formatNumber(shear, 3) : "—"} sub="power law, to hub height" />
      </dl>
      {(res.kind || res.mean_speed_hub_m_s != null) && (
        <p className="design-weather" data-testid="wind-resource-used">
          <strong>Wind resource:</strong> {windResourceKindLabel(res.kind)}
          {res.measurement_height_m != null ? ` measured at ${formatNumber(res.measurement_height_m, 0)} m` : ""}
          {res.mean_speed_hub_m_s != null ? `, mean ${formatNumber(res.mean_speed_hub_m_s, 2)} m/s at hub height` : ""}
          {w.air_density_kg_m3 != null ? `, air density ${formatNumber(w.air_density_kg_m3, 3)} kg/m³` : ""}
          {res.source ? <span className="metric-sub">{res.source}</span> : null}
        </p>
      )}
      {res.hourly_synthesised && !warnings.some((m) => /synthesi[sz]ed/i.test(m)) && (
        <p className="field-hint" data-testid="wind-synthesised">
          Synthesised hourly: the resource is a frequency table, so the hourly wind series used for the storage dispatch was synthesised from it (not
          measured hours).
        </p>
      )}
      {(w.rose ?? []).length > 0 && <WindRose rose={w.rose!} heightM={res.hub_height_m ?? t.hub_height_m} />}
      {w.spacing && (
        <p className="small muted">
          Spacing {formatNumber(w.spacing.along_wind_d, 1)} D along × {formatNumber(w.spacing.across_wind_d, 1)} D across the prevailing wind (
          {formatNumber(w.spacing.prevailing_deg, 0)}°)
          {w.spacing.setback_tip_heights != null ? `; setback ${formatNumber(w.spacing.setback_tip_heights, 1)} tip heights` : ""}.
        </p>
      )}
      {turbines.length > 0 && !noEnergy && (
        <details className="design-details">
          <summary>Energy by turbine ({turbines.length})</summary>
          <div className="table-scroll">
            <table className="table table-compact design-table">
              <thead>
                <tr>
                  <th scope="col">Turbine</th>
                  <th scope="col" className="num">
                    Gross MWh/yr
                  </th>
                  <th scope="col" className="num">
                    Net MWh/yr
                  </th>
                  <th scope="col" className="num">
                    Wake loss
                  </th>
                </tr>
              </thead>
              <tbody>
                {turbines.map((x) => (
                  <tr key={x.id} data-testid="turbine-row">
                    <th scope="row">{x.id}</th>
                    <td className="num">{formatNumber(x.gross_aep_mwh, 0)}</td>
                    <td className="num">{formatNumber(x.net_aep_mwh, 0)}</td>
                    <td className="num">{formatPct(x.wake_loss_pct, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </div>
  );
}
