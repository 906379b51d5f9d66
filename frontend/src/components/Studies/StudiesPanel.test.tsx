import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonBody, jsonResponse, mockFetch, renderWithProviders } from "../../test/utils";
import { StudiesPanel } from "./StudiesPanel";
import { detail, ROWS } from "./fixtures";

afterEach(() => vi.unstubAllGlobals());

const summary = (d: ReturnType<typeof detail>) => {
  const { rows: _rows, sort: _sort, ...rest } = d;
  return rest;
};

describe("StudiesPanel", () => {
  it("creates a study, follows its progress to the end and shows the comparison", async () => {
    const running = detail({
      progress: { total: 4, queued: 2, processing: 1, completed: 1, failed: 0, cancelled: 0, percent_done: 25, done: false },
      rows: ROWS.map((r, i) => (i === 0 ? r : { ...r, status: "queued", lcoe_usd_per_mwh: null, capex_usd: null, specific_yield_kwh_per_kwp: null })),
    });
    const finished = detail();
    let gets = 0;
    let created = false;
    const { calls } = mockFetch((call) => {
      if (call.method === "GET" && call.path === "/api/sites/site1/studies")
        return jsonResponse({ data: created ? [summary(finished)] : [], count: created ? 1 : 0 });
      if (call.method === "POST" && call.path === "/api/sites/site1/studies") {
        created = true;
        return jsonResponse({ study_id: "s1", variant_count: 4, layout_ids: ["a", "b", "c", "d"], status: "queued" }, 202);
      }
      if (call.method === "GET" && call.path === "/api/studies/s1") return jsonResponse(gets++ === 0 ? running : finished);
      return jsonResponse({ detail: "unexpected" }, 500);
    });
    const user = userEvent.setup();
    renderWithProviders(<StudiesPanel siteId="site1" pollMs={20} />);
    expect(await screen.findByText(/No studies yet/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "New study" }));
    await user.click(screen.getByRole("button", { name: "Run study" }));
    const post = calls.find((c) => c.method === "POST")!;
    expect(jsonBody(post)).toEqual({
      base: { target_capacity_kw: 50000, use_terrain: true },
      grid: { structure: ["fixed", "tracker"], strategy: ["balanced"], gcr: [0.3, 0.4], tilt_deg: [20, 30], dc_ac_ratio: [1.25] },
    });
    // First the running state, then polling reaches the end.
    expect(await screen.findByText(/1 of 4 completed, 1 running, 2 queued/)).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Study progress" })).toHaveAttribute("aria-valuenow", "25");
    expect(await screen.findByText(/3 of 4 completed, 1 failed \(100%\)/)).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Study progress" })).toHaveAttribute("aria-valuenow", "100");
    expect(screen.getAllByTestId("study-row")).toHaveLength(4);
    expect(screen.getAllByTestId("scatter-point")).toHaveLength(3);
    const polls = calls.filter((c) => c.path === "/api/studies/s1").length;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.filter((c) => c.path === "/api/studies/s1").length).toBe(polls); // done: polling stopped
  });

  it("marks a preferred variant and shows the API's refusal", async () => {
    const { calls } = mockFetch((call) => {
      if (call.path === "/api/sites/site1/studies") return jsonResponse({ data: [summary(detail())], count: 1 });
      if (call.method === "GET" && call.path === "/api/studies/s1") return jsonResponse(detail());
      if (call.method === "PUT") return jsonResponse({ detail: "layout_id: layout b is not a variant of study s1" }, 422);
      return jsonResponse({ detail: "unexpected" }, 500);
    });
    const user = userEvent.setup();
    renderWithProviders(<StudiesPanel siteId="site1" pollMs={20} />);
    await user.click(await screen.findByLabelText("Prefer Tracker · GCR 0.3"));
    const put = await waitFor(() => {
      const c = calls.find((x) => x.method === "PUT");
      expect(c).toBeDefined();
      return c!;
    });
    expect(put.path).toBe("/api/studies/s1/preferred");
    expect(jsonBody(put)).toEqual({ layout_id: "b" });
    expect(await screen.findByText("layout_id: layout b is not a variant of study s1")).toBeInTheDocument();
  });
});
