import type { ElectricalSection } from "../../api/design";
import { formatDcPower, formatLength, formatNumber, formatPower } from "../../lib/format";
import { Alert } from "../ui/Alert";
import { formatPct } from "./designFormat";

const TOPOLOGY: Record<string, string> = {
  central: "Central inverters (string combiner boxes, DC feeders)",
  string: "String inverters (LV AC to the power station)",
};

const kw = (v: number | undefined) => (v == null ? "—" : `${formatNumber(v, 1)} kW`);

/**
 * Electrical design of a layout: stringing, blocks, ohmic and transformer losses (at STC and as an
 * annual estimate) and the MV single-line summary (feeders with their blocks, MVA, length, loss).
 */
export function ElectricalPanel({ electrical }: { electrical: ElectricalSection | null | undefined }) {
  if (!electrical) return <p className="empty small">No electrical design for this layout (only PV layouts are strung and cabled).</p>;
  const st = electrical.stringing;
  const stc = electrical.losses?.stc;
  const annual = electrical.losses?.annual;
  const feeders = electrical.single_line ?? [];
  const blocks = electrical.blocks ?? [];
  const systemV = electrical.params?.system_voltage_v;
  const device = electrical.topology === "string" ? "Inverters" : "Boxes";
  return (
    <div className="design-panel">
      {(electrical.warnings ?? []).length > 0 && (
        <Alert tone="warning" title="Electrical warnings">
          <ul className="plain">
            {electrical.warnings!.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </Alert>
      )}
      <p className="small">
        <strong>Topology:</strong> {TOPOLOGY[electrical.topology] ?? electrical.topology}
      </p>
      {st && (
        <dl className="metric-grid">
          <div className="metric">
            <dt>Strings</dt>
            <dd>{formatNumber(st.strings)}</dd>
          </div>
          <div className="metric">
            <dt>Modules per string</dt>
            <dd>
              {formatNumber(st.modules_per_string)}
              {st.min_modules != null && st.max_modules != null ? (
                <span className="metric-sub">
                  allowed {st.min_modules}–{st.max_modules}
                </span>
              ) : null}
            </dd>
          </div>
          <div className="metric">
            <dt>String Voc, cold</dt>
            <dd>
              {st.string_voc_cold_v != null ? `${formatNumber(st.string_voc_cold_v, 0)} V` : "—"}
              {typeof systemV === "number" ? <span className="metric-sub">limit {formatNumber(systemV, 0)} V</span> : null}
            </dd>
          </div>
          <div className="metric">
            <dt>String Vmp, hot</dt>
            <dd>{st.string_vmp_hot_v != null ? `${formatNumber(st.string_vmp_hot_v, 0)} V` : "—"}</dd>
          </div>
        </dl>
      )}
      {blocks.length > 0 && (
        <div className="table-scroll">
          <table className="table table-compact design-table">
            <caption>Inverter blocks</caption>
            <thead>
              <tr>
                <th scope="col">Block</th>
                <th scope="col" className="num">Strings</th>
                <th scope="col" className="num">DC</th>
                <th scope="col" className="num">AC</th>
                <th scope="col" className="num">DC/AC</th>
                <th scope="col" className="num">{device}</th>
              </tr>
            </thead>
            <tbody>
              {blocks.map((b) => (
                <tr key={b.block} data-testid="electrical-block">
                  <th scope="row">{b.block}</th>
                  <td className="num">{formatNumber(b.strings)}</td>
                  <td className="num">{formatDcPower(b.dc_kwp)}</td>
                  <td className="num">{formatPower(b.ac_kw)}</td>
                  <td className="num">{formatNumber(b.dc_ac_ratio, 2)}</td>
                  <td className="num">{formatNumber(b.devices)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(stc || annual) && (
        <div className="table-scroll">
          <table className="table table-compact design-table">
            <caption>Losses</caption>
            <thead>
              <tr>
                <th scope="col">Loss</th>
                <th scope="col" className="num">At STC</th>
                <th scope="col" className="num">Annual</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">DC ohmic</th>
                <td className="num">
                  {formatPct(stc?.dc_pct)}
                  <span className="metric-sub">{kw(stc?.dc_kw)}</span>
                </td>
                <td className="num">{formatPct(annual?.dc_ohmic_pct)}</td>
              </tr>
              {electrical.topology === "string" && (
                <tr>
                  <th scope="row">LV AC ohmic</th>
                  <td className="num">
                    {formatPct(stc?.lv_ac_pct)}
                  <span className="metric-sub">{kw(stc?.lv_ac_kw)}</span>
                  </td>
                  <td className="num">{formatPct(annual?.lv_ac_ohmic_pct)}</td>
                </tr>
              )}
              <tr>
                <th scope="row">MV ohmic</th>
                <td className="num">
                  {formatPct(stc?.mv_pct)}
                  <span className="metric-sub">{kw(stc?.mv_kw)}</span>
                </td>
                <td className="num">{formatPct(annual?.mv_ohmic_pct)}</td>
              </tr>
              <tr>
                <th scope="row">Transformers</th>
                <td className="num">{formatPct(stc?.transformer_pct)}</td>
                <td className="num">
                  {annual?.transformer_pct != null ? formatPct(annual.transformer_pct) : null}
                  {annual?.transformer_no_load_mwh != null ? (
                    <span className={annual?.transformer_pct != null ? "metric-sub" : undefined}>{`${formatNumber(annual.transformer_no_load_mwh, 1)} MWh no-load`}</span>
                  ) : annual?.transformer_pct == null ? (
                    "—"
                  ) : null}
                </td>
              </tr>
            </tbody>
          </table>
          {annual?.loss_factor != null && (
            <p className="small muted" data-testid="annual-loss-basis">
              {annual.basis
                ? `Annual losses from the hourly energy simulation, as in the loss waterfall (ohmic loss factor ${formatNumber(annual.loss_factor, 2)}).`
                : `Annual ohmic losses = STC losses × loss factor ${formatNumber(annual.loss_factor, 2)} (an estimate: no energy simulated).`}
            </p>
          )}
        </div>
      )}
      {feeders.length > 0 && (
        <div className="table-scroll">
          <table className="table table-compact design-table">
            <caption>MV single line</caption>
            <thead>
              <tr>
                <th scope="col">Feeder</th>
                <th scope="col">Blocks</th>
                <th scope="col" className="num">MVA</th>
                <th scope="col" className="num">Length</th>
                <th scope="col" className="num">Loss</th>
              </tr>
            </thead>
            <tbody>
              {feeders.map((f) => (
                <tr key={f.feeder} data-testid="feeder">
                  <th scope="row" title={(f.conductors ?? []).join(" → ")}>
                    F{f.feeder}
                  </th>
                  <td>{f.blocks.join(", ")}</td>
                  <td className="num">{formatNumber(f.mva, 2)}</td>
                  <td className="num">{formatLength(f.length_m)}</td>
                  <td className="num">
                    {kw(f.loss_kw)}
                    {f.drop_pct != null ? <span className="metric-sub">{formatPct(f.drop_pct)} drop</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {electrical.mv_feeder_capacity_a != null && (
            <p className="small muted">Feeder ampacity limit {formatNumber(electrical.mv_feeder_capacity_a, 1)} A.</p>
          )}
        </div>
      )}
    </div>
  );
}
