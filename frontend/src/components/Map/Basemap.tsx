import { useEffect, useRef } from "react";
import { TileLayer } from "react-leaflet";
import type { AppConfig } from "../../api/types";

export type BasemapChoice = "map" | "satellite" | "none";
/** "loading" until a tile arrives; "unavailable" when tiles fail and none loaded (offline). */
export type BasemapState = "off" | "loading" | "ok" | "unavailable";

export interface BasemapSource {
  url: string;
  attribution: string;
}

/** The tile source for a choice, from GET /api/config; null when that basemap is not configured. */
export function basemapSource(config: AppConfig | undefined, choice: BasemapChoice): BasemapSource | null {
  if (!config || choice === "none") return null;
  const url = (choice === "satellite" ? config.satellite_url : config.basemap_url) ?? "";
  if (!url) return null;
  const attribution = (choice === "satellite" ? config.satellite_attribution : config.basemap_attribution) ?? "";
  return { url, attribution };
}

/**
 * Raster tiles that report whether they actually load: a blank map offline would read as "no
 * data here", so the page shows a clear "no basemap" notice instead (see BasemapNotice).
 */
export function BasemapLayer({ source, onState }: { source: BasemapSource; onState: (s: BasemapState) => void }) {
  const loaded = useRef(0);
  const failed = useRef(0);
  const report = useRef(onState);
  report.current = onState;
  useEffect(() => {
    loaded.current = 0;
    failed.current = 0;
    report.current("loading");
  }, [source.url]);
  return (
    <TileLayer
      key={source.url}
      url={source.url}
      attribution={source.attribution}
      maxZoom={20}
      maxNativeZoom={19}
      eventHandlers={{
        tileload: () => {
          loaded.current += 1;
          if (loaded.current === 1) report.current("ok");
        },
        tileerror: () => {
          failed.current += 1;
          if (loaded.current === 0) report.current("unavailable");
        },
      }}
    />
  );
}

/** What the user sees when no basemap is drawn, and why. */
export function BasemapNotice({ choice, state, configured }: { choice: BasemapChoice; state: BasemapState; configured: boolean }) {
  let text: string | null = null;
  if (choice === "none") text = "No basemap (switched off): the site is drawn on a plain background.";
  else if (!configured) text = "No basemap configured (BASEMAP_URL is empty): the site is drawn on a plain background.";
  else if (state === "unavailable")
    text = "No basemap: map tiles could not be loaded (offline or blocked). The site is drawn on a plain background.";
  if (!text) return null;
  return (
    <div className="basemap-notice" role="status" data-testid="basemap-notice">
      {text}
    </div>
  );
}
