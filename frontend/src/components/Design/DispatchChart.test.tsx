import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DispatchChart } from "./DispatchChart";
import { TYPICAL_DAY } from "./hybridFixtures";

const pointsOf = (el: Element) =>
  el
    .getAttribute("points")!
    .trim()
    .split(/\s+/)
    .map((p) => p.split(",").map(Number) as [number, number]);

describe("DispatchChart", () => {
  it("plots 24 points per series: PV, wind, charge, discharge, grid, the firm target and the state of charge", () => {
    render(<DispatchChart day={TYPICAL_DAY} />);
    const series = screen.getAllByTestId("dispatch-series");
    expect(series.map((s) => s.getAttribute("data-series"))).toEqual([
      "pv_mw",
      "wind_mw",
      "charge_mw",
      "discharge_mw",
      "grid_mw",
      "firm_target_mw",
      "soc_mwh",
    ]);
    for (const s of series) {
      const pts = pointsOf(s);
      expect(pts).toHaveLength(24);
      // x runs left to right, one hour apart.
      const dx = (pts[23][0] - pts[0][0]) / 23;
      pts.forEach(([x], i) => expect(x).toBeCloseTo(pts[0][0] + i * dx, 1));
    }
    // The firm target is dashed and flat at its level inside the window, at zero outside.
    const firm = series.find((s) => s.getAttribute("data-series") === "firm_target_mw")!;
    expect(firm).toHaveAttribute("stroke-dasharray");
    const fp = pointsOf(firm);
    const ys = new Set(fp.slice(18, 22).map(([, y]) => y));
    expect(ys.size).toBe(1);
    expect(fp[17][1]).toBeGreaterThan(fp[18][1]); // y grows downward: 0 MW is lower on the chart
    // The y scale is linear in MW: PV at its peak (hour 12, 16 MW) is 1.6 × the firm level (10 MW) above the baseline.
    const pv = pointsOf(series[0]);
    const base = fp[0][1];
    expect((base - pv[12][1]) / (base - fp[18][1])).toBeCloseTo(16 / 10, 2);
  });

  it("draws no wind line for a plant without wind (wind_mw absent or 0), and sorts the hours", () => {
    const day = [...TYPICAL_DAY].reverse().map(({ wind_mw: _w, ...rest }, i) => (i % 2 ? rest : { ...rest, wind_mw: 0 }));
    render(<DispatchChart day={day} />);
    const series = screen.getAllByTestId("dispatch-series");
    expect(series.map((s) => s.getAttribute("data-series"))).not.toContain("wind_mw");
    expect(screen.queryByText("Wind")).not.toBeInTheDocument();
    const pts = pointsOf(series[0]);
    expect(pts[0][0]).toBeLessThan(pts[23][0]);
  });
});
