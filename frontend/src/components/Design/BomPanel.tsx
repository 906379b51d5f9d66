import type { Bom } from "../../api/design";
import { formatDcPower, formatNumber, formatPower, formatVolume, humanize } from "../../lib/format";

type Row = { item: string; qty: string; note?: string };

const LEVELS: Record<string, string> = {
  dc_string: "DC string",
  dc_feeder: "DC feeder",
  lv_ac: "LV AC",
  mv: "MV",
};

const m = (v: number | undefined) => (v == null ? "—" : `${formatNumber(v, 0)} m`);

/** The BOM as display rows, in the order a planner reads it: generation, structures, electrical,
 * civil. Missing items are left out rather than shown as zero. */
export function bomRows(bom: Bom): Row[] {
  const rows: Row[] = [];
  if (bom.modules)
    rows.push({
      item: "PV modules",
      qty: formatNumber(bom.modules.count),
      note: [bom.modules.model, bom.modules.dc_kwp != null ? formatDcPower(bom.modules.dc_kwp) : null].filter(Boolean).join(" · "),
    });
  if (bom.structures) {
    const s = bom.structures;
    rows.push({
      item: humanize(s.type === "tracker" ? "trackers" : `${s.type}s`),
      qty: formatNumber(s.count),
      note: s.partial ? `${formatNumber(s.full)} full, ${formatNumber(s.partial)} partial` : undefined,
    });
    if (s.piles != null) rows.push({ item: "Piles", qty: formatNumber(s.piles) });
  }
  if (bom.strings)
    rows.push({
      item: "Strings",
      qty: formatNumber(bom.strings.count),
      note: Object.entries(bom.strings.by_length ?? {})
        .map(([len, n]) => `${formatNumber(n)} × ${len} modules`)
        .join(", "),
    });
  if (bom.combiner_boxes)
    rows.push({ item: "Combiner boxes", qty: formatNumber(bom.combiner_boxes), note: bom.combiner_inputs ? `${bom.combiner_inputs} inputs each` : undefined });
  if (bom.string_inverters)
    rows.push({
      item: "String inverters",
      qty: formatNumber(bom.string_inverters),
      note: bom.string_inverter_ac_kw != null ? `${formatPower(bom.string_inverter_ac_kw)} each` : undefined,
    });
  if (bom.power_stations)
    rows.push({
      item: "Power stations",
      qty: formatNumber(bom.power_stations.count),
      note: [
        bom.power_stations.ac_kw != null ? formatPower(bom.power_stations.ac_kw) : null,
        ...Object.entries(bom.power_stations.by_kva ?? {}).map(([kva, n]) => `${formatNumber(n)} × ${formatNumber(Number(kva), 0)} kVA`),
      ]
        .filter(Boolean)
        .join(" · "),
    });
  if (bom.transformers)
    rows.push({
      item: "Transformers",
      qty: formatNumber(bom.transformers.count),
      note: bom.transformers.total_kva != null ? `${formatNumber(bom.transformers.total_kva, 0)} kVA in all` : undefined,
    });
  if (bom.mv_feeders) rows.push({ item: "MV feeders", qty: formatNumber(bom.mv_feeders) });
  for (const c of bom.cables ?? [])
    rows.push({
      item: `Cable, ${LEVELS[c.level] ?? humanize(c.level)}: ${c.conductor}`,
      qty: m(c.cable_m),
      note: c.route_m != null ? `${m(c.route_m)} of route` : undefined,
    });
  if (bom.trenches) {
    if (bom.trenches.dc_m) rows.push({ item: "Trench, DC / LV", qty: m(bom.trenches.dc_m) });
    if (bom.trenches.mv_m) rows.push({ item: "Trench, MV", qty: m(bom.trenches.mv_m) });
  }
  for (const r of bom.roads ?? [])
    rows.push({ item: `Road, ${humanize(r.class)}`, qty: m(r.length_m), note: `${formatNumber(r.area_m2, 0)} m²` });
  if (bom.fence_m != null) rows.push({ item: "Fence", qty: m(bom.fence_m) });
  if (bom.gates != null) rows.push({ item: "Gates", qty: formatNumber(bom.gates) });
  if (bom.grading)
    rows.push({
      item: "Grading",
      qty: formatVolume(bom.grading.total_m3),
      note: `cut ${formatVolume(bom.grading.cut_m3)}, fill ${formatVolume(bom.grading.fill_m3)}`,
    });
  return rows;
}

/** Bill of quantities: counts, cable metres by level and conductor, trenches, roads, fence, grading. */
export function BomPanel({ bom }: { bom: Bom | null | undefined }) {
  if (!bom) return <p className="empty small">No bill of quantities for this layout (only PV layouts have one).</p>;
  const rows = bomRows(bom);
  const cableTotal = (bom.cables ?? []).reduce((s, c) => s + c.cable_m, 0);
  return (
    <div className="design-panel">
      <div className="table-scroll">
        <table className="table table-compact design-table">
          <caption>Bill of quantities</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="num">
                Quantity
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-testid="bom-row">
                <th scope="row">
                  {r.item}
                  {r.note ? <span className="metric-sub">{r.note}</span> : null}
                </th>
                <td className="num">{r.qty}</td>
              </tr>
            ))}
            {cableTotal > 0 && (
              <tr className="design-total">
                <th scope="row">All cable</th>
                <td className="num">{m(cableTotal)}</td>
              </tr>
            )}
            {bom.trenches?.total_m != null && (
              <tr className="design-total">
                <th scope="row">All trench</th>
                <td className="num">{m(bom.trenches.total_m)}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
