import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { createElement } from "react";
import { isUnreachable, metresPerPixel, plantLayerCounts, propertyRows, roadWeightPx, unreachableStationBlocks, type AnyFeature } from "./layers";
import { MapLegend } from "../components/Map/MapLegend";

const f = (properties: Record<string, unknown>): AnyFeature => ({ type: "Feature", geometry: { type: "LineString", coordinates: [[0, 0], [1, 1]] }, properties });

describe("plant layers", () => {
  it("sorts cables by level, trenches, fences, gates, crossings and the gen-tie into their layers", () => {
    const counts = plantLayerCounts([
      f({ kind: "cable", level: "dc" }),
      f({ kind: "cable", level: "dc" }),
      f({ kind: "cable", level: "lv" }),
      f({ kind: "cable", level: "mv" }),
      f({ kind: "trench", level: "mv" }),
      f({ kind: "fence" }),
      f({ kind: "gate" }),
      f({ kind: "crossing", crossing_type: "pipeline" }),
      f({ kind: "gen_tie", length_m: 2300 }),
      f({ kind: "road" }),
      f({ kind: "asset", asset_type: "tracker" }),
    ]);
    expect(counts).toEqual({ "cable-dc": 2, "cable-lv": 1, "cable-mv": 1, trench: 1, fence: 1, gate: 1, crossing: 1, "gen-tie": 1 });
  });

  it("draws a road at its true width once zoomed in", () => {
    // Web Mercator at the equator, zoom 0: 40,075,016.686 m over 256 px.
    expect(metresPerPixel(0, 0)).toBeCloseTo(156_543.03, 1);
    expect(metresPerPixel(18, 60)).toBeCloseTo(156_543.03 / 2 ** 18 / 2, 4);
    // 6 m road at zoom 19, latitude 36°: 6 / (156543.03 × cos 36° / 2^19) ≈ 24.8 px.
    expect(roadWeightPx(6, 5, 19, 36)).toBeCloseTo(6 / ((156_543.03 * Math.cos((36 * Math.PI) / 180)) / 2 ** 19), 3);
    expect(roadWeightPx(6, 5, 19, 36)).toBeGreaterThan(20);
    // Zoomed out it is never thinner than its class line.
    expect(roadWeightPx(6, 5, 12, 36)).toBe(5);
    expect(roadWeightPx(null, 2, 19, 36)).toBe(2);
  });

  it("finds the assets a layout warns no road reaches", () => {
    const blocks = unreachableStationBlocks(["no road can reach 2 asset access point(s): power station 3, power station 11", "something else 5"]);
    expect([...blocks].sort((a, b) => a - b)).toEqual([3, 11]);
    expect(isUnreachable({ asset_type: "power_station", block: 3 }, blocks)).toBe(true);
    expect(isUnreachable({ asset_type: "power_station", block: 4 }, blocks)).toBe(false);
    expect(isUnreachable({ asset_type: "substation", reachable: false }, new Set())).toBe(true);
  });

  it("lists a feature's properties with units", () => {
    expect(propertyRows({ kind: "cable", circuit: "F1.2", level: "mv", conductor: "Al 240", length_m: 1234.5, current_a: 210.44, drop_pct: 0.812 })).toEqual([
      ["Circuit", "F1.2"],
      ["Level", "mv"],
      ["Conductor", "Al 240"],
      ["Length", "1.23 km"],
      ["Current (STC)", "210.4 A"],
      ["Voltage drop", "0.81 %"],
    ]);
    expect(propertyRows({ kind: "asset", asset_type: "power_station", ac_kw: 3200, dc_kwp: 4100.5, rating_kva: 3520 })).toEqual([
      ["AC power", "3.2 MWac"],
      ["DC power", "4.1 MWp"],
      ["Rating", "3,520 kVA"],
    ]);
  });

  it("the legend lists every layer present with a toggle", async () => {
    const onToggle = vi.fn();
    render(
      createElement(MapLegend, {
        assetCounts: { tracker: 10, power_station: 2 },
        roadClasses: ["spine"],
        hasZones: false,
        hasEntry: false,
        plantCounts: { "cable-mv": 4, "cable-dc": 20, trench: 3, fence: 1, gate: 2, crossing: 1, "gen-tie": 1 },
        unreachableAssets: 1,
        hidden: new Set(["cable-dc"]),
        onToggle,
      }),
    );
    for (const name of ["MV cable", "DC cable", "Cable trench", "Fence", "Gate", "Zone crossing", "Gen-tie line", "Roads"]) {
      expect(screen.getByRole("checkbox", { name: new RegExp(name) })).toBeInTheDocument();
    }
    expect(screen.queryByRole("checkbox", { name: /LV AC cable/ })).toBeNull();
    expect(screen.getByRole("checkbox", { name: /DC cable/ })).not.toBeChecked();
    expect(screen.getByRole("checkbox", { name: /Trackers/ })).toBeChecked();
    expect(screen.getByText("No road reaches it")).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("checkbox", { name: /MV cable/ }));
    expect(onToggle).toHaveBeenCalledWith("cable-mv");
  });
});
