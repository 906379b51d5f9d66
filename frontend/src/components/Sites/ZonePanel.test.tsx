import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ZonePanel, type ZonePanelProps } from "./ZonePanel";
import { textToPolygon, ringToText } from "../Map/mapGeometry";
import type { Zone } from "../../api/types";

const ZONE: Zone = {
  id: "z1",
  name: "Pond",
  zone_type: "water",
  buffer_m: 10,
  area_ha: 0.52,
  geometry: { type: "Polygon", coordinates: [[[-102.1, 31.9], [-102.099, 31.9], [-102.099, 31.901], [-102.1, 31.9]]] },
};

function setup(overrides: Partial<ZonePanelProps> = {}) {
  const props: ZonePanelProps = {
    zones: [ZONE],
    drawing: false,
    draft: null,
    editingZoneId: null,
    busy: false,
    error: null,
    onStartDraw: vi.fn(),
    onCancelDraw: vi.fn(),
    onCreate: vi.fn(() => Promise.resolve()),
    onStartEdit: vi.fn(),
    onCancelEdit: vi.fn(),
    onSaveEdit: vi.fn(),
    onDelete: vi.fn(),
    ...overrides,
  };
  const utils = render(<ZonePanel {...props} />);
  return { props, ...utils };
}

describe("mapGeometry", () => {
  it("parses typed vertices into a closed polygon and back", () => {
    const poly = textToPolygon("-102.1, 31.9\n-102.099 31.9\n-102.099, 31.901");
    expect(poly.coordinates[0]).toEqual([[-102.1, 31.9], [-102.099, 31.9], [-102.099, 31.901], [-102.1, 31.9]]);
    expect(ringToText(poly).split("\n")).toHaveLength(3);
  });

  it("rejects bad input with a readable message", () => {
    expect(() => textToPolygon("1, 2\n3, 4")).toThrow("A zone needs at least three vertices.");
    expect(() => textToPolygon("1, 2\nabc\n3, 4")).toThrow('Line 2: expected "longitude, latitude".');
    expect(() => textToPolygon("1, 2\n3, 95\n5, 6")).toThrow("Line 2: coordinates out of range.");
  });
});

describe("ZonePanel", () => {
  it("lists zones with type, area and buffer", () => {
    setup();
    const item = screen.getByText("Pond").closest("li")!;
    expect(item).toHaveTextContent("Water · 0.52 ha · buffer 10 m");
  });

  it("creates a zone from typed vertices (keyboard alternative to drawing)", async () => {
    const user = userEvent.setup();
    const { props } = setup({ zones: [] });
    await user.click(screen.getByRole("button", { name: "+ Add exclusion zone" }));
    expect(props.onStartDraw).toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Create zone" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Draw the zone on the map or type at least three vertices.");
    await user.type(screen.getByLabelText("Name"), "Wetland A");
    await user.selectOptions(screen.getByLabelText("Type"), "wetland");
    await user.clear(screen.getByLabelText("Buffer (m)"));
    await user.type(screen.getByLabelText("Buffer (m)"), "25");
    await user.type(screen.getByLabelText("Vertices (longitude, latitude per line)"), "-102.1, 31.9{enter}-102.099, 31.9{enter}-102.099, 31.901");
    await user.click(screen.getByRole("button", { name: "Create zone" }));
    expect(props.onCreate).toHaveBeenCalledWith({
      name: "Wetland A",
      zone_type: "wetland",
      buffer_m: 25,
      geometry: { type: "Polygon", coordinates: [[[-102.1, 31.9], [-102.099, 31.9], [-102.099, 31.901], [-102.1, 31.9]]] },
    });
  });

  it("fills the vertices from a shape drawn on the map", async () => {
    const user = userEvent.setup();
    const { props, rerender } = setup({ zones: [] });
    await user.click(screen.getByRole("button", { name: "+ Add exclusion zone" }));
    rerender(<ZonePanel {...props} drawing />);
    expect(screen.getByRole("status")).toHaveTextContent("Click on the map to place vertices");
    const drawn = ZONE.geometry as NonNullable<ZonePanelProps["draft"]>;
    rerender(<ZonePanel {...props} drawing draft={drawn} />);
    expect(screen.getByLabelText("Vertices (longitude, latitude per line)")).toHaveValue(ringToText(drawn));
    await user.click(screen.getByRole("button", { name: "Create zone" }));
    expect(props.onCreate).toHaveBeenCalledWith(expect.objectContaining({ geometry: drawn, zone_type: "exclusion", buffer_m: 0 }));
  });

  it("edits details; an unchanged vertex list means 'use the shape edited on the map'", async () => {
    const user = userEvent.setup();
    const { props, rerender } = setup();
    await user.click(screen.getByRole("button", { name: "Edit zone Pond" }));
    expect(props.onStartEdit).toHaveBeenCalledWith("z1");
    rerender(<ZonePanel {...props} editingZoneId="z1" />);
    expect(screen.getByLabelText("Vertices (longitude, latitude per line)")).toHaveValue(ringToText(ZONE.geometry));
    await user.clear(screen.getByLabelText("Buffer (m)"));
    await user.type(screen.getByLabelText("Buffer (m)"), "30");
    await user.click(screen.getByRole("button", { name: "Save zone" }));
    expect(props.onSaveEdit).toHaveBeenCalledWith("z1", { name: "Pond", zone_type: "water", buffer_m: 30 }, true);
  });

  it("deletes only after confirmation", async () => {
    const user = userEvent.setup();
    const { props } = setup();
    await user.click(screen.getByRole("button", { name: "Delete zone Pond" }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete exclusion zone?" });
    expect(props.onDelete).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole("button", { name: "Delete zone" }));
    expect(props.onDelete).toHaveBeenCalledWith("z1");
  });
});
