import { windowLength, type StorageTarget } from "../../api/hybrid";
import { Field } from "../ui/Field";

/** The storage-target inputs as typed (strings), kept per site with the rest of the form. */
export interface StorageFields {
  /** "default": send no target (the engine's own sizing); "firm": X MW for H hours in a window; "fixed": MW/MWh */
  mode: "default" | "firm" | "fixed";
  firmMw: string;
  firmHours: string;
  windowStart: string;
  windowEnd: string;
  /** share of days the firm power must be met on [%] */
  daysSharePct: string;
  fixedMw: string;
  fixedMwh: string;
}

export const EMPTY_STORAGE: StorageFields = {
  mode: "default",
  firmMw: "",
  firmHours: "4",
  windowStart: "18",
  windowEnd: "22",
  daysSharePct: "90",
  fixedMw: "",
  fixedMwh: "",
};

/** The API's largest target capacity (LayoutGenerate.target_capacity_kw ≤ 10,000,000 kW): no storage is bigger. */
const MAX_MW = 10_000;
/** The API's largest fixed battery (StorageInput.energy_mwh ≤ 100,000 MWh). */
const MAX_MWH = 100_000;

function positive(v: string, label: string, unit: string, max: number): number {
  if (v.trim() === "") throw new Error(`Enter the ${label}.`);
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`The ${label} must be more than 0 and at most ${max.toLocaleString("en-US")} ${unit}.`);
  return n;
}

function hourOfDay(v: string, label: string, lo: number, hi: number): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < lo || n > hi) throw new Error(`The ${label} must be a whole hour from ${lo} to ${hi}.`);
  return n;
}

/**
 * Validates the storage fields into a target, or undefined for "engine default"; throws an
 * Error whose message names the field and its range (the API's: StorageInput). The window is
 * clock hours [start, end) and may wrap midnight (22–2); the firm hours must fit in it.
 */
export function storageTarget(f: StorageFields): StorageTarget | undefined {
  if (f.mode === "default") return undefined;
  if (f.mode === "fixed") {
    const mw = positive(f.fixedMw, "storage power", "MW", MAX_MW);
    const mwh = positive(f.fixedMwh, "storage energy", "MWh", MAX_MWH);
    return { kind: "fixed", mw, mwh };
  }
  const firmMw = positive(f.firmMw, "firm power", "MW", MAX_MW);
  const start = hourOfDay(f.windowStart, "window start", 0, 23);
  const end = hourOfDay(f.windowEnd, "window end", 1, 24);
  if (start === end % 24) throw new Error("The window must not start and end at the same hour (e.g. 18–22, or 22–2 over midnight).");
  const span = windowLength(start, end);
  const firmHours = positive(f.firmHours, "firm hours", "h", 24);
  if (firmHours > span) throw new Error(`The firm hours (${firmHours} h) must fit in the window (${start}–${end}, ${span} h).`);
  const pct = Number(f.daysSharePct);
  if (f.daysSharePct.trim() === "" || !Number.isFinite(pct) || pct <= 0 || pct > 100)
    throw new Error("The share of days must be more than 0 and at most 100 %.");
  return { kind: "firm", firmMw, firmHours, window: [start, end], daysShare: pct / 100 };
}

/** The "Storage target" group of the generate form (profiles with storage). */
export function StorageTargetFieldset({ value, onChange }: { value: StorageFields; onChange: (v: StorageFields) => void }) {
  const set = <K extends keyof StorageFields>(k: K, v: StorageFields[K]) => onChange({ ...value, [k]: v });
  const num = (k: keyof StorageFields, label: string, placeholder: string, step = "any") => (
    <Field label={label} className="grow">
      {({ id }) => <input id={id} type="number" step={step} min="0" placeholder={placeholder} value={value[k]} onChange={(e) => set(k, e.target.value)} />}
    </Field>
  );
  return (
    <fieldset className="pv-fieldset">
      <legend>Storage target</legend>
      <Field
        label="Size the storage"
        hint={
          value.mode === "firm"
            ? "The smallest battery that delivers this power for these hours in the window, on this share of days (from the hourly PV and wind year)."
            : value.mode === "fixed"
              ? "A battery of this power and energy; its dispatch is still simulated."
              : "The profile's default storage."
        }
      >
        {({ id, describedBy }) => (
          <select id={id} aria-describedby={describedBy} value={value.mode} onChange={(e) => set("mode", e.target.value as StorageFields["mode"])}>
            <option value="default">Profile default</option>
            <option value="firm">To a firm-power target</option>
            <option value="fixed">Fixed MW / MWh</option>
          </select>
        )}
      </Field>
      {value.mode === "firm" && (
        <>
          <div className="form-row">
            {num("firmMw", "Firm power (MW)", "e.g. 10")}
            {num("firmHours", "Firm hours (h)", "4")}
          </div>
          <div className="form-row">
            {num("windowStart", "Window start (h)", "18", "1")}
            {num("windowEnd", "Window end (h)", "22", "1")}
            {num("daysSharePct", "Share of days (%)", "90")}
          </div>
        </>
      )}
      {value.mode === "fixed" && (
        <div className="form-row">
          {num("fixedMw", "Storage power (MW)", "e.g. 10")}
          {num("fixedMwh", "Storage energy (MWh)", "e.g. 40")}
        </div>
      )}
    </fieldset>
  );
}
