import L from "leaflet";
import { describe, expect, it } from "vitest";
import type { FeatureCollection, Geometry } from "geojson";
import { hit, project, tablePopup } from "./TablesLayer";

const square = (lon: number, lat: number, d: number, block: number) => ({
  type: "Feature" as const,
  geometry: { type: "Polygon" as const, coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] },
  properties: { kind: "asset", asset_type: "tracker", block, dc_kwp: 40.6, slope_along_pct: 3.2, slope_across_pct: 1.1, piles: 8, structure: "tracker" },
});

describe("canvas tables", () => {
  const fc: FeatureCollection<Geometry, Record<string, unknown>> = {
    type: "FeatureCollection",
    features: [square(-84.2, 36.6, 0.0001, 1), square(-84.1995, 36.6, 0.0001, 2), square(-84.199, 36.6, 0.0001, 1)],
  };
  const map = { options: { crs: L.CRS.EPSG3857 } } as unknown as L.Map;
  const proj = project(map, fc);
  const at = (lon: number, lat: number) => L.CRS.EPSG3857.latLngToPoint(L.latLng(lat, lon), 0);

  it("finds the table under a click, and none between tables", () => {
    const p0 = at(-84.19995, 36.60005);
    const p1 = at(-84.19945, 36.60005);
    const gap = at(-84.1997, 36.60005);
    expect(hit(proj, p0.x, p0.y, 0)).toBe(0);
    expect(hit(proj, p1.x, p1.y, 0)).toBe(1);
    expect(hit(proj, gap.x, gap.y, 0)).toBe(-1);
  });

  it("groups drawing by block colour and keeps one colour per table", () => {
    expect(proj.colors[0]).toBe(proj.colors[2]);
    expect(proj.colors[0]).not.toBe(proj.colors[1]);
    const order = Array.from(proj.order);
    expect(new Set(order)).toEqual(new Set([0, 1, 2]));
    expect(Math.abs(order.indexOf(0) - order.indexOf(2))).toBe(1); // same colour drawn together
  });

  it("the popup names DC power, block, slopes and piles", () => {
    const el = tablePopup(fc.features[1].properties!);
    expect(el.textContent).toContain("Tracker");
    expect(el.textContent).toContain("DC power40.6 kWp");
    expect(el.textContent).toContain("Inverter block2");
    expect(el.textContent).toContain("Slope along3.2 %");
    expect(el.textContent).toContain("Piles8");
  });
});
