import { render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockFetch, renderWithProviders } from "../../test/utils";
import { DesignPanels } from "./DesignPanels";
import { HybridSections } from "./HybridSections";
import { describeTarget } from "./StoragePanel";
import { CLEARSKY_DESIGN } from "./fixtures";
import { GAS_DESIGN, HYBRID_DESIGN, HYBRID_METRICS, NO_WIND_DESIGN, NO_WIND_METRICS, NO_WIND_WARNING, ROSE } from "./hybridFixtures";

afterEach(() => vi.unstubAllGlobals());

const sections = () => Array.from(document.querySelectorAll("details.design-section > summary")).map((s) => s.textContent);
const metric = (scope: HTMLElement, label: string) => within(scope).getByText(label, { selector: "dt" }).nextElementSibling as HTMLElement;

describe("HybridSections", () => {
  it("shows energy by source, wind and storage for a wind + PV + BESS plant, and no gas", () => {
    render(<HybridSections design={HYBRID_DESIGN} metrics={HYBRID_METRICS} warnings={[]} />);
    expect(sections()).toEqual(["Energy by source", "Wind", "Storage"]);
    expect(screen.queryByTestId("gas-panel")).not.toBeInTheDocument();

    const wind = screen.getByTestId("wind-panel");
    expect(metric(wind, "Turbine")).toHaveTextContent("IEA 3.4 MW reference");
    expect(metric(wind, "Hub height")).toHaveTextContent("110 m");
    expect(metric(wind, "Rotor diameter")).toHaveTextContent("130 m");
    expect(metric(wind, "Rated power")).toHaveTextContent("3,370 kW");
    expect(metric(wind, "Gross AEP")).toHaveTextContent("33,530 MWh");
    expect(metric(wind, "Net AEP (P50)")).toHaveTextContent("31,150 MWh");
    expect(metric(wind, "Wake loss")).toHaveTextContent("7.1 %");
    expect(metric(wind, "Wake loss")).toHaveTextContent("FLORIS 4.7 Gauss-curl hybrid (GCH)");
    expect(metric(wind, "Shear exponent")).toHaveTextContent("0.143");
    expect(metric(wind, "Availability")).toHaveTextContent("97 %electrical loss 2 %");
    expect(screen.getByTestId("wind-synthesised")).toHaveTextContent("Synthesised hourly");
    expect(within(wind).getAllByTestId("rose-wedge")).toHaveLength(ROSE.length);
    expect(within(wind).getAllByTestId("turbine-row")).toHaveLength(3);

    const storage = screen.getByTestId("storage-panel");
    expect(metric(storage, "Power")).toHaveTextContent("10 MWac");
    expect(metric(storage, "Energy")).toHaveTextContent("40 MWh4 h")
    expect(metric(storage, "Firm days met")).toHaveTextContent("93 %");
    expect(metric(storage, "Firm days met")).toHaveTextContent("target 90 %");
    expect(metric(storage, "Cycles per year")).toHaveTextContent("310within the warranty's 365");
    expect(screen.getByTestId("storage-target")).toHaveTextContent("Firm 10 MW for 4 h in 18–22 h on 90 % of days");
    expect(screen.getByTestId("storage-target")).toHaveTextContent("HiGHS 1.7");
    expect(within(storage).getAllByTestId("dispatch-series").every((s) => s.getAttribute("points")!.trim().split(/\s+/).length === 24)).toBe(true);
    expect(screen.queryByText("Target not met")).not.toBeInTheDocument();

    const table = screen.getByTestId("energy-by-source");
    const rows = within(table).getAllByTestId("source-row");
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["PV", "Wind", "Storage"]);
    expect(rows[1]).toHaveTextContent("$45.70/MWh");
    expect(within(table).getByTestId("plant-row")).toHaveTextContent("70,600");
    expect(within(table).getByTestId("plant-row")).toHaveTextContent("$51.30/MWh");
  });

  it("marks the PV, storage and plant figures as bounds on a clear-sky PV year (never a bare LCOE)", () => {
    const rows = (HYBRID_DESIGN.economics_by_source ?? []).map((r) =>
      r.source === "wind" ? r : { ...r, lcoe_usd_per_mwh: undefined, lcoe_lower_bound_usd_per_mwh: r.lcoe_usd_per_mwh },
    );
    const { plant_energy_mwh, plant_lcoe_usd_per_mwh, ...rest } = HYBRID_METRICS;
    const metrics = { ...rest, plant_energy_mwh_upper_bound: plant_energy_mwh, plant_lcoe_lower_bound_usd_per_mwh: plant_lcoe_usd_per_mwh };
    render(<HybridSections design={{ ...HYBRID_DESIGN, economics_by_source: rows }} metrics={metrics} warnings={[]} />);
    const table = screen.getByTestId("energy-by-source");
    const [pv, wind] = within(table).getAllByTestId("source-row");
    expect(pv).toHaveTextContent("≥ $");
    expect(wind).not.toHaveTextContent("≥");
    expect(wind).toHaveTextContent("$45.70/MWh");
    expect(within(table).getByTestId("plant-row")).toHaveTextContent("≤ 70,600");
    expect(within(table).getByTestId("plant-row")).toHaveTextContent("≥ $51.30/MWh");
    expect(screen.getByTestId("by-source-bound")).toHaveTextContent("not a P50");
  });

  it("says once that the hours were synthesised, in the backend's words when it gives them", () => {
    const synth = "wind hours synthesised from the distribution (seeded, docs/wind.md#hourly-synthesis): the hourly wind power for storage dispatch is representative, not a measured year";
    render(<HybridSections design={HYBRID_DESIGN} metrics={HYBRID_METRICS} warnings={[synth]} />);
    expect(within(screen.getByTestId("wind-panel")).getByText(synth)).toBeInTheDocument();
    expect(screen.queryByTestId("wind-synthesised")).not.toBeInTheDocument();
  });

  it("without a wind resource shows the backend's warning and no wind energy figure", () => {
    render(<HybridSections design={NO_WIND_DESIGN} metrics={NO_WIND_METRICS} warnings={[NO_WIND_WARNING, "road too steep near block 3"]} />);
    expect(sections()).toEqual(["Wind"]);
    const wind = screen.getByTestId("wind-panel");
    expect(within(wind).getByText(NO_WIND_WARNING)).toBeInTheDocument();
    expect(within(wind).queryByText("road too steep near block 3")).not.toBeInTheDocument();
    for (const label of ["Gross AEP", "Net AEP (P50)", "Wake loss"]) expect(within(wind).queryByText(label)).not.toBeInTheDocument();
    expect(within(wind).queryByText(/MWh/)).not.toBeInTheDocument();
    expect(metric(wind, "Turbines")).toHaveTextContent("3");
    expect(within(wind).queryByTestId("rose-wedge")).not.toBeInTheDocument();
  });

  it("shows a gas plant's units, fuel, CO₂ and why it overshoots; nothing for a plain PV plant", () => {
    const { unmount } = render(<HybridSections design={GAS_DESIGN} metrics={{ gas_capacity_kw: 27900 }} />);
    expect(sections()).toEqual(["Gas"]);
    const gas = screen.getByTestId("gas-panel");
    expect(metric(gas, "Capacity")).toHaveTextContent("27.9 MWac3 × 9.3 MWac");
    expect(metric(gas, "Heat rate")).toHaveTextContent("8,900 Btu/kWh");
    expect(metric(gas, "Fuel cost")).toHaveTextContent("$1.40 M/yr");
    expect(metric(gas, "CO₂")).toHaveTextContent("21,200 t/yr");
    expect(screen.getByTestId("gas-overshoot")).toHaveTextContent("Over the target by 2.9 MWac: units come whole");
    unmount();
    const { container } = render(<HybridSections design={{}} metrics={{ total_capacity_kw: 4000, storage_kwh: 0 }} />);
    expect(container).toBeEmptyDOMElement();
  });

  it("warns when the storage meets its target on fewer days than asked; a note raised as a warning is said once", () => {
    const gap = "solver stopped with status 'Time limit reached': the battery is feasible but not proven smallest";
    const storage = { ...HYBRID_DESIGN.storage!, firm_days_met_share: 0.82, cycles_per_yr: 400, notes: [gap, "augmentation every 8 years"] };
    render(<HybridSections design={{ storage }} metrics={{}} warnings={[gap]} />);
    expect(screen.getAllByText(gap)).toHaveLength(1);
    expect(screen.getByTestId("storage-notes")).toHaveTextContent("augmentation every 8 years");
    expect(screen.getByText("Target not met").parentElement).toHaveTextContent("met on 82 % of days, short of the 90 % asked");
    expect(metric(screen.getByTestId("storage-panel"), "Cycles per year")).toHaveTextContent("over the warranty's 365");
  });
});

describe("describeTarget", () => {
  it("names a firm target, a load profile, and how a battery without a target was sized", () => {
    expect(describeTarget({ kind: "firm", firm_mw: 5, firm_hours: 4, window: [22, 2], days_share: 1 })).toBe("Firm 5 MW for 4 h in 22–2 h on 100 % of days");
    expect(describeTarget({ kind: "load", days_share: 0.95, window: null })).toBe("Load profile on 95 % of days");
    expect(describeTarget({ kind: "fixed", days_share: null }, true)).toMatch(/^None: sized to shift/);
    expect(describeTarget({ kind: "fixed", days_share: null }, false)).toMatch(/^None: a fixed battery, as asked/);
    expect(describeTarget(undefined)).toBeNull();
  });
});

describe("DesignPanels with hybrid sections", () => {
  it("puts the hybrid sections before the PV ones when the design has them", async () => {
    mockFetch(() => jsonResponse({ ...CLEARSKY_DESIGN, ...HYBRID_DESIGN }));
    renderWithProviders(<DesignPanels layoutId="L1" metrics={HYBRID_METRICS} warnings={[]} />);
    expect(await screen.findByTestId("wind-panel")).toBeInTheDocument();
    expect(sections()).toEqual(["Energy by source", "Wind", "Storage", "Energy yield (PV part)", "Cost", "Electrical", "Bill of quantities"]);
  });

  it("shows no hybrid section for a PV design", async () => {
    mockFetch(() => jsonResponse(CLEARSKY_DESIGN));
    renderWithProviders(<DesignPanels layoutId="L2" metrics={{ total_capacity_kw: 4000, storage_kwh: 0 }} />);
    expect(await screen.findByText("Energy yield", { selector: "summary" })).toBeInTheDocument();
    expect(sections()).toEqual(["Energy yield", "Cost", "Electrical", "Bill of quantities"]);
  });

  it("shows the hybrid parts from the metrics when the layout has no design document", async () => {
    mockFetch(() => jsonResponse({ detail: "no design" }, 404));
    renderWithProviders(<DesignPanels layoutId="L3" metrics={NO_WIND_METRICS} warnings={[NO_WIND_WARNING]} />);
    expect(await screen.findByText(NO_WIND_WARNING)).toBeInTheDocument();
    expect(screen.getByText(/This layout has no design document/)).toBeInTheDocument();
  });
});
