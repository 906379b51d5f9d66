import { useEffect } from "react";
import L from "leaflet";
import { useMap } from "react-leaflet";
import type { FeatureCollection, Geometry } from "geojson";
import { blockColor } from "../../lib/colors";
import { formatDcPower, formatNumber, formatVolume, humanize } from "../../lib/format";

type Props = Record<string, unknown>;

const num = (p: Props, k: string): number | null => (typeof p[k] === "number" && Number.isFinite(p[k]) ? (p[k] as number) : null);

/** Popup of one PV table / tracker: DC power, block, modules, slopes, piles, earthwork. */
export function tablePopup(p: Props): HTMLElement {
  const el = document.createElement("div");
  el.className = "asset-popup";
  const h = document.createElement("strong");
  h.textContent = humanize(String(p.asset_type ?? "pv_table"));
  el.appendChild(h);
  const rows: [string, string][] = [];
  const add = (label: string, value: string | null) => value != null && rows.push([label, value]);
  add("DC power", num(p, "dc_kwp") != null ? formatDcPower(num(p, "dc_kwp")) : null);
  add("Inverter block", num(p, "block") != null ? String(num(p, "block")) : null);
  add("Modules", num(p, "modules") != null ? formatNumber(num(p, "modules")) : null);
  add("Structure", p.structure ? humanize(String(p.structure)) : null);
  add("Tilt", num(p, "tilt_deg") != null ? `${formatNumber(num(p, "tilt_deg"), 1)}°` : null);
  add(p.structure === "tracker" ? "Axis azimuth" : "Azimuth", num(p, "azimuth_deg") != null ? `${formatNumber(num(p, "azimuth_deg"), 0)}°` : null);
  add("Slope along", num(p, "slope_along_pct") != null ? `${formatNumber(num(p, "slope_along_pct"), 1)} %` : null);
  add("Slope across", num(p, "slope_across_pct") != null ? `${formatNumber(num(p, "slope_across_pct"), 1)} %` : null);
  add("Piles", num(p, "piles") != null ? formatNumber(num(p, "piles")) : null);
  add("Cut", num(p, "cut_m3") != null ? formatVolume(num(p, "cut_m3")) : null);
  add("Fill", num(p, "fill_m3") != null ? formatVolume(num(p, "fill_m3")) : null);
  const dl = document.createElement("dl");
  for (const [k, v] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    dl.append(dt, dd);
  }
  el.appendChild(dl);
  return el;
}

/** Tables projected once to zoom-0 Web Mercator pixels, with bounding boxes and a grid index for clicks. */
interface Projected {
  coords: Float64Array; // x0, y0, x1, y1 … of every outer ring, one after another
  start: Uint32Array; // first point of table i (table count + 1 entries)
  bbox: Float64Array; // minx, miny, maxx, maxy per table
  order: Uint32Array; // table indices grouped by colour
  colors: string[]; // colour per table
  cell: number; // grid cell size of the click index (zoom-0 px)
  grid: Map<string, number[]>;
}

export function project(map: L.Map, fc: FeatureCollection<Geometry, Props>): Projected {
  const crs = map.options.crs ?? L.CRS.EPSG3857;
  const rings: number[][][] = [];
  for (const f of fc.features) {
    const g = f.geometry;
    if (g?.type === "Polygon") rings.push(g.coordinates[0]);
    else if (g?.type === "MultiPolygon") rings.push(g.coordinates[0][0]);
    else rings.push([]);
  }
  const total = rings.reduce((n, r) => n + r.length, 0);
  const coords = new Float64Array(total * 2);
  const start = new Uint32Array(rings.length + 1);
  const bbox = new Float64Array(rings.length * 4);
  let k = 0;
  rings.forEach((ring, i) => {
    start[i] = k / 2;
    let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    for (const [lon, lat] of ring) {
      const p = crs.latLngToPoint(L.latLng(lat, lon), 0);
      coords[k++] = p.x;
      coords[k++] = p.y;
      minx = Math.min(minx, p.x); maxx = Math.max(maxx, p.x);
      miny = Math.min(miny, p.y); maxy = Math.max(maxy, p.y);
    }
    bbox.set([minx, miny, maxx, maxy], i * 4);
  });
  start[rings.length] = k / 2;
  const colors = fc.features.map((f) => blockColor(f.properties?.block as number | undefined));
  const order = Uint32Array.from(colors.map((_, i) => i).sort((a, b) => (colors[a] < colors[b] ? -1 : colors[a] > colors[b] ? 1 : a - b)));
  // Grid index: cells about 4 tables wide, so a click tests a handful of polygons.
  let span = 0;
  for (let i = 0; i < rings.length; i++) span += bbox[i * 4 + 2] - bbox[i * 4] + (bbox[i * 4 + 3] - bbox[i * 4 + 1]);
  const cell = Math.max(span / Math.max(1, rings.length), 1e-9) * 2;
  const grid = new Map<string, number[]>();
  for (let i = 0; i < rings.length; i++) {
    if (!Number.isFinite(bbox[i * 4])) continue;
    for (let gx = Math.floor(bbox[i * 4] / cell); gx <= Math.floor(bbox[i * 4 + 2] / cell); gx++) {
      for (let gy = Math.floor(bbox[i * 4 + 1] / cell); gy <= Math.floor(bbox[i * 4 + 3] / cell); gy++) {
        const key = `${gx}:${gy}`;
        const list = grid.get(key);
        if (list) list.push(i);
        else grid.set(key, [i]);
      }
    }
  }
  return { coords, start, bbox, order, colors, cell, grid };
}

function inRing(x: number, y: number, c: Float64Array, from: number, to: number): boolean {
  let inside = false;
  for (let i = from, j = to - 1; i < to; j = i++) {
    const xi = c[i * 2], yi = c[i * 2 + 1], xj = c[j * 2], yj = c[j * 2 + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The table under zoom-0 point (x, y), within `tol` zoom-0 px of its outline; -1 when none. */
export function hit(p: Projected, x: number, y: number, tol: number): number {
  const cands = p.grid.get(`${Math.floor(x / p.cell)}:${Math.floor(y / p.cell)}`) ?? [];
  let best = -1;
  let bestD = Infinity;
  for (const i of cands) {
    const [minx, miny, maxx, maxy] = p.bbox.subarray(i * 4, i * 4 + 4);
    if (x < minx - tol || x > maxx + tol || y < miny - tol || y > maxy + tol) continue;
    if (inRing(x, y, p.coords, p.start[i], p.start[i + 1])) return i;
    const d = Math.hypot(Math.max(minx - x, 0, x - maxx), Math.max(miny - y, 0, y - maxy));
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/**
 * Tens of thousands of PV tables drawn by hand on one <canvas>: the polygons are projected once,
 * each redraw (after a pan or zoom) draws only those in view, grouped by colour, and clicks are
 * answered from a grid index. One Leaflet layer per table (even on Leaflet's canvas renderer)
 * costs seconds at 1 GW scale; this costs milliseconds. Colour = inverter block.
 *
 * After the first frame with the tables, the map container gets `data-tables-drawn` (the table
 * count) and a `tables-drawn` performance mark, so tests can time the first render.
 */
export function TablesLayer({ tables }: { tables: FeatureCollection<Geometry, Props> }) {
  const map = useMap();
  useEffect(() => {
    performance.mark("tables-build-start");
    const pane = map.getPane("tables") ?? map.createPane("tables");
    pane.style.zIndex = "430";
    const proj = project(map, tables);
    const canvas = L.DomUtil.create("canvas", "tables-canvas leaflet-zoom-hide", pane);
    const ctx = canvas.getContext("2d");
    const container = map.getContainer();
    let first = true;

    const draw = () => {
      if (!ctx) return;
      const size = map.getSize();
      const pad = size.multiplyBy(0.3).round();
      const topLeft = map.containerPointToLayerPoint([-pad.x, -pad.y]);
      const dpr = window.devicePixelRatio || 1;
      const w = size.x + 2 * pad.x;
      const h = size.y + 2 * pad.y;
      canvas.width = w * dpr;
      canvas.height = h * dpr;
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
      L.DomUtil.setPosition(canvas, topLeft);
      const scale = 2 ** map.getZoom();
      const origin = map.getPixelOrigin().add(topLeft); // zoom-z pixel of the canvas's top-left corner
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      ctx.lineWidth = 0.6;
      const vx0 = origin.x / scale, vy0 = origin.y / scale, vx1 = (origin.x + w) / scale, vy1 = (origin.y + h) / scale;
      const { coords, start, bbox, order, colors } = proj;
      let color = "";
      let open = false;
      const flush = () => {
        if (!open) return;
        ctx.globalAlpha = 0.7;
        ctx.fill();
        ctx.globalAlpha = 0.9;
        ctx.stroke();
        open = false;
      };
      for (let n = 0; n < order.length; n++) {
        const i = order[n];
        if (bbox[i * 4 + 2] < vx0 || bbox[i * 4] > vx1 || bbox[i * 4 + 3] < vy0 || bbox[i * 4 + 1] > vy1) continue;
        if (colors[i] !== color) {
          flush();
          color = colors[i];
          ctx.fillStyle = color;
          ctx.strokeStyle = color;
        }
        if (!open) {
          ctx.beginPath();
          open = true;
        }
        for (let j = start[i]; j < start[i + 1]; j++) {
          const x = coords[j * 2] * scale - origin.x;
          const y = coords[j * 2 + 1] * scale - origin.y;
          if (j === start[i]) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.closePath();
      }
      flush();
      ctx.globalAlpha = 1;
      if (first) {
        first = false;
        requestAnimationFrame(() => {
          container.dataset.tablesDrawn = String(tables.features.length);
          performance.mark("tables-drawn");
        });
      }
    };

    const onClick = (e: L.LeafletMouseEvent) => {
      const crs = map.options.crs ?? L.CRS.EPSG3857;
      const p = crs.latLngToPoint(e.latlng, 0);
      const tol = 3 / 2 ** map.getZoom(); // 3 screen pixels
      const i = hit(proj, p.x, p.y, tol);
      if (i < 0) return;
      L.popup().setLatLng(e.latlng).setContent(tablePopup((tables.features[i].properties ?? {}) as Props)).openOn(map);
    };

    map.on("moveend zoomend resize viewreset", draw);
    map.on("click", onClick);
    draw();
    return () => {
      map.off("moveend zoomend resize viewreset", draw);
      map.off("click", onClick);
      delete container.dataset.tablesDrawn;
      canvas.remove();
    };
  }, [map, tables]);
  return null;
}
