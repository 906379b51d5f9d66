/**
 * Study variants named by what differs between them (the grid's axes: structure, GCR, tilt,
 * DC/AC ratio, strategy), used everywhere a variant appears: the layouts list, the results header,
 * "Compare layouts", the study table and the scatter.
 */
import { humanize } from "./format";

/** The axis values of one variant as a short label, e.g. "Tracker · GCR 0.35 · DC/AC 1.3". */
export function variantLabel(v: Record<string, unknown> | null | undefined): string {
  const parts: string[] = [];
  if (!v) return "base";
  if (v.structure) parts.push(humanize(String(v.structure)));
  if (v.gcr != null) parts.push(`GCR ${v.gcr}`);
  if (v.tilt_deg != null) parts.push(`tilt ${v.tilt_deg}°`);
  if (v.dc_ac_ratio != null) parts.push(`DC/AC ${v.dc_ac_ratio}`);
  if (v.strategy) parts.push(humanize(String(v.strategy)));
  return parts.join(" · ") || "base";
}

/** A layout's display name: "Layout 3", plus its variant's axes when it belongs to a study. */
export function layoutName(n: number, variant: Record<string, unknown> | null | undefined): string {
  return variant && Object.keys(variant).length ? `Layout ${n} · ${variantLabel(variant)}` : `Layout ${n}`;
}
