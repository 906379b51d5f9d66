import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { GenerateForm } from "./GenerateForm";
import { PROFILES } from "../../test/fixtures";

const profiles = PROFILES.data;

describe("GenerateForm", () => {
  it("every field is labelled and the defaults submit MW converted to kW", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={onSubmit} />);
    for (const label of ["Target capacity", "Unit", "Profile", "Strategy", "DEM resolution", "Setback (m)", "Use terrain (slope, earthwork)"]) {
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    }
    expect(screen.getByText("Fixed-tilt PV blocks with power stations.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).toHaveBeenCalledWith({
      target_capacity_kw: 5000,
      profile: "solar_farm",
      strategy: "balanced",
      use_terrain: true,
      dem_resolution_m: 10,
    });
  });

  it("submits kW, the chosen profile, strategy, terrain and resolution", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={onSubmit} />);
    const cap = screen.getByLabelText("Target capacity");
    await user.clear(cap);
    await user.type(cap, "750");
    await user.selectOptions(screen.getByLabelText("Unit"), "kW");
    await user.selectOptions(screen.getByLabelText("Profile"), "bess");
    await user.selectOptions(screen.getByLabelText("Strategy"), "low_earthwork");
    await user.selectOptions(screen.getByLabelText("DEM resolution"), "30");
    await user.type(screen.getByLabelText("Setback (m)"), "25");
    await user.click(screen.getByLabelText("Use terrain (slope, earthwork)"));
    expect(screen.getByLabelText("DEM resolution")).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).toHaveBeenCalledWith({
      target_capacity_kw: 750,
      profile: "bess",
      strategy: "low_earthwork",
      use_terrain: false,
      dem_resolution_m: 30,
      setback_m: 25,
    });
  });

  it("rejects a capacity of zero with an announced message", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={onSubmit} />);
    const cap = screen.getByLabelText("Target capacity");
    await user.clear(cap);
    await user.type(cap, "0");
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Enter a target capacity greater than zero.");
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("is disabled with a reason while a job runs", () => {
    render(<GenerateForm profiles={profiles} asyncMode disabled disabledReason="A layout is being generated for this site." onSubmit={vi.fn()} />);
    expect(screen.getByRole("button", { name: "Generate layout" })).toBeDisabled();
    expect(screen.getByText("A layout is being generated for this site.")).toBeInTheDocument();
  });
  it("sends the PV design of a solar profile as `pv`: tracker, module, GCR, DC/AC and slope limits", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={onSubmit} />);
    expect(screen.getByRole("group", { name: "PV design" })).toBeInTheDocument();
    expect(screen.getByLabelText("Module")).toHaveAttribute("placeholder", expect.stringContaining("580 W"));
    await user.selectOptions(screen.getByLabelText("Structure"), "tracker");
    expect(screen.queryByLabelText("Tilt (°)")).not.toBeInTheDocument();
    await user.type(screen.getByLabelText("Module"), "Jinko Solar Co. Ltd JKM550M-72HL4-V");
    await user.type(screen.getByLabelText("GCR"), "0.35");
    await user.type(screen.getByLabelText("DC/AC ratio"), "1.3");
    await user.type(screen.getByLabelText("Max slope along axis (%)"), "12");
    await user.type(screen.getByLabelText("Max slope across axis (%)"), "8");
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({
        pv: {
          structure: "tracker",
          module: "Jinko Solar Co. Ltd JKM550M-72HL4-V",
          gcr: 0.35,
          dc_ac_ratio: 1.3,
          max_slope_along_pct: 12,
          max_slope_across_pct: 8,
        },
      }),
    );
  });

  it("fixed tilt by pitch and tilt; out-of-range values are refused with the range", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={onSubmit} />);
    await user.selectOptions(screen.getByLabelText("Spacing by"), "pitch");
    await user.type(screen.getByLabelText("Pitch (m)"), "9.5");
    await user.type(screen.getByLabelText("Tilt (°)"), "75");
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByRole("alert")).toHaveTextContent("Tilt must be between 0 and 60.");
    await user.clear(screen.getByLabelText("Tilt (°)"));
    await user.type(screen.getByLabelText("Tilt (°)"), "25");
    await user.type(screen.getByLabelText("Max slope (°)"), "8");
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).toHaveBeenCalledWith(expect.objectContaining({ pv: { structure: "fixed", pitch_m: 9.5, tilt_deg: 25, max_slope_deg: 8 } }));
  });

  it("offers no PV design for a profile without PV", async () => {
    const user = userEvent.setup();
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={vi.fn()} />);
    await user.selectOptions(screen.getByLabelText("Profile"), "bess");
    expect(screen.queryByRole("group", { name: "PV design" })).not.toBeInTheDocument();
  });
});
