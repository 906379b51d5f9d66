import { useEffect, useState, type FormEvent } from "react";
import { STRATEGIES, assetTypeLabels, type LayoutParams, type Profile, type PvDesignInput } from "../../api/types";
import { Field } from "../ui/Field";
import { Button } from "../ui/Button";
import { hasStorage, storageParams } from "../../api/hybrid";
import { EMPTY_STORAGE, StorageTargetFieldset, storageTarget, type StorageFields } from "./StorageTargetFields";

export const DEM_RESOLUTIONS = [5, 10, 30];
/** The engine's default module (backend app/engine/pv/modules.py DEFAULT_MODULE), used when the field is empty. */
export const DEFAULT_MODULE_LABEL = "Generic 580 W N-type TOPCon bifacial (2278 × 1134 mm)";

/** Profiles with a PV plant take the table-level design inputs. */
export const hasPv = (p: Profile | undefined): boolean =>
  !!p && assetTypeLabels(p).some(([name]) => /pv|solar|tracker/.test(name));

interface PvFields {
  structure: "fixed" | "tracker";
  module: string;
  spacing: "gcr" | "pitch";
  spacingValue: string;
  tilt: string;
  dcAc: string;
  maxSlope: string;
  maxAlong: string;
  maxAcross: string;
}
const EMPTY_PV: PvFields = { structure: "fixed", module: "", spacing: "gcr", spacingValue: "", tilt: "", dcAc: "", maxSlope: "", maxAlong: "", maxAcross: "" };

/**
 * Validates the PV fields (ranges as the API's) into the generate body's `pv`; throws a readable
 * message. Undefined when every field is left at the engine's default.
 */
export function pvDesign(f: PvFields): PvDesignInput | undefined {
  const out: PvDesignInput = { structure: f.structure };
  const num = (v: string, label: string, lo: number, hi: number): number | undefined => {
    if (v.trim() === "") return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi) throw new Error(`${label} must be between ${lo} and ${hi}.`);
    return n;
  };
  if (f.module.trim()) out.module = f.module.trim();
  const spacing = f.spacing === "gcr" ? num(f.spacingValue, "GCR", 0.15, 0.9) : num(f.spacingValue, "Pitch", 2, 40);
  if (spacing !== undefined) out[f.spacing === "gcr" ? "gcr" : "pitch_m"] = spacing;
  const dcAc = num(f.dcAc, "DC/AC ratio", 1, 2);
  if (dcAc !== undefined) out.dc_ac_ratio = dcAc;
  if (f.structure === "fixed") {
    const tilt = num(f.tilt, "Tilt", 0, 60);
    if (tilt !== undefined) out.tilt_deg = tilt;
    const slope = num(f.maxSlope, "Maximum slope", 0.1, 30);
    if (slope !== undefined) out.max_slope_deg = slope;
  } else {
    const along = num(f.maxAlong, "Maximum slope along the axis", 0.1, 40);
    if (along !== undefined) out.max_slope_along_pct = along;
    const across = num(f.maxAcross, "Maximum slope across the axis", 0.1, 40);
    if (across !== undefined) out.max_slope_across_pct = across;
  }
  return f.structure === "fixed" && Object.keys(out).length === 1 ? undefined : out;
}

/** The API's terrain grid limits [m] (LayoutGenerate.dem_resolution_m: 1-100). */
const MAX_RESOLUTION_M = 100;
/** A grid up to this factor finer than its DEM is not warned about (backend engine/terrain/analysis.py FINER_TOLERANCE). */
const FINER_TOLERANCE = 1.25;

/**
 * The resolutions offered for a DEM of native cell size `nativeM` [m]: the usual ones, plus the
 * DEM's own (rounded up) when it is coarser than all of them; and the default, the finest grid the
 * DEM can support without a resolution warning (10 m when the DEM is unknown or fine enough).
 */
export function resolutionChoices(nativeM: number | null | undefined): { options: number[]; preferred: number } {
  if (nativeM == null || !(nativeM > 0)) return { options: DEM_RESOLUTIONS, preferred: 10 };
  const own = Math.min(MAX_RESOLUTION_M, Math.ceil(nativeM));
  const options = Array.from(new Set([...DEM_RESOLUTIONS, ...(own > Math.max(...DEM_RESOLUTIONS) ? [own] : [])])).sort((a, b) => a - b);
  const preferred = options.find((r) => r >= 10 && r * FINER_TOLERANCE >= nativeM) ?? options[options.length - 1];
  return { options, preferred };
}

interface StoredForm {
  capacity: string;
  unit: "kW" | "MW";
  profile: string;
  strategy: string;
  useTerrain: boolean;
  resolution: number;
  setback: string;
  pv: PvFields;
  storage?: StorageFields;
}

/** The form's values of one site, kept in localStorage so a reload keeps them. */
export const formStore = {
  key: (siteId: string) => `sitelayouts.generate.${siteId}`,
  load(siteId: string | undefined): Partial<StoredForm> {
    if (!siteId) return {};
    try {
      const v = JSON.parse(localStorage.getItem(this.key(siteId)) ?? "{}") as Partial<StoredForm>;
      return v && typeof v === "object" ? v : {};
    } catch {
      return {};
    }
  },
  save(siteId: string | undefined, v: StoredForm): void {
    if (!siteId) return;
    try {
      localStorage.setItem(this.key(siteId), JSON.stringify(v));
    } catch {
      // storage full or unavailable: the form still works, it just forgets on reload
    }
  },
};

export interface GenerateFormProps {
  profiles: Profile[];
  asyncMode: boolean;
  busy?: boolean;
  disabled?: boolean;
  disabledReason?: string;
  onSubmit: (params: LayoutParams) => void;
  /** Keeps the values per site across reloads (localStorage). */
  siteId?: string;
  /** Why the site's DEM cannot be had (e.g. the elevation service is down): terrain runs are refused. */
  demUnavailable?: string | null;
  /** The site's DEM cell size [m]: the default resolution follows it (see resolutionChoices). */
  nativeResolutionM?: number | null;
}

/** Target capacity (kW or MW), profile, strategy, terrain and DEM resolution. */
export function GenerateForm({ profiles, asyncMode, busy, disabled, disabledReason, onSubmit, siteId, demUnavailable, nativeResolutionM }: GenerateFormProps) {
  const [stored] = useState(() => formStore.load(siteId));
  const [capacity, setCapacity] = useState(stored.capacity ?? "5");
  const [unit, setUnit] = useState<"kW" | "MW">(stored.unit ?? "MW");
  const [profile, setProfile] = useState(stored.profile ?? "");
  const [strategy, setStrategy] = useState(stored.strategy ?? "balanced");
  const [useTerrain, setUseTerrain] = useState(stored.useTerrain ?? true);
  const [resolution, setResolutionState] = useState<number | null>(stored.resolution ?? null);
  const [setback, setSetback] = useState(stored.setback ?? "");
  const [error, setError] = useState<string | null>(null);
  const [pv, setPv] = useState<PvFields>({ ...EMPTY_PV, ...(stored.pv ?? {}) });
  const setPvField = <K extends keyof PvFields>(k: K, v: PvFields[K]) => setPv((old) => ({ ...old, [k]: v }));
  const [storage, setStorage] = useState<StorageFields>({ ...EMPTY_STORAGE, ...(stored.storage ?? {}) });
  // Until the user picks one, the resolution follows the site's DEM (its native cell size).
  const choices = resolutionChoices(nativeResolutionM);
  const effectiveResolution = resolution ?? choices.preferred;
  const resolutionOptions = choices.options.includes(effectiveResolution) ? choices.options : [...choices.options, effectiveResolution].sort((a, b) => a - b);
  const setResolution = (r: number) => setResolutionState(r);

  useEffect(() => {
    formStore.save(siteId, { capacity, unit, profile, strategy, useTerrain, resolution: resolution ?? undefined, setback, pv, storage } as StoredForm);
  }, [siteId, capacity, unit, profile, strategy, useTerrain, resolution, setback, pv, storage]);

  const terrainBlocked = useTerrain && !!demUnavailable;

  useEffect(() => {
    if (profiles.length > 0 && !profiles.some((p) => p.name === profile)) setProfile(profiles[0].name);
  }, [profiles, profile]);

  const selectedProfile = profiles.find((p) => p.name === profile);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = Number(capacity);
    if (!Number.isFinite(value) || value <= 0) {
      setError("Enter a target capacity greater than zero.");
      return;
    }
    const setbackValue = setback.trim() === "" ? undefined : Number(setback);
    if (setbackValue !== undefined && (!Number.isFinite(setbackValue) || setbackValue < 0)) {
      setError("The setback must be zero or more metres.");
      return;
    }
    if (!profile) {
      setError("Choose a profile.");
      return;
    }
    let pvBody: PvDesignInput | undefined;
    if (hasPv(selectedProfile)) {
      try {
        pvBody = pvDesign(pv);
      } catch (err) {
        setError((err as Error).message);
        return;
      }
    }
    let storageBody: Record<string, unknown> | undefined;
    if (hasStorage(profile)) {
      try {
        const target = storageTarget(storage);
        storageBody = target ? storageParams(target) : undefined;
      } catch (err) {
        setError((err as Error).message);
        return;
      }
    }
    setError(null);
    onSubmit({
      target_capacity_kw: unit === "MW" ? value * 1000 : value,
      profile,
      strategy,
      use_terrain: useTerrain,
      dem_resolution_m: effectiveResolution,
      ...(setbackValue !== undefined ? { setback_m: setbackValue } : {}),
      ...(pvBody ? { pv: pvBody } : {}),
      ...(storageBody ? { storage: storageBody } : {}),
    });
  };

  return (
    <form className="form generate-form" onSubmit={submit} aria-label="Generate layout">
      <div className="form-row">
        <Field label="Target capacity" className="grow">
          {({ id }) => (
            <input
              id={id}
              type="number"
              inputMode="decimal"
              min="0"
              step="any"
              required
              value={capacity}
              onChange={(e) => setCapacity(e.target.value)}
            />
          )}
        </Field>
        <Field label="Unit">
          {({ id }) => (
            <select id={id} value={unit} onChange={(e) => setUnit(e.target.value as "kW" | "MW")}>
              <option value="kW">kW</option>
              <option value="MW">MW</option>
            </select>
          )}
        </Field>
      </div>
      <Field label="Profile" hint={selectedProfile?.description}>
        {({ id, describedBy }) => (
          <select id={id} value={profile} aria-describedby={describedBy} onChange={(e) => setProfile(e.target.value)} required>
            {profiles.length === 0 && <option value="">Loading profiles…</option>}
            {profiles.map((p) => (
              <option key={p.name} value={p.name}>
                {p.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Strategy">
        {({ id }) => (
          <select id={id} value={strategy} onChange={(e) => setStrategy(e.target.value)}>
            {STRATEGIES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="form-row">
        <Field label="DEM resolution" className="grow">
          {({ id }) => (
            <select id={id} value={effectiveResolution} onChange={(e) => setResolution(Number(e.target.value))} disabled={!useTerrain}>
              {resolutionOptions.map((r) => (
                <option key={r} value={r}>
                  {r} m{nativeResolutionM && r === Math.min(MAX_RESOLUTION_M, Math.ceil(nativeResolutionM)) ? " (the DEM's own)" : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Setback (m)" className="grow">
          {({ id }) => (
            <input id={id} type="number" min="0" step="any" placeholder="15 (default)" value={setback} onChange={(e) => setSetback(e.target.value)} />
          )}
        </Field>
      </div>
      {hasPv(selectedProfile) && (
        <fieldset className="pv-fieldset">
          <legend>PV design</legend>
          <div className="form-row">
            <Field label="Structure" className="grow">
              {({ id }) => (
                <select id={id} value={pv.structure} onChange={(e) => setPvField("structure", e.target.value as PvFields["structure"])}>
                  <option value="fixed">Fixed tilt</option>
                  <option value="tracker">Single-axis tracker</option>
                </select>
              )}
            </Field>
            <Field label="DC/AC ratio" className="grow">
              {({ id }) => (
                <input id={id} type="number" step="0.01" placeholder="1.25" value={pv.dcAc} onChange={(e) => setPvField("dcAc", e.target.value)} />
              )}
            </Field>
          </div>
          <Field label="Module" hint={`CEC module name (pvlib library); empty: ${DEFAULT_MODULE_LABEL}`}>
            {({ id, describedBy }) => (
              <input id={id} type="text" aria-describedby={describedBy} placeholder={DEFAULT_MODULE_LABEL} value={pv.module} onChange={(e) => setPvField("module", e.target.value)} />
            )}
          </Field>
          <div className="form-row">
            <Field label="Spacing by" className="grow">
              {({ id }) => (
                <select id={id} value={pv.spacing} onChange={(e) => setPvField("spacing", e.target.value as PvFields["spacing"])}>
                  <option value="gcr">GCR</option>
                  <option value="pitch">Pitch (m)</option>
                </select>
              )}
            </Field>
            <Field label={pv.spacing === "gcr" ? "GCR" : "Pitch (m)"} className="grow">
              {({ id }) => (
                <input
                  id={id}
                  type="number"
                  step="any"
                  placeholder={pv.spacing === "gcr" ? (pv.structure === "tracker" ? "0.35" : "no-shading rule") : "no-shading rule"}
                  value={pv.spacingValue}
                  onChange={(e) => setPvField("spacingValue", e.target.value)}
                />
              )}
            </Field>
          </div>
          {pv.structure === "fixed" ? (
            <div className="form-row">
              <Field label="Tilt (°)" className="grow">
                {({ id }) => (
                  <input id={id} type="number" step="any" placeholder="by latitude" value={pv.tilt} onChange={(e) => setPvField("tilt", e.target.value)} />
                )}
              </Field>
              <Field label="Max slope (°)" className="grow">
                {({ id }) => (
                  <input id={id} type="number" step="any" placeholder="10" value={pv.maxSlope} onChange={(e) => setPvField("maxSlope", e.target.value)} />
                )}
              </Field>
            </div>
          ) : (
            <div className="form-row">
              <Field label="Max slope along axis (%)" className="grow">
                {({ id }) => (
                  <input id={id} type="number" step="any" placeholder="15" value={pv.maxAlong} onChange={(e) => setPvField("maxAlong", e.target.value)} />
                )}
              </Field>
              <Field label="Max slope across axis (%)" className="grow">
                {({ id }) => (
                  <input id={id} type="number" step="any" placeholder="10" value={pv.maxAcross} onChange={(e) => setPvField("maxAcross", e.target.value)} />
                )}
              </Field>
            </div>
          )}
        </fieldset>
      )}
      {hasStorage(profile) && <StorageTargetFieldset value={storage} onChange={setStorage} />}
      <div className="checkbox">
        <input id="use-terrain" type="checkbox" checked={useTerrain} onChange={(e) => setUseTerrain(e.target.checked)} />
        <label htmlFor="use-terrain">Use terrain (slope, earthwork)</label>
      </div>
      {nativeResolutionM != null && useTerrain && effectiveResolution * FINER_TOLERANCE < nativeResolutionM && (
        <p className="field-hint" data-testid="resolution-hint">
          The site's DEM has ≈ {Math.round(nativeResolutionM)} m cells: a {effectiveResolution} m grid adds no detail and the layout will carry a
          resolution warning.
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {terrainBlocked && (
        <p className="field-error" role="alert" data-testid="dem-unavailable">
          The terrain (DEM) for this site could not be fetched: {demUnavailable.replace(/\.?\s*$/, ".")} Turn off Use terrain, or upload a DEM (a GeoTIFF in the
          server's DEM folder, DEM_PATH) and try again.
        </p>
      )}
      <Button
        type="submit"
        variant="primary"
        busy={busy}
        disabled={disabled || terrainBlocked}
        className="btn-block"
        title={disabled ? disabledReason : terrainBlocked ? "The DEM is unavailable: turn off Use terrain, or upload a DEM" : undefined}
      >
        {asyncMode ? "Generate layout" : "Generate layout (sync)"}
      </Button>
      {disabled && disabledReason && <p className="field-hint">{disabledReason}</p>}
    </form>
  );
}
