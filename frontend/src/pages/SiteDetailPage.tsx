import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import type { MultiPolygon, Point as GeoPoint, Polygon } from "geojson";
import { assetTypeLabels, isSyncResult, isTerminal, type Layout, type LayoutParams, type SitePointKind, type ZoneInput } from "../api/types";
import { useSite, useSiteGuides, useUpdateSite, useZoneMutations } from "../hooks/useSites";
import { useConfig } from "../hooks/useConfig";
import { useCancelLayout, useDeleteLayout, useGenerateLayout, useLayoutGeojson, useProfiles, useSiteLayouts } from "../hooks/useLayouts";
import { useLayoutPolling } from "../hooks/useLayoutPolling";
import { useTerrainLayer, useTerrainSummary } from "../hooks/useTerrain";
import { keys } from "../hooks/queryKeys";
import { parseApiDate, formatArea } from "../lib/format";
import { layoutName } from "../lib/variant";
import { isUnreachable, plantLayerCounts, unreachableStationBlocks, type AnyFeature } from "../lib/layers";
import { SiteMap } from "../components/Map/SiteMap";
import { MapLegend, slopeLegend } from "../components/Map/MapLegend";
import { GenerateForm, resolutionChoices } from "../components/Layouts/GenerateForm";
import { JobProgress } from "../components/Layouts/JobProgress";
import { LayoutList } from "../components/Layouts/LayoutList";
import { MetricsPanel } from "../components/Layouts/MetricsPanel";
import { CompareTable } from "../components/Layouts/CompareTable";
import { ExportButtons } from "../components/Layouts/ExportButtons";
import { TerrainControls, DEFAULT_TERRAIN, type TerrainSettings } from "../components/Sites/TerrainControls";
import { ZonePanel } from "../components/Sites/ZonePanel";
import { SiteTitle } from "../components/Sites/SiteTitle";
import { SitePointsPanel } from "../components/Sites/SitePointsPanel";
import { WindResourcePanel } from "../components/Sites/WindResourcePanel";
import { basemapSource, BasemapNotice, type BasemapChoice, type BasemapState } from "../components/Map/Basemap";
import { Panel } from "../components/ui/Panel";
import { Alert } from "../components/ui/Alert";
import { Spinner } from "../components/ui/Spinner";
import { Button } from "../components/ui/Button";
import { ConfirmDialog } from "../components/ui/ConfirmDialog";
import { StudiesPanel } from "../components/Studies/StudiesPanel";
import { DesignPanels } from "../components/Design/DesignPanels";

const newIdempotencyKey = (): string =>
  typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** The API's default setback [m] (LayoutGenerate.setback_m), drawn before any layout exists. */
const DEFAULT_SETBACK_M = 15;

const byNewest = (a: Layout, b: Layout) =>
  (parseApiDate(b.created_at)?.getTime() ?? 0) - (parseApiDate(a.created_at)?.getTime() ?? 0);

/**
 * One site: the map (boundary, exclusion zones, entry, terrain overlays, the selected layout),
 * generation with live progress, the site's layouts with metrics, comparison and exports.
 */
export function SiteDetailPage() {
  const { siteId = "" } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const queryClient = useQueryClient();

  const site = useSite(siteId);
  const config = useConfig();
  const profiles = useProfiles();
  const layoutsQuery = useSiteLayouts(siteId);
  const asyncMode = config.data?.async_enabled ?? true;

  const layouts = useMemo(() => [...(layoutsQuery.data?.data ?? [])].sort(byNewest), [layoutsQuery.data]);
  const layoutNames = useMemo(
    () => Object.fromEntries(layouts.map((l, i) => [l.id, layoutName(layouts.length - i, l.variant)])),
    [layouts],
  );
  const assetLabels = useMemo(
    () =>
      Object.fromEntries((profiles.data?.data ?? []).flatMap((p) => assetTypeLabels(p))),
    [profiles.data],
  );

  // --- selected layout (kept in the URL so a reload shows the same one)
  const selectedParam = searchParams.get("layout");
  const selectedId = selectedParam ?? layouts.find((l) => l.status === "completed")?.id ?? null;
  const selected = layouts.find((l) => l.id === selectedId) ?? null;
  const selectLayout = useCallback(
    (id: string) =>
      setSearchParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          next.set("layout", id);
          return next;
        },
        { replace: true },
      ),
    [setSearchParams],
  );
  const geojson = useLayoutGeojson(selectedId, selected?.status === "completed");

  // --- the job being watched; a running layout is picked up again after a reload
  const [activeJobId, setActiveJobId] = useState<string | null>(null);
  const pickedUpFor = useRef<string | null>(null);
  useEffect(() => {
    if (!layoutsQuery.data || pickedUpFor.current === siteId) return;
    pickedUpFor.current = siteId;
    const running = layouts.find((l) => !isTerminal(l.status));
    if (running) setActiveJobId(running.id);
  }, [layoutsQuery.data, layouts, siteId]);

  const polling = useLayoutPolling(activeJobId);
  const jobState = polling.status?.status;
  useEffect(() => {
    if (!activeJobId || !jobState) return;
    void queryClient.invalidateQueries({ queryKey: keys.layouts(siteId) });
    if (jobState === "completed") selectLayout(activeJobId);
  }, [jobState, activeJobId, siteId, queryClient, selectLayout]);

  const generate = useGenerateLayout();
  const cancel = useCancelLayout();
  const lastParams = useRef<LayoutParams | null>(null);

  const onGenerate = (params: LayoutParams) => {
    lastParams.current = params;
    cancel.reset();
    generate.mutate(
      { body: { ...params, site_id: siteId }, idempotencyKey: newIdempotencyKey() },
      {
        onSuccess: (res) => {
          if (isSyncResult(res)) {
            queryClient.setQueryData(keys.layoutGeojson(res.layout.id), res.geojson);
            setActiveJobId(null);
            selectLayout(res.layout.id);
          } else {
            setActiveJobId(res.layout_id);
          }
        },
      },
    );
  };

  const onRetry = () => {
    const failed = layouts.find((l) => l.id === activeJobId);
    const params = failed?.params ?? lastParams.current;
    if (params) onGenerate(params);
  };

  const jobRunning = !!activeJobId && polling.isPolling;

  // --- terrain overlays
  const [terrain, setTerrain] = useState<TerrainSettings>(DEFAULT_TERRAIN);
  const tp = { resolution_m: terrain.resolution_m };
  const slope = useTerrainLayer(siteId, "slope", terrain.slope, tp);
  const contours = useTerrainLayer(siteId, "contours", terrain.contours, { ...tp, interval_m: terrain.interval_m });
  const buildable = useTerrainLayer(siteId, "buildable", terrain.buildable, { ...tp, max_slope_deg: terrain.max_slope_deg });
  const summary = useTerrainSummary(siteId, terrain.slope || terrain.contours || terrain.buildable, terrain.resolution_m);
  // The site's DEM, checked once at 30 m when the page opens: its native cell size sets the form's
  // default resolution, and when it cannot be had, Generate with terrain is refused up front with
  // the reason instead of failing after the job starts.
  const demCheck = useTerrainSummary(siteId, true, 30);
  const demUnavailable = demCheck.error?.message ?? null;
  const nativeResolutionM = demCheck.data?.native_resolution_m ?? null;

  // --- exclusion zones
  const zones = useZoneMutations(siteId);
  const [drawing, setDrawing] = useState(false);
  const [draft, setDraft] = useState<Polygon | null>(null);
  const [editingZoneId, setEditingZoneId] = useState<string | null>(null);
  const readEditedGeometry = useRef<(() => Polygon | MultiPolygon | null) | null>(null);
  const zoneError = zones.create.error ?? zones.update.error ?? zones.remove.error;

  // --- site edits: name, entry and interconnection points
  const updateSite = useUpdateSite(siteId);
  const [placing, setPlacing] = useState<SitePointKind | null>(null);
  const placePoint = (kind: SitePointKind, point: GeoPoint | null) => {
    setPlacing(null);
    updateSite.mutate({ [kind]: point });
  };

  // --- map: basemap, guides, zoom to layout
  const [basemapChoice, setBasemapChoice] = useState<BasemapChoice>("map");
  const [basemapState, setBasemapState] = useState<BasemapState>("off");
  const basemap = basemapSource(config.data, basemapChoice);
  const [fitLayoutToken, setFitLayoutToken] = useState(0);
  const setbackM = Number(selected?.params.setback_m ?? DEFAULT_SETBACK_M);
  const guides = useSiteGuides(site.data, setbackM);

  // --- layers switched off in the legend
  const [hiddenLayers, setHiddenLayers] = useState<ReadonlySet<string>>(() => new Set());
  const toggleLayer = useCallback(
    (key: string) =>
      setHiddenLayers((prev) => {
        const next = new Set(prev);
        if (next.has(key)) next.delete(key);
        else next.add(key);
        return next;
      }),
    [],
  );

  // --- comparison
  const [compareIds, setCompareIds] = useState<string[]>([]);
  const compared = layouts.filter((l) => compareIds.includes(l.id));

  // --- deleting a layout
  const deleteLayout = useDeleteLayout();
  const [confirmDelete, setConfirmDelete] = useState(false);

  if (site.isPending) {
    return (
      <div className="page-center">
        <Spinner size="lg" label="Loading site" />
      </div>
    );
  }
  if (site.isError) {
    return (
      <div className="page">
        <Alert title="Could not load the site">{site.error.message}</Alert>
        <Link to="/sites">Back to sites</Link>
      </div>
    );
  }
  const s = site.data;
  const layoutFc = selected?.status === "completed" ? (geojson.data ?? null) : null;
  const roadClasses = Array.from(
    new Set((layoutFc?.features ?? []).filter((f) => f.properties?.kind === "road").map((f) => String(f.properties?.road_class))),
  ).sort((a, b) => ["spine", "secondary", "spur"].indexOf(a) - ["spine", "secondary", "spur"].indexOf(b));
  const noncompliantRoads = (layoutFc?.features ?? []).filter((f) => f.properties?.kind === "road" && f.properties?.compliant === false).length;
  const plantCounts = plantLayerCounts((layoutFc?.features ?? []) as AnyFeature[]);
  const layoutWarnings = selected?.status === "completed" ? selected.warnings : [];
  const stationBlocks = unreachableStationBlocks(layoutWarnings);
  const unreachableAssets = (layoutFc?.features ?? []).filter((f) => f.properties?.kind === "asset" && isUnreachable(f.properties ?? {}, stationBlocks)).length;
  const assetCounts: Record<string, number> = {};
  for (const f of layoutFc?.features ?? []) {
    if (f.properties?.kind === "asset") {
      const t = String(f.properties.asset_type ?? "asset");
      assetCounts[t] = (assetCounts[t] ?? 0) + 1;
    }
  }

  return (
    <div className="site-page">
      <aside className="sidebar" aria-label="Site tools">
        <div className="sidebar-head">
          <Link to="/sites" className="back-link">
            ← All sites
          </Link>
          <SiteTitle
            name={s.name}
            busy={updateSite.isPending}
            error={updateSite.isError ? updateSite.error.message : null}
            onRename={(name) => updateSite.mutateAsync({ name })}
          />
          <p className="muted small">
            {formatArea(s.area_ha)} · {s.exclusion_zones.length} exclusion zone{s.exclusion_zones.length === 1 ? "" : "s"}
            {s.entry_point ? " · entry point set" : ""}
            {s.interconnection_point ? " · grid point set" : ""}
          </p>
          {s.warnings.length > 0 && (
            <Alert tone="warning" title="Import warnings">
              <ul className="plain">
                {s.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </Alert>
          )}
        </div>

        <Panel title="Generate layout">
          {profiles.isError && <Alert title="Profiles unavailable">{profiles.error.message}</Alert>}
          <GenerateForm
            key={siteId}
            siteId={siteId}
            demUnavailable={demUnavailable}
            nativeResolutionM={nativeResolutionM}
            profiles={profiles.data?.data ?? []}
            asyncMode={asyncMode}
            busy={generate.isPending}
            disabled={jobRunning}
            disabledReason={jobRunning ? "A layout is being generated for this site." : undefined}
            onSubmit={onGenerate}
          />
          {generate.isError && <Alert title="Could not start generation">{generate.error.message}</Alert>}
          {activeJobId && (
            <JobProgress
              layoutId={activeJobId}
              status={polling.status}
              isPolling={polling.isPolling}
              isWatching={polling.isWatching}
              pollError={polling.error}
              onCancel={() => cancel.mutate(activeJobId)}
              cancelling={cancel.isPending}
              cancelError={cancel.error?.message ?? null}
              onStopWatching={polling.stopWatching}
              onResumeWatching={polling.resumeWatching}
              onRetry={onRetry}
              retrying={generate.isPending}
              onDismiss={() => setActiveJobId(null)}
            />
          )}
        </Panel>

        <Panel title={`Layouts${layouts.length ? ` (${layouts.length})` : ""}`}>
          {layoutsQuery.isError && <Alert>{layoutsQuery.error.message}</Alert>}
          <LayoutList
            layouts={layouts}
            selectedId={selectedId}
            compareIds={compareIds}
            onSelect={selectLayout}
            onToggleCompare={(id) => setCompareIds((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]))}
          />
          {compareIds.length === 1 && <p className="muted small">Tick one more layout to compare.</p>}
        </Panel>

        {selected && selected.status === "completed" && (
          <Panel
            title={`Results · ${layoutNames[selected.id]}`}
            actions={
              <Button size="sm" variant="ghost" className="text-danger" onClick={() => setConfirmDelete(true)}>
                Delete
              </Button>
            }
          >
            {deleteLayout.isError && <Alert title="Delete failed">{deleteLayout.error.message}</Alert>}
            <MetricsPanel layout={selected} assetLabels={assetLabels} />
            <Button size="sm" onClick={() => setFitLayoutToken((n) => n + 1)}>
              Zoom to layout
            </Button>
            <h3 className="sub-title">Download</h3>
            <ExportButtons layoutId={selected.id} baseName={`${s.name.replace(/[^\w.-]+/g, "_")}-layout-${layouts.length - layouts.indexOf(selected)}`} />
          </Panel>
        )}

        {/* Design results (energy, cost, electrical, quantities): components/Design */}
        {selected && selected.status === "completed" && <DesignPanels layoutId={selected.id} metrics={selected.metrics} warnings={selected.warnings} />}

        <StudiesPanel siteId={s.id} resolutionM={nativeResolutionM != null ? resolutionChoices(nativeResolutionM).preferred : null} />

        <Panel title="Entry and grid connection">
          <SitePointsPanel
            entry={s.entry_point}
            interconnection={s.interconnection_point ?? null}
            placing={placing}
            busy={updateSite.isPending}
            error={updateSite.isError && !placing ? updateSite.error.message : null}
            onStartPlacing={(k) => {
              updateSite.reset();
              setPlacing(k);
            }}
            onCancelPlacing={() => setPlacing(null)}
            onClear={(k) => placePoint(k, null)}
          />
        </Panel>

        <Panel title="Terrain">
          <TerrainControls
            settings={terrain}
            onChange={setTerrain}
            loading={{ slope: slope.isFetching, contours: contours.isFetching, buildable: buildable.isFetching }}
            errors={{ slope: slope.error?.message, contours: contours.error?.message, buildable: buildable.error?.message }}
            summary={summary.data}
          />
        </Panel>

        <Panel title="Wind resource">
          <WindResourcePanel siteId={s.id} />
        </Panel>

        <Panel title="Exclusion zones">
          <ZonePanel
            zones={s.exclusion_zones}
            drawing={drawing}
            draft={draft}
            editingZoneId={editingZoneId}
            busy={zones.create.isPending || zones.update.isPending || zones.remove.isPending}
            error={zoneError?.message ?? null}
            onStartDraw={() => {
              zones.create.reset();
              setDraft(null);
              setDrawing(true);
            }}
            onCancelDraw={() => {
              setDrawing(false);
              setDraft(null);
            }}
            onCreate={(zone: ZoneInput) => zones.create.mutateAsync(zone)}
            onStartEdit={(id) => {
              zones.update.reset();
              setEditingZoneId(id);
            }}
            onCancelEdit={() => setEditingZoneId(null)}
            onSaveEdit={(zoneId, patch, useMapShape) => {
              const fromMap = useMapShape ? readEditedGeometry.current?.() : null;
              zones.update.mutate(
                { zoneId, patch: fromMap ? { ...patch, geometry: fromMap } : patch },
                { onSuccess: () => setEditingZoneId(null) },
              );
            }}
            onDelete={(id) => zones.remove.mutate(id)}
          />
        </Panel>
      </aside>

      <section className="map-area" aria-label="Map">
        <div className="map-wrap">
          <SiteMap
            site={s}
            terrain={{
              slope: terrain.slope ? slope.data : undefined,
              contours: terrain.contours ? contours.data : undefined,
              buildable: terrain.buildable ? buildable.data : undefined,
            }}
            layout={layoutFc}
            assetLabels={assetLabels}
            basemap={basemap}
            onBasemapState={setBasemapState}
            guides={guides.data}
            fitLayoutToken={fitLayoutToken}
            hiddenLayers={hiddenLayers}
            layoutWarnings={layoutWarnings}
            points={{
              entry: s.entry_point,
              interconnection: s.interconnection_point ?? null,
              placing,
              onPlace: (kind, point) => placePoint(kind, point),
            }}
            zoneEditing={{
              drawing: drawing && !draft,
              onDrawn: (g) => setDraft(g),
              editingZoneId,
              readEditedGeometry,
              draft,
            }}
          />
          <MapLegend
            assetCounts={assetCounts}
            assetLabels={assetLabels}
            roadClasses={roadClasses}
            hasZones={s.exclusion_zones.length > 0 || !!draft}
            hasEntry={!!s.entry_point}
            hasInterconnection={!!s.interconnection_point}
            hasSetback={(guides.data?.features ?? []).some((f) => f.properties?.kind === "setback")}
            hasBuffers={(guides.data?.features ?? []).some((f) => f.properties?.kind === "exclusion_buffer")}
            noncompliantRoads={noncompliantRoads}
            plantCounts={plantCounts}
            unreachableAssets={unreachableAssets}
            hidden={hiddenLayers}
            onToggle={toggleLayer}
            slopeClasses={terrain.slope ? slopeLegend(slope.data) : undefined}
            showContours={terrain.contours}
            showBuildable={terrain.buildable}
          />
          <div className="map-toolbar" role="group" aria-label="Map tools">
            <label htmlFor="basemap-choice">Basemap</label>
            <select id="basemap-choice" value={basemapChoice} onChange={(e) => setBasemapChoice(e.target.value as BasemapChoice)}>
              <option value="map">Map (OpenStreetMap)</option>
              {config.data?.satellite_url ? <option value="satellite">Satellite</option> : null}
              <option value="none">None</option>
            </select>
            {layoutFc && (
              <Button size="sm" onClick={() => setFitLayoutToken((n) => n + 1)} aria-label="Zoom the map to the layout">
                ⤢ Layout
              </Button>
            )}
          </div>
          <BasemapNotice choice={basemapChoice} state={basemap ? basemapState : "off"} configured={!!basemapSource(config.data, basemapChoice === "none" ? "map" : basemapChoice)} />
          {selected && selected.status === "completed" && geojson.isFetching && (
            <div className="map-status" role="status">
              <Spinner size="sm" label="Loading layout" /> Loading layout…
            </div>
          )}
          {geojson.isError && (
            <div className="map-status">
              <Alert>{geojson.error.message}</Alert>
            </div>
          )}
        </div>
        {compared.length >= 2 && <CompareTable layouts={compared} names={layoutNames} onClose={() => setCompareIds([])} />}
      </section>

      <ConfirmDialog
        open={confirmDelete && !!selected}
        title="Delete layout?"
        confirmLabel="Delete layout"
        busy={deleteLayout.isPending}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() =>
          selected &&
          deleteLayout.mutate(selected.id, {
            onSuccess: () => {
              setCompareIds((ids) => ids.filter((x) => x !== selected.id));
              setSearchParams(
                (prev) => {
                  const next = new URLSearchParams(prev);
                  next.delete("layout");
                  return next;
                },
                { replace: true },
              );
            },
            onSettled: () => setConfirmDelete(false),
          })
        }
      >
        <p>{selected ? `${layoutNames[selected.id]} and its exports will be deleted.` : ""}</p>
      </ConfirmDialog>
    </div>
  );
}
