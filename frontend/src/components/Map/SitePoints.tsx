import { useEffect, useMemo, useRef } from "react";
import L from "leaflet";
import { Marker, Tooltip, useMap } from "react-leaflet";
import type { Point } from "geojson";
import type { SitePointKind } from "../../api/types";
import { ENTRY_COLOR, INTERCONNECTION_COLOR } from "../../lib/colors";

export interface SitePointsEditing {
  entry: Point | null;
  interconnection: Point | null;
  /** Set while the user is choosing a point's place with a click on the map. */
  placing: SitePointKind | null;
  /** Called with the new WGS84 point when the user clicks (placing) or drags a marker. */
  onPlace: (kind: SitePointKind, point: Point) => void;
}

export const POINT_LABELS: Record<SitePointKind, string> = {
  entry_point: "Site entry",
  interconnection_point: "Grid interconnection point",
};

const toPoint = (ll: L.LatLng): Point => ({ type: "Point", coordinates: [Number(ll.lng.toFixed(7)), Number(ll.lat.toFixed(7))] });

function icon(kind: SitePointKind): L.DivIcon {
  const color = kind === "entry_point" ? ENTRY_COLOR : INTERCONNECTION_COLOR;
  const glyph = kind === "entry_point" ? "E" : "⚡";
  return L.divIcon({
    className: `site-point site-point-${kind.replace("_point", "")}`,
    html: `<span style="--c:${color}">${glyph}</span>`,
    iconSize: [22, 22],
    iconAnchor: [11, 11],
  });
}

function DraggablePoint({ kind, point, onPlace }: { kind: SitePointKind; point: Point; onPlace: SitePointsEditing["onPlace"] }) {
  const ic = useMemo(() => icon(kind), [kind]);
  return (
    <Marker
      position={[point.coordinates[1], point.coordinates[0]]}
      icon={ic}
      draggable
      keyboard={false}
      title={`${POINT_LABELS[kind]} (drag to move)`}
      alt={POINT_LABELS[kind]}
      eventHandlers={{ dragend: (e) => onPlace(kind, toPoint((e.target as L.Marker).getLatLng())) }}
    >
      <Tooltip direction="top" offset={[0, -10]}>
        {POINT_LABELS[kind]}
      </Tooltip>
    </Marker>
  );
}

/** The entry and grid interconnection points: shown, dragged to move, or placed with a click. */
export function SitePoints({ editing }: { editing: SitePointsEditing }) {
  const map = useMap();
  const onPlace = useRef(editing.onPlace);
  onPlace.current = editing.onPlace;
  const placing = editing.placing;
  useEffect(() => {
    if (!placing) return;
    const container = map.getContainer();
    container.classList.add("placing-point");
    const handler = (e: L.LeafletMouseEvent) => onPlace.current(placing, toPoint(e.latlng));
    map.on("click", handler);
    return () => {
      container.classList.remove("placing-point");
      map.off("click", handler);
    };
  }, [map, placing]);
  return (
    <>
      {editing.entry && <DraggablePoint kind="entry_point" point={editing.entry} onPlace={editing.onPlace} />}
      {editing.interconnection && (
        <DraggablePoint kind="interconnection_point" point={editing.interconnection} onPlace={editing.onPlace} />
      )}
    </>
  );
}
