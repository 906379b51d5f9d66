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
});
