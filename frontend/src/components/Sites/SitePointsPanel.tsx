import type { Point } from "geojson";
import type { SitePointKind } from "../../api/types";
import { POINT_LABELS } from "../Map/SitePoints";
import { Button } from "../ui/Button";
import { Alert } from "../ui/Alert";

const fmt = (p: Point) => `${p.coordinates[1].toFixed(5)}, ${p.coordinates[0].toFixed(5)}`;

/**
 * Site entry (where the access road starts) and grid interconnection point (where the substation
 * connects): place with a click on the map, drag the marker to move, or clear. Changing either
 * makes older layouts stale.
 */
export function SitePointsPanel({ entry, interconnection, placing, busy, error, onStartPlacing, onCancelPlacing, onClear }: {
  entry: Point | null;
  interconnection: Point | null;
  placing: SitePointKind | null;
  busy?: boolean;
  error?: string | null;
  onStartPlacing: (kind: SitePointKind) => void;
  onCancelPlacing: () => void;
  onClear: (kind: SitePointKind) => void;
}) {
  const rows: [SitePointKind, Point | null][] = [
    ["entry_point", entry],
    ["interconnection_point", interconnection],
  ];
  return (
    <div>
      <ul className="points-list">
        {rows.map(([kind, p]) => (
          <li key={kind} data-testid={`point-${kind}`}>
            <span>
              <strong>{POINT_LABELS[kind]}</strong>
              <br />
              <span className="coords">{p ? `lat, lon ${fmt(p)}` : "not set"}</span>
            </span>
            <span>
              {placing === kind ? (
                <Button size="sm" onClick={onCancelPlacing}>
                  Cancel placing
                </Button>
              ) : (
                <Button size="sm" onClick={() => onStartPlacing(kind)} disabled={busy} aria-label={`${p ? "Move" : "Place"} ${POINT_LABELS[kind].toLowerCase()}`}>
                  {p ? "Move" : "Place"}
                </Button>
              )}
              {p && (
                <Button size="sm" variant="ghost" onClick={() => onClear(kind)} disabled={busy} aria-label={`Clear ${POINT_LABELS[kind].toLowerCase()}`}>
                  Clear
                </Button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {placing && (
        <p className="field-hint" role="status">
          Click the map to place the {POINT_LABELS[placing].toLowerCase()}. Markers can also be dragged.
        </p>
      )}
      {error && <Alert title="Could not save the point">{error}</Alert>}
    </div>
  );
}
