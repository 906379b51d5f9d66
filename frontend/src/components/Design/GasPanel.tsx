import { metricNumber, type GasSection } from "../../api/hybrid";
import { formatNumber, formatPower } from "../../lib/format";
import { Alert } from "../ui/Alert";
import { formatMwh, formatPct, formatUsd } from "./designFormat";
import { MetricItem } from "./MetricItem";

/** Gas units: size, heat rate, fuel price, capacity factor, energy, fuel cost, CO₂ and any overshoot with its reason. */
export function GasPanel({ gas, metrics, warnings }: { gas: GasSection | undefined; metrics: Record<string, unknown> | null | undefined; warnings: string[] }) {
  const g = gas ?? {};
  const capacity = metricNumber(metrics, "gas_capacity_kw") ?? (g.units != null && g.unit_kw != null ? g.units * g.unit_kw : undefined);
  const energy = g.energy_mwh ?? metricNumber(metrics, "gas_energy_mwh");
  const fuel = g.fuel_cost_usd_per_yr ?? metricNumber(metrics, "gas_fuel_cost_usd_per_yr");
  const co2 = g.co2_t_per_yr ?? metricNumber(metrics, "gas_co2_t_per_yr");
  return (
    <div className="design-panel" data-testid="gas-panel">
      {warnings.map((m, i) => (
        <Alert key={i} tone="warning" title="Gas">
          {m}
        </Alert>
      ))}
      <dl className="metric-grid">
        <MetricItem label="Capacity" value={formatPower(capacity)} sub={g.units != null && g.unit_kw != null ? `${g.units} × ${formatPower(g.unit_kw)}` : undefined} />
        <MetricItem label="Heat rate" value={g.heat_rate_btu_per_kwh != null ? `${formatNumber(g.heat_rate_btu_per_kwh, 0)} Btu/kWh` : "—"} />
        <MetricItem label="Fuel price" value={g.fuel_price_usd_per_mmbtu != null ? `$${formatNumber(g.fuel_price_usd_per_mmbtu, 2)}/MMBtu` : "—"} />
        <MetricItem label="Capacity factor" value={formatPct(g.capacity_factor_pct, 1)} />
        <MetricItem label="Energy" value={formatMwh(energy)} sub="per year" />
        <MetricItem label="Fuel cost" value={fuel != null ? `${formatUsd(fuel)}/yr` : "—"} />
        <MetricItem label="CO₂" value={co2 != null ? `${formatNumber(co2, 0)} t/yr` : "—"} />
      </dl>
      {g.overshoot_kw != null && g.overshoot_kw > 0 && (
        <p className="design-weather" data-testid="gas-overshoot">
          <strong>Over the target by {formatPower(g.overshoot_kw)}:</strong> {g.overshoot_reason ?? "no reason given"}
        </p>
      )}
    </div>
  );
}
