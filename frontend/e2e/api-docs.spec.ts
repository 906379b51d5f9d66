/**
 * The API docs render under the app's own Content-Security-Policy with no network beyond this
 * origin: Swagger UI at /docs and ReDoc at /redoc list the API's operations.
 */
import { expect, test, type Page } from "@playwright/test";

type Watch = { offOrigin: string[]; cspErrors: string[]; pageErrors: string[] };

/** Refuse every request that leaves the app's origin (as if offline) and record CSP refusals. */
async function watch(page: Page, baseURL: string): Promise<Watch> {
  const origin = new URL(baseURL).origin;
  const w: Watch = { offOrigin: [], cspErrors: [], pageErrors: [] };
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    w.offOrigin.push(url);
    return route.abort();
  });
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) w.cspErrors.push(msg.text());
  });
  page.on("pageerror", (err) => w.pageErrors.push(String(err)));
  return w;
}

/** Operation blocks Swagger UI should draw: one per operation and tag (it repeats an operation under each tag). */
async function operationCount(page: Page): Promise<number> {
  const spec = await (await page.request.get("/openapi.json")).json();
  let n = 0;
  for (const item of Object.values(spec.paths as Record<string, Record<string, { tags?: string[] }>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (["get", "post", "put", "patch", "delete"].includes(method)) n += Math.max(1, op.tags?.length ?? 0);
    }
  }
  return n;
}

test("Swagger UI at /docs lists every operation", async ({ page, baseURL }) => {
  const w = await watch(page, baseURL!);
  const expected = await operationCount(page);
  expect(expected).toBeGreaterThan(10);
  await page.goto("/docs");
  const upload = page.locator(".opblock", { hasText: "/api/sites/upload" });
  await expect(upload.first()).toBeVisible();
  await expect(upload.first().locator(".opblock-summary-method")).toHaveText("POST");
  await expect(page.locator(".opblock")).toHaveCount(expected);
  expect(w.offOrigin).toEqual([]);
  expect(w.cspErrors).toEqual([]);
  expect(w.pageErrors).toEqual([]);
});

test("ReDoc at /redoc lists the operations", async ({ page, baseURL }) => {
  const w = await watch(page, baseURL!);
  await page.goto("/redoc");
  // ReDoc draws one section per operation, headed by its summary ("Upload Site" from upload_site).
  await expect(page.getByRole("heading", { name: /operation\/sites-upload_site Upload Site/ })).toBeAttached();
  await expect(page.getByRole("heading", { name: /operation\/layouts-generate Generate/ })).toBeAttached();
  await expect(page.getByRole("menuitem", { name: "sites" })).toBeVisible();
  expect(w.offOrigin).toEqual([]);
  // ReDoc's sidebar always tries Redocly's logo from their CDN and hides it when that fails; the
  // CSP refusing it is the intended offline behaviour. Anything else refused is a defect.
  expect(w.cspErrors.filter((e) => !e.includes("cdn.redoc.ly/redoc/logo-mini.svg"))).toEqual([]);
  expect(w.pageErrors).toEqual([]);
});
