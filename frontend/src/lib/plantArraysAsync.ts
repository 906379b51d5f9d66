/**
 * A large layout's WebGL arrays built in a Web Worker (plantArrays.worker.ts), not on the main
 * thread: the worker parses its own copy of the GeoJSON text (a 1 GWac layout is ~22 MB) and
 * builds the arrays there, so the page stays responsive while it does; the typed arrays come back
 * by transfer. The main thread still parses the text once for itself — Leaflet's layers, the
 * popups and the panels read the features — because cloning ~45k parsed features back from a
 * worker costs the main thread about as much as JSON.parse does. For a large layout it does so
 * only after the worker has answered (`parseLayoutText`): the worker's parse and build run while
 * the main thread is free, and the map gets its arrays from the cache, not a second build.
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
 * A layout's JSON text at least this long (characters) goes to the worker before the main thread
 * parses it: about 5,000 features (≈ 480 characters each), the size from which the map draws the
 * plant with WebGL (GL_MIN_FEATURES in SiteMap).
 */
export const WORKER_FIRST_CHARS = 2_000_000;

/**
 * The FeatureCollection of a layout's GeoJSON text (GET …/geojson), its WebGL arrays first.
 *
 * A large text (`WORKER_FIRST_CHARS`), when workers exist: the worker parses its copy and builds
 * the arrays, and only once it has answered (or failed) does the main thread parse the text, so
 * the page is not frozen by a 30 MB JSON.parse while the worker works; the arrays are cached for
 * the collection (`plantArraysOffThread` returns them). A worker that fails leaves the build to
 * the main thread, as before. A smaller text is parsed at once and kept for the map.
 */
export async function parseLayoutText<T extends { features: Features }>(text: string): Promise<T> {
  if (text.length < WORKER_FIRST_CHARS || typeof Worker === "undefined") {
    const fc = JSON.parse(text) as T;
    rememberGeojsonText(fc, text);
    return fc;
  }
  const arrays = inWorker(text);
  const ok = await arrays.then(
    () => true,
    () => false,
  );
  performance.mark("geojson-main-parse-start");
  const fc = JSON.parse(text) as T;
  if (ok) built.set(fc, arrays);
  return fc;
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
