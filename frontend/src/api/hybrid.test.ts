import { describe, expect, it } from "vitest";
import { metricNumber, warningsAbout, windResourceSummary } from "./hybrid";

describe("hybrid helpers", () => {
  it("sorts the backend's warnings by plant part (a gas turbine is not wind)", () => {
    const ws = [
      "no wind resource: wind energy not computed (upload one with POST /api/sites/{id}/wind or --wind FILE)",
      "wake loss 31 % is outside the plausible 2–20 %",
      "gas turbine overshoots the target by 2.9 MW",
      "storage cycles 420/yr exceed the warranty's 365",
      "road too steep near block 3",
    ];
    expect(warningsAbout(ws, "wind")).toEqual([ws[0], ws[1]]);
    expect(warningsAbout(ws, "gas")).toEqual([ws[2]]);
    expect(warningsAbout(ws, "storage")).toEqual([ws[3]]);
    expect(warningsAbout(undefined, "wind")).toEqual([]);
  });

  it("reads metrics as finite numbers only, never inventing one", () => {
    expect(metricNumber({ wind_net_aep_mwh: 31150 }, "wind_net_aep_mwh")).toBe(31150);
    expect(metricNumber({ wind_net_aep_mwh: null }, "wind_net_aep_mwh")).toBeUndefined();
    expect(metricNumber({ wind_net_aep_mwh: "31150" }, "wind_net_aep_mwh")).toBeUndefined();
    expect(metricNumber(null, "wind_net_aep_mwh")).toBeUndefined();
  });

  it("summarises a stored wind resource under either height name", () => {
    expect(windResourceSummary({ kind: "tab", measurement_height_m: 100, mean_speed_m_s: 7 })).toEqual({ kind: "tab", height_m: 100, mean_speed_m_s: 7 });
    expect(windResourceSummary({ kind: "weibull", height_m: 80 })).toEqual({ kind: "weibull", height_m: 80, mean_speed_m_s: undefined });
  });
});
