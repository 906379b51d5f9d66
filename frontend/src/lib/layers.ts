/**
 * The plant's line and point layers besides tables, equipment and roads: cables by level, trenches,
 * fences, gates, zone crossings and the gen-tie line. One definition per layer gives its legend
 * label, colour, how it is drawn and which features belong to it, so the map and the legend agree.
 */
import type { Feature, Geometry } from "geojson";
import { CABLE_COLORS, TRENCH_COLOR } from "./colors";
import { formatDcPower, formatLength, formatNumber, formatPower, formatVolume, humanize } from "./format";

type Props = Record<string, unknown>;
export type AnyFeature = Feature<Geometry, Props>;

export interface PlantLayer {
  key: string;
  label: string;
  color: string;
  /** Line weight [px] and dash pattern on the map and the legend swatch; `point` layers are dots. */
  weight: number;
  dash?: string;
  opacity?: number;
  point?: boolean;
  match: (p: Props) => boolean;
}

export const FENCE_COLOR = "#374151";
export const GATE_COLOR = "#111827";
export const CROSSING_COLOR = "#ea580c";
export const GEN_TIE_COLOR = "#be123c";
/** Outline of an asset a layout warns about (no road reaches it). */
export const PROBLEM_COLOR = "#dc2626";

/** Drawn in this order (later on top): trenches under the cables they carry, MV over DC. */
export const PLANT_LAYERS: PlantLayer[] = [
  { key: "trench", label: "Cable trench", color: TRENCH_COLOR, weight: 3, opacity: 0.55, match: (p) => p.kind === "trench" },
  { key: "cable-dc", label: "DC cable", color: CABLE_COLORS.dc, weight: 1, match: (p) => p.kind === "cable" && p.level !== "mv" && p.level !== "lv" },
  { key: "cable-lv", label: "LV AC cable", color: CABLE_COLORS.lv, weight: 1.5, match: (p) => p.kind === "cable" && p.level === "lv" },
  { key: "cable-mv", label: "MV cable", color: CABLE_COLORS.mv, weight: 2.5, match: (p) => p.kind === "cable" && p.level === "mv" },
  { key: "gen-tie", label: "Gen-tie line", color: GEN_TIE_COLOR, weight: 3, dash: "10 4 2 4", match: (p) => p.kind === "gen_tie" },
  { key: "fence", label: "Fence", color: FENCE_COLOR, weight: 1.2, dash: "2 3", match: (p) => p.kind === "fence" },
  { key: "gate", label: "Gate", color: GATE_COLOR, weight: 1, point: true, match: (p) => p.kind === "gate" },
  { key: "crossing", label: "Zone crossing", color: CROSSING_COLOR, weight: 1, point: true, match: (p) => p.kind === "crossing" },
];

/** The layer a feature belongs to, or undefined (tables, equipment, roads and others). */
export const plantLayerOf = (f: AnyFeature): PlantLayer | undefined => PLANT_LAYERS.find((l) => l.match(f.properties ?? {}));

/** Feature count per plant layer of a layout (layers without features are left out). */
export function plantLayerCounts(features: AnyFeature[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of features) {
    const l = plantLayerOf(f);
    if (l) out[l.key] = (out[l.key] ?? 0) + 1;
  }
  return out;
}

/**
 * Metres per screen pixel at `zoom` and latitude `lat` [°] in Web Mercator (256-px tiles,
 * equatorial circumference 40,075,016.686 m).
 */
export function metresPerPixel(zoom: number, lat: number): number {
  return (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / 2 ** (zoom + 8);
}

/** A road's line weight [px]: its true width at this zoom, never thinner than its class's minimum. */
export function roadWeightPx(widthM: number | null | undefined, minPx: number, zoom: number, lat: number): number {
  if (widthM == null || !(widthM > 0)) return minPx;
  return Math.max(minPx, widthM / metresPerPixel(zoom, lat));
}

/** Power stations a layout's warnings say no road reaches ("no road can reach 2 asset access
 * point(s): power station 3, power station 7"): their block numbers. */
export function unreachableStationBlocks(warnings: string[]): Set<number> {
  const out = new Set<number>();
  for (const w of warnings) {
    if (!/no road can reach/i.test(w)) continue;
    for (const m of w.matchAll(/power station (\d+)/gi)) out.add(Number(m[1]));
  }
  return out;
}

/** An asset the layout marks, or its warnings name, as not reached by any road. */
export function isUnreachable(p: Props, stationBlocks: Set<number>): boolean {
  if (p.reachable === false || p.unreachable === true) return true;
  return p.asset_type === "power_station" && typeof p.block === "number" && stationBlocks.has(p.block);
}

// ---------------------------------------------------------------- popups

/** Labels of the properties features carry; others are humanised from their name. */
const LABELS: Record<string, string> = {
  ac_kw: "AC power",
  dc_kwp: "DC power",
  capacity_kw: "Capacity",
  rating_kva: "Rating",
  kva: "Rating",
  circuit: "Circuit",
  level: "Level",
  conductor: "Conductor",
  parallel: "Parallel runs",
  current_a: "Current (STC)",
  drop_pct: "Voltage drop",
  cable_m: "Cable length",
  length_m: "Length",
  width_m: "Width",
  zone_type: "Zone type",
  crossing_type: "Crossing type",
  cost_usd: "Cost",
  voltage_kv: "Voltage",
  max_grade_pct: "Max grade",
  dc_ac_ratio: "DC/AC ratio",
};
/** Properties never listed: the feature's kind and styling hints. */
const HIDDEN = new Set(["kind", "asset_type", "id", "name"]);

/** A property's value with its unit, chosen from its name's suffix (m, m³, kW, kWp, kVA, A, %, °, USD, kV). */
export function formatProperty(key: string, v: unknown): string | null {
  if (v == null || v === "") return null;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v !== "number") return typeof v === "object" ? null : String(v);
  if (!Number.isFinite(v)) return null;
  if (key.endsWith("_m3")) return formatVolume(v);
  if (key === "length_m" || key === "cable_m") return formatLength(v);
  if (key.endsWith("_m")) return `${formatNumber(v, 1)} m`;
  if (key.endsWith("_kwp")) return formatDcPower(v);
  if (key.endsWith("_kw")) return formatPower(v);
  if (key.endsWith("_kva")) return `${formatNumber(v, 0)} kVA`;
  if (key.endsWith("_kv")) return `${formatNumber(v, 1)} kV`;
  if (key.endsWith("_a")) return `${formatNumber(v, 1)} A`;
  if (key.endsWith("_pct")) return `${formatNumber(v, 2)} %`;
  if (key.endsWith("_deg")) return `${formatNumber(v, 1)}°`;
  if (key.endsWith("_usd")) return `$${formatNumber(v, 0)}`;
  return formatNumber(v, 3);
}

/** Every listable property of a feature as [label, value] rows, known ones first, `skip` left out. */
export function propertyRows(p: Props, skip: Set<string> = new Set()): [string, string][] {
  const keys = Object.keys(p).filter((k) => !HIDDEN.has(k) && !skip.has(k));
  keys.sort((a, b) => (a in LABELS ? 0 : 1) - (b in LABELS ? 0 : 1));
  const rows: [string, string][] = [];
  for (const k of keys) {
    const v = formatProperty(k, p[k]);
    if (v != null) rows.push([LABELS[k] ?? humanize(k.replace(/_(m3|m|kwp|kw|kva|kv|a|pct|deg|usd)$/, "")), v]);
  }
  return rows;
}

/** The popup title of a plant-layer feature: "MV cable F1.2", "Zone crossing · pipeline". */
export function plantFeatureTitle(f: AnyFeature): string {
  const p = f.properties ?? {};
  const l = plantLayerOf(f);
  const base = l?.label ?? humanize(String(p.kind ?? "feature"));
  const what = p.circuit ?? p.crossing_type ?? p.zone_type;
  return what ? `${base} · ${String(what)}` : base;
}
