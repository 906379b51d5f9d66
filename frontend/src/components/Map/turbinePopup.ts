/**
 * Popup rows of a wind turbine (issue 23): hub height, rotor, rating and its own AEP, gross and
 * net of wakes, with the wake loss. Kept apart from SiteMap so the map's rendering can change
 * (WebGL layer) without touching this.
 */
import { formatNumber } from "../../lib/format";

type Props = Record<string, unknown>;

/** A wind turbine feature: kind "turbine", or an asset of type wind_turbine (not a gas turbine). */
export const isWindTurbine = (p: Props): boolean => p.kind === "turbine" || p.asset_type === "wind_turbine";

const ROWS: [key: string, label: string, fmt: (v: number) => string][] = [
  ["net_aep_mwh", "Net AEP", (v) => `${formatNumber(v, 0)} MWh/yr`],
  ["gross_aep_mwh", "Gross AEP", (v) => `${formatNumber(v, 0)} MWh/yr`],
  ["wake_loss_pct", "Wake loss", (v) => `${formatNumber(v, 1)} %`],
  ["hub_height_m", "Hub height", (v) => `${formatNumber(v, 0)} m`],
  ["rotor_diameter_m", "Rotor diameter", (v) => `${formatNumber(v, 0)} m`],
  ["rated_kw", "Rated power", (v) => `${formatNumber(v, 0)} kW`],
];

/**
 * The turbine's rows ([label, value], those it carries) and the property keys they cover (for the
 * generic listing to skip). Nothing for other features. A turbine without AEP (no wind resource)
 * says so rather than showing a number.
 */
export function turbinePopupRows(p: Props): { rows: [string, string][]; keys: Set<string> } {
  const keys = new Set<string>();
  const rows: [string, string][] = [];
  if (!isWindTurbine(p)) return { rows, keys };
  for (const [key, label, fmt] of ROWS) {
    keys.add(key);
    const v = p[key];
    if (typeof v === "number" && Number.isFinite(v)) rows.push([label, fmt(v)]);
  }
  if (typeof p.net_aep_mwh !== "number" && typeof p.gross_aep_mwh !== "number") rows.unshift(["Energy", "not computed (no wind resource)"]);
  return { rows, keys };
}
