import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import L from "leaflet";
import "@geoman-io/leaflet-geoman-free";
import { GeoJSON, MapContainer, Pane, ScaleControl, useMap, useMapEvents } from "react-leaflet";
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from "geojson";
import type { LayoutFeatureCollection, Site, Zone } from "../../api/types";
import {
  BOUNDARY_COLOR,
  BUILDABLE_COLOR,
  CONTOUR_COLOR,
  EXCLUSION_COLOR,
  NONCOMPLIANT_ROAD_COLOR,
  SETBACK_COLOR,
  TABLE_TYPES,
  assetColor,
  roadStyle,
  slopeColor,
} from "../../lib/colors";
import { formatNumber, formatPower, formatEnergy, formatVolume, formatLength, humanize } from "../../lib/format";
import { bboxToBounds, featuresBounds, layersToGeometry } from "./mapGeometry";
import {
  PLANT_LAYERS,
  PROBLEM_COLOR,
  isUnreachable,
  plantFeatureTitle,
  propertyRows,
  roadWeightPx,
  unreachableStationBlocks,
  type AnyFeature,
} from "../../lib/layers";
import { BasemapLayer, type BasemapSource, type BasemapState } from "./Basemap";
import { TablesLayer, tablePopup } from "./TablesLayer";
import { PlantGlLayer } from "./PlantGlLayer";
import { webglAvailable } from "./plantGl";
import { glLayerOf, type PlantArrays } from "../../lib/plantArrays";
import { forgetGeojsonText, plantArraysOffThread } from "../../lib/plantArraysAsync";
import { turbinePopupRows } from "./turbinePopup";
import { SitePoints, type SitePointsEditing } from "./SitePoints";

export interface TerrainOverlays {
  slope?: FeatureCollection;
  contours?: FeatureCollection;
  buildable?: FeatureCollection;
}

export interface ZoneEditing {
  /** Draw a new polygon: called with its geometry when the user finishes it. */
  drawing: boolean;
  onDrawn: (geometry: Polygon) => void;
  /** Zone whose vertices are being edited on the map. */
  editingZoneId: string | null;
  /** Filled by the map: reads the edited geometry of `editingZoneId`. */
  readEditedGeometry: React.MutableRefObject<(() => Polygon | MultiPolygon | null) | null>;
  /** Unsaved geometry of a new zone, shown dashed. */
  draft: Polygon | null;
}

interface SiteMapProps {
  site: Site;
  terrain: TerrainOverlays;
  layout: LayoutFeatureCollection | null;
  assetLabels?: Record<string, string>;
  zoneEditing: ZoneEditing;
  onZoneClick?: (zone: Zone) => void;
  /** Raster basemap; null draws the site on a plain background. */
  basemap?: BasemapSource | null;
  onBasemapState?: (s: BasemapState) => void;
  /** Setback line and exclusion buffers (GET /api/sites/{id}/guides). */
  guides?: FeatureCollection;
  points?: SitePointsEditing;
  /** Changes to this number fit the map to the layout (the "Zoom to layout" button). */
  fitLayoutToken?: number;
  /** Layers switched off in the legend (PLANT_LAYERS keys, "roads", "tables", "equipment"). */
  hiddenLayers?: ReadonlySet<string>;
  /** The shown layout's warnings: assets they name as unreachable are outlined. */
  layoutWarnings?: string[];
}

/** Room kept free for the legend (bottom right) when fitting the site. */
const FIT_OPTIONS: L.FitBoundsOptions = { paddingTopLeft: [32, 32], paddingBottomRight: [280, 32] };

function FitToSite({ site }: { site: Site }) {
  const map = useMap();
  useEffect(() => {
    map.fitBounds(bboxToBounds(site.bbox), FIT_OPTIONS);
    // fit once per site, not on every refetch of it
  }, [site.id, map]); // eslint-disable-line react-hooks/exhaustive-deps
  return null;
}

function FitToLayout({ layout, token }: { layout: LayoutFeatureCollection | null; token: number }) {
  const map = useMap();
  useEffect(() => {
    if (!token || !layout) return;
    const b = featuresBounds(layout.features);
    if (b) map.fitBounds(b, FIT_OPTIONS);
  }, [token]); // eslint-disable-line react-hooks/exhaustive-deps
  return null;
}

/** Reports the map's zoom (roads are drawn at their true width, which depends on it). */
function ZoomWatch({ onZoom }: { onZoom: (z: number) => void }) {
  const map = useMapEvents({ zoomend: () => onZoom(map.getZoom()) });
  useEffect(() => onZoom(map.getZoom()), [map]); // eslint-disable-line react-hooks/exhaustive-deps
  return null;
}

/** Leaflet only tracks window resizes; this follows the container (e.g. the compare panel opening). */
function TrackContainerSize() {
  const map = useMap();
  useEffect(() => {
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => map.invalidateSize({ pan: false }));
    ro.observe(map.getContainer());
    return () => ro.disconnect();
  }, [map]);
  return null;
}

function DrawControl({ editing }: { editing: ZoneEditing }) {
  const map = useMap();
  const onDrawn = useRef(editing.onDrawn);
  onDrawn.current = editing.onDrawn;
  useEffect(() => {
    if (!editing.drawing) return;
    map.pm.enableDraw("Polygon", { snappable: true, allowSelfIntersection: false, finishOn: null });
    const handler = (e: { layer: L.Layer }) => {
      const geom = layersToGeometry([e.layer]);
      map.removeLayer(e.layer);
      if (geom && geom.type === "Polygon") onDrawn.current(geom);
    };
    map.on("pm:create", handler as L.LeafletEventHandlerFn);
    return () => {
      map.off("pm:create", handler as L.LeafletEventHandlerFn);
      map.pm.disableDraw();
    };
  }, [editing.drawing, map]);
  return null;
}

function popupContent(props: Record<string, unknown>, label: string): HTMLElement {
  const el = document.createElement("div");
  el.className = "asset-popup";
  const h = document.createElement("strong");
  h.textContent = label;
  el.appendChild(h);
  const rows: [string, string][] = [];
  const n = (k: string) => (typeof props[k] === "number" ? (props[k] as number) : null);
  const turbine = turbinePopupRows(props); // wind turbines: their AEP first (turbinePopup.ts)
  rows.push(...turbine.rows);
  if (props.kind === "asset") {
    if (n("capacity_kw")) rows.push(["Capacity", formatPower(n("capacity_kw"))]);
    if (n("storage_kwh")) rows.push(["Storage", formatEnergy(n("storage_kwh"))]);
    if (n("elevation_m") != null) rows.push(["Ground elevation", `${formatNumber(n("elevation_m"), 1)} m`]);
    if (n("pad_elevation_m") != null) rows.push(["Pad elevation", `${formatNumber(n("pad_elevation_m"), 1)} m`]);
    if (n("slope_deg") != null) rows.push(["Slope", `${formatNumber(n("slope_deg"), 1)}°`]);
    if (n("cut_m3") != null) rows.push(["Cut", formatVolume(n("cut_m3"))]);
    if (n("fill_m3") != null) rows.push(["Fill", formatVolume(n("fill_m3"))]);
    if (n("rotation_deg") != null) rows.push(["Rotation", `${formatNumber(n("rotation_deg"), 0)}°`]);
    if (n("block") != null) rows.push(["Inverter block", String(n("block"))]);
    const shown = new Set(["capacity_kw", "storage_kwh", "elevation_m", "pad_elevation_m", "slope_deg", "cut_m3", "fill_m3", "rotation_deg", "block", ...turbine.keys]);
    // Power stations carry their rating as ac_kw (capacity_kw is 0: they convert, not generate).
    if (!n("capacity_kw")) shown.delete("capacity_kw");
    else shown.add("capacity_kw");
    rows.push(...propertyRows(Object.fromEntries(Object.entries(props).filter(([k, v]) => !(k === "capacity_kw" && !v))), shown));
  } else if (props.kind === "road") {
    if (props.compliant === false) rows.push(["Grade", "over the limit for trucks"]);
    if (n("length_m") != null) rows.push(["Length", formatLength(n("length_m"))]);
    if (n("width_m") != null) rows.push(["Width", `${formatNumber(n("width_m"), 1)} m`]);
    if (n("max_grade_pct") != null) rows.push(["Max grade", `${formatNumber(n("max_grade_pct"), 1)} %`]);
    if (n("cut_m3") != null) rows.push(["Cut", formatVolume(n("cut_m3"))]);
    if (n("fill_m3") != null) rows.push(["Fill", formatVolume(n("fill_m3"))]);
  } else {
    rows.push(...propertyRows(props, turbine.keys));
  }
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

/** A road's popup title: its class, and whether it is too steep. */
const roadTitle = (p: Record<string, unknown>) => `${roadStyle(String(p.road_class)).label}${p.compliant === false ? " (too steep)" : ""}`;

/**
 * Layouts with at least this many features draw their tables, roads, trenches and cables with WebGL
 * (PlantGlLayer); smaller ones keep Leaflet's vectors and the tables canvas. 5,000 features is about
 * 150 MWac of trackers: below it Leaflet's canvas pans without a visible stall.
 */
export const GL_MIN_FEATURES = 5000;

/** Whether WebGL draws the layout's dense layers (a large layout, and WebGL available). */
function wantsGl(layout: LayoutFeatureCollection | null): boolean {
  return !!layout && layout.features.length >= GL_MIN_FEATURES && webglAvailable();
}

/**
 * The WebGL arrays of a large layout, built off the main thread (lib/plantArraysAsync): null while
 * they are being built, and when Leaflet draws the layout (small layout, no WebGL, or the build failed).
 */
function usePlantArrays(
  layout: LayoutFeatureCollection | null,
  wanted: boolean,
): { arrays: PlantArrays | null; pending: boolean } {
  const [done, setDone] = useState<{ of: LayoutFeatureCollection; arrays: PlantArrays | null } | null>(null);
  useEffect(() => {
    if (!layout) return;
    if (!wanted) {
      forgetGeojsonText(layout);
      return;
    }
    let live = true;
    performance.mark("plant-build-start");
    performance.mark("tables-build-start"); // the mark the tables canvas sets (site-layouts.spec.ts logs it)
    plantArraysOffThread(layout as { features: AnyFeature[] }).then(
      (arrays) => {
        performance.mark("plant-build-end");
        if (live) setDone({ of: layout, arrays });
      },
      () => {
        if (live) setDone({ of: layout, arrays: null }); // Leaflet draws it instead
      },
    );
    return () => {
      live = false;
    };
  }, [layout, wanted]);
  const ready = done?.of === layout;
  return { arrays: wanted && ready ? done.arrays : null, pending: wanted && !ready };
}

/**
 * <GeoJSON> draws its data once; a new key makes it redraw. Keys follow object identity, which
 * TanStack Query keeps stable while the data is unchanged (structural sharing), so nothing is
 * redrawn or re-serialised on unrelated re-renders (e.g. every status poll).
 */
const ids = new WeakMap<object, number>();
let nextId = 1;
const idOf = (o: object | null | undefined): number => {
  if (!o) return 0;
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
};
const fcKey = (fc: object | null | undefined, extra = "") => `${extra}:${idOf(fc)}`;

export function SiteMap({
  site,
  terrain,
  layout,
  assetLabels = {},
  zoneEditing,
  onZoneClick,
  basemap = null,
  onBasemapState,
  guides,
  points,
  fitLayoutToken = 0,
  hiddenLayers = new Set<string>(),
  layoutWarnings = [],
}: SiteMapProps) {
  const [zoom, setZoom] = useState(15);
  const midLat = (site.bbox[1] + site.bbox[3]) / 2;
  // Cables and trenches can number in the thousands: one canvas renderer, not an SVG path each.
  const networkRenderer = useMemo(() => L.canvas({ pane: "network", padding: 0.3 }), []);
  const stationBlocks = useMemo(() => unreachableStationBlocks(layoutWarnings), [layoutWarnings]);
  // Styles kept stable between renders: react-leaflet restyles every feature when one changes.
  const plantStyles = useMemo(
    () => Object.fromEntries(PLANT_LAYERS.map((l) => [l.key, { color: l.color, weight: l.weight, dashArray: l.dash, opacity: l.opacity ?? 0.9, fill: false }])),
    [],
  );
  const roadPathStyle = useCallback(
    (f?: Feature) => {
      const s = roadStyle(String(f?.properties?.road_class ?? ""));
      // The road's true width once zoomed in (width_m → pixels), its class's line below that.
      const w = roadWeightPx(f?.properties?.width_m as number | undefined, s.weight, zoom, midLat);
      if (f?.properties?.compliant === false) {
        return { color: NONCOMPLIANT_ROAD_COLOR, weight: Math.max(3, w), opacity: 1, dashArray: "8 6", lineCap: "butt" as const, lineJoin: "round" as const };
      }
      return { color: s.color, weight: w, opacity: 0.9, lineCap: "butt" as const, lineJoin: "round" as const };
    },
    [zoom, midLat],
  );
  const zoneRefs = useRef(new Map<string, L.GeoJSON>());

  // Expose the edited zone's geometry and switch vertex editing on/off.
  useEffect(() => {
    const id = zoneEditing.editingZoneId;
    const group = id ? zoneRefs.current.get(id) : undefined;
    if (!group) {
      zoneEditing.readEditedGeometry.current = null;
      return;
    }
    const layers = group.getLayers();
    layers.forEach((l) => (l as L.Polygon).pm?.enable({ allowSelfIntersection: false }));
    zoneEditing.readEditedGeometry.current = () => layersToGeometry(group.getLayers());
    return () => {
      layers.forEach((l) => (l as L.Polygon).pm?.disable());
      zoneEditing.readEditedGeometry.current = null;
    };
  }, [zoneEditing.editingZoneId, zoneEditing.readEditedGeometry, site]);

  const glWanted = useMemo(() => wantsGl(layout), [layout]);
  // Built in a worker: until the arrays arrive Leaflet must not take the dense layers (28k tables
  // as vectors would stall the page), so they are left out and drawn when WebGL has them.
  const { arrays: glArrays, pending: glPending } = usePlantArrays(layout, glWanted);
  // A stable set while its contents are unchanged (the default prop is a new Set every render).
  const hiddenKey = [...hiddenLayers].sort().join(",");
  const glHidden = useMemo(() => new Set(hiddenKey ? hiddenKey.split(",") : []), [hiddenKey]);
  const glPopup = useCallback(
    (i: number) => {
      const f = layout!.features[i] as AnyFeature;
      const p = f.properties ?? {};
      if (p.kind === "asset") return tablePopup(p);
      if (p.kind === "road") return popupContent(p, roadTitle(p));
      return popupContent(p, plantFeatureTitle(f));
    },
    [layout],
  );

  const layoutFeatures = useMemo(() => {
    let feats = (layout?.features ?? []) as Feature<Geometry, Record<string, unknown>>[];
    if (glArrays) {
      // what the WebGL layer draws is left out of Leaflet's layers
      const onGl = new Uint8Array(feats.length);
      for (const i of glArrays.drawn) onGl[i] = 1;
      feats = feats.filter((_f, i) => !onGl[i]);
    } else if (glPending) {
      feats = feats.filter((f) => glLayerOf(f.properties ?? {}) === null);
    }
    const assets = feats.filter((f) => f.properties?.kind === "asset");
    const isTable = (f: Feature<Geometry, Record<string, unknown>>) => TABLE_TYPES.has(String(f.properties?.asset_type));
    return {
      tables: { type: "FeatureCollection", features: assets.filter(isTable) } as FeatureCollection<Geometry, Record<string, unknown>>,
      assets: { type: "FeatureCollection", features: assets.filter((f) => !isTable(f)) } as FeatureCollection,
      roads: { type: "FeatureCollection", features: feats.filter((f) => f.properties?.kind === "road") } as FeatureCollection,
      plant: PLANT_LAYERS.map((l) => ({
        layer: l,
        fc: { type: "FeatureCollection", features: feats.filter((f) => l.match(f.properties ?? {})) } as FeatureCollection,
      })).filter((x) => x.fc.features.length > 0),
    };
  }, [layout, glArrays, glPending]);

  return (
    <MapContainer
      className="site-map"
      bounds={bboxToBounds(site.bbox)}
      boundsOptions={FIT_OPTIONS}
      scrollWheelZoom
      keyboard
      attributionControl
      zoomSnap={0.25}
      maxZoom={20}
    >
      {basemap && <BasemapLayer source={basemap} onState={(st) => onBasemapState?.(st)} />}
      <FitToSite site={site} />
      <FitToLayout layout={layout} token={fitLayoutToken} />
      <TrackContainerSize />
      <ZoomWatch onZoom={setZoom} />
      <DrawControl editing={zoneEditing} />
      <ScaleControl position="bottomleft" imperial={false} />

      <Pane name="terrain" style={{ zIndex: 350 }}>
        {terrain.slope && (
          <GeoJSON
            key={fcKey(terrain.slope, "slope")}
            data={terrain.slope}
            pane="terrain"
            style={(f) => ({
              stroke: false,
              fillColor: slopeColor(Number(f?.properties?.lower_deg ?? f?.properties?.min_deg ?? 0)),
              fillOpacity: 0.55,
            })}
            onEachFeature={(f, layer) => {
              const p = f.properties ?? {};
              const share = typeof p.share === "number" ? ` · ${formatNumber(p.share * 100, 0)} % of site` : "";
              layer.bindTooltip(`Slope ${p.label ?? ""}${/°/.test(String(p.label)) ? "" : "°"}${share}`, { sticky: true });
            }}
          />
        )}
        {terrain.buildable && (
          <GeoJSON
            key={fcKey(terrain.buildable, "buildable")}
            data={terrain.buildable}
            pane="terrain"
            interactive={false}
            style={{ color: BUILDABLE_COLOR, weight: 1, fillColor: BUILDABLE_COLOR, fillOpacity: 0.25, dashArray: "4 3" }}
          />
        )}
        {terrain.contours && (
          <GeoJSON
            key={fcKey(terrain.contours, "contours")}
            data={terrain.contours}
            pane="terrain"
            style={{ color: CONTOUR_COLOR, weight: 1, opacity: 0.8 }}
            onEachFeature={(f, layer) => {
              const e = f.properties?.elevation_m;
              if (typeof e === "number") layer.bindTooltip(`${formatNumber(e, 1)} m`, { sticky: true });
            }}
          />
        )}
      </Pane>

      <GeoJSON
        key={`boundary:${idOf(site.boundary)}`}
        data={site.boundary}
        interactive={false}
        style={{ color: BOUNDARY_COLOR, weight: 2.5, fillColor: BOUNDARY_COLOR, fillOpacity: layout ? 0.03 : 0.07 }}
      />

      {guides && (
        <GeoJSON
          key={fcKey(guides, "guides")}
          data={guides}
          interactive
          style={(f) =>
            f?.properties?.kind === "setback"
              ? { color: SETBACK_COLOR, weight: 1.5, dashArray: "6 5", opacity: 0.9, fill: false }
              : { color: EXCLUSION_COLOR, weight: 1.5, dashArray: "3 4", opacity: 0.9, fillColor: EXCLUSION_COLOR, fillOpacity: 0.06 }
          }
          onEachFeature={(f, layer) => {
            const p = f.properties ?? {};
            layer.bindTooltip(
              p.kind === "setback" ? `Setback line · ${formatNumber(p.setback_m, 0)} m inside the boundary` : `Exclusion buffer · ${formatNumber(p.buffer_m, 0)} m${p.name ? ` around ${p.name}` : ""}`,
              { sticky: true },
            );
          }}
        />
      )}

      <Pane name="zones" style={{ zIndex: 420 }}>
        {site.exclusion_zones.map((z) => (
          <GeoJSON
            key={`${z.id}:${idOf(z.geometry)}:${z.buffer_m}`}
            data={z.geometry}
            pane="zones"
            ref={(r) => {
              if (r) zoneRefs.current.set(z.id, r);
              else zoneRefs.current.delete(z.id);
            }}
            style={{
              color: EXCLUSION_COLOR,
              weight: zoneEditing.editingZoneId === z.id ? 3 : 1.5,
              fillColor: EXCLUSION_COLOR,
              fillOpacity: 0.18,
            }}
            eventHandlers={{ click: () => onZoneClick?.(z) }}
            onEachFeature={(_f, layer) => layer.bindTooltip(`${z.name || humanize(z.zone_type)} · buffer ${z.buffer_m} m`, { sticky: true })}
          />
        ))}
        {zoneEditing.draft && (
          <GeoJSON
            key={`draft:${idOf(zoneEditing.draft)}`}
            data={zoneEditing.draft}
            pane="zones"
            interactive={false}
            style={{ color: EXCLUSION_COLOR, weight: 2, dashArray: "6 4", fillColor: EXCLUSION_COLOR, fillOpacity: 0.1 }}
          />
        )}
      </Pane>

      <Pane name="layout" style={{ zIndex: 440 }}>
        {layout && !hiddenLayers.has("roads") && (
          <GeoJSON
            key={fcKey(layoutFeatures.roads, "roads")}
            data={layoutFeatures.roads}
            pane="layout"
            style={roadPathStyle}
            onEachFeature={(f, layer) =>
              layer.bindPopup(popupContent(f.properties ?? {}, roadTitle(f.properties ?? {})))
            }
          />
        )}
      </Pane>

      <Pane name="network" style={{ zIndex: 445 }}>
        {layout &&
          layoutFeatures.plant
            .filter(({ layer }) => !hiddenLayers.has(layer.key))
            .map(({ layer, fc }) => (
              <GeoJSON
                key={fcKey(fc, layer.key)}
                data={fc}
                pane="network"
                style={plantStyles[layer.key]}
                // Path options L.geoJSON hands to each line it makes (not in react-leaflet's props type);
                // not bubbling keeps a click on a cable from also opening the table under it.
                {...({ renderer: networkRenderer, bubblingMouseEvents: false } as object)}
                pointToLayer={(_f, latlng) =>
                  L.circleMarker(latlng, { radius: 5, color: "#fff", weight: 1.5, fillColor: layer.color, fillOpacity: 1, pane: "network", renderer: networkRenderer })
                }
                onEachFeature={(f, l) => l.bindPopup(popupContent(f.properties ?? {}, plantFeatureTitle(f as AnyFeature)))}
              />
            ))}
      </Pane>

      <Pane name="equipment" style={{ zIndex: 450 }}>
        {layout && !hiddenLayers.has("equipment") && (
          <GeoJSON
            key={`${fcKey(layoutFeatures.assets, "assets")}:${stationBlocks.size}`}
            data={layoutFeatures.assets}
            pane="equipment"
            bubblingMouseEvents={false}
            style={(f) => {
              const c = assetColor(String(f?.properties?.asset_type ?? ""));
              if (isUnreachable(f?.properties ?? {}, stationBlocks)) {
                return { color: PROBLEM_COLOR, weight: 3, dashArray: "4 3", fillColor: c, fillOpacity: 0.75 };
              }
              return { color: c, weight: 1, fillColor: c, fillOpacity: 0.75 };
            }}
            pointToLayer={(f, latlng) => {
              const c = assetColor(String(f.properties?.asset_type ?? ""));
              const bad = isUnreachable(f.properties ?? {}, stationBlocks);
              return L.circleMarker(latlng, { radius: 6, color: bad ? PROBLEM_COLOR : "#fff", weight: bad ? 3 : 1.5, fillColor: c, fillOpacity: 1, pane: "equipment" });
            }}
            onEachFeature={(f, layer) => {
              const t = String(f.properties?.asset_type ?? "asset");
              const bad = isUnreachable(f.properties ?? {}, stationBlocks);
              layer.bindPopup(popupContent(f.properties ?? {}, `${assetLabels[t] ?? humanize(t)}${bad ? " (no road reaches it)" : ""}`));
            }}
          />
        )}
      </Pane>

      {layoutFeatures.tables.features.length > 0 && !hiddenLayers.has("tables") && <TablesLayer tables={layoutFeatures.tables} />}
      {glArrays && <PlantGlLayer arrays={glArrays} hidden={glHidden} popupFor={glPopup} />}
      {points && <SitePoints editing={points} />}
    </MapContainer>
  );
}
