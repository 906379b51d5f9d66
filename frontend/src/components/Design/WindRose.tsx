/** The wind rose at hub height as plain SVG: one wedge per direction sector. */
import type { RoseSector } from "../../api/hybrid";
import { formatNumber } from "../../lib/format";

/** Mean-speed bins [m/s] and their colours (light = calm, dark = windy); the legend shows them. */
export const SPEED_BINS: { upTo: number; color: string; label: string }[] = [
  { upTo: 4, color: "#dbeafe", label: "< 4" },
  { upTo: 6, color: "#93c5fd", label: "4–6" },
  { upTo: 8, color: "#3b82f6", label: "6–8" },
  { upTo: 10, color: "#1d4ed8", label: "8–10" },
  { upTo: Infinity, color: "#1e3a8a", label: "≥ 10" },
];
const NO_SPEED = "#9ca3af";

export const speedColor = (v: number | undefined): string =>
  v == null || !Number.isFinite(v) ? NO_SPEED : (SPEED_BINS.find((b) => v < b.upTo) ?? SPEED_BINS[SPEED_BINS.length - 1]).color;

/** A point at compass bearing `deg` (clockwise from north, north up) and radius r from (cx, cy), in SVG coordinates (y down). */
export function polar(cx: number, cy: number, r: number, deg: number): [number, number] {
  const a = (deg * Math.PI) / 180;
  return [cx + r * Math.sin(a), cy - r * Math.cos(a)];
}

export interface RoseWedge {
  sector: RoseSector;
  /** radius [SVG units]: ∝ √frequency, so the wedge's AREA is proportional to the frequency */
  r: number;
  startDeg: number;
  endDeg: number;
  path: string;
  color: string;
}

/**
 * One wedge per sector, centred on sector_deg, as wide as 360°/N, with radius rMax·√(f/fmax):
 * the area (½ r² Δθ) is then proportional to the frequency, which is how a rose is read honestly
 * (a radius ∝ f would exaggerate the prevailing sector by its square).
 */
export function roseWedges(rose: RoseSector[], cx: number, cy: number, rMax: number): RoseWedge[] {
  if (rose.length === 0) return [];
  const width = 360 / rose.length;
  const fMax = Math.max(...rose.map((s) => s.frequency));
  return rose.map((sector) => {
    const r = fMax > 0 && sector.frequency > 0 ? rMax * Math.sqrt(sector.frequency / fMax) : 0;
    const startDeg = sector.sector_deg - width / 2;
    const endDeg = sector.sector_deg + width / 2;
    const [x1, y1] = polar(cx, cy, r, startDeg);
    const [x2, y2] = polar(cx, cy, r, endDeg);
    const f = (v: number) => Number(v.toFixed(3));
    // sweep-flag 1: clockwise on screen (compass order); large-arc 0: a sector is < 180°
    const path = `M ${f(cx)} ${f(cy)} L ${f(x1)} ${f(y1)} A ${f(r)} ${f(r)} 0 0 1 ${f(x2)} ${f(y2)} Z`;
    return { sector, r, startDeg, endDeg, path, color: speedColor(sector.mean_speed_m_s) };
  });
}

const SIZE = 220;
const C = SIZE / 2;
const R = 84;
const COMPASS: [string, number][] = [
  ["N", 0],
  ["E", 90],
  ["S", 180],
  ["W", 270],
];

/** The rose: wedges by frequency (area), coloured by mean speed, with compass, rings and a speed legend. */
export function WindRose({ rose, heightM }: { rose: RoseSector[]; heightM?: number }) {
  const wedges = roseWedges(rose, C, C, R);
  const fMax = Math.max(...rose.map((s) => s.frequency));
  const prevailing = rose.reduce((a, b) => (b.frequency > a.frequency ? b : a), rose[0]);
  // Rings at a quarter, half and all of the largest frequency (radius ∝ √f).
  const rings = [0.25, 0.5, 1].map((k) => ({ f: fMax * k, r: R * Math.sqrt(k) }));
  return (
    <figure className="wind-rose">
      <svg
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        width="100%"
        style={{ maxWidth: SIZE }}
        role="img"
        aria-label={`Wind rose${heightM != null ? ` at ${formatNumber(heightM, 0)} m` : ""}: ${rose.length} sectors, prevailing from ${formatNumber(prevailing?.sector_deg, 0)}° (${formatNumber((prevailing?.frequency ?? 0) * 100, 1)} % of the time)`}
      >
        {rings.map((g) => (
          <g key={g.r}>
            <circle cx={C} cy={C} r={g.r} fill="none" stroke="#e5e7eb" />
            <text x={C + 2} y={C - g.r - 2} fontSize="8" fill="#6b7280">
              {formatNumber(g.f * 100, 1)} %
            </text>
          </g>
        ))}
        {wedges.map((w, i) => (
          <path
            key={i}
            data-testid="rose-wedge"
            data-sector={w.sector.sector_deg}
            d={w.path}
            fill={w.color}
            stroke="#fff"
            strokeWidth="0.75"
          >
            <title>{`${formatNumber(w.sector.sector_deg, 0)}°: ${formatNumber(w.sector.frequency * 100, 1)} % of the time${
              w.sector.mean_speed_m_s != null ? `, mean ${formatNumber(w.sector.mean_speed_m_s, 1)} m/s` : ""
            }`}</title>
          </path>
        ))}
        {COMPASS.map(([label, deg]) => {
          const [x, y] = polar(C, C, R + 12, deg);
          return (
            <text key={label} x={x} y={y + 3} textAnchor="middle" fontSize="10" fontWeight="600" fill="#374151">
              {label}
            </text>
          );
        })}
      </svg>
      <figcaption className="small muted">
        Wedge area ∝ share of time from that direction; colour: mean speed{heightM != null ? ` at ${formatNumber(heightM, 0)} m` : ""} (m/s):{" "}
        {SPEED_BINS.map((b) => (
          <span key={b.label} className="rose-key">
            <span className="swatch swatch-fill" style={{ ["--c" as string]: b.color }} aria-hidden="true" /> {b.label}{" "}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
