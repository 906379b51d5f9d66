/**
 * A large plant's dense map layers (tables/trackers, roads, trenches, DC/LV/MV cables) as typed
 * arrays for the WebGL layer, built in one pass over the layout's GeoJSON features, plus a grid
 * index that answers "which feature is under this click" from the same arrays.
 *
 * Coordinates: Web Mercator (EPSG:3857) pixels at zoom 0 (a 256 px world, Leaflet's convention;
 * zoom z multiplies them by 2^z), stored relative to `origin` (the plant's first vertex) so that
 * float32 keeps sub-pixel precision at zoom 20 (a 5 km plant spans ~0.03 zoom-0 px).
 *
 * Pure: no DOM, no Leaflet, no WebGL.
 */
import type { Feature, Geometry, Position } from "geojson";
import { NONCOMPLIANT_ROAD_COLOR, TABLE_TYPES, blockColor, roadStyle } from "./colors";
import { PLANT_LAYERS } from "./layers";

type Props = Record<string, unknown>;

/** Layers drawn with WebGL, bottom to top (the Leaflet panes' order: tables, roads, trenches, cables). */
export const GL_LAYER_KEYS = ["tables", "roads", "trench", "cable-dc", "cable-lv", "cable-mv"] as const;
export type GlLayerKey = (typeof GL_LAYER_KEYS)[number];

const GL_PLANT_LAYERS = PLANT_LAYERS.filter((l) => (GL_LAYER_KEYS as readonly string[]).includes(l.key));

/** Table fill and outline opacity (as the canvas layer drew them). */
export const TABLE_FILL_ALPHA = 0.7;
export const TABLE_OUTLINE_ALPHA = 0.9;
/** Dash of a road too steep for trucks [px on]; the gap is 3/4 of it ("8 6", as on the Leaflet map). */
export const STEEP_ROAD_DASH_PX = 8;
/** Floats per wide-line vertex: x, y, dir x, dir y, side, end, min width [px], width [zoom-0 px], distance [zoom-0 px], dash [px]. */
export const LINE_STRIDE = 10;

/** The WebGL layer a feature belongs to, or null when Leaflet draws it (equipment, fences, gates, …). */
export function glLayerOf(p: Props): GlLayerKey | null {
  if (p.kind === "asset") return TABLE_TYPES.has(String(p.asset_type)) ? "tables" : null;
  if (p.kind === "road") return "roads";
  for (const l of GL_PLANT_LAYERS) if (l.match(p)) return l.key as GlLayerKey;
  return null;
}

const MAX_LAT = 85.0511287798; // Leaflet's SphericalMercator limit [°]

/** WGS84 lon/lat [°] → Web Mercator zoom-0 pixels (x east, y south), as Leaflet's EPSG3857 at zoom 0. */
export function mercator0(lon: number, lat: number): [number, number] {
  const s = Math.sin((Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180);
  return [((lon + 180) / 360) * 256, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256];
}

/** Metres per zoom-0 pixel at latitude `lat` [°] (equatorial circumference 40,075,016.686 m, 256 px). */
const metresPerPx0 = (lat: number) => (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / 256;

/** A segment's quad: two triangles (a,−1) (a,+1) (b,+1) · (a,−1) (b,+1) (b,−1); end 0 = a, 1 = b. */
const QUAD_END = [0, 0, 1, 0, 1, 1];
const QUAD_SIDE = [-1, 1, 1, -1, 1, -1];

/** "#rrggbb" → [r, g, b] bytes. */
export function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** [first vertex, vertex count] of one layer in a vertex buffer. */
export type Range = [number, number];

/** Chunks per side of the grid that groups each layer's vertices for view culling. */
export const CHUNKS = 16;

/** One layer's vertices whose features start in one chunk: ranges in the three buffers and their box (relative zoom-0 px). */
export interface Chunk {
  layer: number; // GL_LAYER_KEYS ordinal
  fill: Range;
  outline: Range;
  line: Range;
  axis: Range;
  bbox: [number, number, number, number];
}

export interface PlantArrays {
  /** Zoom-0 pixel every stored coordinate is relative to. */
  origin: [number, number];
  /** Table fills: triangles, x y per vertex; RGBA bytes per vertex. */
  fillPos: Float32Array;
  fillColor: Uint8Array;
  /** Table outlines and 1 px lines (DC cables): GL line pairs, x y per vertex; RGBA per vertex. */
  outlinePos: Float32Array;
  outlineColor: Uint8Array;
  /** Wide lines: 6 vertices (two triangles) per segment, LINE_STRIDE floats per vertex; RGBA per vertex. */
  lineData: Float32Array;
  lineColor: Uint8Array;
  /** Tables' long axes, one GL line pair each: what is drawn instead of fill and outline once a
   * table is narrower than about a pixel (zoomed out), at a seventh of the vertices. */
  axisPos: Float32Array;
  axisColor: Uint8Array;
  /** Mean short side of the rectangular tables [zoom-0 px] (0: none). */
  tableWidth: number;
  /** Vertex ranges per layer in each buffer (absent: the layer has none). */
  fillRanges: Partial<Record<GlLayerKey, Range>>;
  outlineRanges: Partial<Record<GlLayerKey, Range>>;
  lineRanges: Partial<Record<GlLayerKey, Range>>;
  axisRanges: Partial<Record<GlLayerKey, Range>>;
  /** The same vertices in (layer, chunk) groups, for drawing only what a view shows. */
  chunks: Chunk[];
  /** Features drawn per layer. */
  counts: Partial<Record<GlLayerKey, number>>;
  /** Indices (into the features given) of the features drawn here; the others are Leaflet's. */
  drawn: Uint32Array;
  pick: PickIndex;
}

/** One pickable part (a table ring or a polyline) per item. */
export interface PickIndex {
  feature: Uint32Array; // index into the features given
  layer: Uint8Array; // GL_LAYER_KEYS ordinal (higher = drawn on top = picked first)
  polygon: Uint8Array; // 1: closed ring (a click inside hits), 0: polyline
  start: Uint32Array; // first point of item i in coords (items + 1 entries)
  coords: Float64Array; // x, y relative to origin [zoom-0 px]
  halfPx: Float32Array; // half the drawn width [px] (lines)
  halfWorld: Float32Array; // half the true width [zoom-0 px] (roads with width_m), else 0
  maxHalfPx: number;
  maxHalfWorld: number;
  /** Uniform grid over the items' extent: cell c holds items cellItems[cellStart[c] .. cellStart[c+1]). */
  cell: number;
  gx0: number;
  gy0: number;
  nx: number;
  ny: number;
  cellStart: Uint32Array;
  cellItems: Uint32Array;
}

interface LineStyle {
  rgba: [number, number, number, number];
  minPx: number;
  worldWidth: number; // zoom-0 px
  dash: number;
}

/** Parts of a geometry: outer rings of (multi)polygons, lines of (multi)linestrings. */
function parts(g: Geometry | null | undefined, rings: boolean): Position[][] {
  if (!g) return [];
  switch (g.type) {
    case "Polygon":
      return g.coordinates.length ? [g.coordinates[0]] : [];
    case "MultiPolygon":
      return g.coordinates.filter((p) => p.length).map((p) => p[0]);
    case "LineString":
      return rings ? [] : [g.coordinates];
    case "MultiLineString":
      return rings ? [] : g.coordinates;
    default:
      return [];
  }
}

/** Unique vertices of a ring (GeoJSON rings repeat the first point at the end). */
const ringLength = (r: Position[]) => (r.length > 1 && r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1] ? r.length - 1 : r.length);

/** Lines of at most 1 px, solid, with no true width: drawn as GL lines. */
const isThin = (s: LineStyle) => s.minPx <= 1 && s.worldWidth === 0 && s.dash === 0;

function lineStyle(layer: GlLayerKey, p: Props, lat: number): LineStyle {
  if (layer === "roads") {
    const s = roadStyle(String(p.road_class ?? ""));
    const w = typeof p.width_m === "number" && p.width_m > 0 ? p.width_m / metresPerPx0(lat) : 0;
    if (p.compliant === false) return { rgba: [...hexRgb(NONCOMPLIANT_ROAD_COLOR), 255], minPx: Math.max(3, s.weight), worldWidth: w, dash: STEEP_ROAD_DASH_PX };
    return { rgba: [...hexRgb(s.color), Math.round(0.9 * 255)], minPx: s.weight, worldWidth: w, dash: 0 };
  }
  const l = GL_PLANT_LAYERS.find((x) => x.key === layer)!;
  return { rgba: [...hexRgb(l.color), Math.round((l.opacity ?? 0.9) * 255)], minPx: l.weight, worldWidth: 0, dash: 0 };
}

/**
 * Every feature of the dense layers → vertex buffers grouped by layer (in GL_LAYER_KEYS order) and a
 * pick index. Tables are filled by fan triangulation of their outer ring (tables and trackers are
 * convex rectangles) and outlined with 1 px lines, coloured by inverter block; lines become one quad per
 * segment, widened on the GPU to their layer's weight (roads: to their true width when wider).
 * Two passes over the features: one to count vertices (exact allocation), one to write them.
 */
export function buildPlantArrays(features: readonly Feature<Geometry | null, Props | null>[]): PlantArrays {
  const n = features.length;
  const layerOf = new Int8Array(n).fill(-1);
  const keyOf = new Uint32Array(n); // layer × CHUNKS² + chunk
  const firstXY = new Float64Array(n * 2);
  const featFill = new Uint32Array(n);
  const featOutline = new Uint32Array(n);
  const featLine = new Uint32Array(n);
  const featAxis = new Uint32Array(n);
  const K = GL_LAYER_KEYS.length * CHUNKS * CHUNKS;
  const fillCount = new Uint32Array(K);
  const outlineCount = new Uint32Array(K);
  const lineCount = new Uint32Array(K);
  const axisCount = new Uint32Array(K);
  const counts: Partial<Record<GlLayerKey, number>> = {};
  let items = 0;
  let points = 0;
  let drawnCount = 0;
  let origin: [number, number] | null = null;

  // Pass 1: classify, count vertices.
  for (let i = 0; i < n; i++) {
    const f = features[i];
    const key = glLayerOf(f.properties ?? {});
    if (key === null) continue;
    const li = GL_LAYER_KEYS.indexOf(key);
    const ps = parts(f.geometry, li === 0);
    if (ps.length === 0) continue;
    layerOf[i] = li;
    drawnCount++;
    counts[key] = (counts[key] ?? 0) + 1;
    for (const part of ps) {
      if (li === 0) {
        const m = ringLength(part);
        if (m >= 3) featFill[i] += (m - 2) * 3;
        if (m >= 3) featAxis[i] += 2;
        featOutline[i] += m * 2;
        points += m;
      } else {
        // 1 px lines (DC cables) are GL line pairs in the outline buffer: 2 vertices a segment, not 6
        const thin = isThin(lineStyle(key, f.properties ?? {}, ps[0][0]?.[1] ?? 0));
        if (part.length >= 2) {
          if (thin) featOutline[i] += (part.length - 1) * 2;
          else featLine[i] += (part.length - 1) * 6;
        }
        points += part.length;
      }
      items++;
    }
    const [fx, fy] = ps[0].length ? mercator0(ps[0][0][0], ps[0][0][1]) : [NaN, NaN];
    firstXY[i * 2] = fx;
    firstXY[i * 2 + 1] = fy;
    if (!origin && Number.isFinite(fx)) origin = [fx, fy];
  }
  const o = origin ?? [0, 0];

  // Chunks: a CHUNKS × CHUNKS grid over the features' first vertices. Vertices are grouped by
  // (layer, chunk) so that a view zoomed into part of the plant draws only the chunks it sees.
  let ex0 = Infinity, ey0 = Infinity, ex1 = -Infinity, ey1 = -Infinity;
  for (let i = 0; i < n; i++) {
    if (layerOf[i] < 0 || !Number.isFinite(firstXY[i * 2])) continue;
    ex0 = Math.min(ex0, firstXY[i * 2]);
    ex1 = Math.max(ex1, firstXY[i * 2]);
    ey0 = Math.min(ey0, firstXY[i * 2 + 1]);
    ey1 = Math.max(ey1, firstXY[i * 2 + 1]);
  }
  const cw = Math.max(ex1 - ex0, 1e-12) / CHUNKS, ch = Math.max(ey1 - ey0, 1e-12) / CHUNKS;
  for (let i = 0; i < n; i++) {
    const li = layerOf[i];
    if (li < 0) continue;
    const gx = Math.min(CHUNKS - 1, Math.max(0, Math.floor((firstXY[i * 2] - ex0) / cw) || 0));
    const gy = Math.min(CHUNKS - 1, Math.max(0, Math.floor((firstXY[i * 2 + 1] - ey0) / ch) || 0));
    const k = li * CHUNKS * CHUNKS + gy * CHUNKS + gx;
    keyOf[i] = k;
    fillCount[k] += featFill[i];
    outlineCount[k] += featOutline[i];
    lineCount[k] += featLine[i];
    axisCount[k] += featAxis[i];
  }

  const starts = (c: Uint32Array) => {
    const s = new Uint32Array(c.length);
    for (let k = 1; k < c.length; k++) s[k] = s[k - 1] + c[k - 1];
    return s;
  };
  const per = CHUNKS * CHUNKS;
  /** Per layer: [first vertex, count] over its chunks (contiguous: keys are layer-major). */
  const ranges = (c: Uint32Array, s: Uint32Array) => {
    const r: Partial<Record<GlLayerKey, Range>> = {};
    GL_LAYER_KEYS.forEach((k, li) => {
      let total = 0;
      for (let j = 0; j < per; j++) total += c[li * per + j];
      if (total > 0) r[k] = [s[li * per], total];
    });
    return r;
  };
  const keyBox = new Float64Array(K * 4);
  for (let k = 0; k < K; k++) keyBox.set([Infinity, Infinity, -Infinity, -Infinity], k * 4);
  const fillStart = starts(fillCount);
  const outlineStart = starts(outlineCount);
  const lineStart = starts(lineCount);
  const axisStart = starts(axisCount);
  const sum = (c: Uint32Array) => c.reduce((a, b) => a + b, 0);
  const fillPos = new Float32Array(sum(fillCount) * 2);
  const fillColor = new Uint8Array(sum(fillCount) * 4);
  const outlinePos = new Float32Array(sum(outlineCount) * 2);
  const outlineColor = new Uint8Array(sum(outlineCount) * 4);
  const lineData = new Float32Array(sum(lineCount) * LINE_STRIDE);
  const lineColor = new Uint8Array(sum(lineCount) * 4);
  const axisPos = new Float32Array(sum(axisCount) * 2);
  const axisColor = new Uint8Array(sum(axisCount) * 4);
  const axisAt = Uint32Array.from(axisStart);
  let widthSum = 0;
  let widthN = 0;
  const fillAt = Uint32Array.from(fillStart);
  const outlineAt = Uint32Array.from(outlineStart);
  const lineAt = Uint32Array.from(lineStart);

  const pick = {
    feature: new Uint32Array(items),
    layer: new Uint8Array(items),
    polygon: new Uint8Array(items),
    start: new Uint32Array(items + 1),
    coords: new Float64Array(points * 2),
    halfPx: new Float32Array(items),
    halfWorld: new Float32Array(items),
  };
  const drawn = new Uint32Array(drawnCount);
  let item = 0;
  let pt = 0;
  let d = 0;
  let maxHalfPx = 0;
  let maxHalfWorld = 0;
  const colorCache = new Map<string, [number, number, number]>();
  const rgbOf = (hex: string) => {
    let c = colorCache.get(hex);
    if (!c) colorCache.set(hex, (c = hexRgb(hex)));
    return c;
  };
  const fa = Math.round(TABLE_FILL_ALPHA * 255);
  const oa = Math.round(TABLE_OUTLINE_ALPHA * 255);

  // Pass 2: write vertices and pick items.
  for (let i = 0; i < n; i++) {
    const li = layerOf[i];
    if (li < 0) continue;
    const key = keyOf[i];
    drawn[d++] = i;
    const f = features[i];
    const p = f.properties ?? {};
    const ps = parts(f.geometry, li === 0);
    const style = li === 0 ? null : lineStyle(GL_LAYER_KEYS[li], p, ps[0]?.[0]?.[1] ?? 0);
    const [r, g, b] = li === 0 ? rgbOf(blockColor(p.block as number | undefined)) : [0, 0, 0];
    for (const part of ps) {
      const first = pt;
      const m = li === 0 ? ringLength(part) : part.length;
      for (let k = 0; k < m; k++) {
        // mercator0, inlined: this loop runs once per vertex of the plant
        const lat = Math.max(-MAX_LAT, Math.min(MAX_LAT, part[k][1]));
        const sn = Math.sin((lat * Math.PI) / 180);
        const x = ((part[k][0] + 180) / 360) * 256 - o[0];
        const y = (0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI)) * 256 - o[1];
        pick.coords[pt * 2] = x;
        pick.coords[pt * 2 + 1] = y;
        if (x < keyBox[key * 4]) keyBox[key * 4] = x;
        if (y < keyBox[key * 4 + 1]) keyBox[key * 4 + 1] = y;
        if (x > keyBox[key * 4 + 2]) keyBox[key * 4 + 2] = x;
        if (y > keyBox[key * 4 + 3]) keyBox[key * 4 + 3] = y;
        pt++;
      }
      const c = pick.coords;
      pick.feature[item] = i;
      pick.layer[item] = li;
      pick.start[item] = first;
      if (li === 0) {
        pick.polygon[item] = 1;
        // fan triangles (v0, vk, vk+1)
        const putFill = (v: number) => {
          const at = fillAt[key]++;
          fillPos[at * 2] = c[v * 2];
          fillPos[at * 2 + 1] = c[v * 2 + 1];
          fillColor[at * 4] = r;
          fillColor[at * 4 + 1] = g;
          fillColor[at * 4 + 2] = b;
          fillColor[at * 4 + 3] = fa;
        };
        const putOutline = (v: number) => {
          const at = outlineAt[key]++;
          outlinePos[at * 2] = c[v * 2];
          outlinePos[at * 2 + 1] = c[v * 2 + 1];
          outlineColor[at * 4] = r;
          outlineColor[at * 4 + 1] = g;
          outlineColor[at * 4 + 2] = b;
          outlineColor[at * 4 + 3] = oa;
        };
        for (let k = 1; k + 1 < m; k++) {
          putFill(first);
          putFill(first + k);
          putFill(first + k + 1);
        }
        for (let k = 0; k < m; k++) {
          putOutline(first + k);
          putOutline(first + ((k + 1) % m));
        }
        if (m >= 3) {
          // long axis: between the midpoints of the two short sides (rectangles; others: v0 → v[m/2])
          const X = (v: number) => c[(first + v) * 2], Y = (v: number) => c[(first + v) * 2 + 1];
          let ax = X(0), ay = Y(0), bx = X(m >> 1), by = Y(m >> 1);
          if (m === 4) {
            const e0 = Math.hypot(X(1) - X(0), Y(1) - Y(0)), e1 = Math.hypot(X(2) - X(1), Y(2) - Y(1));
            const [p, q] = e0 <= e1 ? [0, 2] : [1, 3];
            ax = (X(p) + X(p + 1)) / 2;
            ay = (Y(p) + Y(p + 1)) / 2;
            bx = (X(q) + X((q + 1) % 4)) / 2;
            by = (Y(q) + Y((q + 1) % 4)) / 2;
            widthSum += Math.min(e0, e1);
            widthN++;
          }
          for (const [x, y] of [[ax, ay], [bx, by]]) {
            const at = axisAt[key]++;
            axisPos[at * 2] = x;
            axisPos[at * 2 + 1] = y;
            axisColor.set([r, g, b, oa], at * 4);
          }
        }
      } else if (style && isThin(style)) {
        pick.halfPx[item] = style.minPx / 2;
        maxHalfPx = Math.max(maxHalfPx, style.minPx / 2);
        for (let k = 0; k + 1 < m; k++) {
          for (const v of [first + k, first + k + 1]) {
            const at = outlineAt[key]++;
            outlinePos[at * 2] = c[v * 2];
            outlinePos[at * 2 + 1] = c[v * 2 + 1];
            outlineColor[at * 4] = style.rgba[0];
            outlineColor[at * 4 + 1] = style.rgba[1];
            outlineColor[at * 4 + 2] = style.rgba[2];
            outlineColor[at * 4 + 3] = style.rgba[3];
          }
        }
      } else if (style) {
        pick.halfPx[item] = style.minPx / 2;
        pick.halfWorld[item] = style.worldWidth / 2;
        maxHalfPx = Math.max(maxHalfPx, style.minPx / 2);
        maxHalfWorld = Math.max(maxHalfWorld, style.worldWidth / 2);
        let dist = 0;
        for (let k = 0; k + 1 < m; k++) {
          const ax = c[(first + k) * 2], ay = c[(first + k) * 2 + 1];
          const bx = c[(first + k + 1) * 2], by = c[(first + k + 1) * 2 + 1];
          const len = Math.hypot(bx - ax, by - ay);
          const dx = len > 0 ? (bx - ax) / len : 0;
          const dy = len > 0 ? (by - ay) / len : 0;
          // two triangles: (a,-1) (a,+1) (b,+1) · (a,-1) (b,+1) (b,-1); end −1 at a, +1 at b (square caps)
          for (let q = 0; q < 6; q++) {
            const atB = QUAD_END[q], side = QUAD_SIDE[q];
            const at = lineAt[key]++;
            const base = at * LINE_STRIDE;
            lineData[base] = atB ? bx : ax;
            lineData[base + 1] = atB ? by : ay;
            lineData[base + 2] = dx;
            lineData[base + 3] = dy;
            lineData[base + 4] = side;
            lineData[base + 5] = atB ? 1 : -1;
            lineData[base + 6] = style.minPx;
            lineData[base + 7] = style.worldWidth;
            lineData[base + 8] = atB ? dist + len : dist;
            lineData[base + 9] = style.dash;
            lineColor[at * 4] = style.rgba[0];
            lineColor[at * 4 + 1] = style.rgba[1];
            lineColor[at * 4 + 2] = style.rgba[2];
            lineColor[at * 4 + 3] = style.rgba[3];
          }
          dist += len;
        }
      }
      item++;
    }
  }
  pick.start[item] = pt;

  return {
    origin: o,
    fillPos,
    fillColor,
    outlinePos,
    outlineColor,
    lineData,
    lineColor,
    axisPos,
    axisColor,
    tableWidth: widthN ? widthSum / widthN : 0,
    fillRanges: ranges(fillCount, fillStart),
    outlineRanges: ranges(outlineCount, outlineStart),
    lineRanges: ranges(lineCount, lineStart),
    axisRanges: ranges(axisCount, axisStart),
    chunks: chunkList(K, keyBox, [fillStart, fillCount], [outlineStart, outlineCount], [lineStart, lineCount], [axisStart, axisCount]),
    counts,
    drawn,
    pick: { ...pick, maxHalfPx, maxHalfWorld, ...buildGrid(pick.coords, pick.start, pick.polygon, item) },
  };
}

/** The non-empty (layer, chunk) groups, in drawing order. */
function chunkList(K: number, box: Float64Array, ...bufs: [Uint32Array, Uint32Array][]): Chunk[] {
  const out: Chunk[] = [];
  const per = CHUNKS * CHUNKS;
  for (let k = 0; k < K; k++) {
    const [fill, outline, line, axis] = bufs.map(([s, c]) => [s[k], c[k]] as Range);
    if (fill[1] + outline[1] + line[1] + axis[1] === 0) continue;
    out.push({ layer: Math.floor(k / per), fill, outline, line, axis, bbox: [box[k * 4], box[k * 4 + 1], box[k * 4 + 2], box[k * 4 + 3]] });
  }
  return out;
}

/** Cells of the uniform grid a box covers, clamped to the grid. */
function cellRange(g: { cell: number; gx0: number; gy0: number; nx: number; ny: number }, minx: number, miny: number, maxx: number, maxy: number) {
  const cx0 = Math.max(0, Math.floor(minx / g.cell) - g.gx0);
  const cy0 = Math.max(0, Math.floor(miny / g.cell) - g.gy0);
  const cx1 = Math.min(g.nx - 1, Math.floor(maxx / g.cell) - g.gx0);
  const cy1 = Math.min(g.ny - 1, Math.floor(maxy / g.cell) - g.gy0);
  return [cx0, cy0, cx1, cy1] as const;
}

/** A grid of at most 256 cells along the longer side; each item is listed in the cells its segments' boxes touch. */
function buildGrid(coords: Float64Array, start: Uint32Array, polygon: Uint8Array, items: number) {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (let k = 0; k < start[items]; k++) {
    const x = coords[k * 2], y = coords[k * 2 + 1];
    if (x < minx) minx = x;
    if (x > maxx) maxx = x;
    if (y < miny) miny = y;
    if (y > maxy) maxy = y;
  }
  if (!Number.isFinite(minx)) return { cell: 1, gx0: 0, gy0: 0, nx: 1, ny: 1, cellStart: new Uint32Array(2), cellItems: new Uint32Array(0) };
  const cell = Math.max(maxx - minx, maxy - miny, 1e-12) / 256;
  const gx0 = Math.floor(minx / cell), gy0 = Math.floor(miny / cell);
  const g = { cell, gx0, gy0, nx: Math.floor(maxx / cell) - gx0 + 1, ny: Math.floor(maxy / cell) - gy0 + 1 };
  const ncell = g.nx * g.ny;
  const count = new Uint32Array(ncell + 1);
  const visit = (fn: (c: number, it: number) => void) => {
    let last = -1; // skip a cell already listed for this item by its previous segment
    for (let it = 0; it < items; it++) {
      const a = start[it], b = start[it + 1];
      const closed = polygon[it] === 1; // rings (stored without the repeated first point) close back to it
      for (let k = a; k < b; k++) {
        const next = k + 1 < b ? k + 1 : closed ? a : k;
        const [cx0, cy0, cx1, cy1] = cellRange(g, Math.min(coords[k * 2], coords[next * 2]), Math.min(coords[k * 2 + 1], coords[next * 2 + 1]), Math.max(coords[k * 2], coords[next * 2]), Math.max(coords[k * 2 + 1], coords[next * 2 + 1]));
        for (let cy = cy0; cy <= cy1; cy++) {
          for (let cx = cx0; cx <= cx1; cx++) {
            const c = cy * g.nx + cx;
            if (c === last) continue;
            last = c;
            fn(c, it);
          }
        }
      }
      last = -1;
    }
  };
  visit((c) => count[c + 1]++);
  for (let c = 0; c < ncell; c++) count[c + 1] += count[c];
  const cellItems = new Uint32Array(count[ncell]);
  const at = count.slice(0, ncell);
  visit((c, it) => (cellItems[at[c]++] = it));
  return { ...g, cellStart: count, cellItems };
}

function inRing(x: number, y: number, c: Float64Array, from: number, to: number): boolean {
  let inside = false;
  for (let i = from, j = to - 1; i < to; j = i++) {
    const xi = c[i * 2], yi = c[i * 2 + 1], xj = c[j * 2], yj = c[j * 2 + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segDist(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const t = l2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / l2)) : 0;
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

/**
 * The feature under zoom-0 point (x, y) (absolute, as `mercator0` gives) at map scale 2^zoom: the
 * topmost layer's (cables over trenches over roads over tables) nearest part within `tolPx` screen
 * pixels of its drawn edge. Layers in `hidden` are skipped. Returns the feature index or -1.
 */
export function pickFeature(a: PlantArrays, x: number, y: number, scale: number, hidden: ReadonlySet<string> = new Set(), tolPx = 3): number {
  const p = a.pick;
  const qx = x - a.origin[0], qy = y - a.origin[1];
  const tol = tolPx / scale;
  const reach = tol + p.maxHalfWorld + p.maxHalfPx / scale;
  const [cx0, cy0, cx1, cy1] = cellRange(p, qx - reach, qy - reach, qx + reach, qy + reach);
  const seen = new Set<number>();
  let best = -1, bestLayer = -1, bestD = Infinity;
  for (let cy = cy0; cy <= cy1; cy++) {
    for (let cx = cx0; cx <= cx1; cx++) {
      const c = cy * p.nx + cx;
      for (let k = p.cellStart[c]; k < p.cellStart[c + 1]; k++) {
        const it = p.cellItems[k];
        if (seen.has(it)) continue;
        seen.add(it);
        const layer = p.layer[it];
        if (layer < bestLayer || hidden.has(GL_LAYER_KEYS[layer])) continue;
        const s = p.start[it], e = p.start[it + 1];
        let dmin = Infinity;
        if (p.polygon[it] && e - s >= 3 && inRing(qx, qy, p.coords, s, e)) dmin = 0;
        else {
          for (let v = s; v < e; v++) {
            const w = v + 1 < e ? v + 1 : p.polygon[it] ? s : v;
            dmin = Math.min(dmin, segDist(qx, qy, p.coords[v * 2], p.coords[v * 2 + 1], p.coords[w * 2], p.coords[w * 2 + 1]));
          }
        }
        const half = p.polygon[it] ? 0 : Math.max(p.halfPx[it] / scale, p.halfWorld[it]);
        const dEdge = Math.max(0, dmin - half);
        if (dEdge > tol) continue;
        if (layer > bestLayer || dEdge < bestD) {
          best = p.feature[it];
          bestLayer = layer;
          bestD = dEdge;
        }
      }
    }
  }
  return best;
}

/** Every ArrayBuffer under `value` (typed arrays at any depth), once each: the transfer list. */
export function transferables(value: unknown, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) out.add(value.buffer);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) transferables(v, out);
  }
  return [...out];
}
