import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OpsPage } from "../../pages/OpsPage";
import { ADMIN, USER, jsonResponse, mockFetch, renderWithProviders } from "../../test/utils";
import { tokenStore } from "../../api/client";
import type { OpsSummary } from "../../api/types";

const SUMMARY: OpsSummary = {
  queue_depth: 3,
  in_flight: 1,
  dlq_depth: 2,
  oldest_message_age_s: 95,
  layouts_by_status: { completed: 10, failed: 2 },
  jobs_last_hour: { completed: 7, failed: 1, cancelled: 2 },
  processing_p50_s: 12.4,
  processing_p95_s: 61,
  stuck_jobs: [{ layout_id: "stuck-1", heartbeat_at: "2026-03-01T10:00:00Z" }],
  workers: [{ worker_id: "vm:1:abc", last_seen_s: 3.2, alive: true, current_layout_id: null, jobs_done: 4 }],
  healthy: true,
  dlq: [
    { message_id: "m-1", layout_id: "L9", receive_count: 5, sent_at: "2026-03-01T09:00:00Z" },
    { message_id: "m-2", layout_id: "L8", receive_count: 5, sent_at: "2026-03-01T09:05:00Z" },
  ],
};

describe("OpsPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows queue, last-hour outcomes, percentiles, stuck jobs and the DLQ; redrives selected messages", async () => {
    tokenStore.set("tok");
    const { calls } = mockFetch(({ path }) => {
      if (path === "/api/auth/me") return jsonResponse(ADMIN);
      if (path === "/api/ops/dlq/redrive") return jsonResponse({ redriven_layout_ids: ["L8"] });
      return jsonResponse(SUMMARY);
    });
    const user = userEvent.setup();
    renderWithProviders(<OpsPage />);
    const stat = (label: string) => screen.getByText(label, { selector: "dt" }).nextElementSibling?.textContent;
    await screen.findByText("Queue depth");
    expect(stat("Queue depth")).toBe("3");
    expect(stat("Dead-letter queue")).toBe("2");
    expect(stat("Oldest message")).toBe("1m 35s");
    expect(stat("Completed")).toBe("7");
    expect(stat("Failed")).toBe("1");
    expect(stat("Cancelled")).toBe("2");
    expect(stat("p50 processing")).toBe("12s");
    expect(stat("p95 processing")).toBe("1m 01s");
    expect(screen.getByText("stuck-1")).toBeInTheDocument();
    const worker = screen.getByText("vm:1:abc").closest("tr")!;
    expect(worker).toHaveTextContent("Idle");
    expect(worker).toHaveTextContent("3s ago");

    const redrive = screen.getByRole("button", { name: "Redrive selected (0)" });
    expect(redrive).toBeDisabled();
    await user.click(screen.getByRole("checkbox", { name: "Select message m-2" }));
    await user.click(screen.getByRole("button", { name: "Redrive selected (1)" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/api/ops/dlq/redrive")).toBe(true));
    const call = calls.find((c) => c.path === "/api/ops/dlq/redrive")!;
    expect(call.method).toBe("POST");
    expect(JSON.parse(String(call.body))).toEqual({ all: false, message_ids: ["m-2"] });
    expect(await screen.findByText("1 message sent back to the queue.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Redrive all" }));
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/ops/dlq/redrive")).toHaveLength(2));
    expect(JSON.parse(String(calls.filter((c) => c.path === "/api/ops/dlq/redrive")[1].body))).toEqual({ all: true });
  });

  it("survives a summary without queue data and shows what is unhealthy", async () => {
    tokenStore.set("tok");
    mockFetch(({ path }) =>
      path === "/api/auth/me"
        ? jsonResponse(ADMIN)
        : jsonResponse({ healthy: false, database: { ok: true }, queue: { ok: false, error: "SQS unreachable" }, layouts_by_status: {} }),
    );
    renderWithProviders(<OpsPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Queue: SQS unreachable");
    expect(screen.getByText("The dead-letter queue is empty.")).toBeInTheDocument();
  });

  it("is for admins only", async () => {
    tokenStore.set("tok");
    const { calls } = mockFetch(() => jsonResponse(USER));
    renderWithProviders(<OpsPage />);
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("Admins only")).toBeInTheDocument();
    expect(calls.some((c) => c.path.startsWith("/api/ops"))).toBe(false);
  });
});
