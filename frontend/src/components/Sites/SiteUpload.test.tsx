import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SiteUpload } from "./SiteUpload";
import { jsonResponse, mockFetch, renderWithProviders } from "../../test/utils";
import { SITE } from "../../test/fixtures";
import { tokenStore } from "../../api/client";

const kml = () => new File(["<kml></kml>"], "parcel.kml", { type: "application/vnd.google-earth.kml+xml" });

describe("SiteUpload", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("uploads the picked file as multipart with the Bearer token", async () => {
    tokenStore.set("tok");
    const { calls } = mockFetch(() => jsonResponse(SITE, 201));
    const onUploaded = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<SiteUpload onUploaded={onUploaded} />);

    const upload = screen.getByRole("button", { name: "Upload site" });
    expect(upload).toBeDisabled();
    await user.upload(screen.getByLabelText("choose a file"), kml());
    expect(screen.getByText("parcel.kml")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Site name (optional)"), "North field");
    await user.click(upload);

    await waitFor(() => expect(onUploaded).toHaveBeenCalled());
    const call = calls.find((c) => c.path === "/api/sites/upload")!;
    expect(call.method).toBe("POST");
    expect(call.headers.get("Authorization")).toBe("Bearer tok");
    const form = call.body as FormData;
    expect((form.get("file") as File).name).toBe("parcel.kml");
    expect(form.get("name")).toBe("North field");
    expect(await screen.findByText(/Uploaded “West Texas parcel” \(25.04 ha\)/)).toBeInTheDocument();
  });

  it("accepts a dropped file", async () => {
    mockFetch(() => jsonResponse(SITE, 201));
    renderWithProviders(<SiteUpload />);
    const zone = screen.getByTestId("dropzone");
    fireEvent.dragOver(zone, { dataTransfer: { files: [kml()] } });
    expect(zone).toHaveClass("dropzone-active");
    fireEvent.drop(zone, { dataTransfer: { files: [kml()] } });
    expect(zone).not.toHaveClass("dropzone-active");
    expect(screen.getByText("parcel.kml")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Upload site" })).toBeEnabled();
  });

  it("shows the API's error message verbatim in an alert", async () => {
    mockFetch(() => jsonResponse({ detail: "The KML has no Polygon placemark (found 0 placemarks)." }, 422));
    const user = userEvent.setup();
    renderWithProviders(<SiteUpload />);
    await user.upload(screen.getByLabelText("choose a file"), kml());
    await user.click(screen.getByRole("button", { name: "Upload site" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Upload failed");
    expect(alert).toHaveTextContent("The KML has no Polygon placemark (found 0 placemarks).");
  });
});
