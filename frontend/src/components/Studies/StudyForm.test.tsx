import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { StudyForm, parseList } from "./StudyForm";
import { countVariants } from "./studiesApi";

describe("countVariants", () => {
  it("multiplies the axes and counts trackers once per tilt list", () => {
    expect(countVariants({ structure: ["fixed", "tracker"], gcr: [0.3, 0.4], tilt_deg: [20, 25, 30] })).toBe(2 * 3 + 2);
    expect(countVariants({ gcr: [0.3, 0.4], dc_ac_ratio: [1.2, 1.3], strategy: ["balanced", "density"] })).toBe(8);
    expect(countVariants({})).toBe(1);
  });
});

describe("parseList", () => {
  it("reads commas and spaces, refuses non-numbers", () => {
    expect(parseList("0.3, 0.4 0.5")).toEqual([0.3, 0.4, 0.5]);
    expect(parseList("0.3, x")).toBeNull();
  });
});

describe("StudyForm", () => {
  it("submits the checked structures, strategies and value lists as a grid, MW as kW", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<StudyForm onSubmit={onSubmit} />);
    expect(screen.getByText("6 variants")).toBeInTheDocument(); // fixed × 2 GCR × 2 tilts + tracker × 2 GCR
    await user.click(screen.getByLabelText("density"));
    expect(screen.getByText("12 variants")).toBeInTheDocument();
    const dcac = screen.getByLabelText("DC/AC ratios");
    await user.clear(dcac);
    await user.type(dcac, "1.2, 1.35");
    await user.clear(screen.getByLabelText("Target capacity (MW AC)"));
    await user.type(screen.getByLabelText("Target capacity (MW AC)"), "20");
    await user.click(screen.getByLabelText("Use terrain"));
    await user.type(screen.getByLabelText("Study name"), "Spring");
    expect(screen.getByText("24 variants")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Run study" }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: "Spring",
      base: { target_capacity_kw: 20000, use_terrain: false },
      grid: { structure: ["fixed", "tracker"], strategy: ["balanced", "density"], gcr: [0.3, 0.4], tilt_deg: [20, 30], dc_ac_ratio: [1.2, 1.35] },
    });
  });

  it("leaves out an unchecked axis and refuses a grid over the limit", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<StudyForm onSubmit={onSubmit} />);
    await user.click(screen.getByLabelText("Single-axis tracker"));
    await user.click(screen.getByLabelText("Fixed tilt"));
    const gcr = screen.getByLabelText("GCR values");
    await user.clear(gcr);
    await user.type(gcr, Array.from({ length: 21 }, (_, i) => (0.2 + i * 0.02).toFixed(2)).join(","));
    const tilt = screen.getByLabelText("Tilt values (deg)");
    await user.clear(tilt);
    await user.type(tilt, Array.from({ length: 10 }, (_, i) => 10 + i).join(","));
    // No structure checked: the base structure applies and tilt multiplies: 21 × 10 = 210.
    expect(screen.getByText(/210 variants — over the limit of 200/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run study" })).toBeDisabled();
    await user.clear(tilt);
    await user.type(tilt, "20");
    await user.click(screen.getByRole("button", { name: "Run study" }));
    const body = onSubmit.mock.calls[0][0];
    expect(body.grid.structure).toBeUndefined();
    expect(body.grid.gcr).toHaveLength(21);
  });

  it("names a list that is not numbers", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<StudyForm onSubmit={onSubmit} />);
    await user.type(screen.getByLabelText("GCR values"), ", abc");
    await user.click(screen.getByRole("button", { name: "Run study" }));
    expect(screen.getByRole("alert")).toHaveTextContent("gcr: enter numbers separated by commas.");
    expect(onSubmit).not.toHaveBeenCalled();
  });
});
