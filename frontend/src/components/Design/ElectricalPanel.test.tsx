import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { CLEARSKY_DESIGN, TMY_DESIGN } from "./fixtures";
import { ElectricalPanel } from "./ElectricalPanel";

const central = CLEARSKY_DESIGN.electrical!;
const metric = (label: string) => screen.getByText(label, { selector: "dt" }).nextElementSibling as HTMLElement;

describe("ElectricalPanel", () => {
  it("shows stringing against the voltage limit, and blocks whose strings add up", () => {
    render(<ElectricalPanel electrical={central} />);
    expect(screen.getByText(/Central inverters/)).toBeInTheDocument();
    expect(metric("Strings")).toHaveTextContent("664");
    expect(metric("Modules per string")).toHaveTextContent("26allowed 24–26");
    expect(metric("String Voc, cold")).toHaveTextContent("1,465 Vlimit 1,500 V");
    const blocks = screen.getAllByTestId("electrical-block");
    expect(blocks).toHaveLength(central.blocks!.length);
    expect(central.blocks!.reduce((s, b) => s + (b.strings ?? 0), 0)).toBe(central.stringing!.strings);
    expect(blocks[0]).toHaveTextContent("5.01 MWp");
    expect(blocks[0]).toHaveTextContent("4 MWac");
    expect(screen.getByRole("columnheader", { name: "Boxes" })).toBeInTheDocument();
  });

  it("shows losses at STC and annual", () => {
    render(<ElectricalPanel electrical={central} />);
    const table = screen.getByRole("table", { name: "Losses" });
    const dc = within(table).getByRole("rowheader", { name: "DC ohmic" }).closest("tr")!;
    expect(dc).toHaveTextContent("1.02 %102.5 kW");
    expect(dc).toHaveTextContent("0.56 %");
    const mv = within(table).getByRole("rowheader", { name: "MV ohmic" }).closest("tr")!;
    expect(mv).toHaveTextContent("0.19 %15.5 kW");
    expect(mv).toHaveTextContent("0.11 %");
    expect(within(table).queryByText("LV AC ohmic")).not.toBeInTheDocument();
    // Annual ohmic = STC × loss factor, as the note says.
    const a = central.losses!.annual!;
    expect(a.dc_ohmic_pct!).toBeCloseTo(central.losses!.stc!.dc_pct! * a.loss_factor!, 2);
    expect(screen.getByText(/loss factor 0.55/)).toBeInTheDocument();
  });

  it("says when the annual losses are the energy simulation's (the waterfall's figures)", () => {
    const losses = central.losses!;
    const simulated = {
      ...central,
      losses: { ...losses, annual: { ...losses.annual, dc_ohmic_pct: 0.61, loss_factor: 0.598, transformer_pct: 1.1, basis: "annual, from the hourly energy simulation (loss waterfall)" } },
    };
    render(<ElectricalPanel electrical={simulated} />);
    const table = screen.getByRole("table", { name: "Losses" });
    expect(within(table).getByRole("rowheader", { name: "DC ohmic" }).closest("tr")!).toHaveTextContent("0.61 %");
    expect(within(table).getByRole("rowheader", { name: "Transformers" }).closest("tr")!).toHaveTextContent("1.05 %1.1 %");
    expect(screen.getByTestId("annual-loss-basis")).toHaveTextContent("from the hourly energy simulation, as in the loss waterfall");
  });

  it("shows the MV single line: feeders with their blocks, MVA, length and loss", () => {
    render(<ElectricalPanel electrical={central} />);
    const feeders = screen.getAllByTestId("feeder");
    const f = central.single_line![0];
    expect(feeders).toHaveLength(central.single_line!.length);
    const cells = within(feeders[0]).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual([f.blocks.join(", "), f.mva.toFixed(2), `${Math.round(f.length_m)} m`, `${f.loss_kw.toFixed(1)} kW${f.drop_pct!.toFixed(2)} % drop`]);
    // Every block is on a feeder.
    expect(central.single_line!.flatMap((x) => x.blocks).sort()).toEqual(central.blocks!.map((b) => b.block).sort());
  });

  it("string topology shows string inverters and LV AC losses", () => {
    render(<ElectricalPanel electrical={TMY_DESIGN.electrical!} />);
    expect(screen.getByText(/String inverters \(LV AC/)).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: "Inverters" })).toBeInTheDocument();
    expect(screen.getByRole("rowheader", { name: "LV AC ohmic" })).toBeInTheDocument();
  });

  it("says so when the layout has no electrical design", () => {
    render(<ElectricalPanel electrical={undefined} />);
    expect(screen.getByText(/No electrical design for this layout/)).toBeInTheDocument();
  });
});
