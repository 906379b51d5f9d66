import type { TerrainSummary } from "../../api/types";
import { formatNumber } from "../../lib/format";
import { Field } from "../ui/Field";
import { Spinner } from "../ui/Spinner";
import { Alert } from "../ui/Alert";
import type { TerrainLayer } from "../../hooks/useTerrain";

export interface TerrainSettings {
  slope: boolean;
  contours: boolean;
  buildable: boolean;
  resolution_m: number;
  interval_m: number;
  max_slope_deg: number;
}

export const DEFAULT_TERRAIN: TerrainSettings = {
  slope: false,
  contours: false,
  buildable: false,
  resolution_m: 10,
  interval_m: 2,
  max_slope_deg: 10,
};

const LAYERS: { key: TerrainLayer; label: string }[] = [
  { key: "slope", label: "Slope classes" },
  { key: "contours", label: "Contours" },
  { key: "buildable", label: "Buildable area" },
];

export function TerrainControls({ settings, onChange, loading, errors, summary }: {
  settings: TerrainSettings;
  onChange: (s: TerrainSettings) => void;
  loading: Partial<Record<TerrainLayer, boolean>>;
  errors: Partial<Record<TerrainLayer, string | undefined>>;
  summary?: TerrainSummary;
}) {
  const set = <K extends keyof TerrainSettings>(k: K, v: TerrainSettings[K]) => onChange({ ...settings, [k]: v });
  return (
    <div className="terrain-controls">
      <fieldset className="toggles">
        <legend className="visually-hidden">Terrain overlays</legend>
        {LAYERS.map(({ key, label }) => (
          <div className="toggle" key={key}>
            <input id={`terrain-${key}`} type="checkbox" role="switch" checked={settings[key]} onChange={(e) => set(key, e.target.checked)} />
            <label htmlFor={`terrain-${key}`}>{label}</label>
            {loading[key] && <Spinner size="sm" label={`Loading ${label.toLowerCase()}`} />}
          </div>
        ))}
      </fieldset>
      {LAYERS.map(({ key, label }) => errors[key] && <Alert key={key} title={`${label} unavailable`}>{errors[key]}</Alert>)}
      <div className="form-row">
        <Field label="Resolution">
          {({ id }) => (
            <select id={id} value={settings.resolution_m} onChange={(e) => set("resolution_m", Number(e.target.value))}>
              {[5, 10, 30].map((r) => (
                <option key={r} value={r}>
                  {r} m
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Contour interval">
          {({ id }) => (
            <select id={id} value={settings.interval_m} onChange={(e) => set("interval_m", Number(e.target.value))}>
              {[1, 2, 5, 10].map((r) => (
                <option key={r} value={r}>
                  {r} m
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Max slope">
          {({ id }) => (
            <select id={id} value={settings.max_slope_deg} onChange={(e) => set("max_slope_deg", Number(e.target.value))}>
              {[2, 5, 8, 10, 15, 20].map((r) => (
                <option key={r} value={r}>
                  {r}°
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {summary && (
        <dl className="terrain-summary">
          <div>
            <dt>Elevation</dt>
            <dd>
              {formatNumber(summary.elevation_min_m, 0)}–{formatNumber(summary.elevation_max_m, 0)} m
            </dd>
          </div>
          <div>
            <dt>Mean slope</dt>
            <dd>{summary.slope_mean_deg == null ? "—" : `${formatNumber(summary.slope_mean_deg, 1)}°`}</dd>
          </div>
          <div>
            <dt>Source</dt>
            <dd>
              {summary.source} · {formatNumber(summary.resolution_m, 0)} m
            </dd>
          </div>
        </dl>
      )}
    </div>
  );
}
