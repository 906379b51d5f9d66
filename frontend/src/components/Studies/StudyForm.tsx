import { useState, type FormEvent } from "react";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";
import { countVariants, MAX_VARIANTS, type StudyCreate, type StudyGrid } from "./studiesApi";

const STRATEGIES = ["balanced", "density", "low_earthwork", "clustered"] as const;
type Strategy = (typeof STRATEGIES)[number];
type Structure = "fixed" | "tracker";

/** "0.3, 0.4 0.5" → [0.3, 0.4, 0.5]; null when any item is not a finite number. */
export function parseList(text: string): number[] | null {
  const items = text.split(/[\s,;]+/).filter(Boolean);
  const values = items.map(Number);
  return values.every(Number.isFinite) ? values : null;
}

/** Create a study: checkboxes for structure and strategy, lists of GCR, tilt and DC/AC values. */
/**
 * A new study: its base and its grid. `resolutionM` [m] is the terrain grid the variants use (the
 * site's DEM-matched resolution); without it the API's default applies.
 */
export function StudyForm({ onSubmit, busy, resolutionM }: { onSubmit: (body: StudyCreate) => void; busy?: boolean; resolutionM?: number | null }) {
  const [name, setName] = useState("");
  const [capacityMw, setCapacityMw] = useState("50");
  const [useTerrain, setUseTerrain] = useState(true);
  const [structures, setStructures] = useState<Structure[]>(["fixed", "tracker"]);
  const [strategies, setStrategies] = useState<Strategy[]>(["balanced"]);
  const [gcr, setGcr] = useState("0.3, 0.4");
  const [tilt, setTilt] = useState("20, 30");
  const [dcAc, setDcAc] = useState("1.25");
  const [error, setError] = useState<string | null>(null);

  const lists = { gcr: parseList(gcr), tilt_deg: parseList(tilt), dc_ac_ratio: parseList(dcAc) };
  const grid: StudyGrid = {
    structure: structures.length ? structures : null,
    strategy: strategies.length ? strategies : null,
    gcr: lists.gcr && lists.gcr.length ? lists.gcr : null,
    tilt_deg: lists.tilt_deg && lists.tilt_deg.length ? lists.tilt_deg : null,
    dc_ac_ratio: lists.dc_ac_ratio && lists.dc_ac_ratio.length ? lists.dc_ac_ratio : null,
  };
  const count = countVariants(grid);
  const tooMany = count > MAX_VARIANTS;

  const toggle = <T,>(xs: T[], x: T) => (xs.includes(x) ? xs.filter((y) => y !== x) : [...xs, x]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const mw = Number(capacityMw);
    if (!(mw > 0)) return setError("Target capacity must be greater than 0 MW.");
    const bad = Object.entries(lists).find(([, v]) => v === null);
    if (bad) return setError(`${bad[0]}: enter numbers separated by commas.`);
    if (tooMany) return setError(`The grid makes ${count} variants; the limit is ${MAX_VARIANTS}.`);
    setError(null);
    const clean = Object.fromEntries(Object.entries(grid).filter(([, v]) => v !== null)) as StudyGrid;
    onSubmit({
      ...(name.trim() ? { name: name.trim() } : {}),
      base: { target_capacity_kw: mw * 1000, use_terrain: useTerrain, ...(useTerrain && resolutionM ? { dem_resolution_m: resolutionM } : {}) },
      grid: clean,
    });
  }

  return (
    <form className="form" onSubmit={submit} noValidate aria-label="New study">
      <Field label="Study name">{({ id }) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
      <Field label="Target capacity (MW AC)">
        {({ id }) => <input id={id} inputMode="decimal" value={capacityMw} onChange={(e) => setCapacityMw(e.target.value)} />}
      </Field>
      <fieldset className="toggles">
        <legend>Structure</legend>
        {(["fixed", "tracker"] as const).map((s) => (
          <label key={s} className="checkbox">
            <input type="checkbox" checked={structures.includes(s)} onChange={() => setStructures(toggle(structures, s))} />
            {s === "fixed" ? "Fixed tilt" : "Single-axis tracker"}
          </label>
        ))}
      </fieldset>
      <fieldset className="toggles">
        <legend>Strategy</legend>
        {STRATEGIES.map((s) => (
          <label key={s} className="checkbox">
            <input type="checkbox" checked={strategies.includes(s)} onChange={() => setStrategies(toggle(strategies, s))} />
            {s.replace("_", " ")}
          </label>
        ))}
      </fieldset>
      <Field label="GCR values" hint="comma-separated, e.g. 0.3, 0.4">
        {({ id, describedBy }) => <input id={id} aria-describedby={describedBy} value={gcr} onChange={(e) => setGcr(e.target.value)} />}
      </Field>
      <Field label="Tilt values (deg)" hint="fixed tilt only; trackers ignore it">
        {({ id, describedBy }) => <input id={id} aria-describedby={describedBy} value={tilt} onChange={(e) => setTilt(e.target.value)} />}
      </Field>
      <Field label="DC/AC ratios">{({ id }) => <input id={id} value={dcAc} onChange={(e) => setDcAc(e.target.value)} />}</Field>
      <label className="checkbox">
        <input type="checkbox" checked={useTerrain} onChange={(e) => setUseTerrain(e.target.checked)} />
        Use terrain
      </label>
      <p className={tooMany ? "text-danger small" : "muted small"} aria-live="polite">
        {count} variant{count === 1 ? "" : "s"}
        {tooMany ? ` — over the limit of ${MAX_VARIANTS}` : ""}
      </p>
      {error && (
        <p role="alert" className="text-danger small">
          {error}
        </p>
      )}
      <Button type="submit" variant="primary" busy={busy} disabled={tooMany}>
        Run study
      </Button>
    </form>
  );
}
