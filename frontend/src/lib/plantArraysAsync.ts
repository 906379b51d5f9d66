/**
 * A large layout's WebGL arrays built in a Web Worker (plantArrays.worker.ts), not on the main
 * thread: the worker parses its own copy of the GeoJSON text (a 1 GWac layout is ~22 MB) and
 * builds the arrays there, so the page stays responsive while it does; the typed arrays come back
 * by transfer. The main thread still parses the text once for itself — Leaflet's layers, the
 * popups and the panels read the features — because cloning ~45k parsed features back from a
 * worker costs the main thread about as much as JSON.parse does.
 *
 * Without a worker (Vitest's jsdom, an old browser, a worker that fails) the arrays are built
 * on the main thread as before. Results are cached per FeatureCollection object, so a remount
 * of the map for the same layout does not rebuild them.
 */
import type { Feature, Geometry } from "geojson";
import { buildPlantArrays, type PlantArrays } from "./plantArrays";

type Features = readonly Feature<Geometry | null, Record<string, unknown> | null>[];

const texts = new WeakMap<object, string>();
const built = new WeakMap<object, Promise<PlantArrays>>();

/** Keep the JSON text `fc` was parsed from, for the worker (see `plantArraysOffThread`). */
export function rememberGeojsonText(fc: object, text: string): void {
  texts.set(fc, text);
}

/** Drop the text kept for `fc` (a layout the map draws without WebGL needs no worker). */
export function forgetGeojsonText(fc: object): void {
  texts.delete(fc);
}

function inWorker(text: string): Promise<PlantArrays> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL("./plantArrays.worker.ts", import.meta.url), { type: "module" });
    } catch (err) {
      reject(err);
      return;
    }
    worker.onmessage = (e: MessageEvent<{ arrays?: PlantArrays; error?: string }>) => {
      worker.terminate();
      if (e.data.arrays) resolve(e.data.arrays);
      else reject(new Error(e.data.error ?? "plant arrays worker failed"));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message || "plant arrays worker failed"));
    };
    worker.postMessage({ text });
  });
}

/**
 * The WebGL arrays of `fc` (see the module comment): in a worker when its JSON text was kept
 * (`rememberGeojsonText`) and workers exist, else on the main thread (after a microtask).
 */
export function plantArraysOffThread(fc: { features: Features }): Promise<PlantArrays> {
  const cached = built.get(fc);
  if (cached) return cached;
  const text = texts.get(fc);
  texts.delete(fc); // the worker has its copy; the main thread keeps only the parsed features
  const onMain = () => buildPlantArrays(fc.features);
  const p =
    text !== undefined && typeof Worker !== "undefined"
      ? inWorker(text).catch(onMain)
      : Promise.resolve().then(onMain);
  built.set(fc, p);
  return p;
}
