/** Display formatting for numbers, units, dates and durations. */

const nf = (digits: number) => new Intl.NumberFormat("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export function formatNumber(v: number | null | undefined, digits = 0): string {
  return v == null || Number.isNaN(v) ? "—" : nf(digits).format(v);
}

/** kW below 1 MW, MW above. */
export function formatPower(kw: number | null | undefined): string {
  if (kw == null) return "—";
  return Math.abs(kw) >= 1000 ? `${nf(2).format(kw / 1000)} MW` : `${nf(0).format(kw)} kW`;
}

export function formatEnergy(kwh: number | null | undefined): string {
  if (kwh == null) return "—";
  return Math.abs(kwh) >= 1000 ? `${nf(2).format(kwh / 1000)} MWh` : `${nf(0).format(kwh)} kWh`;
}

export function formatLength(m: number | null | undefined): string {
  if (m == null) return "—";
  return Math.abs(m) >= 1000 ? `${nf(2).format(m / 1000)} km` : `${nf(0).format(m)} m`;
}

export const formatArea = (ha: number | null | undefined): string => (ha == null ? "—" : `${nf(2).format(ha)} ha`);
export const formatVolume = (m3: number | null | undefined): string => (m3 == null ? "—" : `${nf(0).format(m3)} m³`);

/** Parses an API timestamp; one without a zone is taken as UTC. */
export function parseApiDate(s: string | null | undefined): Date | null {
  if (!s) return null;
  const hasZone = /[zZ]$|[+-]\d\d:?\d\d$/.test(s);
  const d = new Date(hasZone ? s : `${s}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(s: string | null | undefined): string {
  const d = parseApiDate(s);
  return d ? d.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }) : "—";
}

/** "1m 05s" / "42s" / "1h 02m" */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** "low_earthwork" → "Low earthwork" */
export function humanize(s: string | null | undefined): string {
  if (!s) return "";
  const t = s.replace(/[_-]+/g, " ").trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}
