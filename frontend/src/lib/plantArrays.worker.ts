/**
 * Web Worker: parses a layout's GeoJSON text and builds its WebGL arrays (`buildPlantArrays`) off
 * the main thread, then hands the typed arrays back by transfer (no copy). See plantArraysAsync.ts.
 *
 * Message in: { text } (the GET …/geojson body). Message out: { arrays } or { error }.
 */
import type { Feature, Geometry } from "geojson";
import { buildPlantArrays, transferables } from "./plantArrays";

type In = { text: string };

self.onmessage = (e: MessageEvent<In>) => {
  try {
    const fc = JSON.parse(e.data.text) as { features?: Feature<Geometry | null, Record<string, unknown> | null>[] };
    const arrays = buildPlantArrays(fc.features ?? []);
    self.postMessage({ arrays }, { transfer: transferables(arrays) });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
