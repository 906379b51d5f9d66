import { lcoeFigure, npvFigure, type CostSection, type UnitCost } from "../../api/design";
import { formatNumber, humanize } from "../../lib/format";
import { Alert } from "../ui/Alert";
import { formatUnitPrice, formatUsd } from "./designFormat";

/** A unit price that shows its cited source on hover (title) and on click (expand). */
function PriceWithSource({ label, unit, price }: { label: string; unit?: string; price: UnitCost | undefined; }) {
  if (!price) return <span>{label}</span>;
  return (
    <details className="design-price">
      <summary title={price.source}>{label}</summary>
      <p className="small muted">
        Source{unit ? ` (${unit})` : ""}: {price.source}
      </p>
    </details>
  );
}

const UNITS: Record<string, string> = { wdc: "Wdc", wac: "Wac", kwac: "kWac", kva: "kVA", mm2: "mm²", m2: "m²", m3: "m³" };

/** Unit-cost keys end in the unit: "_usd_per_wdc" → "$/Wdc", "_pct" → "%". */
export function unitOfKey(key: string): string {
  const m = /_usd_(per_)?(.+)$/.exec(key);
  if (m) {
    if (m[2] === "each") return "$ each";
    return `$/${m[2]
      .split("_")
      .map((u) => UNITS[u] ?? u)
      .join("·")}`;
  }
  if (key.endsWith("_pct") || key.endsWith("_pct_per_yr")) return key.endsWith("_per_yr") ? "%/yr" : "%";
  if (key.endsWith("_yr")) return "years";
  return "";
}

/**
 * Cost of a layout: CAPEX by line (each unit price with its cited source), $/Wdc, OPEX, LCOE and
 * NPV. `clearSky` marks an LCOE computed on clear-sky energy, which is a lower bound.
 */
export function CostPanel({ cost, clearSky = false }: { cost: CostSection | null | undefined; clearSky?: boolean }) {
  if (!cost) return <p className="empty small">No cost for this layout (costs are computed for PV layouts).</p>;
  const capex = cost.capex ?? {};
  const total = capex.total_usd ?? cost.capex_usd;
  const prices = cost.unit_costs ?? {};
  const lines = capex.lines ?? [];
  const overheads = capex.overheads ?? [];
  const opexLines = cost.opex?.lines ?? [];
  return (
    <div className="design-panel">
      {(cost.warnings ?? []).map((w, i) => (
        <Alert key={i} tone="warning" title="Not in this cost">
          {w}
        </Alert>
      ))}
      <dl className="metric-grid">
        <div className="metric">
          <dt>CAPEX</dt>
          <dd>
            {formatUsd(total)}
            {cost.dollar_year ? <span className="metric-sub">{cost.dollar_year} US dollars</span> : null}
          </dd>
        </div>
        <div className="metric">
          <dt>CAPEX per Wdc</dt>
          <dd>
            {capex.usd_per_wdc != null ? `$${formatNumber(capex.usd_per_wdc, 3)}/Wdc` : "—"}
            {capex.usd_per_wac != null ? <span className="metric-sub">${formatNumber(capex.usd_per_wac, 3)}/Wac</span> : null}
          </dd>
        </div>
        <div className="metric">
          <dt>OPEX</dt>
          <dd>
            {cost.opex_usd_per_yr != null ? `${formatUsd(cost.opex_usd_per_yr)}/yr` : "—"}
            {opexLines.length > 0 ? (
              <span className="metric-sub" data-testid="opex-lines">
                {opexLines.map((l) => `${l.item} ${formatUsd(l.usd)}`).join(" · ")}
              </span>
            ) : null}
          </dd>
        </div>
        <div className="metric">
          <dt>LCOE (real){clearSky ? " — lower bound" : ""}</dt>
          <dd>
            {lcoeFigure(cost) != null ? `${clearSky ? "≥ " : ""}$${formatNumber(lcoeFigure(cost), 2)}/MWh` : "—"}
            {clearSky ? <span className="metric-sub">on clear-sky energy (an upper bound), not a P50</span> : null}
          </dd>
        </div>
        <div className="metric">
          <dt>NPV</dt>
          <dd>
            {npvFigure(cost) != null ? `${clearSky ? "≤ " : ""}${formatUsd(npvFigure(cost)!)}` : "—"}
            <span className="metric-sub">
              {cost.price_usd_per_mwh != null ? `at $${formatNumber(cost.price_usd_per_mwh, 2)}/MWh` : "no energy price given"}
            </span>
          </dd>
        </div>
        <div className="metric">
          <dt>Finance</dt>
          <dd className="small">
            {cost.discount_rate_real != null ? `${formatNumber(cost.discount_rate_real * 100, 1)} % real` : "—"}
            {cost.lifetime_yr != null ? ` · ${cost.lifetime_yr} yr` : ""}
            {cost.degradation_pct_per_yr != null ? ` · −${formatNumber(cost.degradation_pct_per_yr, 2)} %/yr` : ""}
          </dd>
        </div>
      </dl>
      {lines.length > 0 && (
        <div className="table-scroll">
          <table className="table table-compact design-table">
            <caption>CAPEX by line</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col" className="num">
                  Unit price
                </th>
                <th scope="col" className="num">
                  USD
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l, i) => (
                <tr key={`${l.key ?? l.item}-${i}`} data-testid="capex-line">
                  <th scope="row">
                    {l.item}
                    <span className="metric-sub">
                      {formatNumber(l.quantity, l.quantity < 100 ? 1 : 0)} {l.unit}
                    </span>
                  </th>
                  <td className="num">
                    <PriceWithSource label={`${formatUnitPrice(l.unit_cost)}/${l.unit}`} price={l.key ? prices[l.key] : undefined} />
                  </td>
                  <td className="num">{formatUsd(l.usd)}</td>
                </tr>
              ))}
              {capex.direct_usd != null && (
                <tr className="design-subtotal">
                  <th scope="row" colSpan={2}>
                    Direct cost
                  </th>
                  <td className="num">{formatUsd(capex.direct_usd)}</td>
                </tr>
              )}
              {overheads.map((o, i) => (
                <tr key={`${o.key ?? o.item}-oh-${i}`} data-testid="capex-overhead">
                  <th scope="row">{humanize(o.item)}</th>
                  <td className="num">
                    <PriceWithSource label={`${formatNumber(o.pct, 1)} %`} price={o.key ? prices[o.key] : undefined} />
                  </td>
                  <td className="num">{formatUsd(o.usd)}</td>
                </tr>
              ))}
              <tr className="design-total">
                <th scope="row" colSpan={2}>
                  Total CAPEX
                </th>
                <td className="num">{formatUsd(total)}</td>
              </tr>
            </tbody>
          </table>
        </div>
      )}
      {Object.keys(prices).length > 0 && (
        <details className="design-details">
          <summary>All unit prices and their sources ({Object.keys(prices).length})</summary>
          <ul className="plain design-sources small">
            {Object.entries(prices).map(([k, p]) => (
              <li key={k} data-testid="unit-cost">
                <strong>{humanize(k.replace(/_usd.*$|_pct.*$/, ""))}</strong>:{" "}
                {typeof p.value === "number" ? (
                  `${formatNumber(p.value, 4)} ${unitOfKey(k)}`
                ) : (
                  <span>
                    {Object.entries(p.value)
                      .map(([name, v]) => `${name} ${formatUnitPrice(v)}`)
                      .join("; ")}{" "}
                    ({unitOfKey(k)})
                  </span>
                )}
                <br />
                <span className="muted">{p.source}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
