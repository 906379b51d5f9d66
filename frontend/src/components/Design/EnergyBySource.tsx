import { metricNumber, type SourceEconomics } from "../../api/hybrid";
import { formatNumber } from "../../lib/format";
import { formatUnitPrice, formatUsd } from "./designFormat";

const SOURCE_NAMES: Record<string, string> = { pv: "PV", wind: "Wind", storage: "Storage", gas: "Gas" };
const lcoe = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? "—" : `${formatUnitPrice(v)}/MWh`);
// On a clear-sky PV year the backend names the PV, storage and plant figures as bounds: shown "≥" / "≤".
const bounded = (plain: number | null | undefined, bound: number | null | undefined, mark: string, fmt: (v: number) => string) =>
  plain != null ? fmt(plain) : bound != null ? `${mark} ${fmt(bound)}` : "—";

/**
 * Energy, LCOE, CAPEX and OPEX per source, and the plant's delivered energy and one LCOE (flat
 * metrics). Storage shifts energy rather than making it: its row shows what it discharges. Four
 * columns so the LCOE stays in view in the side panel; OPEX goes under the CAPEX.
 */
export function EnergyBySource({ rows, metrics }: { rows: SourceEconomics[]; metrics: Record<string, unknown> | null | undefined }) {
  const plantEnergy = metricNumber(metrics, "plant_energy_mwh");
  const plantEnergyBound = metricNumber(metrics, "plant_energy_mwh_upper_bound");
  const plantLcoe = metricNumber(metrics, "plant_lcoe_usd_per_mwh");
  const plantLcoeBound = metricNumber(metrics, "plant_lcoe_lower_bound_usd_per_mwh");
  const isBound = plantLcoeBound != null || rows.some((r) => r.lcoe_lower_bound_usd_per_mwh != null);
  return (
    <div className="table-scroll">
      <table className="table table-compact design-table" data-testid="energy-by-source">
        <caption>Energy and cost by source</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col" className="num">
              MWh/yr
            </th>
            <th scope="col" className="num">
              LCOE
            </th>
            <th scope="col" className="num">
              CAPEX
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.source} data-testid="source-row">
              <th scope="row">{SOURCE_NAMES[r.source] ?? r.source}</th>
              <td className="num">{formatNumber(r.energy_mwh, 0)}</td>
              <td className="num">{bounded(r.lcoe_usd_per_mwh, r.lcoe_lower_bound_usd_per_mwh, "≥", (v) => lcoe(v))}</td>
              <td className="num">
                {formatUsd(r.capex_usd)}
                {r.opex_usd_per_yr != null ? <span className="metric-sub">{formatUsd(r.opex_usd_per_yr)}/yr</span> : null}
              </td>
            </tr>
          ))}
          <tr className="design-total" data-testid="plant-row">
            <th scope="row">Plant</th>
            <td className="num">{bounded(plantEnergy, plantEnergyBound, "≤", (v) => formatNumber(v, 0))}</td>
            <td className="num">{bounded(plantLcoe, plantLcoeBound, "≥", (v) => lcoe(v))}</td>
            {/* The plant's CAPEX and OPEX are the Cost section's totals (shared lines included), not summed here. */}
            <td className="num muted">in Cost</td>
          </tr>
        </tbody>
      </table>
      <p className="field-hint">Plant: energy delivered to the grid, one LCOE for the whole plant.</p>
      {isBound ? (
        <p className="field-hint" data-testid="by-source-bound">
          Clear-sky PV year: energy ≤ an upper bound, LCOE ≥ a lower bound — not a P50 (upload a weather file).
        </p>
      ) : null}
    </div>
  );
}
