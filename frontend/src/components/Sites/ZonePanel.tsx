import { useState, type FormEvent } from "react";
import type { Polygon, MultiPolygon } from "geojson";
import type { Zone, ZoneInput } from "../../api/types";
import { formatArea, humanize } from "../../lib/format";
import { ringToText, textToPolygon } from "../Map/mapGeometry";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";
import { Alert } from "../ui/Alert";
import { ConfirmDialog } from "../ui/ConfirmDialog";

/** Zone types and what may cross them (the API's `app/engine/civil/zones.py`, docs/engine.md). */
export const ZONE_RULES: Record<string, string> = {
  exclusion: "never crossed",
  wetland: "never crossed",
  water: "never crossed",
  protected: "never crossed",
  building: "never crossed",
  easement: "roads and cables cross at right angles",
  pipeline: "roads and cables cross at right angles",
  power_line: "roads and cables cross at right angles",
  wash: "roads on culverts, cables in conduit",
  drainage: "roads on culverts, cables in conduit",
  creek: "roads on culverts, cables in conduit",
};
export const ZONE_TYPES = Object.keys(ZONE_RULES);

export interface ZonePanelProps {
  zones: Zone[];
  drawing: boolean;
  draft: Polygon | null;
  editingZoneId: string | null;
  busy: boolean;
  error: string | null;
  onStartDraw: () => void;
  onCancelDraw: () => void;
  /** Creates a zone from the draft (drawn or typed). */
  onCreate: (zone: ZoneInput) => Promise<unknown>;
  onStartEdit: (zoneId: string) => void;
  onCancelEdit: () => void;
  /** Saves details; `useMapShape` asks the page to read the geometry edited on the map. */
  onSaveEdit: (zoneId: string, patch: Partial<ZoneInput>, useMapShape: boolean) => void;
  onDelete: (zoneId: string) => void;
}

function ZoneForm({ initial, submitLabel, busy, onSubmit, onCancel, shapeHint }: {
  initial: { name: string; zone_type: string; buffer_m: number; coords: string };
  submitLabel: string;
  busy: boolean;
  shapeHint: string;
  onSubmit: (v: { name: string | null; zone_type: string; buffer_m: number; geometry: Polygon | null; coordsChanged: boolean }) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initial.name);
  const [type, setType] = useState(initial.zone_type);
  const [buffer, setBuffer] = useState(String(initial.buffer_m));
  const [coords, setCoords] = useState(initial.coords);
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const b = Number(buffer);
    if (!Number.isFinite(b) || b < 0) return setError("The buffer must be zero or more metres.");
    const coordsChanged = coords.trim() !== initial.coords.trim();
    let geometry: Polygon | null = null;
    if (!coords.trim() && !initial.coords.trim()) return setError("Draw the zone on the map or type at least three vertices.");
    if (coords.trim()) {
      try {
        geometry = textToPolygon(coords);
      } catch (err) {
        return setError((err as Error).message);
      }
    }
    setError(null);
    onSubmit({ name: name.trim() || null, zone_type: type, buffer_m: b, geometry, coordsChanged });
  };

  return (
    <form className="form zone-form" onSubmit={submit} aria-label={submitLabel}>
      <Field label="Name">{({ id }) => <input id={id} type="text" value={name} onChange={(e) => setName(e.target.value)} />}</Field>
      <div className="form-row">
        <Field label="Type" className="grow">
          {({ id }) => (
            <select id={id} value={type} onChange={(e) => setType(e.target.value)}>
              {ZONE_TYPES.concat(ZONE_TYPES.includes(type) ? [] : [type]).map((t) => (
                <option key={t} value={t}>
                  {humanize(t)}
                  {ZONE_RULES[t] ? ` — ${ZONE_RULES[t]}` : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Buffer (m)" className="grow">
          {({ id }) => <input id={id} type="number" min="0" step="any" value={buffer} onChange={(e) => setBuffer(e.target.value)} />}
        </Field>
      </div>
      <Field label="Vertices (longitude, latitude per line)" hint={shapeHint}>
        {({ id, describedBy }) => (
          <textarea id={id} rows={5} className="mono" aria-describedby={describedBy} value={coords} onChange={(e) => setCoords(e.target.value)} />
        )}
      </Field>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <Button type="submit" variant="primary" size="sm" busy={busy}>
          {submitLabel}
        </Button>
        <Button size="sm" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** Exclusion zones: list, draw on the map (or type vertices), edit shape and details, delete. */
export function ZonePanel(p: ZonePanelProps) {
  const [adding, setAdding] = useState(false);
  const [pendingDelete, setPendingDelete] = useState<Zone | null>(null);
  const editing = p.zones.find((z) => z.id === p.editingZoneId) ?? null;

  const stopAdding = () => {
    setAdding(false);
    p.onCancelDraw();
  };

  return (
    <div className="zones">
      {p.error && <Alert>{p.error}</Alert>}
      {p.zones.length === 0 && !adding && !p.draft && <p className="empty small">No exclusion zones.</p>}
      {p.zones.length > 0 && (
        <ul className="zone-list">
          {p.zones.map((z) => (
            <li key={z.id} className={`zone-item${z.id === p.editingZoneId ? " selected" : ""}`}>
              <div className="zone-info">
                <span className="zone-name">{z.name || humanize(z.zone_type)}</span>
                <span className="muted small">
                  {humanize(z.zone_type)} · {formatArea(z.area_ha)} · buffer {z.buffer_m} m
                </span>
              </div>
              {z.id !== p.editingZoneId && (
                <div className="zone-actions">
                  <Button size="sm" variant="ghost" onClick={() => p.onStartEdit(z.id)} aria-label={`Edit zone ${z.name || z.zone_type}`} disabled={!!p.editingZoneId || adding}>
                    Edit
                  </Button>
                  <Button size="sm" variant="ghost" className="text-danger" onClick={() => setPendingDelete(z)} aria-label={`Delete zone ${z.name || z.zone_type}`}>
                    Delete
                  </Button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}

      {editing && (
        <ZoneForm
          key={editing.id}
          initial={{ name: editing.name ?? "", zone_type: editing.zone_type, buffer_m: editing.buffer_m, coords: ringToText(editing.geometry) }}
          submitLabel="Save zone"
          busy={p.busy}
          shapeHint="Drag the vertices on the map, or edit the list here."
          onCancel={p.onCancelEdit}
          onSubmit={(v) =>
            p.onSaveEdit(
              editing.id,
              { name: v.name, zone_type: v.zone_type, buffer_m: v.buffer_m, ...(v.coordsChanged && v.geometry ? { geometry: v.geometry as Polygon | MultiPolygon } : {}) },
              !v.coordsChanged,
            )
          }
        />
      )}

      {!editing && !adding && (
        <Button
          size="sm"
          onClick={() => {
            setAdding(true);
            p.onStartDraw();
          }}
        >
          + Add exclusion zone
        </Button>
      )}

      {adding && (
        <div className="zone-add">
          {p.drawing && !p.draft && (
            <p className="hint" role="status">
              Click on the map to place vertices; click the first vertex to finish. Or type the vertices below.
            </p>
          )}
          <ZoneForm
            key={p.draft ? JSON.stringify(p.draft) : "new"}
            initial={{ name: "", zone_type: "exclusion", buffer_m: 0, coords: p.draft ? ringToText(p.draft) : "" }}
            submitLabel="Create zone"
            busy={p.busy}
            shapeHint="Filled in when you finish drawing on the map."
            onCancel={stopAdding}
            onSubmit={(v) => {
              if (!v.geometry) return;
              p.onCreate({ name: v.name, zone_type: v.zone_type, buffer_m: v.buffer_m, geometry: v.geometry }).then(
                () => {
                  setAdding(false);
                  p.onCancelDraw();
                },
                () => undefined, // the error is shown above the list; the form stays open
              );
            }}
          />
        </div>
      )}

      <ConfirmDialog
        open={!!pendingDelete}
        title="Delete exclusion zone?"
        confirmLabel="Delete zone"
        onCancel={() => setPendingDelete(null)}
        onConfirm={() => {
          if (pendingDelete) p.onDelete(pendingDelete.id);
          setPendingDelete(null);
        }}
      >
        <p>“{pendingDelete?.name || humanize(pendingDelete?.zone_type)}” will be removed from the site.</p>
      </ConfirmDialog>
    </div>
  );
}
