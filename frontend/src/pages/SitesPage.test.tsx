import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SitesPage } from "./SitesPage";
import { jsonResponse, mockFetch, renderWithProviders } from "../test/utils";
import { SITE, SITE_SUMMARY } from "../test/fixtures";
import { Route, Routes, useLocation } from "react-router-dom";

function LocationProbe() {
  return <div data-testid="location">{useLocation().pathname}</div>;
}

const OTHER = { ...SITE_SUMMARY, id: "s2", name: "Arizona parcel", area_ha: 245.3, latest_layout: null };

describe("SitesPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists sites with area, latest layout status and capacity", async () => {
    mockFetch(() => jsonResponse({ data: [SITE_SUMMARY, OTHER], count: 2 }));
    renderWithProviders(<SitesPage />);
    const row = (await screen.findByRole("link", { name: "West Texas parcel" })).closest("tr")!;
    expect(within(row).getByText("25.04 ha")).toBeInTheDocument();
    expect(within(row).getByText("Completed")).toBeInTheDocument();
    expect(within(row).getByText("4 MWac")).toBeInTheDocument();
    const other = screen.getByRole("link", { name: "Arizona parcel" }).closest("tr")!;
    expect(within(other).getByText("245.3 ha")).toBeInTheDocument();
    expect(within(other).getByText("No layout")).toBeInTheDocument();
  });

  it("deletes a site only after confirmation", async () => {
    let sites = [SITE_SUMMARY, OTHER];
    const { calls } = mockFetch(({ method, path }) => {
      if (method === "DELETE" && path === "/api/sites/s2") {
        sites = sites.filter((s) => s.id !== "s2");
        return new Response(null, { status: 204 });
      }
      return jsonResponse({ data: sites, count: sites.length });
    });
    const user = userEvent.setup();
    renderWithProviders(<SitesPage />);

    await user.click(await screen.findByRole("button", { name: "Delete Arizona parcel" }));
    let dialog = screen.getByRole("alertdialog", { name: "Delete site?" });
    expect(dialog).toHaveTextContent("“Arizona parcel” and all of its layouts will be deleted.");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);

    await user.click(screen.getByRole("button", { name: "Delete Arizona parcel" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Delete Arizona parcel" }));
    dialog = screen.getByRole("alertdialog");
    await user.click(within(dialog).getByRole("button", { name: "Delete site" }));
    await waitFor(() => expect(screen.queryByRole("link", { name: "Arizona parcel" })).not.toBeInTheDocument());
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/sites/s2"]);
  });

  it("adds the demo site with one click and opens it", async () => {
    const { calls } = mockFetch(({ method, path }) => {
      if (method === "POST" && path === "/api/sites/demo") return jsonResponse({ ...SITE, id: "demo1", name: "Demo site (Jacksboro, Tennessee)" }, 201);
      return jsonResponse({ data: [], count: 0 });
    });
    const user = userEvent.setup();
    renderWithProviders(
      <Routes>
        <Route path="/sites" element={<SitesPage />} />
        <Route path="/sites/:siteId" element={<LocationProbe />} />
      </Routes>,
      { route: "/sites" },
    );
    await user.click(await screen.findByRole("button", { name: "Try the demo site" }));
    expect(await screen.findByTestId("location")).toHaveTextContent("/sites/demo1");
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/sites/demo"]);
  });

  it("shows an empty state", async () => {
    mockFetch(() => jsonResponse({ data: [], count: 0 }));
    renderWithProviders(<SitesPage />);
    expect(await screen.findByText(/No sites yet/)).toBeInTheDocument();
  });
});
