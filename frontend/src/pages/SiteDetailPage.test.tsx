import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SiteDetailPage } from "./SiteDetailPage";
import { jsonResponse, mockFetch, renderWithProviders, USER, type RecordedCall } from "../test/utils";
import { PROFILES, SITE, layout, statusOf } from "../test/fixtures";
import { tokenStore } from "../api/client";
import type { Layout, LayoutStatus } from "../api/types";
import type { SiteMap as RealSiteMap } from "../components/Map/SiteMap";

// Leaflet needs a laid-out page (it measures the map); jsdom has none. The map itself is
// exercised by the Playwright end-to-end test; here a stand-in records what it is given.
vi.mock("../components/Map/SiteMap", () => ({
  SiteMap: (props: Parameters<typeof RealSiteMap>[0]) => (
    <div
      data-testid="map"
      data-site={props.site.id}
      data-layout-features={props.layout?.features.length ?? 0}
      data-slope-features={props.terrain.slope?.features.length ?? 0}
      data-guides={props.guides?.features.map((f) => f.properties?.kind).join(",") ?? ""}
      data-basemap={props.basemap?.url ?? "none"}
      data-interconnection={JSON.stringify(props.points?.interconnection ?? null)}
    >
      {props.points?.placing && (
        <button type="button" onClick={() => props.points!.onPlace(props.points!.placing!, { type: "Point", coordinates: [-102.0995, 31.9012] })}>
          simulated map click
        </button>
      )}
      <button type="button" onClick={() => props.onBasemapState?.("unavailable")}>
        simulated tile failure
      </button>
    </div>
  ),
}));

const GEOJSON = {
  type: "FeatureCollection",
  features: [
    {
      type: "Feature",
      geometry: { type: "Polygon", coordinates: [[[-102.101, 31.899], [-102.1, 31.899], [-102.1, 31.9], [-102.101, 31.9], [-102.101, 31.899]]] },
      properties: { kind: "asset", asset_type: "pv_block", capacity_kw: 2000 },
    },
    {
      type: "Feature",
      geometry: { type: "LineString", coordinates: [[-102.102, 31.9], [-102.1, 31.9]] },
      properties: { kind: "road", road_class: "spine", length_m: 190 },
    },
  ],
};

interface World {
  asyncEnabled: boolean;
  layouts: Layout[];
  status: (id: string, n: number) => LayoutStatus | Response;
  generate: (body: Record<string, unknown>) => Response;
  /** Fields changed by PATCH /api/sites/s1. */
  site?: Record<string, unknown>;
  /** The site's DEM: its native cell size [m], or the API's answer when it cannot be fetched. */
  demNativeM?: number | null;
  demError?: string;
}

function serve(world: World) {
  const statusCount: Record<string, number> = {};
  return mockFetch((call: RecordedCall) => {
    const { method, path } = call;
    if (path === "/api/config")
      return jsonResponse({
        async_enabled: world.asyncEnabled,
        auth_mode: "local",
        version: "1",
        basemap_url: "https://tiles.test/{z}/{x}/{y}.png",
        basemap_attribution: "© test",
        satellite_url: "https://sat.test/{z}/{y}/{x}",
        satellite_attribution: "© sat",
      });
    if (path === "/api/auth/me") return jsonResponse(USER);
    if (path === "/api/sites/s1" && method === "PATCH") {
      Object.assign(world.site ?? {}, JSON.parse(String(call.body)));
      return jsonResponse({ ...SITE, ...(world.site ?? {}) });
    }
    if (path === "/api/sites/s1") return jsonResponse({ ...SITE, ...(world.site ?? {}) });
    if (path.startsWith("/api/sites/s1/guides")) {
      return jsonResponse({
        type: "FeatureCollection",
        features: [{ type: "Feature", geometry: { type: "LineString", coordinates: [[-102.1018, 31.8982], [-102.0982, 31.8982]] }, properties: { kind: "setback", setback_m: 15 } }],
      });
    }
    if (path === "/api/layouts/profiles") return jsonResponse(PROFILES);
    if (path.startsWith("/api/layouts?site_id=s1")) return jsonResponse({ data: world.layouts, count: world.layouts.length });
    if (method === "POST" && path === "/api/layouts/generate") return world.generate(JSON.parse(String(call.body)));
    let m = /^\/api\/layouts\/([^/]+)\/status$/.exec(path);
    if (m) {
      statusCount[m[1]] = (statusCount[m[1]] ?? 0) + 1;
      const r = world.status(m[1], statusCount[m[1]]);
      return r instanceof Response ? r : jsonResponse(r);
    }
    m = /^\/api\/layouts\/([^/]+)\/cancel$/.exec(path);
    if (m && method === "POST") {
      const l = world.layouts.find((x) => x.id === m![1])!;
      l.status = "cancelled";
      return jsonResponse(statusOf(l));
    }
    if (/^\/api\/layouts\/[^/]+\/geojson$/.test(path)) return jsonResponse(GEOJSON);
    m = /^\/api\/layouts\/([^/?]+)$/.exec(path);
    if (m && method === "DELETE") {
      world.layouts = world.layouts.filter((l) => l.id !== m![1]);
      return new Response(null, { status: 204 });
    }
    if (path.startsWith("/api/sites/s1/terrain/summary")) {
      if (world.demError) return jsonResponse({ detail: world.demError }, 503);
      return jsonResponse({
        source: world.demNativeM ? "file" : "flat",
        crs: "EPSG:32613",
        resolution_m: 30,
        cell_count: 100,
        nodata_share: 0,
        area_ha: 9,
        elevation_min_m: 900,
        elevation_max_m: 910,
        elevation_mean_m: 905,
        slope_mean_deg: 1,
        slope_max_deg: 3,
        slope_classes: [],
        buildable_share_by_limit: {},
        buildable_share_by_asset: {},
        native_resolution_m: world.demNativeM ?? null,
        resolution_label: "30 m grid",
      });
    }
    if (path.startsWith("/api/sites/s1/terrain/slope")) {
      return jsonResponse({
        type: "FeatureCollection",
        properties: {},
        features: [{ type: "Feature", geometry: SITE.boundary, properties: { label: "0-2", lower_deg: 0, upper_deg: 2, area_ha: 25, share: 1 } }],
      });
    }
    return jsonResponse({ detail: `unexpected ${method} ${path}` }, 404);
  });
}

function renderPage() {
  return renderWithProviders(
    <Routes>
      <Route path="/sites/:siteId" element={<SiteDetailPage />} />
    </Routes>,
    { route: "/sites/s1" },
  );
}

describe("SiteDetailPage", () => {
  beforeEach(() => tokenStore.set("tok"));
  afterEach(() => vi.unstubAllGlobals());

  it("shows the site, selects the latest completed layout and shows its metrics and legend", async () => {
    serve({ asyncEnabled: true, layouts: [layout("L1")], status: () => jsonResponse({}, 500), generate: () => jsonResponse({}, 500) });
    renderPage();
    expect(await screen.findByRole("heading", { name: "West Texas parcel" })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "Results · Layout 1" })).toBeInTheDocument();
    const legend = screen.getByRole("complementary", { name: "Map legend" });
    expect(await within(legend).findByText("PV block")).toBeInTheDocument();
    expect(within(legend).getByText("Spine road")).toBeInTheDocument();
    expect(within(legend).getByText("Site entry")).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: /GeoJSON|KMZ|CSV|DXF|PDF/ })).toHaveLength(5);
    expect(screen.getByTestId("map")).toHaveAttribute("data-layout-features", "2");
  });

  it("renames the site, places the grid interconnection point, draws guides and says when there is no basemap", async () => {
    const world: World = { asyncEnabled: true, layouts: [layout("L1")], status: () => jsonResponse({}, 500), generate: () => jsonResponse({}, 500), site: {} };
    const { calls } = serve(world);
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole("heading", { name: "West Texas parcel" });
    const map = screen.getByTestId("map");
    await waitFor(() => expect(map).toHaveAttribute("data-guides", "setback"));
    expect(calls.some((c) => c.path === "/api/sites/s1/guides?setback_m=15")).toBe(true);
    expect(map).toHaveAttribute("data-basemap", "https://tiles.test/{z}/{x}/{y}.png");

    // rename
    await user.click(screen.getByRole("button", { name: "Rename" }));
    const name = screen.getByLabelText("Site name");
    await user.clear(name);
    await user.type(name, "Mesa Norte");
    await user.click(screen.getByRole("button", { name: "Save name" }));
    expect(await screen.findByRole("heading", { name: "Mesa Norte" })).toBeInTheDocument();

    // place the interconnection point with a click on the map
    await user.click(screen.getByRole("button", { name: "Place grid interconnection point" }));
    expect(screen.getByText(/Click the map to place the grid interconnection point/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "simulated map click" }));
    await waitFor(() => expect(screen.getByTestId("point-interconnection_point")).toHaveTextContent("31.90120, -102.09950"));
    const patches = calls.filter((c) => c.method === "PATCH").map((c) => JSON.parse(String(c.body)));
    expect(patches).toEqual([{ name: "Mesa Norte" }, { interconnection_point: { type: "Point", coordinates: [-102.0995, 31.9012] } }]);
    expect(map).toHaveAttribute("data-interconnection", JSON.stringify({ type: "Point", coordinates: [-102.0995, 31.9012] }));

    // basemap: tiles failing shows the no-basemap notice; satellite and none are offered
    expect(screen.queryByTestId("basemap-notice")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "simulated tile failure" }));
    expect(screen.getByTestId("basemap-notice")).toHaveTextContent("No basemap: map tiles could not be loaded");
    await user.selectOptions(screen.getByLabelText("Basemap"), "satellite");
    expect(map).toHaveAttribute("data-basemap", "https://sat.test/{z}/{y}/{x}");
    await user.selectOptions(screen.getByLabelText("Basemap"), "none");
    expect(map).toHaveAttribute("data-basemap", "none");
    expect(screen.getByTestId("basemap-notice")).toHaveTextContent("switched off");
  }, 30_000); // many user steps: slow on a busy 2-core machine

  it("picks a running layout up again after a reload and shows it when it completes", async () => {
    const running = layout("L2", { status: "processing", metrics: null, stage: "placing_assets", progress_pct: 30, completed_at: null });
    const world: World = {
      asyncEnabled: true,
      layouts: [running, layout("L1", { created_at: "2026-02-01T00:00:00Z" })],
      status: (_id, n) => {
        if (n === 1) return statusOf(running);
        Object.assign(running, layout("L2"));
        return statusOf(running, { total_capacity_kw: 4000, asset_count: 5, road_length_m: 1234 });
      },
      generate: () => jsonResponse({}, 500),
    };
    const { calls } = serve(world);
    renderPage();
    const job = await screen.findByTestId("job-progress");
    expect(await within(job).findByText("Placing assets")).toBeInTheDocument();
    expect(within(job).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "30");
    expect(screen.getByRole("button", { name: "Generate layout" })).toBeDisabled();

    // the next poll (2 s later) reports completion; the new layout is selected
    expect(await screen.findByText("Layout ready", {}, { timeout: 4000 })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "Results · Layout 2" })).toBeInTheDocument();
    expect(calls.filter((c) => c.path === "/api/layouts/L2/status")).toHaveLength(2);
  });

  it("generates asynchronously with an Idempotency-Key, then cancels through the API", async () => {
    const world: World = {
      asyncEnabled: true,
      layouts: [],
      status: (id) => statusOf(world.layouts.find((l) => l.id === id)!),
      generate: () => {
        world.layouts.unshift(layout("L3", { status: "queued", metrics: null, stage: "queued", progress_pct: 0, started_at: null, completed_at: null }));
        return jsonResponse({ layout_id: "L3", status: "queued", message: "Layout queued" }, 202);
      },
    };
    const { calls } = serve(world);
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole("option", { name: "Solar farm" });
    await user.click(screen.getByRole("button", { name: "Generate layout" }));

    const job = await screen.findByTestId("job-progress");
    expect(within(job).getByText("Queued")).toBeInTheDocument();
    const gen = calls.find((c) => c.path === "/api/layouts/generate")!;
    expect(gen.headers.get("Idempotency-Key")).toMatch(/.{8,}/);
    expect(JSON.parse(String(gen.body))).toMatchObject({ site_id: "s1", target_capacity_kw: 5000, profile: "solar_farm", strategy: "balanced" });

    await user.click(within(job).getByRole("button", { name: "Cancel job" }));
    expect(await screen.findByText("The layout job was cancelled.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/layouts/L3/cancel")).toBe(true);
    expect(screen.getByRole("button", { name: "Generate layout" })).toBeEnabled();
  });

  it("shows a failure with the error message and retries with the failed layout's parameters", async () => {
    const failed = layout("L4", {
      status: "failed",
      metrics: null,
      error_message: "DEM tile unavailable",
      params: { target_capacity_kw: 1200, profile: "bess", strategy: "clustered", use_terrain: false, dem_resolution_m: 30, setback_m: 15 },
    });
    // the list still says "processing" (e.g. just before a reload); the status says it failed
    const world: World = {
      asyncEnabled: true,
      layouts: [{ ...failed, status: "processing" }],
      status: () => statusOf(failed),
      generate: () => jsonResponse({ layout_id: "L5", status: "queued", message: "Layout queued" }, 202),
    };
    const { calls } = serve(world);
    const user = userEvent.setup();
    renderPage();
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("DEM tile unavailable");
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/layouts/generate")).toHaveLength(1));
    const retry = calls.filter((c) => c.path === "/api/layouts/generate")[0];
    expect(JSON.parse(String(retry.body))).toMatchObject({ target_capacity_kw: 1200, profile: "bess", strategy: "clustered", use_terrain: false });
  });

  it("in sync mode shows the result directly without polling", async () => {
    const result = layout("L6");
    const world: World = {
      asyncEnabled: false,
      layouts: [],
      status: () => jsonResponse({}, 500),
      generate: () => {
        world.layouts = [result];
        return jsonResponse({ layout: result, assets: [], roads: [], geojson: GEOJSON }, 201);
      },
    };
    const { calls } = serve(world);
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole("option", { name: "Solar farm" });
    await user.click(screen.getByRole("button", { name: "Generate layout (sync)" }));
    expect(await screen.findByRole("heading", { name: "Results · Layout 1" })).toBeInTheDocument();
    expect(screen.queryByTestId("job-progress")).not.toBeInTheDocument();
    expect(calls.some((c) => c.path.endsWith("/status"))).toBe(false);
    expect(calls.some((c) => c.path.endsWith("/geojson"))).toBe(false);
  });

  it("switches a terrain overlay on, which fetches it", async () => {
    const { calls } = serve({ asyncEnabled: true, layouts: [], status: () => jsonResponse({}, 500), generate: () => jsonResponse({}, 500) });
    const user = userEvent.setup();
    renderPage();
    const toggle = await screen.findByRole("switch", { name: "Slope classes" });
    expect(calls.some((c) => c.path.includes("/terrain/slope"))).toBe(false);
    await user.click(toggle);
    await waitFor(() => expect(calls.some((c) => c.path.includes("/terrain/slope"))).toBe(true));
    await waitFor(() => expect(screen.getByTestId("map")).toHaveAttribute("data-slope-features", "1"));
    const legend = screen.getByRole("complementary", { name: "Map legend" });
    expect(await within(legend).findByText("0-2°")).toBeInTheDocument();
  });
});

describe("SiteDetailPage layout deletion", () => {
  beforeEach(() => tokenStore.set("tok"));
  afterEach(() => vi.unstubAllGlobals());

  it("deletes the shown layout after confirmation", async () => {
    const world: World = { asyncEnabled: true, layouts: [layout("L1")], status: () => jsonResponse({}, 500), generate: () => jsonResponse({}, 500) };
    const { calls } = serve(world);
    const user = userEvent.setup();
    renderPage();
    const results = await screen.findByRole("region", { name: "Results · Layout 1" });
    await user.click(within(results).getByRole("button", { name: "Delete" }));
    await user.click(within(screen.getByRole("alertdialog", { name: "Delete layout?" })).getByRole("button", { name: "Delete layout" }));
    await waitFor(() => expect(screen.queryByRole("region", { name: "Results · Layout 1" })).not.toBeInTheDocument());
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/layouts/L1")).toBe(true);
    expect(await screen.findByText("No layouts yet.")).toBeInTheDocument();
  });
});

describe("SiteDetailPage generate form", () => {
  const quiet = (extra: Partial<World> = {}): World => {
    const world: World = {
      asyncEnabled: true,
      layouts: [],
      status: (id) => statusOf(world.layouts.find((l) => l.id === id)!),
      generate: () => jsonResponse({ layout_id: "L9", status: "queued", message: "Layout queued" }, 202),
      ...extra,
    };
    return world;
  };

  it("with the DEM unavailable, Generate with terrain is refused with the reason and the fix", async () => {
    serve(quiet({ demError: "Failed to fetch DEM data: the elevation service is unavailable; try again later" }));
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole("option", { name: "Solar farm" });
    const why = await screen.findByTestId("dem-unavailable");
    expect(why).toHaveTextContent("the elevation service is unavailable");
    expect(why).toHaveTextContent("Turn off Use terrain, or upload a DEM");
    expect(screen.getByRole("button", { name: "Generate layout" })).toBeDisabled();
    await user.click(screen.getByLabelText("Use terrain (slope, earthwork)"));
    expect(screen.queryByTestId("dem-unavailable")).toBeNull();
    expect(screen.getByRole("button", { name: "Generate layout" })).toBeEnabled();
  });

  it("defaults the resolution to what the site's DEM resolves (≈ 93 m demo DEM: no avoidable warning)", async () => {
    const { calls } = serve(quiet({ demNativeM: 92.6 }));
    const user = userEvent.setup();
    renderPage();
    await screen.findByRole("option", { name: "Solar farm" });
    await waitFor(() => expect(screen.getByLabelText("DEM resolution")).toHaveValue("93"));
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/api/layouts/generate")).toBe(true));
    expect(JSON.parse(String(calls.find((c) => c.path === "/api/layouts/generate")!.body)).dem_resolution_m).toBe(93);
    // A finer grid is still allowed, with the reason it adds nothing.
    await user.selectOptions(screen.getByLabelText("DEM resolution"), "10");
    expect(screen.getByTestId("resolution-hint")).toHaveTextContent("≈ 93 m cells");
  });

  it("keeps the form's values per site across a reload", async () => {
    serve(quiet());
    const user = userEvent.setup();
    const first = renderPage();
    await screen.findByRole("option", { name: "Solar farm" });
    await user.clear(screen.getByLabelText("Target capacity"));
    await user.type(screen.getByLabelText("Target capacity"), "20");
    await user.selectOptions(screen.getByLabelText("Structure"), "tracker");
    await user.selectOptions(screen.getByLabelText("DEM resolution"), "30");
    first.unmount(); // a reload: nothing survives but localStorage
    renderPage();
    await screen.findByRole("option", { name: "Solar farm" });
    expect(screen.getByLabelText("Target capacity")).toHaveValue(20);
    expect(screen.getByLabelText("Structure")).toHaveValue("tracker");
    expect(screen.getByLabelText("DEM resolution")).toHaveValue("30");
    expect(JSON.parse(localStorage.getItem("sitelayouts.generate.s1")!)).toMatchObject({ capacity: "20", resolution: 30 });
  });
});
