import type { FeatureCollection } from "geojson";
import {
  BOUNDARY_COLOR,
  BUILDABLE_COLOR,
  CONTOUR_COLOR,
  ENTRY_COLOR,
  EXCLUSION_COLOR,
  INTERCONNECTION_COLOR,
  NONCOMPLIANT_ROAD_COLOR,
  ROAD_STYLES,
  SETBACK_COLOR,
  TABLE_TYPES,
  assetColor,
  blockColor,
  slopeColor,
} from "../../lib/colors";
import { humanize } from "../../lib/format";
import { PLANT_LAYERS, PROBLEM_COLOR } from "../../lib/layers";

export interface LegendProps {
  /** asset type → count in the shown layout */
  assetCounts: Record<string, number>;
  assetLabels?: Record<string, string>;
  roadClasses: string[];
  hasZones: boolean;
  hasEntry: boolean;
  slopeClasses?: { min_deg: number; max_deg: number; label: string }[];
  showContours?: boolean;
  showBuildable?: boolean;
  hasInterconnection?: boolean;
  hasSetback?: boolean;
  hasBuffers?: boolean;
  /** Road segments over the grade limit in the shown layout. */
  noncompliantRoads?: number;
  /** Features per plant layer (PLANT_LAYERS key → count) in the shown layout. */
  plantCounts?: Record<string, number>;
  /** Assets no road reaches (outlined on the map). */
  unreachableAssets?: number;
  /** Layers switched off; `onToggle` switches one (PLANT_LAYERS keys, "roads", "tables", "equipment"). */
  hidden?: ReadonlySet<string>;
  onToggle?: (key: string) => void;
}

/** A legend entry with a checkbox that shows or hides its layer on the map. */
function Toggle({ layer, hidden, onToggle, children }: { layer: string; hidden?: ReadonlySet<string>; onToggle?: (key: string) => void; children: React.ReactNode }) {
  if (!onToggle) return <>{children}</>;
  return (
    <label className="legend-toggle">
      <input type="checkbox" checked={!hidden?.has(layer)} onChange={() => onToggle(layer)} data-layer={layer} />
      {children}
    </label>
  );
}

/** Slope classes shown in the legend: those of the loaded overlay, else the default edges. */
export function slopeLegend(fc: FeatureCollection | undefined): LegendProps["slopeClasses"] {
  const fromData = (fc?.features ?? [])
    .map((f) => f.properties ?? {})
    .map((p) => ({
      min_deg: Number(p.lower_deg ?? p.min_deg ?? 0),
      max_deg: Number(p.upper_deg ?? p.max_deg ?? 90),
      label: String(p.label ?? `${p.lower_deg ?? p.min_deg}–${p.upper_deg ?? p.max_deg}°`),
    }))
    .sort((a, b) => a.min_deg - b.min_deg);
  return fromData.length > 0 ? fromData : DEFAULT_SLOPE_CLASSES;
}

export const DEFAULT_SLOPE_CLASSES = [
  [0, 2],
  [2, 5],
  [5, 10],
  [10, 15],
  [15, 25],
  [25, 90],
].map(([a, b]) => ({ min_deg: a, max_deg: b, label: `${a}–${b}°` }));

function Swatch({ color, kind = "fill", weight }: { color: string; kind?: "fill" | "line" | "dot" | "outline"; weight?: number }) {
  return <span className={`swatch swatch-${kind}`} style={{ ["--c" as string]: color, ["--w" as string]: `${weight ?? 2}px` }} aria-hidden="true" />;
}

export function MapLegend({
  assetCounts,
  assetLabels = {},
  roadClasses,
  hasZones,
  hasEntry,
  slopeClasses,
  showContours,
  showBuildable,
  hasInterconnection,
  hasSetback,
  hasBuffers,
  noncompliantRoads = 0,
  plantCounts = {},
  unreachableAssets = 0,
  hidden,
  onToggle,
}: LegendProps) {
  const plant = PLANT_LAYERS.filter((l) => (plantCounts[l.key] ?? 0) > 0);
  const assetTypes = Object.keys(assetCounts).sort();
  return (
    <aside className="legend" aria-label="Map legend">
      <h2 className="legend-title">Legend</h2>
      <ul>
        <li><Swatch color={BOUNDARY_COLOR} kind="outline" /> Site boundary</li>
        {hasZones && <li><Swatch color={EXCLUSION_COLOR} /> Exclusion zone</li>}
        {hasSetback && <li><Swatch color={SETBACK_COLOR} kind="line" weight={1.5} /> Setback line</li>}
        {hasZones && hasBuffers && <li><Swatch color={EXCLUSION_COLOR} kind="outline" /> Exclusion buffer</li>}
        {hasEntry && <li><Swatch color={ENTRY_COLOR} kind="dot" /> Site entry</li>}
        {hasInterconnection && <li><Swatch color={INTERCONNECTION_COLOR} kind="dot" /> Grid interconnection</li>}
      </ul>
      {assetTypes.length > 0 && (
        <>
          <h3 className="legend-sub">Assets</h3>
          <ul>
            {assetTypes.map((t) => (
              <li key={t}>
                <Toggle layer={TABLE_TYPES.has(t) ? "tables" : "equipment"} hidden={hidden} onToggle={onToggle}>
                  {TABLE_TYPES.has(t) ? (
                    <>
                      <span className="swatch-blocks" aria-hidden="true">
                        {[0, 1, 2].map((b) => <Swatch key={b} color={blockColor(b)} />)}
                      </span>{" "}
                      {t === "tracker" ? "Trackers" : `${humanize(t)}s`} · colour = inverter block
                    </>
                  ) : (
                    <>
                      <Swatch color={assetColor(t)} /> {assetLabels[t] ?? humanize(t)}
                    </>
                  )}
                </Toggle>{" "}
                <span className="legend-count">{assetCounts[t]}</span>
              </li>
            ))}
            {unreachableAssets > 0 && (
              <li className="legend-problem">
                <Swatch color={PROBLEM_COLOR} kind="outline" /> No road reaches it <span className="legend-count">{unreachableAssets}</span>
              </li>
            )}
          </ul>
        </>
      )}
      {roadClasses.length > 0 && (
        <>
          <h3 className="legend-sub">
            <Toggle layer="roads" hidden={hidden} onToggle={onToggle}>
              Roads
            </Toggle>
          </h3>
          <ul>
            {roadClasses.map((c) => {
              const s = ROAD_STYLES[c] ?? { color: "#6b7280", weight: 2, label: humanize(c) };
              return (
                <li key={c}>
                  <Swatch color={s.color} kind="line" weight={s.weight} /> {s.label}
                </li>
              );
            })}
            {noncompliantRoads > 0 && (
              <li>
                <Swatch color={NONCOMPLIANT_ROAD_COLOR} kind="line" weight={3} /> Too steep for trucks <span className="legend-count">{noncompliantRoads}</span>
              </li>
            )}
          </ul>
        </>
      )}
      {plant.length > 0 && (
        <>
          <h3 className="legend-sub">Electrical and site works</h3>
          <ul>
            {plant.map((l) => (
              <li key={l.key}>
                <Toggle layer={l.key} hidden={hidden} onToggle={onToggle}>
                  <Swatch color={l.color} kind={l.point ? "dot" : "line"} weight={Math.max(1.5, l.weight)} /> {l.label}
                </Toggle>{" "}
                <span className="legend-count">{plantCounts[l.key]}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {(slopeClasses || showContours || showBuildable) && <h3 className="legend-sub">Terrain</h3>}
      {slopeClasses && (
        <ul className="legend-slope">
          {slopeClasses.map((c) => (
            <li key={c.label}>
              <Swatch color={slopeColor(c.min_deg)} /> {/\d/.test(c.label) && !/°|deg/.test(c.label) ? `${c.label}°` : c.label}
            </li>
          ))}
        </ul>
      )}
      {(showContours || showBuildable) && (
        <ul>
          {showContours && <li><Swatch color={CONTOUR_COLOR} kind="line" weight={1} /> Contour</li>}
          {showBuildable && <li><Swatch color={BUILDABLE_COLOR} /> Buildable area</li>}
        </ul>
      )}
    </aside>
  );
}
