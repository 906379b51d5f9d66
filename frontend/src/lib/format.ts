/** Display formatting for numbers, units, dates and durations. */

const nf = (digits: number) => new Intl.NumberFormat("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export function formatNumber(v: number | null | undefined, digits = 0): string {
  return v == null || Number.isNaN(v) ? "—" : nf(digits).format(v);
}

/** AC power: kWac below 1 MW, MWac above. Every capacity says whether it is AC or DC. */
export function formatPower(kw: number | null | undefined): string {
  if (kw == null) return "—";
  return Math.abs(kw) >= 1000 ? `${nf(2).format(kw / 1000)} MWac` : `${nf(0).format(kw)} kWac`;
}

/** DC (module nameplate) power: kWp below 1 MWp, MWp above. */
export function formatDcPower(kwp: number | null | undefined): string {
  if (kwp == null) return "—";
  return Math.abs(kwp) >= 1000 ? `${nf(2).format(kwp / 1000)} MWp` : `${nf(1).format(kwp)} kWp`;
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

/** Short elapsed time of a finished job: "0.4 s", "2.3 s" under 10 s, then like formatDuration. */
export function formatElapsed(seconds: number | null | undefined): string {
  if (seconds == null || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, seconds);
  return s < 10 ? `${nf(1).format(s)} s` : formatDuration(s);
}

/** Names people use, where splitting the identifier reads wrong. */
const LABELS: Record<string, string> = {
  gas_bess: "Gas + BESS",
  om_building: "O&M building",
  pv_table: "PV table",
  pv_block: "PV block",
  tracker: "Tracker",
  power_station: "Power station",
  bess: "BESS",
};
/** Words written in capitals (acronyms) or with symbols. */
const WORDS: Record<string, string> = {
  bess: "BESS",
  pv: "PV",
  om: "O&M",
  hv: "HV",
  mv: "MV",
  lv: "LV",
  ac: "AC",
  dc: "DC",
  gcr: "GCR",
  dem: "DEM",
};

/** "low_earthwork" → "Low earthwork"; "gas_bess" → "Gas + BESS"; "om_building" → "O&M building". */
export function humanize(s: string | null | undefined): string {
  if (!s) return "";
  const known = LABELS[s.toLowerCase()];
  if (known) return known;
  const words = s.replace(/[_-]+/g, " ").trim().split(/\s+/).map((w) => WORDS[w.toLowerCase()] ?? w);
  const t = words.join(" ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}
