import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { CLEARSKY_DESIGN, TMY_DESIGN } from "./fixtures";
import { CostPanel, unitOfKey } from "./CostPanel";

const cost = CLEARSKY_DESIGN.cost!;

const metric = (label: string | RegExp) => screen.getByText(label, { selector: "dt" }).nextElementSibling as HTMLElement;

describe("CostPanel", () => {
  it("lists every CAPEX line and overhead, adding up to the total", () => {
    render(<CostPanel cost={cost} />);
    const lines = cost.capex!.lines!;
    const overheads = cost.capex!.overheads!;
    expect(screen.getAllByTestId("capex-line")).toHaveLength(lines.length);
    expect(screen.getAllByTestId("capex-overhead")).toHaveLength(overheads.length);
    // The served total is the direct cost plus overheads, recomputed here from the lines.
    const direct = lines.reduce((s, l) => s + l.usd, 0);
    expect(direct).toBeCloseTo(cost.capex!.direct_usd!, 0);
    expect(direct + overheads.reduce((s, o) => s + o.usd, 0)).toBeCloseTo(cost.capex!.total_usd!, 0);
    const modules = screen.getAllByTestId("capex-line")[0];
    expect(within(modules).getByRole("rowheader")).toHaveTextContent("PV modules");
    expect(modules).toHaveTextContent("$0.36/Wdc");
    expect(modules).toHaveTextContent("$3.60 M");
    const totalRow = screen.getByText("Total CAPEX").closest("tr")!;
    expect(totalRow).toHaveTextContent("$9.11 M");
  });

  it("shows $/Wdc, OPEX, LCOE and, without a price, no NPV; LCOE on clear-sky energy is a lower bound", () => {
    render(<CostPanel cost={cost} clearSky />);
    expect(metric("CAPEX per Wdc")).toHaveTextContent("$0.91/Wdc");
    expect(metric("OPEX")).toHaveTextContent("$160,000/yr");
    const lcoe = metric("LCOE (real) — lower bound");
    expect(lcoe).toHaveTextContent("≥ $41.43/MWh"); // served only as lcoe_lower_bound_usd_per_mwh
    expect(lcoe).toHaveTextContent("on clear-sky energy (an upper bound), not a P50");
    expect(metric("NPV")).toHaveTextContent("—no energy price given");
  });

  it("shows the NPV at the given price, and a plain LCOE for P50 energy", () => {
    const tmy = TMY_DESIGN.cost!;
    render(<CostPanel cost={tmy} />);
    expect(screen.getByText("LCOE (real)")).toBeInTheDocument();
    expect(metric("NPV")).toHaveTextContent(`−$${(Math.abs(tmy.npv_usd!) / 1e6).toFixed(2)} M`);
    expect(metric("NPV")).toHaveTextContent("at $55/MWh");
  });

  it("gives each unit price its cited source on hover and on click", async () => {
    const user = userEvent.setup();
    render(<CostPanel cost={cost} />);
    const piles = screen.getAllByTestId("capex-line").find((r) => r.textContent?.startsWith("piles"))!;
    const price = within(piles).getByText("$120/pile");
    expect(price.tagName).toBe("SUMMARY");
    expect(price).toHaveAttribute("title", cost.unit_costs!.pile_usd_each.source);
    const details = price.closest("details")!;
    expect(details).not.toHaveAttribute("open");
    await user.click(price);
    expect(details).toHaveAttribute("open");
    expect(within(details).getByText(`Source: ${cost.unit_costs!.pile_usd_each.source}`)).toBeVisible();
    // Overheads cite theirs too.
    const epc = screen.getAllByTestId("capex-overhead")[0];
    expect(within(epc).getByText("12 %")).toHaveAttribute("title", cost.unit_costs!.epc_overhead_pct.source);
    // And every unit price is listed with its source.
    const all = screen.getAllByTestId("unit-cost");
    expect(all).toHaveLength(Object.keys(cost.unit_costs!).length);
    for (const [, p] of Object.entries(cost.unit_costs!)) expect(screen.getAllByText(p.source, { exact: false }).length).toBeGreaterThan(0);
  });

  it("names units from the price keys", () => {
    expect(unitOfKey("module_usd_per_wdc")).toBe("$/Wdc");
    expect(unitOfKey("pile_usd_each")).toBe("$ each");
    expect(unitOfKey("road_usd_per_m2")).toBe("$/m²");
    expect(unitOfKey("opex_usd_per_kwac_yr")).toBe("$/kWac·yr");
    expect(unitOfKey("degradation_pct_per_yr")).toBe("%/yr");
    expect(unitOfKey("epc_overhead_pct")).toBe("%");
  });

  it("says so when the layout has no cost", () => {
    render(<CostPanel cost={undefined} />);
    expect(screen.getByText(/No cost for this layout/)).toBeInTheDocument();
  });
});

describe("CostPanel grid connection and OPEX", () => {
  it("says what the cost leaves out and breaks OPEX into its lines", () => {
    const warning = "no interconnection point set for the site: the gen-tie line is priced at 0 km";
    render(
      <CostPanel
        cost={{
          ...cost,
          warnings: [warning],
          opex: {
            lines: [
              { item: "O&M (fixed)", quantity: 4000, unit: "kWac", unit_cost: 20, usd: 80_000 },
              { item: "property tax", quantity: 4000, unit: "kWac", unit_cost: 4, usd: 16_000 },
              { item: "land lease", quantity: 10, unit: "ha", unit_cost: 1500, usd: 15_000 },
            ],
            total_usd_per_yr: 111_000,
          },
        }}
      />,
    );
    expect(screen.getByText("Not in this cost").closest(".alert")).toHaveTextContent(warning);
    const opex = screen.getByTestId("opex-lines");
    expect(opex).toHaveTextContent("O&M (fixed)");
    expect(opex).toHaveTextContent("property tax");
    expect(opex).toHaveTextContent("land lease");
  });
});
