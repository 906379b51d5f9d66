import L from "leaflet";
import type { Geometry, MultiPolygon, Polygon, Position } from "geojson";

/** GeoJSON bbox [minlon, minlat, maxlon, maxlat] → Leaflet bounds. */
export const bboxToBounds = (b: [number, number, number, number]): L.LatLngBoundsExpression => [
  [b[1], b[0]],
  [b[3], b[2]],
];

/** Polygon outer ring as "lon, lat" lines (for the keyboard-editable coordinates field). */
export function ringToText(geom: Polygon | MultiPolygon): string {
  const ring: Position[] = geom.type === "Polygon" ? geom.coordinates[0] : geom.coordinates[0]?.[0] ?? [];
  const pts = ring.length > 1 && samePoint(ring[0], ring[ring.length - 1]) ? ring.slice(0, -1) : ring;
  return pts.map((p) => `${p[0].toFixed(6)}, ${p[1].toFixed(6)}`).join("\n");
}

const samePoint = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1];

/** Parses "lon, lat" lines into a closed Polygon; throws with a readable message. */
export function textToPolygon(text: string): Polygon {
  const pts: Position[] = [];
  text
    .split(/\n+/)
    .map((l) => l.trim())
    .filter(Boolean)
    .forEach((line, i) => {
      const parts = line.split(/[,\s;]+/).filter(Boolean).map(Number);
      if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) {
        throw new Error(`Line ${i + 1}: expected "longitude, latitude".`);
      }
      const [lon, lat] = parts;
      if (lon < -180 || lon > 180 || lat < -90 || lat > 90) throw new Error(`Line ${i + 1}: coordinates out of range.`);
      pts.push([lon, lat]);
    });
  if (pts.length < 3) throw new Error("A zone needs at least three vertices.");
  if (!samePoint(pts[0], pts[pts.length - 1])) pts.push([...pts[0]]);
  return { type: "Polygon", coordinates: [pts] };
}

/** Geometry of one or more Leaflet polygon layers as a Polygon or MultiPolygon. */
export function layersToGeometry(layers: L.Layer[]): Polygon | MultiPolygon | null {
  const polys: Position[][][] = [];
  for (const layer of layers) {
    if (!(layer instanceof L.Polygon)) continue;
    const g = layer.toGeoJSON().geometry as Geometry;
    if (g.type === "Polygon") polys.push(g.coordinates);
    else if (g.type === "MultiPolygon") polys.push(...g.coordinates);
  }
  if (polys.length === 0) return null;
  return polys.length === 1 ? { type: "Polygon", coordinates: polys[0] } : { type: "MultiPolygon", coordinates: polys };
}

/** Leaflet bounds of GeoJSON features (any geometry), or null when there are none. */
export function featuresBounds(features: { geometry: Geometry | null }[]): L.LatLngBounds | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === "number") {
      const [x, y] = c as number[];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      return;
    }
    for (const sub of c) visit(sub);
  };
  for (const f of features) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === "GeometryCollection") g.geometries.forEach((gg) => "coordinates" in gg && visit(gg.coordinates));
    else visit(g.coordinates);
  }
  return Number.isFinite(minX) ? L.latLngBounds([minY, minX], [maxY, maxX]) : null;
}
