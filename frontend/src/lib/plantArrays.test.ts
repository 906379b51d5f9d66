import { describe, expect, it } from "vitest";
import L from "leaflet";
import type { Feature, Geometry } from "geojson";
import { GL_LAYER_KEYS, LINE_STRIDE, buildPlantArrays, glLayerOf, hexRgb, mercator0, pickFeature } from "./plantArrays";
import { CABLE_COLORS, NONCOMPLIANT_ROAD_COLOR, TRENCH_COLOR, blockColor, roadStyle } from "./colors";

type F = Feature<Geometry, Record<string, unknown>>;

const LON = -84.16;
const LAT = 36.61;
/** 1 m in degrees near (LON, LAT). */
const M_LAT = 1 / 110_950;
const M_LON = 1 / (110_950 * Math.cos((LAT * Math.PI) / 180));

const table = (e: number, n: number, block: number, id: number): F => ({
  type: "Feature",
  geometry: {
    type: "Polygon",
    coordinates: [
      [
        [LON + e * M_LON, LAT + n * M_LAT],
        [LON + (e + 2.4) * M_LON, LAT + n * M_LAT],
        [LON + (e + 2.4) * M_LON, LAT + (n + 60) * M_LAT],
        [LON + e * M_LON, LAT + (n + 60) * M_LAT],
        [LON + e * M_LON, LAT + n * M_LAT],
      ],
    ],
  },
  properties: { kind: "asset", asset_type: "tracker", block, id },
});
const line = (props: Record<string, unknown>, pts: [number, number][]): F => ({
  type: "Feature",
  geometry: { type: "LineString", coordinates: pts.map(([e, n]) => [LON + e * M_LON, LAT + n * M_LAT]) },
  properties: props,
});

const features: F[] = [
  table(0, 0, 1, 0), // 0
  table(10, 0, 2, 1), // 1
  line({ kind: "cable", level: "dc" }, [[1, -5], [1, 30], [11, 30]]), // 2: 2 segments
  line({ kind: "cable", level: "mv" }, [[-20, 100], [40, 100]]), // 3
  line({ kind: "trench" }, [[-20, 110], [40, 110]]), // 4
  line({ kind: "road", road_class: "spine", width_m: 6 }, [[-20, 200], [40, 200]]), // 5
  line({ kind: "road", road_class: "spur", compliant: false }, [[-20, 300], [40, 300], [40, 350]]), // 6
  { type: "Feature", geometry: { type: "Point", coordinates: [LON, LAT] }, properties: { kind: "asset", asset_type: "power_station" } }, // 7: Leaflet's
  line({ kind: "fence" }, [[-30, -30], [50, -30]]), // 8: Leaflet's
];

/** RGBA of vertex v in a colour buffer. */
const rgba = (c: Uint8Array, v: number) => Array.from(c.subarray(v * 4, v * 4 + 4));

describe("mercator0", () => {
  it("matches Leaflet's EPSG:3857 at zoom 0", () => {
    for (const [lon, lat] of [[LON, LAT], [0, 0], [151.2, -33.9], [-179, 84]]) {
      const p = L.CRS.EPSG3857.latLngToPoint(L.latLng(lat, lon), 0);
      const [x, y] = mercator0(lon, lat);
      expect(x).toBeCloseTo(p.x, 9);
      expect(y).toBeCloseTo(p.y, 9);
    }
  });
});

describe("buildPlantArrays", () => {
  const a = buildPlantArrays(features);

  it("keeps only the dense layers and says which features it drew", () => {
    expect(glLayerOf({ kind: "asset", asset_type: "power_station" })).toBeNull();
    expect(glLayerOf({ kind: "fence" })).toBeNull();
    expect(Array.from(a.drawn)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(a.counts).toEqual({ tables: 2, "cable-dc": 1, "cable-mv": 1, trench: 1, roads: 2 });
  });

  it("has two triangles and four outline segments per rectangular table", () => {
    expect(a.fillRanges.tables).toEqual([0, 2 * 2 * 3]);
    expect(a.fillPos.length).toBe(12 * 2);
    expect(a.outlineRanges.tables).toEqual([0, 2 * 4 * 2]);
    // fan of the first table: (v0 v1 v2) (v0 v2 v3), relative to the origin (its first vertex)
    const [ox, oy] = a.origin;
    expect(a.origin).toEqual(mercator0(LON, LAT));
    const v = (k: number) => [a.fillPos[k * 2] + ox, a.fillPos[k * 2 + 1] + oy];
    const ring = (features[0].geometry as { coordinates: number[][][] }).coordinates[0];
    const want = [0, 1, 2, 0, 2, 3].map((i) => mercator0(ring[i][0], ring[i][1]));
    want.forEach((w, k) => {
      expect(v(k)[0]).toBeCloseTo(w[0], 6);
      expect(v(k)[1]).toBeCloseTo(w[1], 6);
    });
  });

  it("has each table's long axis and the tables' mean width for the zoomed-out view", () => {
    expect(a.axisRanges.tables).toEqual([0, 2 * 2]);
    const [ox, oy] = a.origin;
    const w = [mercator0(LON + 1.2 * M_LON, LAT), mercator0(LON + 1.2 * M_LON, LAT + 60 * M_LAT)];
    [0, 1].forEach((k) => {
      expect(a.axisPos[k * 2] + ox).toBeCloseTo(w[k][0], 6);
      expect(a.axisPos[k * 2 + 1] + oy).toBeCloseTo(w[k][1], 6);
    });
    expect(a.tableWidth / (w[0][0] - mercator0(LON, LAT)[0]) / 2).toBeCloseTo(1, 3);
  });

  it("colours tables by inverter block and lines by layer", () => {
    expect(rgba(a.fillColor, 0)).toEqual([...hexRgb(blockColor(1)), Math.round(0.7 * 255)]);
    expect(rgba(a.fillColor, 6)).toEqual([...hexRgb(blockColor(2)), Math.round(0.7 * 255)]);
    expect(rgba(a.outlineColor, 8)).toEqual([...hexRgb(blockColor(2)), Math.round(0.9 * 255)]);
    const first = (k: string) => a.lineRanges[k as (typeof GL_LAYER_KEYS)[number]]![0];
    expect(rgba(a.outlineColor, a.outlineRanges["cable-dc"]![0])).toEqual([...hexRgb(CABLE_COLORS.dc), Math.round(0.9 * 255)]);
    expect(rgba(a.lineColor, first("cable-mv"))).toEqual([...hexRgb(CABLE_COLORS.mv), Math.round(0.9 * 255)]);
    expect(rgba(a.lineColor, first("trench"))).toEqual([...hexRgb(TRENCH_COLOR), Math.round(0.55 * 255)]);
    // roads (in chunk order): 6 vertices of the spine, 12 of the steep spur
    const [r0, rn] = a.lineRanges.roads!;
    const roadColors = Array.from({ length: rn }, (_, k) => rgba(a.lineColor, r0 + k).join(","));
    expect(roadColors.filter((c) => c === [...hexRgb(roadStyle("spine").color), Math.round(0.9 * 255)].join(","))).toHaveLength(6);
    expect(roadColors.filter((c) => c === [...hexRgb(NONCOMPLIANT_ROAD_COLOR), 255].join(","))).toHaveLength(12);
    // the steep spur: red, opaque, dashed, at least 3 px
    const steep = r0 + roadColors.indexOf([...hexRgb(NONCOMPLIANT_ROAD_COLOR), 255].join(","));
    expect(a.lineData[steep * LINE_STRIDE + 6]).toBe(3);
    expect(a.lineData[steep * LINE_STRIDE + 9]).toBeGreaterThan(0);
  });

  it("has six vertices per wide line segment and two per 1 px segment, grouped by layer in drawing order", () => {
    expect(a.lineRanges.roads).toEqual([0, (1 + 2) * 6]);
    expect(a.lineRanges.trench).toEqual([18, 6]);
    expect(a.lineRanges["cable-dc"]).toBeUndefined(); // 1 px: GL lines, after the tables' outlines
    expect(a.outlineRanges["cable-dc"]).toEqual([16, 2 * 2]);
    expect(a.lineRanges["cable-mv"]).toEqual([24, 6]);
    expect(a.lineData.length).toBe(30 * LINE_STRIDE);
    // the DC cable's segments: (1,-5)→(1,30), (1,30)→(11,30)
    const [ox, oy] = a.origin;
    const at = (k: number) => [a.outlinePos[(16 + k) * 2] + ox, a.outlinePos[(16 + k) * 2 + 1] + oy];
    [[1, -5], [1, 30], [1, 30], [11, 30]].forEach(([e, n], k) => {
      const w = mercator0(LON + e * M_LON, LAT + n * M_LAT);
      expect(at(k)[0]).toBeCloseTo(w[0], 6);
      expect(at(k)[1]).toBeCloseTo(w[1], 6);
    });
    // the spine road's true width: 6 m in zoom-0 px at its latitude (float32: 7 digits)
    const mPerPx0 = (40_075_016.686 * Math.cos(((LAT + 200 * M_LAT) * Math.PI) / 180)) / 256;
    const spine = Array.from({ length: 18 }, (_, k) => a.lineData[k * LINE_STRIDE + 7]).filter((w) => w > 0);
    expect(spine).toHaveLength(6);
    expect(spine[0] / (6 / mPerPx0)).toBeCloseTo(1, 6);
    // cumulative distance along the steep spur: 60 m then 50 m more (zoom-0 px; N–S ≈ E–W scale here)
    const [r0, rn] = a.lineRanges.roads!;
    const dists = Array.from({ length: rn }, (_, k) => a.lineData[(r0 + k) * LINE_STRIDE + 8]).filter((_, k) => a.lineData[(r0 + k) * LINE_STRIDE + 9] > 0);
    expect(Math.max(...dists) / dists.filter((x) => x > 0)[0]).toBeCloseTo(110 / 60, 2);
  });

  it("picks the feature under a point, top layer first, hidden layers skipped", () => {
    const at = (e: number, n: number) => mercator0(LON + e * M_LON, LAT + n * M_LAT);
    const z = 2 ** 19; // ~0.2 m per px here
    expect(pickFeature(a, ...at(1.8, 50), z)).toBe(0); // inside table 0, away from the DC cable
    expect(pickFeature(a, ...at(11.2, 45), z)).toBe(1);
    expect(pickFeature(a, ...at(1, 10), z)).toBe(2); // the DC cable over table 0
    expect(pickFeature(a, ...at(1, 10), z, new Set(["cable-dc"]))).toBe(0);
    expect(pickFeature(a, ...at(5, 100.3), z)).toBe(3);
    expect(pickFeature(a, ...at(5, 110), z)).toBe(4);
    expect(pickFeature(a, ...at(5, 202.5), z)).toBe(5); // within the 6 m road's half width
    expect(pickFeature(a, ...at(40, 330), z)).toBe(6);
    expect(pickFeature(a, ...at(5, 160), z)).toBe(-1);
    expect(pickFeature(a, ...at(5, 160), z, new Set(["roads", "trench", "cable-dc", "cable-mv", "tables"]))).toBe(-1);
  });

  it("groups each layer's vertices in chunks that cover them, in drawing order", () => {
    // 40 trackers 500 m apart: several chunks
    const many = Array.from({ length: 40 }, (_, k) => table((k % 8) * 500, Math.floor(k / 8) * 500, k, k));
    const b = buildPlantArrays(many);
    expect(b.chunks.length).toBeGreaterThan(4);
    expect(b.chunks.reduce((n, c) => n + c.fill[1], 0)).toBe(40 * 6);
    let at = 0;
    for (const c of b.chunks) {
      expect(c.fill[0]).toBe(at); // contiguous, no gaps or overlaps
      at += c.fill[1];
      for (let v = c.fill[0]; v < c.fill[0] + c.fill[1]; v++) {
        expect(b.fillPos[v * 2]).toBeGreaterThanOrEqual(c.bbox[0] - 1e-8);
        expect(b.fillPos[v * 2]).toBeLessThanOrEqual(c.bbox[2] + 1e-8);
        expect(b.fillPos[v * 2 + 1]).toBeGreaterThanOrEqual(c.bbox[1] - 1e-8);
        expect(b.fillPos[v * 2 + 1]).toBeLessThanOrEqual(c.bbox[3] + 1e-8);
      }
    }
    // every table still opens its own popup
    for (const k of [0, 13, 39]) expect(pickFeature(b, ...mercator0(LON + ((k % 8) * 500 + 1.2) * M_LON, LAT + (Math.floor(k / 8) * 500 + 30) * M_LAT), 2 ** 18)).toBe(k);
  });

  it("handles a layout with nothing to draw", () => {
    const e = buildPlantArrays([features[7], features[8]]);
    expect(e.drawn.length).toBe(0);
    expect(e.fillPos.length + e.lineData.length).toBe(0);
    expect(pickFeature(e, 100, 100, 2 ** 16)).toBe(-1);
  });
});
