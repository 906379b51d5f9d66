import { isClearSky } from "../../api/design";
import { useLayoutDesign } from "../../hooks/useLayoutDesign";
import { Alert } from "../ui/Alert";
import { Panel } from "../ui/Panel";
import { Spinner } from "../ui/Spinner";
import { BomPanel } from "./BomPanel";
import { CostPanel } from "./CostPanel";
import { ElectricalPanel } from "./ElectricalPanel";
import { EnergyPanel } from "./EnergyPanel";
import { HybridSections, hybridParts } from "./HybridSections";
import "./design.css";

/**
 * Design results of a completed layout, from GET /api/layouts/{id}/design: for hybrids first energy
 * by source, wind, storage and gas (HybridSections, with the layout's metrics and warnings), then
 * energy (open first), cost, electrical design and bill of quantities, each in its own collapsible section. Layouts
 * without a design (gas/BESS, or made before designs) say so instead.
 */
export function DesignPanels({ layoutId, metrics, warnings }: {
  layoutId: string;
  /** the layout's flat metrics: the hybrid figures (wind AEP, plant LCOE …) are there */
  metrics?: Record<string, unknown> | null;
  /** the layout's warnings: those about wind, storage or gas are repeated in their section */
  warnings?: string[];
}) {
  const design = useLayoutDesign(layoutId);
  let body;
  if (design.isPending) body = <Spinner size="sm" label="Loading the design" />;
  else if (design.isError) body = <Alert title="Could not load the design">{design.error.message}</Alert>;
  else if (!design.data) {
    const hybrid = Object.values(hybridParts(null, metrics)).some(Boolean);
    body = (
      <>
        {hybrid && <HybridSections design={null} metrics={metrics} warnings={warnings} />}
      <p className="empty small">
        This layout has no design document: energy, cost, electrical design and quantities are made for PV layouts (not gas/BESS
        layouts, nor layouts generated before designs).
      </p>
      </>
    );
  } else {
    const d = design.data;
    // In a hybrid the energy-yield section is the PV part's alone: say so beside the by-source table.
    const { wind, storage, gas } = hybridParts(d, metrics);
    body = (
      <>
        <HybridSections design={d} metrics={metrics} warnings={warnings} />
        <details className="design-section" open>
          <summary>{wind || storage || gas ? "Energy yield (PV part)" : "Energy yield"}</summary>
          <EnergyPanel energy={d.energy} />
        </details>
        <details className="design-section">
          <summary>Cost</summary>
          <CostPanel cost={d.cost} clearSky={isClearSky(d.energy)} />
        </details>
        <details className="design-section">
          <summary>Electrical</summary>
          <ElectricalPanel electrical={d.electrical} />
        </details>
        <details className="design-section">
          <summary>Bill of quantities</summary>
          <BomPanel bom={d.bom} />
        </details>
      </>
    );
  }
  return <Panel title="Design, energy and cost">{body}</Panel>;
}
