import { describe, expect, it } from "vitest";
import type { Feature, Geometry } from "geojson";
import { buildPlantArrays, transferables } from "./plantArrays";
import { plantArraysOffThread, rememberGeojsonText } from "./plantArraysAsync";

const table = (i: number): Feature<Geometry, Record<string, unknown>> => ({
  type: "Feature",
  properties: { kind: "asset", asset_type: "tracker", block: 1 + (i % 3) },
  geometry: {
    type: "Polygon",
    coordinates: [
      [
        [-93 + i * 1e-4, 40],
        [-93 + i * 1e-4 + 5e-5, 40],
        [-93 + i * 1e-4 + 5e-5, 40.001],
        [-93 + i * 1e-4, 40.001],
        [-93 + i * 1e-4, 40],
      ],
    ],
  },
});

describe("plantArraysOffThread", () => {
  it("without a Worker (jsdom) builds the same arrays on the main thread, once per collection", async () => {
    const fc = { type: "FeatureCollection", features: Array.from({ length: 50 }, (_, i) => table(i)) };
    rememberGeojsonText(fc, JSON.stringify(fc));
    const first = plantArraysOffThread(fc);
    expect(plantArraysOffThread(fc)).toBe(first); // cached per collection object
    const arrays = await first;
    const direct = buildPlantArrays(fc.features);
    expect(arrays.counts).toEqual(direct.counts);
    expect(Array.from(arrays.fillPos)).toEqual(Array.from(direct.fillPos));
    expect(Array.from(arrays.drawn)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("lists every typed array's buffer once for the transfer", () => {
    const a = buildPlantArrays([table(0), table(1)]);
    const buffers = transferables(a);
    expect(new Set(buffers).size).toBe(buffers.length);
    for (const view of [a.fillPos, a.fillColor, a.drawn, a.pick.coords, a.pick.feature]) {
      expect(buffers).toContain(view.buffer);
    }
  });
});
