import { useEffect, useState, type FormEvent } from "react";
import { STRATEGIES, type LayoutParams, type Profile } from "../../api/types";
import { Field } from "../ui/Field";
import { Button } from "../ui/Button";

export const DEM_RESOLUTIONS = [5, 10, 30];

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
    setError(null);
    onSubmit({
      target_capacity_kw: unit === "MW" ? value * 1000 : value,
      profile,
      strategy,
      use_terrain: useTerrain,
      dem_resolution_m: resolution,
      ...(setbackValue !== undefined ? { setback_m: setbackValue } : {}),
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
