import { describe, expect, it } from "vitest";
import { formatDcPower, formatElapsed, formatPower, humanize } from "./format";
import { assetColor, blockColor } from "./colors";

describe("human labels and units", () => {
  it("names asset types and profiles as people write them", () => {
    expect(humanize("gas_bess")).toBe("Gas + BESS");
    expect(humanize("om_building")).toBe("O&M building");
    expect(humanize("pv_table")).toBe("PV table");
    expect(humanize("tracker")).toBe("Tracker");
    expect(humanize("power_station")).toBe("Power station");
    expect(humanize("battery_container")).toBe("Battery container");
    expect(humanize("hv_substation")).toBe("HV substation");
    expect(humanize("low_earthwork")).toBe("Low earthwork");
  });

  it("says AC or DC on every capacity", () => {
    expect(formatPower(4000)).toBe("4 MWac");
    expect(formatPower(750)).toBe("750 kWac");
    expect(formatDcPower(125_400)).toBe("125.4 MWp");
    expect(formatDcPower(580)).toBe("580 kWp");
  });

  it("shows short runs to the tenth of a second", () => {
    expect(formatElapsed(2.04)).toBe("2 s");
    expect(formatElapsed(0.35)).toBe("0.4 s");
    expect(formatElapsed(9.94)).toBe("9.9 s");
    expect(formatElapsed(75)).toBe("1m 15s");
  });
});

describe("colours", () => {
  it("gives every asset type the engine places its own colour", () => {
    const types = [
      "pv_block", "pv_table", "tracker", "power_station", "substation", "om_building",
      "battery_container", "pcs", "gas_turbine", "cooling_unit", "control_centre", "wind_turbine",
    ];
    expect(new Set(types.map(assetColor)).size).toBe(types.length);
  });

  it("colours neighbouring inverter blocks differently", () => {
    for (let b = 0; b < 40; b++) expect(blockColor(b)).not.toBe(blockColor(b + 1));
    expect(blockColor(-1)).toMatch(/^#/);
  });
});
