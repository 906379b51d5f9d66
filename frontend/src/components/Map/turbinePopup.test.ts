import { describe, expect, it } from "vitest";
import { isWindTurbine, turbinePopupRows } from "./turbinePopup";

describe("turbinePopupRows", () => {
  it("lists a turbine's own AEP, wake loss, hub height, rotor and rating", () => {
    const p = { kind: "asset", asset_type: "wind_turbine", id: "T02", gross_aep_mwh: 11150, net_aep_mwh: 10050, wake_loss_pct: 9.87, hub_height_m: 110, rotor_diameter_m: 130, rated_kw: 3370 };
    const { rows, keys } = turbinePopupRows(p);
    expect(rows).toEqual([
      ["Net AEP", "10,050 MWh/yr"],
      ["Gross AEP", "11,150 MWh/yr"],
      ["Wake loss", "9.9 %"],
      ["Hub height", "110 m"],
      ["Rotor diameter", "130 m"],
      ["Rated power", "3,370 kW"],
    ]);
    expect(keys.has("gross_aep_mwh")).toBe(true);
  });

  it("says a turbine has no energy without a wind resource, and leaves other features alone", () => {
    expect(turbinePopupRows({ kind: "turbine", hub_height_m: 110 }).rows).toEqual([
      ["Energy", "not computed (no wind resource)"],
      ["Hub height", "110 m"],
    ]);
    expect(isWindTurbine({ kind: "asset", asset_type: "gas_turbine" })).toBe(false);
    expect(turbinePopupRows({ kind: "asset", asset_type: "bess", net_aep_mwh: 1 }).rows).toEqual([]);
  });
});
