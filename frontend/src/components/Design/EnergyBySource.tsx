import { metricNumber, type SourceEconomics } from "../../api/hybrid";
import { formatMwh, formatUnitPrice, formatUsd } from "./designFormat";

const SOURCE_NAMES: Record<string, string> = { pv: "PV", wind: "Wind", storage: "Storage", gas: "Gas" };
const lcoe = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? "—" : `${formatUnitPrice(v)}/MWh`);

/**
 * Energy, CAPEX, OPEX and LCOE per source, and the plant's delivered energy and one LCOE (flat
 * metrics). Storage shifts energy rather than making it: its row shows what it discharges.
 */
export function EnergyBySource({ rows, metrics }: { rows: SourceEconomics[]; metrics: Record<string, unknown> | null | undefined }) {
  const plantEnergy = metricNumber(metrics, "plant_energy_mwh");
  const plantLcoe = metricNumber(metrics, "plant_lcoe_usd_per_mwh");
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
              CAPEX
            </th>
            <th scope="col" className="num">
              OPEX/yr
            </th>
            <th scope="col" className="num">
              LCOE
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.source} data-testid="source-row">
              <th scope="row">{SOURCE_NAMES[r.source] ?? r.source}</th>
              <td className="num">{formatMwh(r.energy_mwh)}</td>
              <td className="num">{formatUsd(r.capex_usd)}</td>
              <td className="num">{formatUsd(r.opex_usd_per_yr)}</td>
              <td className="num">{lcoe(r.lcoe_usd_per_mwh)}</td>
            </tr>
          ))}
          <tr className="design-total" data-testid="plant-row">
            <th scope="row">Plant (to the grid)</th>
            <td className="num">{formatMwh(plantEnergy)}</td>
            {/* The plant's CAPEX and OPEX are the Cost section's totals (shared lines included), not summed here. */}
            <td className="num muted">see Cost</td>
            <td className="num muted">see Cost</td>
            <td className="num">{lcoe(plantLcoe)}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
