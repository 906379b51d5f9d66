import { useEffect, useState, type FormEvent } from "react";
import { STRATEGIES, assetTypeLabels, type LayoutParams, type Profile, type PvDesignInput } from "../../api/types";
import { Field } from "../ui/Field";
import { Button } from "../ui/Button";

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

export interface GenerateFormProps {
  profiles: Profile[];
  asyncMode: boolean;
  busy?: boolean;
  disabled?: boolean;
  disabledReason?: string;
  onSubmit: (params: LayoutParams) => void;
}

/** Target capacity (kW or MW), profile, strategy, terrain and DEM resolution. */
export function GenerateForm({ profiles, asyncMode, busy, disabled, disabledReason, onSubmit }: GenerateFormProps) {
  const [capacity, setCapacity] = useState("5");
  const [unit, setUnit] = useState<"kW" | "MW">("MW");
  const [profile, setProfile] = useState("");
  const [strategy, setStrategy] = useState("balanced");
  const [useTerrain, setUseTerrain] = useState(true);
  const [resolution, setResolution] = useState(10);
  const [setback, setSetback] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pv, setPv] = useState<PvFields>(EMPTY_PV);
  const setPvField = <K extends keyof PvFields>(k: K, v: PvFields[K]) => setPv((old) => ({ ...old, [k]: v }));

  useEffect(() => {
    if (!profile && profiles.length > 0) setProfile(profiles[0].name);
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
    setError(null);
    onSubmit({
      target_capacity_kw: unit === "MW" ? value * 1000 : value,
      profile,
      strategy,
      use_terrain: useTerrain,
      dem_resolution_m: resolution,
      ...(setbackValue !== undefined ? { setback_m: setbackValue } : {}),
      ...(pvBody ? { pv: pvBody } : {}),
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
            <select id={id} value={resolution} onChange={(e) => setResolution(Number(e.target.value))} disabled={!useTerrain}>
              {DEM_RESOLUTIONS.map((r) => (
                <option key={r} value={r}>
                  {r} m
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
      <div className="checkbox">
        <input id="use-terrain" type="checkbox" checked={useTerrain} onChange={(e) => setUseTerrain(e.target.checked)} />
        <label htmlFor="use-terrain">Use terrain (slope, earthwork)</label>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <Button type="submit" variant="primary" busy={busy} disabled={disabled} className="btn-block" title={disabled ? disabledReason : undefined}>
        {asyncMode ? "Generate layout" : "Generate layout (sync)"}
      </Button>
      {disabled && disabledReason && <p className="field-hint">{disabledReason}</p>}
    </form>
  );
}
