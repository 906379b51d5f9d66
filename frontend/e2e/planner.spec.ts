/**
 * Issue 26, as a planner lives in the app (each test fails on the app before the fixes):
 *   1. a study read at a glance: variants complete in the layouts list without a reload, named by
 *      what differs, a full-width sortable comparison (no sideways scroll at 1440 px) with a way back
 *      to any variant's map, the scatter with axis values and a legend, "Compare layouts" with
 *      energy, CAPEX and LCOE;
 *   2. every layer of the plant on the map, each in the legend with a toggle, roads at their true
 *      width when zoomed in, equipment clickable, warned problems outlined;
 *   3. sessions and forms: a login starts at that user's own sites, the generate form survives a
 *      reload, Generate with terrain is refused with the fix while the DEM is unavailable, and the
 *      resolution follows the site's DEM.
 * Screenshots go to e2e/screenshots/ (git-ignored) for a person to look at.
 */
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(here, "screenshots");
const SAMPLE_KML = process.env.SAMPLE_KML ?? path.resolve(here, "../../backend/app/samples/sample-site.kml");
const JOB_TIMEOUT = 180_000;
fs.mkdirSync(SHOTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: "disabled" });

test.describe.configure({ mode: "serial" });

interface Account {
  email: string;
  password: string;
  token: string;
}

async function account(request: APIRequestContext, tag: string): Promise<Account> {
  const email = `e2e-${tag}-${Date.now()}@example.com`;
  const password = "e2e-password-123";
  expect((await request.post("/api/auth/register", { data: { email, password } })).ok()).toBe(true);
  const res = await request.post("/api/auth/token", { form: { username: email, password } });
  expect(res.ok()).toBe(true);
  return { email, password, token: (await res.json()).access_token };
}

async function uploadSite(request: APIRequestContext, a: Account, name: string): Promise<string> {
  const res = await request.post("/api/sites/upload", {
    headers: { Authorization: `Bearer ${a.token}` },
    multipart: { file: { name: "sample-site.kml", mimeType: "application/vnd.google-earth.kml+xml", buffer: fs.readFileSync(SAMPLE_KML) }, name },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).id;
}

async function logIn(page: Page, a: Account) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(a.email);
  await page.getByLabel("Password").fill(a.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Sites", exact: true })).toBeVisible();
}

/** Generates a layout through the API and waits for it to finish; its id. */
async function generated(request: APIRequestContext, a: Account, siteId: string, body: Record<string, unknown> = {}): Promise<string> {
  const auth = { Authorization: `Bearer ${a.token}` };
  const res = await request.post("/api/layouts/generate", { headers: auth, data: { site_id: siteId, target_capacity_kw: 5000, use_terrain: false, ...body } });
  expect(res.status(), await res.text()).toBe(202);
  const id = (await res.json()).layout_id as string;
  await expect
    .poll(async () => (await (await request.get(`/api/layouts/${id}/status`, { headers: auth })).json()).status, { timeout: JOB_TIMEOUT, intervals: [1000] })
    .toMatch(/completed|failed/);
  return id;
}

test("1. a study read at a glance", async ({ page, request }) => {
  await page.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  const a = await account(request, "study");
  const siteId = await uploadSite(request, a, "Study parcel");
  await logIn(page, a);
  await page.goto(`/sites/${siteId}`);
  const layouts = page.getByRole("list", { name: "Layouts" });

  await test.step("run a 4-variant study: fixed and tracker at two GCRs", async () => {
    await page.getByRole("button", { name: "New study" }).click();
    const form = page.getByRole("form", { name: "New study" });
    await form.getByLabel(/Target capacity/).fill("5");
    await form.getByLabel(/GCR/).fill("0.3, 0.4");
    await form.getByLabel(/Tilt/).fill("25");
    const terrain = form.getByLabel("Use terrain");
    if (await terrain.isChecked()) await terrain.uncheck();
    await form.getByRole("button", { name: "Run study" }).click();
    await expect(page.getByText(/of 4 completed.*\(100%\)/)).toBeVisible({ timeout: JOB_TIMEOUT * 2 });
  });

  await test.step("the layouts list shows the finished variants, named by what differs, without a reload", async () => {
    // Before the fix they stayed "Queued" until a reload.
    await expect(layouts.locator(".layout-item")).toHaveCount(4);
    await expect(layouts.getByText("Queued")).toHaveCount(0, { timeout: 10_000 });
    const labels = await layouts.getByTestId("layout-variant").allTextContents();
    expect(new Set(labels).size).toBe(4);
    expect(labels.join(" | ")).toMatch(/Fixed · GCR 0\.3/);
    expect(labels.join(" | ")).toMatch(/Tracker · GCR 0\.4/);
    const done = layouts.locator(".layout-item").filter({ hasText: "Completed" });
    expect(await done.count()).toBeGreaterThanOrEqual(2);
    const label = (await done.nth(1).getByTestId("layout-variant").textContent()) ?? "";
    const open = done.nth(1).getByRole("button").first();
    await expect(open).toBeEnabled();
    await open.click();
    await expect(page.getByRole("heading", { name: new RegExp(`Results · Layout \\d · ${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`) })).toBeVisible();
  });

  await test.step("the sidebar's study table fits the sidebar (no sideways scroll)", async () => {
    const fit = (await page.evaluate(`(() => {
      const t = document.querySelector("table.study-table-compact");
      const side = document.querySelector("aside.sidebar");
      return { table: t.getBoundingClientRect().right, side: side.getBoundingClientRect().right, scroll: side.scrollWidth, width: side.clientWidth };
    })()`)) as { table: number; side: number; scroll: number; width: number };
    expect(fit.table).toBeLessThanOrEqual(fit.side);
    expect(fit.scroll).toBeLessThanOrEqual(fit.width);
  });

  await test.step("Compare layouts has energy, CAPEX and LCOE rows", async () => {
    const boxes = layouts.getByRole("checkbox");
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    const compare = page.getByRole("region", { name: "Compare layouts" });
    for (const row of ["Energy", "CAPEX", "LCOE"]) await expect(compare.getByRole("rowheader", { name: row, exact: true })).toBeVisible();
    await expect(compare.getByRole("row", { name: /^Energy/ })).toContainText("MWh/yr");
    await expect(compare.getByRole("row", { name: /^CAPEX/ })).toContainText("$");
  });

  await test.step("the full-width comparison: no sideways scroll at 1440 px, sortable, a map per variant", async () => {
    await page.getByRole("link", { name: "Open the full comparison" }).click();
    await expect(page).toHaveURL(/\/studies\//);
    const table = page.locator("table.study-table");
    await expect(table.getByTestId("study-row")).toHaveCount(4);
    for (const h of ["LCOE ($/MWh)", "MWh/yr", "MWdc", "CAPEX ($M)", "kWh/kWp"]) await expect(table.getByRole("columnheader", { name: h })).toBeVisible();
    const widths = (await page.evaluate(`(() => {
      const t = document.querySelector("table.study-table");
      return { doc: document.documentElement.scrollWidth, win: window.innerWidth, table: t.scrollWidth, wrap: t.parentElement.clientWidth };
    })()`)) as { doc: number; win: number; table: number; wrap: number };
    expect(widths.win).toBe(1440);
    expect(widths.doc, "the page scrolls sideways").toBeLessThanOrEqual(widths.win);
    expect(widths.table, "the table is wider than its column").toBeLessThanOrEqual(widths.wrap);
    // Sort by MWdc: highest first; a second click reverses.
    const mwdc = async () =>
      (await table.getByTestId("study-row").evaluateAll((rows) => rows.map((r) => r.querySelectorAll("td.num")[2]?.textContent ?? ""))).map((t) => Number(t.replace(/[^\d.]/g, "")));
    await table.getByRole("button", { name: "MWdc" }).click();
    const desc = await mwdc();
    expect(desc).toEqual([...desc].sort((x, y) => y - x));
    await table.getByRole("button", { name: "MWdc" }).click();
    const asc = await mwdc();
    expect(asc).toEqual([...asc].sort((x, y) => x - y));
    // The scatter: axis values, units, a fixed / tracker legend and a hover label.
    await expect(page.getByTestId("scatter-xtick").first()).toHaveText(/\d/);
    await expect(page.getByText("CAPEX [M USD]")).toBeVisible();
    const legend = page.getByLabel("Scatter legend");
    await expect(legend).toContainText("Fixed tilt");
    await expect(legend).toContainText("Tracker");
    await page.getByTestId("scatter-point").first().hover();
    await expect(page.getByTestId("scatter-tip")).toContainText("kWh/kWp");
    await shot(page, "20-study-comparison");
    // Back to one variant's map.
    await table.getByRole("link", { name: /Open .* on the map/ }).first().click();
    await expect(page).toHaveURL(new RegExp(`/sites/${siteId}\\?layout=`));
    await expect(page.getByRole("heading", { name: /Results · Layout \d · / })).toBeVisible();
  });
});

test("2. every layer of the plant on the map", async ({ page, request }) => {
  await page.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  const a = await account(request, "layers");
  const siteId = await uploadSite(request, a, "Layer parcel");
  const layoutId = await generated(request, a, siteId, { target_capacity_kw: 10000, pv: { structure: "tracker", gcr: 0.35 } });
  // The e2e terrain is flat, so no asset is unreachable: the layout is served with the warning the
  // engine gives when a power station has no road (the map outlines what the warning names).
  await page.route(/\/api\/layouts\?site_id=/, async (route) => {
    const real = await route.fetch();
    const body = await real.json();
    for (const l of body.data) if (l.id === layoutId) l.warnings = [...l.warnings, "no road can reach 1 asset access point(s): power station 1"];
    await route.fulfill({ response: real, json: body });
  });
  await logIn(page, a);
  await page.goto(`/sites/${siteId}?layout=${layoutId}`);
  const legend = page.getByRole("complementary", { name: "Map legend" });

  await test.step("cables by level, trenches, fences and gates are drawn and in the legend with a toggle", async () => {
    for (const name of ["MV cable", "Cable trench", "Fence", "Gate"]) {
      await expect(legend.getByRole("checkbox", { name: new RegExp(name) })).toBeChecked();
    }
    await expect(legend.getByRole("checkbox", { name: /(DC|LV AC) cable/ }).first()).toBeChecked();
    await expect(page.locator(".leaflet-network-pane canvas")).toBeVisible();
    await expect(legend.getByRole("checkbox", { name: /Roads/ })).toBeChecked();
    // Switching roads off removes their paths; on again brings them back.
    const roads = page.locator(".leaflet-layout-pane path");
    const n = await roads.count();
    expect(n).toBeGreaterThan(0);
    await legend.getByRole("checkbox", { name: /Roads/ }).uncheck();
    await expect(roads).toHaveCount(0);
    await legend.getByRole("checkbox", { name: /Roads/ }).check();
    await expect(roads).toHaveCount(n);
  });

  await test.step("the unreachable station is outlined and counted", async () => {
    await expect(legend).toContainText("No road reaches it");
    await expect(page.locator(".leaflet-equipment-pane path[stroke='#dc2626']").first()).toBeAttached();
  });

  await test.step("roads take their true width when zoomed in", async () => {
    await page.getByRole("button", { name: "Zoom the map to the layout" }).click();
    await page.waitForTimeout(600);
    const widest = async () => Math.max(...(await page.locator(".leaflet-layout-pane path").evaluateAll((ps) => ps.map((p) => Number(p.getAttribute("stroke-width"))))));
    const before = await widest();
    // Up to 3 zoom steps (the button is disabled at the map's maximum zoom).
    const zoomIn = page.locator("a.leaflet-control-zoom-in");
    for (let i = 0; i < 3; i++) {
      if ((await zoomIn.getAttribute("class"))?.includes("leaflet-disabled")) break;
      await zoomIn.click();
      await page.waitForTimeout(400);
    }
    const after = await widest();
    // 2-3 zoom steps = 4-8 × the scale: a 5-6 m road is well over its 5 px class line by then.
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThan(8);
  });

  await test.step("a power station is clickable with its properties", async () => {
    await page.getByRole("button", { name: "Zoom the map to the layout" }).click();
    await page.waitForTimeout(600);
    const station = page.locator(".leaflet-equipment-pane path[fill='#0891b2']").first(); // a power station
    await station.click({ force: true });
    const popup = page.locator(".leaflet-popup-content");
    await expect(popup).toBeVisible();
    await expect(popup).toContainText(/AC power|Capacity/);
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Zoom the map to the layout" }).click();
    await page.waitForTimeout(600);
    await shot(page, "21-layered-map");
  });

  await test.step("the layout's PDF report: its first page as a PNG for a person to look at", async () => {
    const res = await request.get(`/api/layouts/${layoutId}/export/pdf`, { headers: { Authorization: `Bearer ${a.token}` } });
    expect(res.status()).toBe(200);
    const pdf = path.join(SHOTS, "22-pdf-report.pdf");
    fs.writeFileSync(pdf, await res.body());
    // Poppler's pdftoppm renders page 1 (apt-get install poppler-utils); without it the PDF is kept.
    try {
      execFileSync("pdftoppm", ["-f", "1", "-l", "1", "-r", "100", "-png", "-singlefile", pdf, path.join(SHOTS, "22-pdf-page-1")]);
      expect(fs.existsSync(path.join(SHOTS, "22-pdf-page-1.png"))).toBe(true);
    } catch (err) {
      console.log(`e2e: pdftoppm unavailable, kept ${pdf} (${(err as Error).message.split("\n")[0]})`);
    }
  });
});

test("3. sessions and forms that behave", async ({ page, request }) => {
  await page.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  const ada = await account(request, "ada");
  const bob = await account(request, "bob");
  const adaSite = await uploadSite(request, ada, "Ada's parcel");

  await test.step("a login starts at that user's own sites, not the last user's page", async () => {
    await logIn(page, ada);
    await page.goto(`/sites/${adaSite}`);
    await expect(page.getByRole("heading", { name: "Ada's parcel" })).toBeVisible();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Email").fill(bob.email);
    await page.getByLabel("Password").fill(bob.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/sites$/);
    await expect(page.getByText(/No sites yet/)).toBeVisible();
    await expect(page.getByText("Could not load the site")).toHaveCount(0);
    await page.getByRole("button", { name: "Log out" }).click();
  });

  await test.step("the generate form keeps its values per site across a reload", async () => {
    await logIn(page, ada);
    await page.goto(`/sites/${adaSite}`);
    await page.getByLabel("Target capacity").fill("20");
    await page.getByLabel("Structure").selectOption("tracker");
    await page.reload();
    await expect(page.getByLabel("Target capacity")).toHaveValue("20");
    await expect(page.getByLabel("Structure")).toHaveValue("tracker");
  });

  await test.step("with the DEM unavailable, Generate with terrain is refused with the reason and the fix", async () => {
    // The e2e DEM is flat and always there: the terrain endpoints answer as the API does when the
    // elevation service is down (503, DemUnavailable).
    await page.route(/\/api\/sites\/[^/]+\/terrain\//, (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ detail: "Failed to fetch DEM data: the elevation service is unavailable; try again later" }) }),
    );
    await page.reload();
    const terrain = page.getByLabel("Use terrain (slope, earthwork)");
    if (!(await terrain.isChecked())) await terrain.check();
    await expect(page.getByTestId("dem-unavailable")).toContainText("Turn off Use terrain, or upload a DEM");
    await expect(page.getByRole("button", { name: "Generate layout" })).toBeDisabled();
    await terrain.uncheck();
    await expect(page.getByRole("button", { name: "Generate layout" })).toBeEnabled();
    await page.unroute(/\/api\/sites\/[^/]+\/terrain\//);
  });

  await test.step("the resolution follows the site's DEM (a ≈ 93 m DEM like the demo's): no avoidable warning", async () => {
    // The e2e DEM is flat (no native size): the summary reports the demo DEM's ≈ 92.6 m cells.
    await page.route(/\/api\/sites\/[^/]+\/terrain\/summary/, async (route) => {
      const real = await route.fetch();
      const body = await real.json();
      await route.fulfill({ response: real, json: { ...body, native_resolution_m: 92.6, native_cell_size_m: [74.4, 92.6] } });
    });
    await page.evaluate(`localStorage.removeItem("sitelayouts.generate.${adaSite}")`);
    await page.reload();
    await expect(page.getByLabel("DEM resolution")).toHaveValue("93");
    await page.getByLabel("DEM resolution").selectOption("10");
    await expect(page.getByTestId("resolution-hint")).toContainText("≈ 93 m cells");
    await page.unroute(/\/api\/sites\/[^/]+\/terrain\/summary/);
  });
});
