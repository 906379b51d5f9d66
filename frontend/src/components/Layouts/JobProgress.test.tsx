import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { JobProgress, type JobProgressProps } from "./JobProgress";
import type { LayoutStatus } from "../../api/types";

const base: LayoutStatus = {
  layout_id: "L1",
  status: "processing",
  error_message: null,
  stage: "placing_assets",
  progress_pct: 45,
  queued_at: "2026-03-01T10:00:00Z",
  started_at: "2026-03-01T10:00:00Z",
  completed_at: null,
  attempts: 1,
  asset_count: 12,
  road_length_m: 2500,
};

function renderJob(status: Partial<LayoutStatus> | null, props: Partial<JobProgressProps> = {}) {
  const handlers = {
    onCancel: vi.fn(),
    onStopWatching: vi.fn(),
    onResumeWatching: vi.fn(),
    onRetry: vi.fn(),
    onDismiss: vi.fn(),
  };
  render(
    <JobProgress
      layoutId="L1"
      status={status ? { ...base, ...status } : null}
      isPolling
      isWatching
      pollError={null}
      {...handlers}
      {...props}
    />,
  );
  return handlers;
}

describe("JobProgress", () => {
  it("shows spinner, stage, progress bar, asset count, road length and elapsed time while processing", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-03-01T10:01:05Z"));
    renderJob({});
    vi.useRealTimers();
    expect(screen.getByText("Generating layout")).toBeInTheDocument();
    expect(screen.getByText("Placing assets")).toBeInTheDocument();
    const bar = screen.getByRole("progressbar", { name: "Layout generation progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "45");
    expect(screen.getByText("12")).toBeInTheDocument();
    expect(screen.getByText("2.5 km")).toBeInTheDocument();
    expect(screen.getByLabelText("Elapsed time")).toHaveTextContent("1m 05s");
    expect(screen.getByText("Generating", { selector: ".visually-hidden" })).toBeInTheDocument();
  });

  it("shows queued state before the first status arrives", () => {
    renderJob(null);
    expect(screen.getByText("Queued")).toBeInTheDocument();
    expect(screen.getByText("Waiting for a worker")).toBeInTheDocument();
  });

  it("Cancel and Stop watching call their handlers", async () => {
    const user = userEvent.setup();
    const h = renderJob({});
    await user.click(screen.getByRole("button", { name: "Cancel job" }));
    expect(h.onCancel).toHaveBeenCalledOnce();
    await user.click(screen.getByRole("button", { name: "Stop watching" }));
    expect(h.onStopWatching).toHaveBeenCalledOnce();
    expect(h.onRetry).not.toHaveBeenCalled();
  });

  it("offers Resume watching when not watching", async () => {
    const user = userEvent.setup();
    const h = renderJob({}, { isWatching: false, isPolling: false });
    expect(screen.getByText(/keeps running on the server/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Resume watching" }));
    expect(h.onResumeWatching).toHaveBeenCalledOnce();
  });

  it("on failure shows the error message as an alert and a Retry button", async () => {
    const user = userEvent.setup();
    const h = renderJob({ status: "failed", error_message: "Failed to fetch DEM data" });
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Layout generation failed");
    expect(alert).toHaveTextContent("Failed to fetch DEM data");
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(h.onRetry).toHaveBeenCalledOnce();
  });

  it("on completion shows the result summary", () => {
    renderJob({ status: "completed", total_capacity_kw: 4000, asset_count: 5, road_length_m: 800, completed_at: "2026-03-01T10:00:42Z" });
    expect(screen.getByText("Layout ready")).toBeInTheDocument();
    expect(screen.getByText(/4 MWac · 5 assets · 800 m of roads · generated in 42s/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel job" })).not.toBeInTheDocument();
  });

  it("a completed job with a shortfall shows its warnings next to the result", () => {
    renderJob({ status: "completed", total_capacity_kw: 4000, warnings: ["target not reached: placed 4000 of 5000 kW"] });
    expect(screen.getByText("1 warning")).toBeInTheDocument();
    expect(screen.getByText("target not reached: placed 4000 of 5000 kW")).toBeInTheDocument();
  });

  it("a two-second run says so, measured from started_at to completed_at (not 0 s)", () => {
    renderJob({
      status: "completed",
      total_capacity_kw: 4000,
      asset_count: 5,
      road_length_m: 800,
      queued_at: "2026-03-01T09:59:00Z",
      started_at: "2026-03-01T10:00:00.250Z",
      completed_at: "2026-03-01T10:00:02.550Z",
    });
    expect(screen.getByText(/generated in 2\.3 s/)).toBeInTheDocument();
  });

  it("shows a cancelled notice", () => {
    renderJob({ status: "cancelled" });
    expect(screen.getByText("Cancelled")).toBeInTheDocument();
  });

  it("tells the user when a status request failed but keeps the last status", () => {
    renderJob({}, { pollError: new Error("Server error") });
    expect(screen.getByText(/Could not refresh the status \(Server error\)/)).toBeInTheDocument();
    expect(screen.getByText("Placing assets")).toBeInTheDocument();
  });
});
