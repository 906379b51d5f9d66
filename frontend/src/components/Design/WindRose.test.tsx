import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ROSE } from "./hybridFixtures";
import { SPEED_BINS, WindRose, roseWedges, speedColor } from "./WindRose";

const C = 110; // the rose's centre in its 220 × 220 viewBox

/** Parses "M cx cy L x1 y1 A r r 0 0 1 x2 y2 Z" into numbers. */
function parseWedge(d: string) {
  const m = /^M (\S+) (\S+) L (\S+) (\S+) A (\S+) (\S+) 0 0 1 (\S+) (\S+) Z$/.exec(d);
  if (!m) throw new Error(`not a wedge path: ${d}`);
  const [cx, cy, x1, y1, rx, ry, x2, y2] = m.slice(1).map(Number);
  return { cx, cy, x1, y1, rx, ry, x2, y2 };
}

/** Compass bearing [°] of (x, y) from (cx, cy) in SVG coordinates (north up, clockwise). */
const bearing = (cx: number, cy: number, x: number, y: number) => ((Math.atan2(x - cx, cy - y) * 180) / Math.PI + 360) % 360;

describe("WindRose", () => {
  it("draws one wedge per sector, centred on it and 360°/N wide, with AREA proportional to the frequency", () => {
    render(<WindRose rose={ROSE} heightM={110} />);
    const paths = screen.getAllByTestId("rose-wedge");
    expect(paths).toHaveLength(ROSE.length);
    const width = 360 / ROSE.length;
    const areas = paths.map((p, i) => {
      const w = parseWedge(p.getAttribute("d")!);
      expect(w.cx).toBe(C);
      expect(w.cy).toBe(C);
      expect(w.rx).toBe(w.ry);
      // Both ends of the arc lie on the circle of radius r …
      expect(Math.hypot(w.x1 - C, w.y1 - C)).toBeCloseTo(w.rx, 2);
      expect(Math.hypot(w.x2 - C, w.y2 - C)).toBeCloseTo(w.rx, 2);
      // … at sector_deg ∓ half the width, measured clockwise from north.
      const start = bearing(C, C, w.x1, w.y1);
      const end = bearing(C, C, w.x2, w.y2);
      const diff = (a: number, b: number) => ((a - b + 540) % 360) - 180;
      expect(diff(start, ROSE[i].sector_deg - width / 2)).toBeCloseTo(0, 1);
      expect(diff(end, ROSE[i].sector_deg + width / 2)).toBeCloseTo(0, 1);
      expect(p.getAttribute("data-sector")).toBe(String(ROSE[i].sector_deg));
      // Area of a circular sector: ½ r² Δθ.
      return 0.5 * w.rx ** 2 * ((width * Math.PI) / 180);
    });
    // Area / frequency is one constant for every wedge.
    const k = areas[0] / ROSE[0].frequency;
    areas.forEach((a, i) => expect(a / ROSE[i].frequency).toBeCloseTo(k, 0));
    // The prevailing sector (210°, 16 %) is named in the accessible label.
    expect(screen.getByRole("img")).toHaveAccessibleName(/prevailing from 210° \(16 % of the time\)/);
  });

  it("colours each wedge by the sector's mean speed bin, shown in the legend", () => {
    render(<WindRose rose={ROSE} />);
    const paths = screen.getAllByTestId("rose-wedge");
    // 240°: 10.4 m/s → the ≥ 10 bin; 60°: 3.9 m/s → < 4.
    expect(paths[8]).toHaveAttribute("fill", SPEED_BINS[4].color);
    expect(paths[2]).toHaveAttribute("fill", SPEED_BINS[0].color);
    expect(speedColor(6)).toBe(SPEED_BINS[2].color); // bins are [lower, upper)
    for (const b of SPEED_BINS) expect(screen.getByText(b.label)).toBeInTheDocument();
  });

  it("a sector with no wind has no wedge area", () => {
    const w = roseWedges([{ sector_deg: 0, frequency: 0 }, { sector_deg: 180, frequency: 1 }], 0, 0, 10);
    expect(w[0].r).toBe(0);
    expect(w[1].r).toBe(10);
  });
});
