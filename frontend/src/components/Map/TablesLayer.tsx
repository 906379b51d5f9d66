import { useEffect } from "react";
import L from "leaflet";
import { useMap } from "react-leaflet";
import type { Feature, FeatureCollection, Geometry } from "geojson";
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

/**
 * Tens of thousands of PV tables on one canvas (Leaflet's canvas renderer): one <canvas> instead of
 * one SVG node per table keeps a 1 GW layout responsive. Colour = inverter block. One click handler
 * for the whole layer opens the clicked table's popup (no per-table popup objects).
 *
 * When the first frame with the tables is drawn, the map container gets `data-tables-drawn`
 * (the table count) and a `tables-drawn` performance mark, so tests can time the first render.
 */
export function TablesLayer({ tables }: { tables: FeatureCollection<Geometry, Props> }) {
  const map = useMap();
  useEffect(() => {
    if (!map.getPane("tables")) {
      const pane = map.createPane("tables");
      pane.style.zIndex = "430";
    }
    const renderer = L.canvas({ pane: "tables", padding: 0.3, tolerance: 2 });
    const layer = L.geoJSON(tables as FeatureCollection, {
      pane: "tables",
      renderer,
      style: (f?: Feature) => {
        const c = blockColor(f?.properties?.block as number | undefined);
        return { color: c, weight: 0.6, opacity: 0.9, fillColor: c, fillOpacity: 0.7 };
      },
    } as L.GeoJSONOptions & { renderer: L.Renderer });
    layer.on("click", (e: L.LeafletMouseEvent) => {
      const f = (e.propagatedFrom as L.Layer & { feature?: Feature })?.feature;
      if (!f) return;
      L.popup().setLatLng(e.latlng).setContent(tablePopup((f.properties ?? {}) as Props)).openOn(map);
    });
    layer.addTo(map);
    const container = map.getContainer();
    let cancelled = false;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        if (cancelled) return;
        container.dataset.tablesDrawn = String(tables.features.length);
        performance.mark("tables-drawn");
      }),
    );
    return () => {
      cancelled = true;
      delete container.dataset.tablesDrawn;
      layer.remove();
      renderer.remove();
    };
  }, [map, tables]);
  return null;
}
