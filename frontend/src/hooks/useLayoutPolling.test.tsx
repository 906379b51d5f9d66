import { act, renderHook } from "@testing-library/react";
import { QueryClientProvider, notifyManager } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useLayoutPolling, POLL_INTERVAL_MS } from "./useLayoutPolling";
import { jsonResponse, mockFetch, newQueryClient } from "../test/utils";
import { tokenStore } from "../api/client";
import type { LayoutStatus, LayoutStatusValue } from "../api/types";

const status = (s: LayoutStatusValue, extra: Partial<LayoutStatus> = {}): LayoutStatus => ({
  layout_id: "L1",
  status: s,
  error_message: null,
  stage: s === "processing" ? "placing_assets" : null,
  progress_pct: s === "processing" ? 40 : 0,
  queued_at: "2026-01-01T00:00:00Z",
  started_at: null,
  completed_at: null,
  attempts: 1,
  ...extra,
});

/** Serves the given responses in order (the last one repeats); counts status requests. */
function serveSequence(seq: (LayoutStatus | number)[]) {
  let i = 0;
  return mockFetch(({ path }) => {
    if (!path.startsWith("/api/layouts/L1/status")) return jsonResponse({ detail: "unexpected" }, 404);
    const item = seq[Math.min(i++, seq.length - 1)];
    return typeof item === "number" ? jsonResponse({ detail: "Server error" }, item) : jsonResponse(item);
  });
}

function setup(layoutId: string | null = "L1") {
  const client = newQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return renderHook(({ id }) => useLayoutPolling(id), { wrapper, initialProps: { id: layoutId } });
}

/**
 * Advances the fake clock, then lets real I/O callbacks (Response body reads) and TanStack
 * Query's batched notifications run.
 */
async function tick(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      await vi.advanceTimersByTimeAsync(0);
    }
  });
}

const statusCalls = (calls: { path: string }[]) => calls.filter((c) => c.path.endsWith("/status")).length;

describe("useLayoutPolling", () => {
  beforeEach(() => {
    // deliver query updates in a microtask instead of a timer captured before the fake clock
    notifyManager.setScheduler(queueMicrotask);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    tokenStore.set("tok");
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("polls the status endpoint every 2 seconds with the Bearer token", async () => {
    const { calls } = serveSequence([status("queued"), status("processing")]);
    const { result } = setup();
    await tick(0);
    expect(statusCalls(calls)).toBe(1);
    expect(result.current.status?.status).toBe("queued");
    expect(result.current.isPolling).toBe(true);
    expect(calls[0].headers.get("Authorization")).toBe("Bearer tok");

    await tick(POLL_INTERVAL_MS - 100);
    expect(statusCalls(calls)).toBe(1);
    await tick(100);
    expect(statusCalls(calls)).toBe(2);
    expect(result.current.status?.status).toBe("processing");
    expect(result.current.status?.progress_pct).toBe(40);

    await tick(POLL_INTERVAL_MS * 3);
    expect(statusCalls(calls)).toBe(5);
  });

  it.each(["completed", "failed", "cancelled"] as const)("stops polling once the layout is %s", async (terminal) => {
    const { calls } = serveSequence([status("processing"), status(terminal, { error_message: terminal === "failed" ? "DEM unavailable" : null })]);
    const { result } = setup();
    await tick(0);
    await tick(POLL_INTERVAL_MS);
    expect(result.current.status?.status).toBe(terminal);
    expect(result.current.isPolling).toBe(false);
    const n = statusCalls(calls);
    expect(n).toBe(2);

    await tick(POLL_INTERVAL_MS * 10);
    expect(statusCalls(calls)).toBe(n);
    if (terminal === "failed") expect(result.current.status?.error_message).toBe("DEM unavailable");
  });

  it("keeps polling after a failed request and keeps the last status", async () => {
    const { calls } = serveSequence([status("processing"), 500, status("processing", { progress_pct: 80 }), status("completed")]);
    const { result } = setup();
    await tick(0);
    expect(result.current.status?.progress_pct).toBe(40);

    await tick(POLL_INTERVAL_MS);
    expect(statusCalls(calls)).toBe(2);
    expect(result.current.error?.message).toBe("Server error");
    expect(result.current.status?.status).toBe("processing");
    expect(result.current.isPolling).toBe(true);

    await tick(POLL_INTERVAL_MS);
    expect(result.current.error).toBeNull();
    expect(result.current.status?.progress_pct).toBe(80);

    await tick(POLL_INTERVAL_MS);
    expect(result.current.status?.status).toBe("completed");
    expect(result.current.isPolling).toBe(false);
    await tick(POLL_INTERVAL_MS * 5);
    expect(statusCalls(calls)).toBe(4);
  });

  it("keeps polling when the network itself fails", async () => {
    let n = 0;
    const { calls } = mockFetch(() => {
      n += 1;
      if (n === 2) throw new TypeError("Failed to fetch");
      return jsonResponse(status(n >= 3 ? "completed" : "processing"));
    });
    const { result } = setup();
    await tick(0);
    await tick(POLL_INTERVAL_MS);
    expect(result.current.error).not.toBeNull();
    expect(result.current.isPolling).toBe(true);
    await tick(POLL_INTERVAL_MS);
    expect(result.current.status?.status).toBe("completed");
    expect(calls.length).toBe(3);
  });

  it("stop watching only stops polling; resume starts again", async () => {
    const { calls } = serveSequence([status("processing")]);
    const { result } = setup();
    await tick(0);
    expect(statusCalls(calls)).toBe(1);

    act(() => result.current.stopWatching());
    expect(result.current.isPolling).toBe(false);
    expect(result.current.isWatching).toBe(false);
    await tick(POLL_INTERVAL_MS * 5);
    expect(statusCalls(calls)).toBe(1);
    expect(result.current.status?.status).toBe("processing");
    // no cancel request was sent
    expect(calls.every((c) => c.method === "GET")).toBe(true);

    act(() => result.current.resumeWatching());
    await tick(POLL_INTERVAL_MS);
    expect(statusCalls(calls)).toBeGreaterThanOrEqual(2);
    expect(result.current.isPolling).toBe(true);
  });

  it("does nothing without a layout id and starts when one is given", async () => {
    const { calls } = serveSequence([status("queued")]);
    const { result, rerender } = setup(null);
    await tick(POLL_INTERVAL_MS * 3);
    expect(calls).toHaveLength(0);
    expect(result.current.isPolling).toBe(false);
    expect(result.current.status).toBeNull();

    rerender({ id: "L1" });
    await tick(0);
    expect(statusCalls(calls)).toBe(1);
    expect(result.current.isPolling).toBe(true);
  });
});
