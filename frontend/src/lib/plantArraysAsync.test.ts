import { afterEach, describe, expect, it, vi } from "vitest";
import type { Feature, Geometry } from "geojson";
import { buildPlantArrays, transferables } from "./plantArrays";
import { parseLayoutText, plantArraysOffThread, rememberGeojsonText, WORKER_FIRST_CHARS } from "./plantArraysAsync";

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

describe("parseLayoutText", () => {
  const realParse = JSON.parse;
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  /** A stand-in for plantArrays.worker.ts: parses its copy (with the real JSON.parse, so the spy
   * below sees only the main thread's calls) and answers on a later task, as a worker does. */
  function fakeWorker(events: string[], fail = false) {
    return class {
      onmessage: ((e: MessageEvent) => void) | null = null;
      onerror: ((e: ErrorEvent) => void) | null = null;
      postMessage({ text }: { text: string }) {
        events.push("worker-start");
        setTimeout(() => {
          events.push("worker-done");
          if (fail) {
            this.onmessage?.({ data: { error: "boom" } } as MessageEvent);
            return;
          }
          const fc = realParse(text) as { features: Feature<Geometry, Record<string, unknown>>[] };
          this.onmessage?.({ data: { arrays: buildPlantArrays(fc.features) } } as MessageEvent);
        }, 5);
      }
      terminate() {}
    };
  }

  function bigText(): { text: string; n: number } {
    // Enough tables to pass the threshold (≈ 210 characters each).
    const n = Math.ceil(WORKER_FIRST_CHARS / 200);
    const fc = { type: "FeatureCollection", features: Array.from({ length: n }, (_, i) => table(i)) };
    const text = JSON.stringify(fc);
    expect(text.length).toBeGreaterThanOrEqual(WORKER_FIRST_CHARS);
    return { text, n };
  }

  it("parses a large layout on the main thread only after the worker has answered, and reuses its arrays", async () => {
    const events: string[] = [];
    vi.stubGlobal("Worker", fakeWorker(events));
    const spy = vi.spyOn(JSON, "parse").mockImplementation((t: string) => {
      events.push("main-parse");
      return realParse(t);
    });
    const { text, n } = bigText();
    const fc = await parseLayoutText<{ features: Feature<Geometry, Record<string, unknown>>[] }>(text);
    expect(events).toEqual(["worker-start", "worker-done", "main-parse"]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(fc.features).toHaveLength(n);
    // The map's request for the arrays gets the worker's build: no second parse or build.
    const arrays = await plantArraysOffThread(fc);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(arrays.counts).toEqual(buildPlantArrays(fc.features).counts);
  });

  it("a failing worker leaves the build to the main thread", async () => {
    const events: string[] = [];
    vi.stubGlobal("Worker", fakeWorker(events, true));
    const { text, n } = bigText();
    const fc = await parseLayoutText<{ features: Feature<Geometry, Record<string, unknown>>[] }>(text);
    expect(events).toEqual(["worker-start", "worker-done"]);
    const arrays = await plantArraysOffThread(fc);
    expect(arrays.drawn.length).toBe(n);
  });

  it("a small layout is parsed at once, its text kept for the map", async () => {
    const events: string[] = [];
    vi.stubGlobal("Worker", fakeWorker(events));
    const fc = { type: "FeatureCollection", features: [table(0), table(1)] };
    const parsed = await parseLayoutText<typeof fc>(JSON.stringify(fc));
    expect(events).toEqual([]);
    expect(parsed).toEqual(fc);
    // Its text was kept: the map's build goes to the (fake) worker.
    await plantArraysOffThread(parsed);
    expect(events).toEqual(["worker-start", "worker-done"]);
  });
});
