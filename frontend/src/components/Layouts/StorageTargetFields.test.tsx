import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { hasStorage, storageParams, windowLength } from "../../api/hybrid";
import type { Profile } from "../../api/types";
import { PROFILES } from "../../test/fixtures";
import { GenerateForm } from "./GenerateForm";
import { EMPTY_STORAGE, storageTarget, type StorageFields } from "./StorageTargetFields";

const firm = (over: Partial<StorageFields> = {}): StorageFields => ({ ...EMPTY_STORAGE, mode: "firm", firmMw: "10", ...over });

describe("storageTarget (validation)", () => {
  it("gives no target for the profile default", () => {
    expect(storageTarget(EMPTY_STORAGE)).toBeUndefined();
  });

  it("reads a firm target, the share of days from % to 0..1", () => {
    expect(storageTarget(firm({ firmHours: "3", windowStart: "17", windowEnd: "21", daysSharePct: "95" }))).toEqual({
      kind: "firm",
      firmMw: 10,
      firmHours: 3,
      window: [17, 21],
      daysShare: 0.95,
    });
  });

  it.each<[Partial<StorageFields>, string]>([
    [{ firmMw: "" }, "Enter the firm power."],
    [{ firmMw: "0" }, "The firm power must be more than 0 and at most 10,000 MW."],
    [{ firmMw: "-5" }, "The firm power must be more than 0 and at most 10,000 MW."],
    [{ windowStart: "18.5" }, "The window start must be a whole hour from 0 to 23."],
    [{ windowStart: "24" }, "The window start must be a whole hour from 0 to 23."],
    [{ windowEnd: "25" }, "The window end must be a whole hour from 1 to 24."],
    [{ windowEnd: "0" }, "The window end must be a whole hour from 1 to 24."],
    [{ windowStart: "0", windowEnd: "24" }, "The window must not start and end at the same hour"],
    [{ windowStart: "22", windowEnd: "2", firmHours: "5" }, "The firm hours (5 h) must fit in the window (22–2, 4 h)."],
    [{ firmHours: "0" }, "The firm hours must be more than 0 and at most 24 h."],
    [{ firmHours: "5" }, "The firm hours (5 h) must fit in the window (18–22, 4 h)."],
    [{ daysSharePct: "0" }, "The share of days must be more than 0 and at most 100 %."],
    [{ daysSharePct: "120" }, "The share of days must be more than 0 and at most 100 %."],
  ])("refuses %o: %s", (over, message) => {
    expect(() => storageTarget(firm(over))).toThrow(message);
  });

  it("accepts a window over midnight, counted as the backend does", () => {
    expect(storageTarget(firm({ windowStart: "22", windowEnd: "2", firmHours: "4" }))).toMatchObject({ window: [22, 2], firmHours: 4 });
    expect(windowLength(18, 22)).toBe(4);
    expect(windowLength(22, 2)).toBe(4);
    expect(windowLength(23, 24)).toBe(1);
    expect(windowLength(1, 24)).toBe(23);
  });

  it("reads a fixed size and refuses a missing or non-positive one", () => {
    const fixed = { ...EMPTY_STORAGE, mode: "fixed" as const, fixedMw: "20", fixedMwh: "80" };
    expect(storageTarget(fixed)).toEqual({ kind: "fixed", mw: 20, mwh: 80 });
    expect(() => storageTarget({ ...fixed, fixedMwh: "" })).toThrow("Enter the storage energy.");
    expect(() => storageTarget({ ...fixed, fixedMw: "0" })).toThrow("The storage power must be more than 0");
    expect(() => storageTarget({ ...fixed, fixedMwh: "100001" })).toThrow("The storage energy must be more than 0 and at most 100,000 MWh.");
  });
});

describe("storageParams (the API's names)", () => {
  it("maps a firm target and a fixed size to the generate body's `storage` object", () => {
    expect(storageParams({ kind: "firm", firmMw: 10, firmHours: 4, window: [18, 22], daysShare: 0.9 })).toEqual({
      firm_power_mw: 10,
      firm_hours: 4,
      firm_window: [18, 22],
      firm_days_share: 0.9,
    });
    expect(storageParams({ kind: "fixed", mw: 20, mwh: 80 })).toEqual({ power_mw: 20, energy_mwh: 80 });
  });

  it("applies to the profiles that place storage", () => {
    expect(["bess", "hybrid", "gas_bess", "wind_hybrid"].every(hasStorage)).toBe(true);
    expect(hasStorage("solar_farm")).toBe(false);
  });
});

const profiles: Profile[] = [
  ...PROFILES.data,
  { name: "wind_hybrid", label: "Wind + solar + BESS", description: "Hybrid.", asset_types: { wind_turbine: { label: "Wind turbine" }, pv_block: { label: "PV block" }, bess: { label: "Battery" } } },
];

// Many keystrokes: a generous limit so a busy CI machine does not fail them on time alone.
describe("GenerateForm storage target", { timeout: 15_000 }, () => {
  it("is offered for storage profiles only and sends nothing when left at the profile default", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup({ delay: null }); // no pause between keystrokes: values are checked, not timing
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={onSubmit} />);
    expect(screen.queryByRole("group", { name: "Storage target" })).not.toBeInTheDocument(); // solar_farm
    await user.selectOptions(screen.getByLabelText("Profile"), "bess");
    expect(screen.getByRole("group", { name: "Storage target" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit.mock.calls[0][0]).not.toHaveProperty("storage");
  });

  it("sends a firm-power target as `storage` and refuses one that does not fit its window", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup({ delay: null }); // no pause between keystrokes: values are checked, not timing
    render(<GenerateForm profiles={profiles} asyncMode onSubmit={onSubmit} />);
    await user.selectOptions(screen.getByLabelText("Profile"), "wind_hybrid");
    await user.selectOptions(screen.getByLabelText("Size the storage"), "firm");
    await user.type(screen.getByLabelText("Firm power (MW)"), "12");
    await user.clear(screen.getByLabelText("Firm hours (h)"));
    await user.type(screen.getByLabelText("Firm hours (h)"), "6");
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByRole("alert")).toHaveTextContent("The firm hours (6 h) must fit in the window (18–22, 4 h).");
    await user.clear(screen.getByLabelText("Window start (h)"));
    await user.type(screen.getByLabelText("Window start (h)"), "16");
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({
        profile: "wind_hybrid",
        storage: { firm_power_mw: 12, firm_hours: 6, firm_window: [16, 22], firm_days_share: 0.9 },
      }),
    );
  });

  it("sends a fixed MW / MWh and keeps the choice per site across a reload", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup({ delay: null }); // no pause between keystrokes: values are checked, not timing
    const { unmount } = render(<GenerateForm siteId="s-storage" profiles={profiles} asyncMode onSubmit={onSubmit} />);
    await user.selectOptions(screen.getByLabelText("Profile"), "bess");
    await user.selectOptions(screen.getByLabelText("Size the storage"), "fixed");
    await user.type(screen.getByLabelText("Storage power (MW)"), "20");
    await user.type(screen.getByLabelText("Storage energy (MWh)"), "80");
    await user.click(screen.getByRole("button", { name: "Generate layout" }));
    expect(onSubmit).toHaveBeenCalledWith(expect.objectContaining({ storage: { power_mw: 20, energy_mwh: 80 } }));
    unmount();
    render(<GenerateForm siteId="s-storage" profiles={profiles} asyncMode onSubmit={vi.fn()} />);
    expect(screen.getByLabelText("Size the storage")).toHaveValue("fixed");
    expect(screen.getByLabelText("Storage energy (MWh)")).toHaveValue(80);
    localStorage.clear();
  });
});
