import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { CLEARSKY_DESIGN, TMY_DESIGN } from "./fixtures";
import { CLEARSKY_TITLE, EnergyPanel } from "./EnergyPanel";
import { isAnchor } from "./EnergyCharts";

const clear = CLEARSKY_DESIGN.energy!;
const tmy = TMY_DESIGN.energy!;

/** "P50" on screen that is not part of "not a P50" or "… for a P50" (the way to get one). */
function p50Claims(text: string): number {
  return (text.match(/P50/g) ?? []).length - (text.match(/(not|for) a P50/g) ?? []).length;
}

describe("EnergyPanel", () => {
  it("labels a clear-sky result as an upper bound, prominently and never as a P50", () => {
    const { container } = render(<EnergyPanel energy={clear} />);
    // First thing in the panel, before any number.
    const title = screen.getByText(CLEARSKY_TITLE);
    expect(container.querySelector(".design-panel")!.firstElementChild).toContainElement(title);
    expect(screen.getByText(clear.label!)).toBeInTheDocument();
    expect(screen.getByTestId("weather-source")).toHaveTextContent("Weather source: Clear-sky model (pvlib, no clouds)");
    expect(screen.getByText("Annual energy (clear-sky upper bound)")).toBeInTheDocument();
    expect(screen.getByText("Monthly energy (clear-sky upper bound)")).toBeInTheDocument();
    // The number itself, as served (20885.701 MWh), rounded to the MWh.
    expect(screen.getByText("Annual energy (clear-sky upper bound)").nextElementSibling).toHaveTextContent("20,886 MWh");
    expect(p50Claims(container.textContent ?? "")).toBe(0);
    // Tooltips of the bars carry the qualifier too, and never claim a P50.
    const titles = Array.from(container.querySelectorAll("title")).map((t) => t.textContent ?? "");
    expect(titles.filter((t) => /^[A-Z][a-z]{2}: /.test(t)).every((t) => t.endsWith("(clear-sky upper bound)"))).toBe(true);
    expect(p50Claims(titles.join(" "))).toBe(0);
  });

  it("treats weather_source clearsky as an upper bound even without the flag", () => {
    const { container } = render(<EnergyPanel energy={{ ...clear, is_clearsky_upper_bound: undefined, is_p50: true, label: null }} />);
    expect(screen.getByText(CLEARSKY_TITLE)).toBeInTheDocument();
    expect(screen.queryByText("Annual energy (P50)")).not.toBeInTheDocument();
    expect(p50Claims(container.textContent ?? "")).toBe(0);
  });

  it("calls a TMY result a P50 and names the weather file and its distance", () => {
    render(<EnergyPanel energy={tmy} />);
    expect(screen.queryByText(CLEARSKY_TITLE)).not.toBeInTheDocument();
    expect(screen.getByText("Annual energy (P50)").nextElementSibling).toHaveTextContent("16,780 MWh");
    const source = screen.getByTestId("weather-source");
    expect(source).toHaveTextContent("Uploaded weather file");
    expect(source).toHaveTextContent("723170TYA.CSV");
    expect(source).toHaveTextContent("1,977 km from the site");
    expect(screen.getByText(tmy.weather!.warning!)).toBeInTheDocument();
    expect(screen.getByText("Performance ratio").nextElementSibling).toHaveTextContent(`${(tmy.performance_ratio! * 100).toFixed(1)} %`);
  });

  it("shows the P90s of a real year and says why a clear-sky year has none", () => {
    const { unmount } = render(<EnergyPanel energy={tmy} />);
    expect(screen.getByTestId("p90")).toHaveTextContent("15,196 MWh / 15,489 MWh");
    expect(screen.getByTestId("p90")).toHaveTextContent("±7.4 % (1σ, 1 yr)");
    unmount();
    render(<EnergyPanel energy={clear} />);
    expect(screen.getByTestId("p90")).toHaveTextContent("—");
    expect(screen.getByTestId("p90")).toHaveTextContent("no P90 on a clear-sky year");
    // The specific yield is read from its upper-bound name.
    expect(screen.getByText("Specific yield (upper bound)").nextElementSibling).toHaveTextContent("2,086 kWh/kWp");
  });

  it("lists the loss stack with the basis each loss is given on and its annual share", () => {
    render(<EnergyPanel energy={tmy} />);
    const rows = within(screen.getByTestId("loss-stack")).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent("DC wiring (ohmic)1.02 %stc0.58 %");
  });

  it("draws one bar per month, heights proportional to the monthly energy", () => {
    render(<EnergyPanel energy={clear} />);
    const bars = screen.getAllByTestId("month-bar");
    const monthly = clear.monthly_energy_mwh!;
    expect(bars).toHaveLength(12);
    const h = bars.map((b) => Number(b.getAttribute("height")));
    const iMax = monthly.indexOf(Math.max(...monthly));
    monthly.forEach((v, i) => expect(h[i] / h[iMax]).toBeCloseTo(v / monthly[iMax], 6));
    // Bars stand on one baseline.
    const bottoms = bars.map((b) => Number(b.getAttribute("y")) + Number(b.getAttribute("height")));
    expect(new Set(bottoms.map((b) => b.toFixed(6))).size).toBe(1);
    expect(within(bars[0]).getByText(/^Jan: 1,431 MWh/)).toBeInTheDocument();
  });

  it("draws the loss waterfall: losses left of zero, gains right, widths proportional to the percent", () => {
    render(<EnergyPanel energy={clear} />);
    const steps = clear.loss_waterfall!;
    const changes = steps.filter((_, i) => !isAnchor(steps, i));
    // GHI and the array's nominal energy (where kWh/m² turns into MWh) are the two anchors.
    expect(screen.getAllByTestId("waterfall-anchor")).toHaveLength(2);
    const rows = screen.getAllByTestId("waterfall-step");
    expect(rows).toHaveLength(changes.length);
    const bars = screen.getAllByTestId("waterfall-bar");
    const widths = bars.map((b) => Number(b.getAttribute("width")));
    const iMax = changes.reduce((best, s, i) => (Math.abs(s.percent) > Math.abs(changes[best].percent) ? i : best), 0);
    changes.forEach((s, i) => expect(widths[i] / widths[iMax]).toBeCloseTo(Math.abs(s.percent) / Math.abs(changes[iMax].percent), 6));
    const zeroX = Number(bars[iMax].getAttribute("x")); // transposition, the biggest step, is a gain
    expect(changes[iMax].percent).toBeGreaterThan(0);
    changes.forEach((s, i) => {
      const x = Number(bars[i].getAttribute("x"));
      if (s.percent > 0) expect(x).toBeCloseTo(zeroX, 6);
      else expect(x + widths[i]).toBeCloseTo(zeroX, 6);
    });
    const soiling = rows.find((r) => r.textContent?.startsWith("Soiling"))!;
    expect(soiling).toHaveTextContent("−2.0 %");
    expect(rows.find((r) => r.textContent?.startsWith("Inverter clipping (DC/AC ratio)"))).toHaveTextContent("−2.7 %");
  });

  it("says so when the layout has no energy section", () => {
    render(<EnergyPanel energy={undefined} />);
    expect(screen.getByText(/No energy yield for this layout/)).toBeInTheDocument();
    expect(screen.queryByTestId("month-bar")).not.toBeInTheDocument();
  });
});
