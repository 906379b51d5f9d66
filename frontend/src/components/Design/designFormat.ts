/** Number formatting shared by the design panels (money, percentages, energy in MWh). */
import { formatNumber } from "../../lib/format";

/** "$9.11 M" above a million, "$160,000" below; "—" when missing. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd == null || Number.isNaN(usd)) return "—";
  const sign = usd < 0 ? "−" : "";
  const a = Math.abs(usd);
  const millions = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return a >= 1e6 ? `${sign}$${millions.format(a / 1e6)} M` : `${sign}$${formatNumber(a, 0)}`;
}

/** A unit price at the precision it is quoted with: "$0.36", "$120", "$0.012". */
export function formatUnitPrice(usd: number | null | undefined): string {
  if (usd == null || Number.isNaN(usd)) return "—";
  if (Number.isInteger(usd)) return `$${formatNumber(usd, 0)}`;
  const digits = Math.abs(usd) < 0.01 ? 3 : 2;
  return `$${new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(usd)}`;
}

/** A signed percentage, "+16.5 %" / "−2.0 %"; zero without a sign. */
export function formatSignedPct(pct: number, digits = 1): string {
  const r = Number(pct.toFixed(digits));
  if (r === 0) return `${(0).toFixed(digits)} %`;
  return `${r > 0 ? "+" : "−"}${Math.abs(r).toFixed(digits)} %`;
}

export function formatPct(pct: number | null | undefined, digits = 2): string {
  return pct == null || Number.isNaN(pct) ? "—" : `${formatNumber(pct, digits)} %`;
}

export function formatMwh(mwh: number | null | undefined, digits = 0): string {
  return mwh == null || Number.isNaN(mwh) ? "—" : `${formatNumber(mwh, digits)} MWh`;
}

export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
