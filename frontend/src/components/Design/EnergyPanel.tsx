import { energyFigure, isClearSky, type EnergySection } from "../../api/design";
import { formatNumber, humanize } from "../../lib/format";
import { Alert } from "../ui/Alert";
import { LossWaterfall, MonthlyChart } from "./EnergyCharts";
import { formatMwh, formatPct } from "./designFormat";

export const CLEARSKY_TITLE = "Clear-sky upper bound — not a P50";

/** How the annual energy is qualified: a clear-sky result is never called a P50. */
export function energyQualifier(energy: EnergySection): string {
  if (isClearSky(energy)) return "clear-sky upper bound";
  if (energy.is_p50) return "P50";
  return "";
}

const SOURCE_NAMES: Record<string, string> = {
  clearsky: "Clear-sky model (pvlib, no clouds)",
  file: "Uploaded weather file",
  pvgis: "PVGIS typical year",
};

function WeatherSource({ energy }: { energy: EnergySection }) {
  const w = energy.weather ?? {};
  const source = energy.weather_source ?? w.source ?? "unknown";
  const label = (isClearSky(energy) ? null : w.label) ?? null;
  return (
    <p className="design-weather" data-testid="weather-source">
      <strong>Weather source:</strong> {SOURCE_NAMES[source] ?? humanize(source)}
      {label ? ` — ${label}` : ""}
      {w.distance_km != null && w.distance_km > 0 ? ` · ${formatNumber(w.distance_km, 0)} km from the site` : ""}
    </p>
  );
}

/**
 * Energy yield of a layout: the weather source and (for the clear-sky fallback) the upper-bound
 * label first, then annual energy, specific yield, PR and capacity factor, the monthly chart and
 * the loss waterfall.
 */
export function EnergyPanel({ energy }: { energy: EnergySection | null | undefined }) {
  if (!energy) return <p className="empty small">No energy yield for this layout (only PV layouts are simulated).</p>;
  const clear = isClearSky(energy);
  const q = energyQualifier(energy);
  const monthly = energy.monthly_energy_mwh ?? [];
  const steps = energy.loss_waterfall ?? [];
  const w = energy.weather ?? {};
  const model = Object.entries(energy.model ?? {}).filter(([, v]) => typeof v === "string");
  return (
    <div className="design-panel">
      {clear && (
        <Alert tone="warning" title={CLEARSKY_TITLE}>
          {energy.label ??
            "Clear-sky weather (no clouds): the energy is an upper bound, not a P50. Upload a weather file or allow PVGIS for a P50."}
        </Alert>
      )}
      <WeatherSource energy={energy} />
      {w.warning && (
        <Alert tone="warning" title="Weather data">
          {w.warning}
        </Alert>
      )}
      <dl className="metric-grid">
        <div className="metric">
          <dt>Annual energy{q ? ` (${q})` : ""}</dt>
          <dd>{formatMwh(energyFigure(energy, "annual_energy_mwh"))}</dd>
        </div>
        <div className="metric" data-testid="p90">
          <dt>P90 (1 yr / 10 yr)</dt>
          <dd>
            {energy.p90_1yr_mwh != null ? `${formatMwh(energy.p90_1yr_mwh)} / ${formatMwh(energy.p90_10yr_mwh)}` : "—"}
            <span className="metric-sub">
              {energy.p90_1yr_mwh != null
                ? `±${formatNumber(energy.uncertainty_1yr_pct, 1)} % (1σ, 1 yr)`
                : (energy.p90_note ?? "not given")}
            </span>
          </dd>
        </div>
        <div className="metric">
          <dt>Specific yield{clear ? " (upper bound)" : ""}</dt>
          <dd>{energyFigure(energy, "specific_yield_kwh_per_kwp") != null ? `${formatNumber(energyFigure(energy, "specific_yield_kwh_per_kwp"), 0)} kWh/kWp` : "—"}</dd>
        </div>
        <div className="metric">
          <dt>Performance ratio</dt>
          <dd>{energy.performance_ratio != null ? formatPct(energy.performance_ratio * 100, 1) : "—"}</dd>
        </div>
        <div className="metric">
          <dt>Capacity factor (AC){clear ? " (upper bound)" : ""}</dt>
          <dd>{energyFigure(energy, "capacity_factor") != null ? formatPct(energyFigure(energy, "capacity_factor")! * 100, 1) : "—"}</dd>
        </div>
      </dl>
      <h4 className="design-subhead">Monthly energy{q ? ` (${q})` : ""}</h4>
      {monthly.length ? <MonthlyChart monthly={monthly} qualifier={q || undefined} /> : <p className="empty small">No monthly energy.</p>}
      <h4 className="design-subhead">Loss waterfall</h4>
      {steps.length ? (
        <>
          <LossWaterfall steps={steps} />
          <details className="design-details">
            <summary>Value after each step</summary>
            <div className="table-scroll">
              <table className="table table-compact">
                <thead>
                  <tr>
                    <th scope="col">Step</th>
                    <th scope="col" className="num">
                      Change
                    </th>
                    <th scope="col" className="num">
                      After
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {steps.map((s, i) => (
                    <tr key={i}>
                      <th scope="row">{s.name}</th>
                      <td className="num">{formatNumber(s.percent, 2)} %</td>
                      <td className="num">
                        {formatNumber(s.value_after, 1)} {s.unit}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : (
        <p className="empty small">No loss waterfall.</p>
      )}
      {(energy.loss_stack ?? []).length > 0 && (
        <details className="design-details">
          <summary>Loss stack ({energy.loss_preset ?? "typical"})</summary>
          <div className="table-scroll">
            <table className="table table-compact" data-testid="loss-stack">
              <thead>
                <tr>
                  <th scope="col">Loss</th>
                  <th scope="col" className="num">
                    Input
                  </th>
                  <th scope="col">Given at</th>
                  <th scope="col" className="num">
                    Annual
                  </th>
                </tr>
              </thead>
              <tbody>
                {energy.loss_stack!.map((x) => (
                  <tr key={x.key} title={x.source}>
                    <th scope="row">{x.name}</th>
                    <td className="num">{formatNumber(x.input_pct, 2)} %</td>
                    <td>{x.input_basis}</td>
                    <td className="num">{x.annual_pct != null ? `${formatNumber(x.annual_pct, 2)} %` : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
      {model.length > 0 && (
        <details className="design-details">
          <summary>Simulation model</summary>
          <dl className="design-dl small">
            {model.map(([k, v]) => (
              <div key={k}>
                <dt>{humanize(k)}</dt>
                <dd>{String(v)}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </div>
  );
}
