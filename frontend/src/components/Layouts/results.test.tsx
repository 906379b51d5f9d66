import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MetricsPanel } from "./MetricsPanel";
import { CompareTable } from "./CompareTable";
import { LayoutList } from "./LayoutList";
import { ExportButtons } from "./ExportButtons";
import { MapLegend } from "../Map/MapLegend";
import { layout } from "../../test/fixtures";
import { jsonResponse, mockFetch } from "../../test/utils";
import { tokenStore } from "../../api/client";

describe("MetricsPanel", () => {
  it("shows capacity, storage, assets by type, road length, cut, fill and warnings", () => {
    render(
      <MetricsPanel
        layout={layout("L1", { warnings: ["Reached 80 % of the target: the parcel is full."] })}
        assetLabels={{ pv_block: "PV block" }}
      />,
    );
    const value = (label: string) => screen.getByText(label, { selector: "dt" }).nextElementSibling?.textContent;
    expect(value("Capacity (AC)")).toBe("4 MWac80 % of 5 MWac");
    expect(screen.getByText("80 % of 5 MWac")).toBeInTheDocument();
    expect(value("Storage")).toBe("0 kWh");
    expect(value("Road length")).toBe("1.23 km");
    expect(value("Cut")).toBe("500 m³");
    expect(value("Fill")).toBe("420 m³");
    const table = screen.getByRole("table", { name: "Assets by type" });
    expect(within(table).getByRole("rowheader", { name: "PV block" }).nextElementSibling).toHaveTextContent("2");
    expect(within(table).getByRole("rowheader", { name: "Power station" })).toBeInTheDocument();
    // warnings come first, in a warning box that names how many there are
    const warning = screen.getByText("1 warning").closest(".alert")!;
    expect(warning).toHaveTextContent("1 warning");
    expect(warning).toHaveTextContent("Reached 80 % of the target: the parcel is full.");
    expect(screen.queryByText("Stale layout")).not.toBeInTheDocument();
    expect(screen.queryByText("DC capacity", { selector: "dt" })).not.toBeInTheDocument(); // no PV design numbers
  });

  it("shows the PV design: MWac and MWp, DC/AC, tables, GCR, pitch, tilt, structure; and a stale layout", () => {
    const base = layout("L1");
    render(
      <MetricsPanel
        layout={layout("L1", {
          stale: true,
          metrics: {
            ...base.metrics!,
            total_capacity_kw: 100_000,
            dc_capacity_kwp: 125_400,
            dc_ac_ratio: 1.254,
            table_count: 4321,
            structure: "fixed",
            gcr: 0.4,
            pitch_m: 11.36,
            tilt_deg: 25,
            block_count: 25,
          },
        })}
      />,
    );
    const value = (label: string) => screen.getByText(label, { selector: "dt" }).nextElementSibling?.textContent;
    expect(value("Capacity (AC)")).toMatch(/^100 MWac/);
    expect(value("DC capacity")).toBe("125.4 MWp");
    expect(value("DC/AC ratio")).toBe("1.25");
    expect(value("Tables")).toBe("4,321");
    expect(value("Structure")).toBe("Fixed tilt");
    expect(value("GCR")).toBe("0.4");
    expect(value("Pitch")).toBe("11.4 m");
    expect(value("Tilt")).toBe("25°");
    expect(value("Inverter blocks")).toBe("25");
    expect(screen.getByText("Stale layout")).toBeInTheDocument();
  });

  it("marks a capacity off target like a shortfall: short, or over by more than 5 %", () => {
    const base = layout("L1");
    const at = (kw: number, target: number) =>
      layout("L1", { params: { ...base.params, target_capacity_kw: target }, metrics: { ...base.metrics!, total_capacity_kw: kw } });
    const { rerender } = render(<MetricsPanel layout={at(96_000, 50_000)} />);
    const metric = () => screen.getByTestId("capacity-metric");
    expect(metric()).toHaveClass("stat-warn");
    expect(metric()).toHaveTextContent("192 % of 50 MWac");
    expect(metric().getAttribute("title")).toMatch(/over the target/i);
    rerender(<MetricsPanel layout={at(4_000, 5_000)} />);
    expect(metric()).toHaveClass("stat-warn");
    expect(metric().getAttribute("title")).toMatch(/short of the target/i);
    rerender(<MetricsPanel layout={at(5_200, 5_000)} />);
    expect(metric()).not.toHaveClass("stat-warn");
  });

  it("names trackers as trackers and has no tilt for them", () => {
    const base = layout("L1");
    render(<MetricsPanel layout={layout("L1", { metrics: { ...base.metrics!, structure: "tracker", table_count: 12, tilt_deg: 0 } })} />);
    expect(screen.getByText("Trackers", { selector: "dt" }).nextElementSibling).toHaveTextContent("12");
    expect(screen.getByText("Structure", { selector: "dt" }).nextElementSibling).toHaveTextContent("Single-axis tracker");
    expect(screen.queryByText("Tilt", { selector: "dt" })).not.toBeInTheDocument();
  });
});

describe("CompareTable", () => {
  it("puts layouts side by side", () => {
    const a = layout("A");
    const b = layout("B", {
      params: { ...a.params, strategy: "density" },
      metrics: { ...a.metrics!, total_capacity_kw: 6000, counts_by_type: { pv_block: 3, bess: 1 } },
    });
    render(<CompareTable layouts={[a, b]} names={{ A: "Layout 1", B: "Layout 2" }} />);
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Metric", "Layout 1", "Layout 2"]);
    const cells = (label: string) =>
      Array.from(screen.getByRole("rowheader", { name: label }).parentElement!.querySelectorAll("td")).map((td) => td.textContent);
    expect(cells("Capacity")).toEqual(["4 MWac", "6 MWac"]);
    expect(cells("Strategy")).toEqual(["Balanced", "Density"]);
    expect(cells("BESS")).toEqual(["0", "1"]);
  });
});

describe("LayoutList", () => {
  it("selects completed layouts and toggles comparison", async () => {
    const onSelect = vi.fn();
    const onToggle = vi.fn();
    const user = userEvent.setup();
    render(
      <LayoutList
        layouts={[layout("B"), layout("A", { status: "failed", metrics: null })]}
        selectedId="B"
        compareIds={[]}
        onSelect={onSelect}
        onToggleCompare={onToggle}
      />,
    );
    const buttons = screen.getAllByRole("button");
    expect(buttons[0]).toHaveAttribute("aria-pressed", "true");
    expect(buttons[0]).toHaveTextContent("Layout 2");
    expect(buttons[1]).toBeDisabled();
    await user.click(buttons[0]);
    expect(onSelect).toHaveBeenCalledWith("B");
    await user.click(screen.getByRole("checkbox", { name: "Compare layout 2" }));
    expect(onToggle).toHaveBeenCalledWith("B");
    expect(screen.queryByRole("checkbox", { name: "Compare layout 1" })).not.toBeInTheDocument();
  });

  it("marks stale layouts", () => {
    render(
      <LayoutList layouts={[layout("B"), layout("A", { stale: true })]} selectedId="B" compareIds={[]} onSelect={vi.fn()} onToggleCompare={vi.fn()} />,
    );
    const items = screen.getAllByRole("listitem");
    expect(within(items[0]).queryByText("Stale")).not.toBeInTheDocument();
    expect(within(items[1]).getByText("Stale")).toBeInTheDocument();
  });
});

describe("MapLegend", () => {
  it("shows the setback line, buffers, grid point, tables by block and too-steep roads", () => {
    render(
      <MapLegend
        assetCounts={{ pv_table: 30000, power_station: 12 }}
        roadClasses={["spine"]}
        hasZones
        hasEntry
        hasInterconnection
        hasSetback
        hasBuffers
        noncompliantRoads={3}
      />,
    );
    const legend = screen.getByRole("complementary", { name: "Map legend" });
    for (const t of ["Setback line", "Exclusion buffer", "Grid interconnection", "PV tables · colour = inverter block", "Power station", "Too steep for trucks"]) {
      expect(within(legend).getByText(t, { exact: false })).toBeInTheDocument();
    }
  });

  it("lists site elements, asset types with counts and road classes", () => {
    render(
      <MapLegend
        assetCounts={{ pv_block: 4, substation: 1 }}
        assetLabels={{ pv_block: "PV block (array)" }}
        roadClasses={["spine", "spur"]}
        hasZones
        hasEntry
      />,
    );
    const legend = screen.getByRole("complementary", { name: "Map legend" });
    for (const t of ["Site boundary", "Exclusion zone", "Site entry", "PV block (array)", "Substation", "Spine road", "Spur road"]) {
      expect(within(legend).getByText(t, { exact: false })).toBeInTheDocument();
    }
    expect(within(legend).getByText("4")).toBeInTheDocument();
    expect(within(legend).queryByText("Secondary road")).not.toBeInTheDocument();
  });
});

describe("ExportButtons", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("fetches each format with the Bearer token and saves it as a file", async () => {
    tokenStore.set("tok");
    const { calls } = mockFetch(
      () => new Response(new Blob(["PK"]), { status: 200, headers: { "Content-Disposition": 'attachment; filename="site-layout.kmz"' } }),
    );
    const createObjectURL = vi.fn(() => "blob:x");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    const user = userEvent.setup();
    render(<ExportButtons layoutId="L1" baseName="site" />);
    expect(screen.getAllByRole("button").map((b) => b.textContent?.trim())).toEqual([
      "⬇ GeoJSON",
      "⬇ KMZ",
      "⬇ CSV (.zip)",
      "⬇ DXF",
      "⬇ PDF report",
    ]);
    await user.click(screen.getByRole("button", { name: /KMZ/ }));
    await waitFor(() => expect(clicked).toEqual(["site-layout.kmz"]));
    expect(calls[0].path).toBe("/api/layouts/L1/export/kmz");
    expect(calls[0].headers.get("Authorization")).toBe("Bearer tok");
    expect(createObjectURL).toHaveBeenCalledOnce();
    click.mockRestore();
  });

  it("shows the API's error when an export fails", async () => {
    mockFetch(() => jsonResponse({ detail: "Export is only available for completed layouts" }, 409));
    const user = userEvent.setup();
    render(<ExportButtons layoutId="L1" baseName="site" />);
    await user.click(screen.getByRole("button", { name: /PDF/ }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Export is only available for completed layouts");
  });
});
