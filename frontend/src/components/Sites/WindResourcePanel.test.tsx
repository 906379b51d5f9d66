import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockFetch, renderWithProviders } from "../../test/utils";
import { WindResourcePanel } from "./WindResourcePanel";

afterEach(() => vi.unstubAllGlobals());

const STORED = {
  site_id: "s1",
  filename: "mast-80m.csv",
  kind: "weibull",
  height_m: 80,
  mean_speed_m_s: 6.9,
  sectors: 12,
  rose: [
    { sector_deg: 0, frequency: 0.25, mean_speed_m_s: 6 },
    { sector_deg: 90, frequency: 0.25, mean_speed_m_s: 7 },
    { sector_deg: 180, frequency: 0.2, mean_speed_m_s: 6.5 },
    { sector_deg: 270, frequency: 0.3, mean_speed_m_s: 8 },
  ],
  hourly_synthesised: true,
  warnings: ["sector frequencies sum to 0.998: normalised"],
};

const file = () => new File(["sector_deg,frequency,weibull_a_m_s,weibull_k,height_m\n0,1,7,2,80\n"], "mast-80m.csv", { type: "text/csv" });

describe("WindResourcePanel", () => {
  it("says when the site has none, uploads the file as multipart `file` and shows what was stored", async () => {
    let stored: unknown = null;
    const { calls } = mockFetch((c) => {
      if (c.method === "GET") return stored ? jsonResponse(stored) : jsonResponse({ detail: "no wind resource was uploaded for this site" }, 404);
      stored = STORED;
      return jsonResponse(STORED, 201);
    });
    const user = userEvent.setup();
    renderWithProviders(<WindResourcePanel siteId="s1" />);
    expect(await screen.findByTestId("no-wind-resource")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    const upload = screen.getByRole("button", { name: "Upload wind resource" });
    expect(upload).toBeDisabled();
    await user.upload(screen.getByLabelText(/Wind resource file/), file());
    await user.click(upload);
    const summary = await screen.findByTestId("wind-resource");
    expect(summary).toHaveTextContent("Weibull table by sector");
    expect(summary).toHaveTextContent("Measurement height80 m");
    expect(summary).toHaveTextContent("Mean speed6.9 m/s at that height");
    expect(summary).toHaveTextContent("sector frequencies sum to 0.998: normalised");
    expect(screen.getByText(/they are synthesised from this table/)).toBeInTheDocument();
    expect(screen.getAllByTestId("rose-wedge")).toHaveLength(4); // the rose at 80 m the API returned
    expect(screen.getByRole("img", { name: /Wind rose at 80 m/ })).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.path).toBe("/api/sites/s1/wind");
    expect((post.body as FormData).get("file")).toBeInstanceOf(File);
    expect(((post.body as FormData).get("file") as File).name).toBe("mast-80m.csv");
    expect(screen.getByRole("button", { name: "Replace wind resource" })).toBeInTheDocument();
  });

  it("shows the API's error verbatim when the file is refused", async () => {
    const detail = "wind resource: column 'weibull_k' missing (expected sector_deg, frequency, weibull_a_m_s, weibull_k, height_m)";
    mockFetch((c) => (c.method === "GET" ? jsonResponse({ detail: "none" }, 404) : jsonResponse({ detail }, 422)));
    const user = userEvent.setup();
    renderWithProviders(<WindResourcePanel siteId="s1" />);
    await screen.findByTestId("no-wind-resource");
    await user.upload(screen.getByLabelText(/Wind resource file/), file());
    await user.click(screen.getByRole("button", { name: "Upload wind resource" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(detail);
  });

  it("shows a stored time series and removes it", async () => {
    const { calls } = mockFetch((c) =>
      c.method === "DELETE" ? jsonResponse(null, 204) : jsonResponse({ kind: "timeseries", measurement_height_m: 100, mean_speed_m_s: 7.4, warnings: [] }),
    );
    const user = userEvent.setup();
    renderWithProviders(<WindResourcePanel siteId="s1" />);
    const summary = await screen.findByTestId("wind-resource");
    expect(summary).toHaveTextContent("Hourly time series");
    expect(summary).toHaveTextContent("100 m");
    expect(screen.queryByText(/synthesised/)).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Remove wind resource" }));
    await waitFor(() => expect(screen.getByTestId("no-wind-resource")).toBeInTheDocument());
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/sites/s1/wind")).toBe(true);
  });
});
