/**
 * Test doubles for the map e2e test: offline basemap tiles (PNG) and a synthetic 1 GW-scale PV
 * layout (tens of thousands of table polygons) to time the first render.
 */
import zlib from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A 256 × 256 map-like tile (land colour, a street grid, a "river" on some tiles), different per
 * tile so panning is visible. Stands in for OpenStreetMap tiles, which CI cannot reach.
 */
export function tilePng(x: number, y: number): Buffer {
  const size = 256;
  const raw = Buffer.alloc((size * 3 + 1) * size);
  const river = (x + y) % 3 === 0;
  for (let r = 0; r < size; r++) {
    raw[r * (size * 3 + 1)] = 0; // filter: none
    for (let c = 0; c < size; c++) {
      let rgb = [242, 239, 233]; // OSM land
      if ((r + x * 7) % 64 < 3 || (c + y * 11) % 64 < 3) rgb = [255, 255, 255]; // streets
      if ((r + 5) % 128 < 2 || (c + 9) % 128 < 2) rgb = [248, 200, 120]; // main roads
      if (river && Math.abs(r - c / 2 - 60) < 9) rgb = [170, 211, 223]; // water
      if ((c * 3 + r * 5 + x * 13 + y * 17) % 97 < 14 && (r >> 5) % 2 === (c >> 5) % 2) rgb = [205, 235, 176]; // parks
      raw.set(rgb, r * (size * 3 + 1) + 1 + c * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A synthetic PV layout of `rows × cols` single-axis trackers around (lon, lat): 2.4 × 60 m trackers,
 * axis north–south, 6 m apart east–west (GCR 0.4), rows of trackers 65 m apart north–south, 30 × 10
 * trackers per inverter block. 30,000 trackers of 40.6 kWp ≈ 1.2 GWp, the count of a ~1 GWac plant.
 */
export function syntheticPvLayout(lon: number, lat: number, rows = 100, cols = 300) {
  const mPerDegLat = 110_950;
  const mPerDegLon = mPerDegLat * Math.cos((lat * Math.PI) / 180);
  const pitch = 6;
  const rowStep = 65;
  const x0 = -(cols * pitch) / 2;
  const y0 = -(rows * rowStep) / 2;
  const blocksPerRow = Math.ceil(cols / 30);
  const features = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const e = x0 + c * pitch;
      const n = y0 + r * rowStep;
      const ring = [
        [e, n],
        [e + 2.4, n],
        [e + 2.4, n + 60],
        [e, n + 60],
        [e, n],
      ].map(([ee, nn]) => [lon + ee / mPerDegLon, lat + nn / mPerDegLat]);
      const block = Math.floor(r / 10) * blocksPerRow + Math.floor(c / 30) + 1;
      features.push({
        type: "Feature",
        geometry: { type: "Polygon", coordinates: [ring] },
        properties: {
          kind: "asset",
          asset_type: "tracker",
          dc_kwp: 40.6,
          modules: 70,
          structure: "tracker",
          azimuth_deg: 0,
          block,
          slope_along_pct: (r % 7) * 0.9,
          slope_across_pct: (c % 5) * 0.7,
          piles: 8,
          cut_m3: 0,
          fill_m3: 0,
          capacity_kw: 32.5,
        },
      });
    }
  }
  return { type: "FeatureCollection", features };
}
