import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { CLEARSKY_DESIGN, TMY_DESIGN } from "./fixtures";
import { BomPanel } from "./BomPanel";

const bom = CLEARSKY_DESIGN.bom!;
const row = (name: string | RegExp) => screen.getAllByTestId("bom-row").find((r) => r.querySelector("th")!.textContent!.match(name))!;

describe("BomPanel", () => {
  it("lists counts, cables by level and conductor, trenches, roads, fence, gates and grading", () => {
    render(<BomPanel bom={bom} />);
    expect(row(/^PV modules/)).toHaveTextContent("17,264");
    expect(row(/^PV modules/)).toHaveTextContent("10.01 MWp");
    expect(row(/^Fixed tables/)).toHaveTextContent("332");
    expect(row(/^Piles/)).toHaveTextContent("3,984");
    expect(row(/^Strings/)).toHaveTextContent("664 × 26 modules");
    expect(row(/^Combiner boxes/)).toHaveTextContent("41");
    expect(row(/^Power stations/)).toHaveTextContent("2 × 4,211 kVA");
    expect(row(/^Transformers/)).toHaveTextContent("2");
    const cables = screen.getAllByTestId("bom-row").filter((r) => r.textContent!.startsWith("Cable,"));
    expect(cables).toHaveLength(bom.cables!.length);
    expect(row(/^Cable, DC feeder: Al XLPE 1\.5 kV 150 mm²/)).toHaveTextContent("2,384 m");
    const total = bom.cables!.reduce((s, c) => s + c.cable_m, 0);
    expect(screen.getByText("All cable").nextElementSibling).toHaveTextContent(`${Math.round(total).toLocaleString("en-US")} m`);
    expect(row(/^Trench, MV/)).toHaveTextContent("584 m");
    expect(row(/^Road, Spine/)).toHaveTextContent("718 m");
    expect(row(/^Road, Spine/)).toHaveTextContent("4,309 m²");
    expect(row(/^Fence/)).toHaveTextContent("1,577 m");
    expect(row(/^Gates/)).toHaveTextContent("1");
    expect(row(/^Grading/)).toHaveTextContent("0 m³");
    expect(screen.queryByText(/^String inverters/)).not.toBeInTheDocument();
  });

  it("string topology lists string inverters and trackers", () => {
    const b = TMY_DESIGN.bom!;
    render(<BomPanel bom={b} />);
    expect(row(/^String inverters/)).toHaveTextContent(`${b.string_inverters}`);
    expect(row(/^String inverters/)).toHaveTextContent("300 kWac each");
    expect(row(/^Trackers/)).toHaveTextContent("211 full, 16 partial");
    expect(screen.queryByText(/^Combiner boxes/)).not.toBeInTheDocument();
  });

  it("says so when the layout has no bill of quantities", () => {
    render(<BomPanel bom={null} />);
    expect(screen.getByText(/No bill of quantities for this layout/)).toBeInTheDocument();
  });
});
