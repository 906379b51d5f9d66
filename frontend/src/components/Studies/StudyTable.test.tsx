import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { StudyTable, sortRows } from "./StudyTable";
import { scatterPoints, YieldCapexScatter } from "./YieldCapexScatter";
import { ROWS, row } from "./fixtures";

const order = () => screen.getAllByTestId("study-row").map((tr) => within(tr).getByRole("rowheader").textContent);

describe("StudyTable", () => {
  it("starts sorted by LCOE, lowest first, the failed variant last", () => {
    render(<StudyTable rows={ROWS} onPrefer={() => {}} />);
    expect(order()).toEqual(["Tracker · GCR 0.3", "Fixed · GCR 0.45", "Fixed · GCR 0.3", "Tracker · GCR 0.45"]);
    expect(screen.getByRole("columnheader", { name: "LCOE ($/MWh)" })).toHaveAttribute("aria-sort", "ascending");
  });

  it("sorts by MWh, MWdc and CAPEX from the headers; a second click reverses", async () => {
    const user = userEvent.setup();
    render(<StudyTable rows={ROWS} onPrefer={() => {}} />);
    await user.click(screen.getByRole("button", { name: "MWh/yr" }));
    expect(order()).toEqual(["Tracker · GCR 0.3", "Fixed · GCR 0.45", "Fixed · GCR 0.3", "Tracker · GCR 0.45"]);
    await user.click(screen.getByRole("button", { name: "MWdc" }));
    expect(order()).toEqual(["Fixed · GCR 0.45", "Fixed · GCR 0.3", "Tracker · GCR 0.3", "Tracker · GCR 0.45"]);
    await user.click(screen.getByRole("button", { name: "CAPEX ($M)" }));
    expect(order()).toEqual(["Fixed · GCR 0.3", "Tracker · GCR 0.3", "Fixed · GCR 0.45", "Tracker · GCR 0.45"]);
    await user.click(screen.getByRole("button", { name: "CAPEX ($M)" }));
    expect(order()).toEqual(["Fixed · GCR 0.45", "Tracker · GCR 0.3", "Fixed · GCR 0.3", "Tracker · GCR 0.45"]);
    expect(screen.getByRole("columnheader", { name: "CAPEX ($M)" })).toHaveAttribute("aria-sort", "descending");
  });

  it("marks a completed variant preferred; a failed one cannot be", async () => {
    const onPrefer = vi.fn();
    const user = userEvent.setup();
    render(<StudyTable rows={ROWS} onPrefer={onPrefer} />);
    await user.click(screen.getByLabelText("Prefer Fixed · GCR 0.45"));
    expect(onPrefer).toHaveBeenCalledWith("d");
    expect(screen.getByLabelText("Prefer Tracker · GCR 0.45")).toBeDisabled();
  });

  it("marks every clear-sky row's LCOE as a lower bound and sorts by it", () => {
    const clear = (id: string, lcoe: number, mwh: number) =>
      row({
        layout_id: id,
        variant: { gcr: lcoe / 100 },
        energy_basis: "clearsky_upper_bound",
        lcoe_is_lower_bound: true,
        lcoe_usd_per_mwh: null,
        lcoe_lower_bound_usd_per_mwh: lcoe,
        annual_energy_mwh: null,
        annual_energy_mwh_upper_bound: mwh,
      });
    const rows = [clear("p", 44, 900), clear("q", 38, 1000), clear("r", 41, 950)];
    render(<StudyTable rows={rows} onPrefer={() => {}} />);
    expect(order()).toEqual(["GCR 0.38", "GCR 0.41", "GCR 0.44"]);
    // Every row's LCOE carries the lower-bound mark (≥, titled "lower bound"); energy and yield
    // (energy; the compact table has no yield column) the upper-bound mark (≤).
    const marks = screen.getAllByTestId("lower-bound");
    expect(marks).toHaveLength(3);
    expect(marks[0]).toHaveTextContent("≥ 38.0");
    expect(marks[0]).toHaveAttribute("title", "lower bound (clear-sky energy)");
    expect(screen.getAllByTestId("upper-bound")).toHaveLength(3);
  });

  it("sortRows puts rows without the value last in either direction", () => {
    const rows = [row({ layout_id: "x", lcoe_usd_per_mwh: null }), row({ layout_id: "y", lcoe_usd_per_mwh: 50 }), row({ layout_id: "z", lcoe_usd_per_mwh: 45 })];
    expect(sortRows(rows, "lcoe").map((r) => r.layout_id)).toEqual(["z", "y", "x"]);
    expect(sortRows(rows, "lcoe", true).map((r) => r.layout_id)).toEqual(["y", "z", "x"]);
  });
});

describe("YieldCapexScatter", () => {
  it("plots clear-sky variants by their upper-bound yield", () => {
    const clear = (id: string, capex: number, y: number) =>
      row({ layout_id: id, capex_usd: capex, specific_yield_kwh_per_kwp: null, specific_yield_kwh_per_kwp_upper_bound: y });
    const pts = scatterPoints([clear("u", 4e6, 2100), clear("v", 5e6, 2500)]);
    expect(pts.map((p) => [p.id, p.y])).toEqual([
      ["u", 2100],
      ["v", 2500],
    ]);
    expect(pts[1].cy).toBeLessThan(pts[0].cy);
  });

  it("plots each completed variant: more CAPEX further right, more yield higher up", () => {
    const pts = scatterPoints(ROWS);
    expect(pts.map((p) => p.id).sort()).toEqual(["a", "b", "d"]);
    const by = Object.fromEntries(pts.map((p) => [p.id, p]));
    expect(by.a.cx).toBeLessThan(by.b.cx); // 3.5 < 3.9 M USD
    expect(by.b.cx).toBeLessThan(by.d.cx); // 3.9 < 4.2
    expect(by.b.cy).toBeLessThan(by.d.cy); // 2300 kWh/kWp is drawn above 1900 (SVG y grows down)
    expect(by.d.cy).toBeLessThan(by.a.cy);
    // The extremes sit on the plot box's edges, in between in proportion.
    const xs = pts.map((p) => p.cx);
    const t = (by.b.cx - Math.min(...xs)) / (Math.max(...xs) - Math.min(...xs));
    expect(t).toBeCloseTo((3.9 - 3.5) / (4.2 - 3.5), 6);
  });

  it("highlights the preferred variant and says when there is nothing to plot", () => {
    const { rerender } = render(<YieldCapexScatter rows={ROWS.map((r) => (r.layout_id === "b" ? { ...r, preferred: true } : r))} />);
    const circles = screen.getAllByTestId("scatter-point");
    expect(circles).toHaveLength(3);
    const preferred = circles.filter((c) => c.getAttribute("r") === "6");
    expect(preferred).toHaveLength(1);
    expect(preferred[0].textContent).toContain("Tracker · GCR 0.3");
    expect(preferred[0].textContent).toContain("(preferred)");
    rerender(<YieldCapexScatter rows={[ROWS[2]]} />);
    expect(screen.getByText("The scatter appears as variants complete.")).toBeInTheDocument();
  });
});
