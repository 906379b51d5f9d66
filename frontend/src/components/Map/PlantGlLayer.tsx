import { useEffect, useRef } from "react";
import L from "leaflet";
import { useMap } from "react-leaflet";
import { mercator0, pickFeature, type PlantArrays } from "../../lib/plantArrays";
import { PlantRenderer, getGl } from "./plantGl";

/** Room drawn around the view on each side (fraction of its size), so a pan shows drawn plant until it ends. */
const PADDING = 0.15;

// Leaflet's private helper L.Renderer uses for the same zoom-animation transform.
type MapInternals = L.Map & { _getNewPixelOrigin(center: L.LatLng, zoom: number): L.Point; _animatingZoom?: boolean };

interface Props {
  arrays: PlantArrays;
  hidden: ReadonlySet<string>;
  /** Popup content of feature `index` (an index into the features the arrays were built from). */
  popupFor: (index: number) => HTMLElement;
}

/**
 * A large plant's dense layers (tables, roads, trenches, cables) on one WebGL canvas in the "tables"
 * pane. It follows Leaflet's own canvas renderer: the canvas covers the view plus PADDING, is redrawn
 * when a pan or zoom ends and is moved/scaled by CSS in between (zoom animations included), so a
 * frame during a pan costs a CSS transform, and a redraw is one GPU pass over static buffers.
 * Clicks are answered from the arrays' grid index and open the same popups as the Leaflet layers.
 *
 * After the first frame the map container gets `data-plant-drawn` (features drawn) and
 * `data-tables-drawn` (tables), and the `tables-drawn` / `plant-drawn` performance marks, so tests
 * can time the first render.
 */
export function PlantGlLayer({ arrays, hidden, popupFor }: Props) {
  const map = useMap() as MapInternals;
  const hiddenRef = useRef(hidden);
  const popupRef = useRef(popupFor);
  popupRef.current = popupFor;
  const redraw = useRef<() => void>(() => {});

  useEffect(() => {
    const pane = map.getPane("tables") ?? map.createPane("tables");
    pane.style.zIndex = "430";
    const canvas = L.DomUtil.create("canvas", "plant-gl-canvas leaflet-zoom-animated", pane);
    canvas.style.pointerEvents = "none";
    const gl = getGl(canvas);
    if (!gl) {
      canvas.remove();
      return;
    }
    let renderer = new PlantRenderer(gl, arrays);
    const container = map.getContainer();
    let first = true;
    let center = map.getCenter();
    let zoom = map.getZoom();
    let drawn = false;

    const draw = () => {
      const size = map.getSize();
      const min = map.containerPointToLayerPoint(size.multiplyBy(-PADDING)).round();
      const w = Math.round(size.x * (1 + 2 * PADDING));
      const h = Math.round(size.y * (1 + 2 * PADDING));
      const dpr = window.devicePixelRatio || 1;
      center = map.getCenter();
      zoom = map.getZoom();
      L.DomUtil.setPosition(canvas, min);
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
        canvas.style.width = `${w}px`;
        canvas.style.height = `${h}px`;
      }
      const scale = 2 ** zoom;
      const corner = map.getPixelOrigin().add(min); // zoom-z pixel of the canvas's top-left
      const t0 = performance.now();
      renderer.draw(
        { x: corner.x / scale - arrays.origin[0], y: corner.y / scale - arrays.origin[1], scale, width: w, height: h, pixelRatio: dpr },
        hiddenRef.current,
      );
      performance.measure("plant-draw", { start: t0 }); // main-thread cost of a redraw (the e2e test records it)
      drawn = true;
      if (first) {
        first = false;
        requestAnimationFrame(() => {
          container.dataset.plantDrawn = String(arrays.drawn.length);
          container.dataset.tablesDrawn = String(arrays.counts.tables ?? 0);
          performance.mark("plant-drawn");
          performance.mark("tables-drawn");
        });
      }
    };
    const update = () => {
      if (map._animatingZoom && drawn) return;
      draw();
    };
    // As L.Renderer._updateTransform: scale the last drawn canvas to where the new view puts it.
    const transform = (c: L.LatLng, z: number) => {
      const s = map.getZoomScale(z, zoom);
      const viewHalf = map.getSize().multiplyBy(0.5 + PADDING);
      const topLeft = viewHalf.multiplyBy(-s).add(map.project(center, z)).subtract(map._getNewPixelOrigin(c, z));
      L.DomUtil.setTransform(canvas, topLeft, s);
    };
    const onZoomAnim = (e: L.ZoomAnimEvent) => transform(e.center, e.zoom);
    const onZoom = () => transform(map.getCenter(), map.getZoom());
    const onClick = (e: L.LeafletMouseEvent) => {
      const [x, y] = mercator0(e.latlng.lng, e.latlng.lat);
      const i = pickFeature(arrays, x, y, 2 ** map.getZoom(), hiddenRef.current);
      if (i < 0) return;
      L.popup().setLatLng(e.latlng).setContent(popupRef.current(i)).openOn(map);
    };
    redraw.current = draw;
    map.on("moveend viewreset resize", update);
    map.on("zoom", onZoom);
    map.on("zoomanim", onZoomAnim as L.LeafletEventHandlerFn);
    map.on("click", onClick);
    const lost = (e: Event) => e.preventDefault(); // lets the browser restore the context
    const restored = () => {
      renderer = new PlantRenderer(gl, arrays); // buffers and programs died with the old context
      draw();
    };
    canvas.addEventListener("webglcontextlost", lost);
    canvas.addEventListener("webglcontextrestored", restored);
    draw();
    return () => {
      redraw.current = () => {};
      map.off("moveend viewreset resize", update);
      map.off("zoom", onZoom);
      map.off("zoomanim", onZoomAnim as L.LeafletEventHandlerFn);
      map.off("click", onClick);
      canvas.removeEventListener("webglcontextlost", lost);
      canvas.removeEventListener("webglcontextrestored", restored);
      delete container.dataset.plantDrawn;
      delete container.dataset.tablesDrawn;
      renderer.dispose();
      canvas.remove();
    };
  }, [map, arrays]);

  // Legend toggles: a redraw, not a rebuild.
  useEffect(() => {
    hiddenRef.current = hidden;
    redraw.current();
  }, [hidden]);
  return null;
}
