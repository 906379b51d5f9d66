import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockFetch, renderWithProviders } from "../../test/utils";
import { DesignPanels } from "./DesignPanels";
import { CLEARSKY_TITLE } from "./EnergyPanel";
import { CLEARSKY_DESIGN } from "./fixtures";

afterEach(() => vi.unstubAllGlobals());

describe("DesignPanels", () => {
  it("loads the layout's design and shows energy, cost, electrical and quantities", async () => {
    const { calls } = mockFetch((call) =>
      call.path === "/api/layouts/L1/design" ? jsonResponse(CLEARSKY_DESIGN) : jsonResponse({ detail: "unexpected" }, 500),
    );
    renderWithProviders(<DesignPanels layoutId="L1" />);
    expect(await screen.findByText(CLEARSKY_TITLE)).toBeInTheDocument();
    for (const section of ["Energy yield", "Cost", "Electrical", "Bill of quantities"])
      expect(screen.getByText(section, { selector: "summary" })).toBeInTheDocument();
    // The LCOE is marked as resting on clear-sky energy.
    expect(screen.getByText("LCOE (real) — lower bound")).toBeInTheDocument();
    expect(screen.getAllByTestId("feeder")).toHaveLength(1);
    expect(screen.getAllByTestId("bom-row").length).toBeGreaterThan(10);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /api/layouts/L1/design"]);
  });

  it("says plainly that a layout without a design (gas/BESS) has none", async () => {
    mockFetch(() => jsonResponse({ detail: "layout L2 has no design document" }, 404));
    renderWithProviders(<DesignPanels layoutId="L2" />);
    expect(await screen.findByText(/This layout has no design document/)).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("shows a section's absence inside a partial design", async () => {
    mockFetch(() => jsonResponse({ pv: CLEARSKY_DESIGN.pv, bom: CLEARSKY_DESIGN.bom }));
    renderWithProviders(<DesignPanels layoutId="L3" />);
    expect(await screen.findByText(/No energy yield for this layout/)).toBeInTheDocument();
    expect(screen.getByText(/No cost for this layout/)).toBeInTheDocument();
    expect(screen.getByText(/No electrical design for this layout/)).toBeInTheDocument();
    expect(screen.getAllByTestId("bom-row").length).toBeGreaterThan(10);
  });

  it("reports other failures as errors with the API's message", async () => {
    mockFetch(() => jsonResponse({ detail: "database unavailable" }, 503));
    renderWithProviders(<DesignPanels layoutId="L4" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("database unavailable");
  });
});
