/** Map colours: asset types, road classes, slope classes. Chosen for contrast on a light map. */

/**
 * One colour per asset type the engine places (distinct hues, so two types never look alike);
 * aliases below map older or generic names onto them.
 */
const ASSET_COLORS: Record<string, string> = {
  pv_block: "#f59e0b", // amber
  pv_table: "#eab308", // yellow
  tracker: "#d97706", // dark amber
  power_station: "#0891b2", // cyan
  substation: "#be185d", // magenta
  collector_substation: "#9d174d", // dark magenta
  om_building: "#475569", // slate
  battery_container: "#7c3aed", // violet
  pcs: "#4f46e5", // indigo
  gas_turbine: "#dc2626", // red
  cooling_unit: "#0d9488", // teal
  control_centre: "#65a30d", // lime
  wind_turbine: "#2563eb", // blue
  laydown: "#a16207",
  met_mast: "#15803d",
};
const ALIASES: Record<string, string> = {
  solar: "pv_block",
  pv: "pv_block",
  solar_block: "pv_block",
  battery: "battery_container",
  bess: "battery_container",
  storage: "battery_container",
  inverter: "power_station",
  transformer: "power_station",
  switchyard: "substation",
  gas: "gas_turbine",
  gas_engine: "gas_turbine",
  genset: "gas_turbine",
  wind: "wind_turbine",
  turbine: "wind_turbine",
};
const FALLBACK = ["#16a34a", "#db2777", "#9333ea", "#0284c7", "#ea580c", "#65a30d", "#be123c", "#4f46e5"];

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}

export function assetColor(type: string): string {
  const key = type.toLowerCase();
  if (ASSET_COLORS[key]) return ASSET_COLORS[key];
  if (ALIASES[key]) return ASSET_COLORS[ALIASES[key]];
  const partial = Object.keys(ALIASES).find((k) => key.includes(k));
  return partial ? ASSET_COLORS[ALIASES[partial]] : FALLBACK[hash(key) % FALLBACK.length];
}

/** PV tables and trackers, one asset type at 1 GW scale, are coloured by inverter block. */
export const TABLE_TYPES = new Set(["pv_table", "tracker"]);
const BLOCK_PALETTE = [
  "#f59e0b", "#0ea5e9", "#84cc16", "#ec4899", "#8b5cf6", "#14b8a6",
  "#f97316", "#6366f1", "#22c55e", "#e11d48", "#06b6d4", "#a855f7",
];
/** Colour of inverter block `block` (neighbouring ids get different hues). */
export function blockColor(block: number | null | undefined): string {
  if (block == null || !Number.isFinite(block)) return ASSET_COLORS.pv_table;
  return BLOCK_PALETTE[((Math.trunc(block) % BLOCK_PALETTE.length) + BLOCK_PALETTE.length) % BLOCK_PALETTE.length];
}

export const ROAD_STYLES: Record<string, { color: string; weight: number; label: string }> = {
  spine: { color: "#1f2937", weight: 5, label: "Spine road" },
  secondary: { color: "#4b5563", weight: 3.5, label: "Secondary road" },
  spur: { color: "#6b7280", weight: 2, label: "Spur road" },
};
export const roadStyle = (cls: string) => ROAD_STYLES[cls] ?? { color: "#6b7280", weight: 2, label: cls };
/** A road segment steeper than trucks can climb (`compliant: false`): dashed red. */
export const NONCOMPLIANT_ROAD_COLOR = "#dc2626";

/** Slope classes from flat (green) to steep (red), by lower bound in degrees. */
export function slopeColor(minDeg: number): string {
  if (minDeg < 2) return "#1a9850";
  if (minDeg < 5) return "#91cf60";
  if (minDeg < 10) return "#d9ef8b";
  if (minDeg < 15) return "#fee08b";
  if (minDeg < 25) return "#fc8d59";
  return "#d73027";
}

export const BOUNDARY_COLOR = "#1d4ed8";
export const EXCLUSION_COLOR = "#dc2626";
export const ENTRY_COLOR = "#059669";
export const INTERCONNECTION_COLOR = "#9333ea";
export const SETBACK_COLOR = "#1d4ed8";
export const BUILDABLE_COLOR = "#16a34a";
export const CONTOUR_COLOR = "#8b5e34";

/** Cables by level (DC strings and feeders, LV AC from string inverters, MV collection) and trenches. */
export const CABLE_COLORS: Record<string, string> = {
  dc: "#c2410c", // burnt orange
  lv: "#0f766e", // dark teal
  mv: "#7e22ce", // purple
};
/** A cable of any other level. */
export const CABLE_COLOR = "#57534e";
export const TRENCH_COLOR = "#a8a29e";
export const cableColor = (level: string) => CABLE_COLORS[level] ?? CABLE_COLOR;
