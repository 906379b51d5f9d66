import { act, fireEvent, render, renderHook, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StudyTable } from "./StudyTable";
import { niceAxis, scatterAxes, YieldCapexScatter } from "./YieldCapexScatter";
import { ROWS, row } from "./fixtures";
import { LayoutList } from "../Layouts/LayoutList";
import { CompareTable } from "../Layouts/CompareTable";
import { layout } from "../../test/fixtures";
import { jsonResponse, mockFetch, newQueryClient } from "../../test/utils";
import { useSiteLayouts } from "../../hooks/useLayouts";
import { layoutName, variantLabel } from "../../lib/variant";

afterEach(() => vi.unstubAllGlobals());

const headers = () => screen.getAllByRole("columnheader").map((h) => h.textContent);

describe("study comparison (full width)", () => {
  it("shows P90 and constructability only when the layouts report them, and links every completed variant's map", () => {
    const { rerender } = render(
      <MemoryRouter>
        <StudyTable rows={ROWS} onPrefer={() => {}} mapHref={(id) => `/sites/s/?layout=${id}`} />
      </MemoryRouter>,
    );
    expect(headers()).not.toContain("P90 MWh/yr");
    expect(headers()).not.toContain("Constructability");
    expect(headers()).toEqual(expect.arrayContaining(["LCOE ($/MWh)", "MWh/yr", "MWdc", "CAPEX ($M)", "kWh/kWp", "Map"]));
    // Completed a, b, d: a link each; the failed c none.
    expect(screen.getAllByRole("link", { name: /Open .* on the map/ })).toHaveLength(3);
    expect(screen.getByRole("link", { name: "Open Tracker · GCR 0.3 on the map" })).toHaveAttribute("href", "/sites/s/?layout=b");

    const metrics = {
      a: { p90_1yr_mwh: 10100, constructability: { unreachable_asset_count: 0, noncompliant_road_m: 0 } },
      b: { p90_1yr_mwh: 12900, constructability: { unreachable_asset_count: 3, noncompliant_road_m: 120.4 } },
    };
    rerender(
      <MemoryRouter>
        <StudyTable rows={ROWS} onPrefer={() => {}} metrics={metrics} />
      </MemoryRouter>,
    );
    expect(headers()).toContain("P90 MWh/yr");
    expect(headers()).toContain("Constructability");
    const b = screen.getAllByTestId("study-row").find((tr) => within(tr).getByRole("rowheader").textContent === "Tracker · GCR 0.3")!;
    expect(b).toHaveTextContent("12,900");
    expect(b).toHaveTextContent("3 unreachable · 120 m steep road");
    expect(b).toHaveClass("row-warn");
    const a = screen.getAllByTestId("study-row").find((tr) => within(tr).getByRole("rowheader").textContent === "Fixed · GCR 0.3")!;
    expect(a).toHaveTextContent("OK");
  });

  it("marks a clear-sky LCOE as a lower bound and still sorts by it", () => {
    const rows = [
      row({ layout_id: "x", variant: { gcr: 0.3 }, lcoe_usd_per_mwh: null }),
      row({ layout_id: "y", variant: { gcr: 0.4 }, lcoe_usd_per_mwh: 50 }),
    ];
    render(<StudyTable rows={rows} metrics={{ x: { lcoe_lower_bound_usd_per_mwh: 31.25 } }} />);
    const first = screen.getAllByTestId("study-row")[0];
    expect(within(first).getByRole("rowheader")).toHaveTextContent("GCR 0.3");
    expect(first).toHaveTextContent("≥ 31.3");
  });

  it("marks every figure of a clear-sky variant as a bound", () => {
    render(<StudyTable rows={[row({ layout_id: "c", variant: { gcr: 0.3 }, weather_source: "clearsky", lcoe_usd_per_mwh: 30 })]} />);
    const r = screen.getByTestId("study-row");
    expect(r).toHaveTextContent("≥ 30.0");
    expect(r).toHaveTextContent("≤ 12,000");
    expect(r).toHaveTextContent("≤ 2,000");
  });

  it("the compact sidebar table has variant, status and LCOE only", () => {
    render(<StudyTable compact rows={ROWS} />);
    expect(headers()).toEqual(["Variant", "Status", "LCOE ($/MWh)"]);
  });
});

describe("yield against CAPEX", () => {
  it("has nice axis values with units, a fixed/tracker legend and a hover label", () => {
    expect(niceAxis(3.5, 4.2)).toEqual({ lo: 3.4, hi: 4.2, ticks: [3.4, 3.6, 3.8, 4, 4.2] });
    expect(niceAxis(1800, 2300).ticks).toEqual([1800, 1900, 2000, 2100, 2200, 2300]);
    const { x, y } = scatterAxes(ROWS);
    render(<YieldCapexScatter rows={ROWS} />);
    const xt = screen.getAllByTestId("scatter-xtick").map((t) => t.textContent);
    expect(xt).toEqual(x.ticks.map((t) => t.toFixed(1)));
    expect(screen.getAllByTestId("scatter-ytick").map((t) => t.textContent)).toEqual(y.ticks.map((t) => t.toFixed(0)));
    expect(screen.getByText("CAPEX [M USD]")).toBeInTheDocument();
    expect(screen.getByText("Specific yield [kWh/kWp]")).toBeInTheDocument();
    const legend = screen.getByLabelText("Scatter legend");
    expect(legend).toHaveTextContent("Fixed tilt");
    expect(legend).toHaveTextContent("Tracker");
    const pts = screen.getAllByTestId("scatter-point");
    expect(new Set(pts.map((p) => p.getAttribute("fill"))).size).toBe(2); // fixed and tracker differ
    fireEvent.mouseEnter(pts.find((p) => p.getAttribute("data-structure") === "tracker")!);
    expect(screen.getByTestId("scatter-tip")).toHaveTextContent("Tracker · GCR 0.3");
    expect(screen.getByTestId("scatter-tip")).toHaveTextContent("3.90 M USD · 2300 kWh/kWp");
  });
});

describe("variants named by what differs", () => {
  it("labels the axes and names a study layout by them", () => {
    expect(variantLabel({ structure: "tracker", gcr: 0.35, dc_ac_ratio: 1.3, strategy: "max_capacity" })).toBe("Tracker · GCR 0.35 · DC/AC 1.3 · Max capacity");
    expect(variantLabel({ structure: "fixed", tilt_deg: 25 })).toBe("Fixed · tilt 25°");
    expect(layoutName(3, null)).toBe("Layout 3");
    expect(layoutName(3, { gcr: 0.4 })).toBe("Layout 3 · GCR 0.4");
  });

  it("the layouts list shows each variant's axes", () => {
    render(
      <LayoutList
        layouts={[layout("l2", { variant: { structure: "tracker", gcr: 0.3 } }), layout("l1", { variant: { structure: "fixed", gcr: 0.3 } })]}
        selectedId={null}
        compareIds={[]}
        onSelect={() => {}}
        onToggleCompare={() => {}}
      />,
    );
    expect(screen.getAllByTestId("layout-variant").map((e) => e.textContent)).toEqual(["Tracker · GCR 0.3", "Fixed · GCR 0.3"]);
  });

  it("Compare layouts has energy, CAPEX and LCOE rows (a clear-sky LCOE as a lower bound)", () => {
    const a = layout("a", { metrics: { ...layout("a").metrics!, annual_energy_mwh: 12000, capex_usd: 4.2e6, lcoe_usd_per_mwh: 39.5 } });
    const b = layout("b", { metrics: { ...layout("b").metrics!, annual_energy_mwh_upper_bound: 15000, capex_usd: 3.9e6, lcoe_lower_bound_usd_per_mwh: 30 } });
    render(<CompareTable layouts={[a, b]} names={{ a: "Layout 1", b: "Layout 2" }} />);
    const cells = (label: string) => Array.from(screen.getByRole("rowheader", { name: label }).parentElement!.querySelectorAll("td")).map((td) => td.textContent);
    expect(cells("Energy")).toEqual(["12,000 MWh/yr", "≤ 15,000 MWh/yr (clear-sky upper bound)"]);
    expect(cells("CAPEX")).toEqual(["$4.2 M", "$3.9 M"]);
    expect(cells("LCOE")).toEqual(["$39.5/MWh", "≥ $30/MWh (lower bound)"]);
    expect(screen.queryByRole("rowheader", { name: "P90 (1 year)" })).toBeNull();
  });
});

describe("the layouts list follows running variants", () => {
  it("refetches while a layout is queued or running and stops when all are done", async () => {
    let n = 0;
    const { calls } = mockFetch(() => {
      n += 1;
      const status = n < 3 ? "queued" : "completed";
      return jsonResponse({ data: [layout("v1", { status, variant: { gcr: 0.3 } })], count: 1 });
    });
    const qc = newQueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useSiteLayouts("site1", 20), { wrapper });
    await waitFor(() => expect(result.current.data?.data[0].status).toBe("completed"));
    const after = calls.length;
    await act(() => new Promise((r) => setTimeout(r, 120)));
    expect(calls.length).toBe(after);
    expect(after).toBe(3);
  });
});
