/** Map colours: asset types, road classes, slope classes. Chosen for contrast on a light map. */

const ASSET_COLORS: Record<string, string> = {
  solar: "#f59e0b",
  pv: "#f59e0b",
  pv_block: "#f59e0b",
  solar_block: "#f59e0b",
  tracker: "#eab308",
  battery: "#7c3aed",
  bess: "#7c3aed",
  storage: "#7c3aed",
  inverter: "#0891b2",
  power_station: "#0891b2",
  transformer: "#0e7490",
  substation: "#be185d",
  switchyard: "#9d174d",
  gas: "#ea580c",
  gas_engine: "#ea580c",
  gas_turbine: "#ea580c",
  genset: "#ea580c",
  wind: "#2563eb",
  wind_turbine: "#2563eb",
  turbine: "#2563eb",
  om_building: "#475569",
  laydown: "#a16207",
  met_mast: "#0d9488",
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
  const partial = Object.keys(ASSET_COLORS).find((k) => key.includes(k));
  return partial ? ASSET_COLORS[partial] : FALLBACK[hash(key) % FALLBACK.length];
}

export const ROAD_STYLES: Record<string, { color: string; weight: number; label: string }> = {
  spine: { color: "#1f2937", weight: 5, label: "Spine road" },
  secondary: { color: "#4b5563", weight: 3.5, label: "Secondary road" },
  spur: { color: "#6b7280", weight: 2, label: "Spur road" },
};
export const roadStyle = (cls: string) => ROAD_STYLES[cls] ?? { color: "#6b7280", weight: 2, label: cls };

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
export const BUILDABLE_COLOR = "#16a34a";
export const CONTOUR_COLOR = "#8b5e34";
