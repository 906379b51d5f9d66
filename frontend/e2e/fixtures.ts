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

/**
 * A synthetic 1.5 GWac tracker plant around (lon, lat), with every layer the map draws, deterministic
 * (no randomness): `rows × cols` single-axis trackers as in `syntheticPvLayout` (2.4 × 60 m, 6 m
 * east–west pitch, rows 65 m apart), inverter blocks of 30 × 10 trackers, each with a power station;
 * one DC cable per two trackers (string harness to the row's combiner), a DC trench along every
 * tracker row of a block, an MV cable and a spur road from each power station, a secondary road between
 * block rows, a spine road north–south through the middle, a substation, a fence and a gate.
 * 120 × 350 = 42,000 trackers of 40.6 kWp ≈ 1.7 GWp ≈ 1.5 GWac at DC/AC 1.14 (the 41,793).
 * Coordinates are rounded to 1e-7° as the API's stored document is.
 */
export function syntheticPlant(lon: number, lat: number, rows = 120, cols = 350) {
  const mPerDegLat = 110_950;
  const mPerDegLon = mPerDegLat * Math.cos((lat * Math.PI) / 180);
  const pitch = 6;
  const rowStep = 65;
  const x0 = -(cols * pitch) / 2;
  const y0 = -(rows * rowStep) / 2;
  const r7 = (v: number) => Math.round(v * 1e7) / 1e7;
  const ll = (e: number, n: number) => [r7(lon + e / mPerDegLon), r7(lat + n / mPerDegLat)];
  const blockCols = Math.ceil(cols / 30);
  const blockRows = Math.ceil(rows / 10);
  const features: object[] = [];
  const line = (pts: [number, number][], properties: object) =>
    features.push({ type: "Feature", geometry: { type: "LineString", coordinates: pts.map(([e, n]) => ll(e, n)) }, properties });
  const poly = (pts: [number, number][], properties: object) =>
    features.push({ type: "Feature", geometry: { type: "Polygon", coordinates: [[...pts, pts[0]].map(([e, n]) => ll(e, n))] }, properties });
  const point = (e: number, n: number, properties: object) => features.push({ type: "Feature", geometry: { type: "Point", coordinates: ll(e, n) }, properties });

  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const e = x0 + c * pitch;
      const n = y0 + r * rowStep;
      const block = Math.floor(r / 10) * blockCols + Math.floor(c / 30) + 1;
      poly([[e, n], [e + 2.4, n], [e + 2.4, n + 60], [e, n + 60]], {
        kind: "asset", asset_type: "tracker", dc_kwp: 40.6, modules: 70, structure: "tracker", azimuth_deg: 0, block,
        slope_along_pct: (r % 7) * 0.9, slope_across_pct: (c % 5) * 0.7, piles: 8, cut_m3: 0, fill_m3: 0, capacity_kw: 32.5,
      });
      if (c % 2 === 0) {
        // string harness: from the pair's south ends to the combiner at the row's block edge
        const comb = x0 + (Math.floor(c / 30) * 30 + 15) * pitch;
        line([[e + 1.2, n + 30], [e + 1.2, n - 1.5], [comb, n - 1.5]], {
          kind: "cable", level: "dc", circuit: `B${block}.R${r % 10}.S${(c % 30) / 2 + 1}`, conductor: "6 mm² Cu",
          length_m: Math.round(31.5 + Math.abs(comb - e - 1.2)), current_a: 26.4, drop_pct: 0.8,
        });
      }
    }
  }
  const cx = x0 + (cols * pitch) / 2;
  const subN = y0 - 120;
  poly([[cx - 60, subN - 40], [cx + 60, subN - 40], [cx + 60, subN + 40], [cx - 60, subN + 40]], { kind: "asset", asset_type: "substation", capacity_kw: 1_500_000 });
  for (let br = 0; br < blockRows; br++) {
    const n0 = y0 + br * 10 * rowStep;
    for (let bc = 0; bc < blockCols; bc++) {
      const e0 = x0 + bc * 30 * pitch;
      const e1 = Math.min(x0 + cols * pitch, e0 + 30 * pitch);
      const block = br * blockCols + bc + 1;
      for (let k = 0; k < 10 && br * 10 + k < rows; k++) line([[e0, n0 + k * rowStep - 1.5], [e1, n0 + k * rowStep - 1.5]], { kind: "trench", length_m: Math.round(e1 - e0), cables: 15 });
      const ps: [number, number] = [e0 + 15 * pitch, n0 + 5 * rowStep - 3];
      point(ps[0], ps[1], { kind: "asset", asset_type: "power_station", block, ac_kw: 10_700, capacity_kw: 0, rating_kva: 11_200 });
      line([ps, [ps[0], n0 - 4], [cx, n0 - 4], [cx, subN]], { kind: "cable", level: "mv", circuit: `F${bc + 1}.${br + 1}`, conductor: "3×240 mm² Al", length_m: Math.round(Math.abs(ps[0] - cx) + Math.abs(ps[1] - subN)), current_a: 310, drop_pct: 1.2 });
      line([ps, [ps[0], n0 - 4]], { kind: "road", road_class: "spur", width_m: 4, length_m: Math.round(ps[1] - n0 + 4) });
    }
    line([[x0, n0 - 4], [x0 + cols * pitch, n0 - 4]], { kind: "road", road_class: "secondary", width_m: 5, length_m: cols * pitch });
  }
  line([[cx, subN], [cx, y0 + rows * rowStep]], { kind: "road", road_class: "spine", width_m: 6, length_m: rows * rowStep + 120 });
  const fx0 = x0 - 30, fx1 = x0 + cols * pitch + 30, fy0 = subN - 60, fy1 = y0 + rows * rowStep + 30;
  line([[fx0, fy0], [fx1, fy0], [fx1, fy1], [fx0, fy1], [fx0, fy0]], { kind: "fence", length_m: 2 * (fx1 - fx0 + fy1 - fy0) });
  point(cx, fy0, { kind: "gate" });
  return { type: "FeatureCollection", features };
}
